/**
 * The emulated Agora Flexible Classroom over raw HTTP with the seed's own request bodies (agora.md §12):
 * token auth only (Basic is refused), the room lifecycle and its 404/409, recording start/update/stop in
 * the task ledger, properties, kick, and the `sequences` event feed with its nextId cursor. Runs on the
 * shared emulator (its own room UUIDs, its own App ID region `eu` for the feed).
 */
import { RtmTokenBuilder } from 'agora-token';
import { agoraJson, APP, AUTH, send } from '../helpers/agora-http';
import { EmulatorControl } from '../helpers/emulator';
import { uniqueId } from '../helpers/wait';
import { EMULATOR_AGORA } from '../../emulator/defaults';

const url = process.env.RTCFLOW_TEST_EMULATOR_URL!;
const control = new EmulatorControl(url);
const token = RtmTokenBuilder.buildToken(APP, EMULATOR_AGORA.appCertificate, 'teacher-1', 3600);
const HEADERS = { authorization: `agora token=${token}`, 'x-agora-uid': 'teacher-1' };
const room = (region: string, uuid: string) => `/${region}/edu/apps/${APP}/v2/rooms/${uuid}`;
const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = HEADERS) => agoraJson(url, method, path, body, headers);
const feed = (region: string, q = '') => send(url, 'GET', `/${region}/edu/polling/apps/${APP}/v2/rooms/sequences${q}`, { headers: HEADERS });

test('auth is a Signaling token: Basic, a token for another uid or none is 401', async () => {
  const uuid = uniqueId('fc-auth');
  const body = { roomName: 'Math', roomType: 4 };
  expect((await call('POST', room('na', uuid), body, { authorization: AUTH })).status).toBe(401);
  expect((await call('POST', room('na', uuid), body, { authorization: `agora token=${token}`, 'x-agora-uid': 'someone' })).status).toBe(401);
  expect((await call('POST', room('na', uuid), body, { 'x-agora-token': token, 'x-agora-uid': 'teacher-1', authorization: '' })).status).toBe(200);
  const log = (await control.requests({ product: 'flexible-classroom' })).filter((e) => e.path.includes(uuid));
  expect(log.map((e) => e.status)).toEqual([401, 401, 200]);
});

test("the seed's calls on one room: create (409 again), state, recording start/update/stop, list, kick, properties; the feed pages by nextId", async () => {
  const uuid = uniqueId('fc-room');
  const start = await feed('eu');
  const from: string = start.body.data.nextId;
  const created = await call('POST', room('eu', uuid), {
    roomName: 'Physics',
    roomType: 4,
    roomProperties: {
      schedule: { startTime: 1655452800000, duration: 600, closeDelay: 300 },
      processes: { handsUp: { maxAccept: 10 } },
      hostingScene: { videoURL: 'https://url', finishType: 1 },
    },
  });
  expect(created.status).toBe(200);
  expect(created.body).toMatchObject({ code: 0, data: { roomUuid: uuid, roomType: 4 } });
  expect((await call('POST', room('eu', uuid), { roomName: 'Physics', roomType: 4 })).status).toBe(409);
  expect((await call('PUT', `${room('na', uuid)}/states/1`)).status).toBe(404); // rooms live in their region
  expect((await call('PUT', `${room('eu', uuid)}/states/7`)).status).toBe(400);
  expect((await call('PUT', `${room('eu', uuid)}/states/1`)).body).toMatchObject({ code: 0 });

  const rec = await call('PUT', `${room('eu', uuid)}/records/states/1`, {
    mode: 'web',
    webRecordConfig: { url: 'https://webdemo.agora.io/x/?roomUuid=r', rootUrl: 'https://xxx.yyy.zzz' },
    retryTimeout: 60,
  });
  expect(rec.body.data).toMatchObject({ recordId: expect.any(String), sid: expect.any(String) });
  expect(await control.tasks({ cname: uuid, running: true })).toEqual([expect.objectContaining({ product: 'flexible-classroom', billing: true })]);
  expect((await call('PUT', `${room('eu', uuid)}/records/states/1`, { webRecordConfig: { onhold: false } })).body.data.recordId).toBe(rec.body.data.recordId);
  expect((await call('PUT', `${room('eu', uuid)}/records/states/0`)).status).toBe(200);
  expect((await call('PUT', `${room('eu', uuid)}/records/states/0`)).status).toBe(200);
  expect(await control.tasks({ cname: uuid, running: true })).toEqual([]);
  const records = await call('GET', `${room('eu', uuid)}/records`);
  expect(records.body.data.list).toEqual([expect.objectContaining({ recordId: rec.body.data.recordId, status: 2, endTime: expect.any(Number) })]);

  expect((await call('POST', `${room('eu', uuid)}/users/student-1/exit`, { dirty: { state: 1, duration: 600 } })).status).toBe(200);
  expect((await call('PUT', `${room('eu', uuid)}/properties`, { properties: { key1: 'value1', key2: 'value2' }, cause: {} })).status).toBe(200);
  expect((await call('DELETE', `${room('eu', uuid)}/properties`, { properties: { key1: 'value1' }, cause: {} })).status).toBe(200);
  expect((await call('PUT', `${room('eu', uuid)}/users/student-1/properties`, { properties: { key1: 'v' }, cause: {} })).status).toBe(200);
  expect((await call('PUT', `${room('eu', uuid)}/extApps/countdown/properties`, { properties: {}, common: { state: 0 }, cause: {} })).status).toBe(200);
  expect((await call('DELETE', `${room('eu', uuid)}/extApps/countdown/properties`, { properties: ['key-path1', 'key-path2'], cause: {} })).status).toBe(200);
  expect((await call('PUT', `${room('eu', uuid)}/properties`, { properties: 'nope' })).status).toBe(400);
  const view = (await control.json<{ rooms: Array<Record<string, any>> }>('GET', '/_emulator/agora/classroom/rooms')).rooms.find((r) => r.roomUuid === uuid)!;
  expect(view).toMatchObject({ state: 1, kicked: ['student-1'], userProperties: { 'student-1': { key1: 'v' } } });
  expect(view.roomProperties).toMatchObject({ key2: 'value2' });
  expect(view.roomProperties.key1).toBeUndefined();

  const page1 = await feed('eu', `?nextId=${from}&count=3`);
  expect(page1.body.data.list.map((s: { cmd: string }) => s.cmd)).toEqual(['roomCreated', 'roomStateChanged', 'recordingStarted']);
  const page2 = await feed('eu', `?nextId=${page1.body.data.nextId}&count=100`);
  expect(page2.body.data.list.map((s: { cmd: string }) => s.cmd)).toEqual([
    'recordingUpdated',
    'recordingStopped',
    'userKicked',
    'roomPropertiesUpdated',
    'roomPropertiesDeleted',
    'userPropertiesUpdated',
    'extAppPropertiesUpdated',
    'extAppPropertiesDeleted',
  ]);
  // caught up: the cursor holds, and nothing repeats
  const page3 = await feed('eu', `?nextId=${page2.body.data.nextId}`);
  expect(page3.body.data).toMatchObject({ list: [], nextId: page2.body.data.nextId });
  expect((await feed('eu', '?count=0')).status).toBe(400);
});
