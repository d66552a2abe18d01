/**
 * The emulated Agora Cloud Transcoder over HTTP, checked against the documented behaviour (agora.md §8,
 * §14.7). This file owns its emulator process so it can move the emulator's clock.
 */
import { EmulatorControl, spawnEmulator, type SpawnedEmulator } from '../helpers/emulator';
import { APP, audioOnlyBody, BAD_AUTH, call, transcoderCreateBody } from '../helpers/agora-rtsc';
import { uniqueId } from '../helpers/wait';

const FROZEN = 0.001;
let emu: SpawnedEmulator;
let control: EmulatorControl;

beforeAll(async () => {
  // a nearly frozen clock (1 emulated ms per real second): every window moves only when a test advances it
  emu = await spawnEmulator({ timeScale: FROZEN });
  control = new EmulatorControl(emu.url);
});
afterAll(async () => {
  await emu?.stop();
});
beforeEach(() => control.advanceClock(1_100));
afterEach(() => control.clearFaults());

const t = (path: string) => `/v1/projects/${APP}/rtsc/cloud-transcoder${path}`;
const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, opts?: Parameters<typeof call>[4]) => call(emu.url, method, path, body, opts);

async function acquire(instanceId = 'testtranscoding01'): Promise<string> {
  const r = await api('POST', t('/builderTokens'), { instanceId });
  expect(r.status).toBe(200);
  return r.body.tokenName;
}

/** acquire, then create right away (within the 2-second window); fresh rate-limit windows first. */
async function createFresh(body: unknown) {
  await control.advanceClock(1_100);
  const token = await acquire();
  const r = await api('POST', t(`/tasks?builderToken=${token}`), body);
  return { token, r, taskId: r.body?.taskId as string };
}

/** A controlled input channel with hosts 123 and 456 publishing, and an empty controlled output channel. */
async function channels(prefix: string, hosts = ['123', '456']) {
  const input = uniqueId(`${prefix}-in`);
  const output = uniqueId(`${prefix}-out`);
  await control.emptyChannel(APP, input);
  for (const h of hosts) await control.join(APP, input, h);
  await control.emptyChannel(APP, output);
  return { input, output };
}

/** Mutates a copy of a body's transcoder config. */
function changed(body: ReturnType<typeof transcoderCreateBody>, edit: (tc: any) => void) {
  const copy = JSON.parse(JSON.stringify(body));
  edit(copy.services.cloudTranscoder.config.transcoder);
  return copy;
}

test('acquire answers the saved example shape; auth and instanceId are checked', async () => {
  const r = await api('POST', t('/builderTokens'), { instanceId: 'testtranscoding01' });
  expect(r).toMatchObject({ status: 200, body: { createTs: expect.any(Number), instanceId: 'testtranscoding01', tokenName: expect.any(String) } });
  expect(await api('POST', t('/builderTokens'), { instanceId: 'bad/id' })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/instanceId/) } });
  expect((await api('POST', t('/builderTokens'), {})).status).toBe(400);
  expect((await api('POST', t('/builderTokens'), { instanceId: 'x' }, { auth: BAD_AUTH })).status).toBe(401);
});

test('create (saved example) → query → repeated create 409 → delete → 404; bots and ledger follow', async () => {
  const { input, output } = await channels('tc-life');
  const body = transcoderCreateBody(input, output);
  const { token, r, taskId } = await createFresh(body);
  expect(r.status).toBe(200);
  expect(r.body).toEqual({
    createTs: expect.any(Number),
    eventHandlers: {},
    execution: { workflows: {} },
    properties: {},
    sequenceId: '0',
    services: { cloudTranscoder: { config: {}, createTs: r.body.createTs, details: {}, message: '', serviceType: 'cloudTranscoderV2', status: 'serviceReady' } },
    status: 'STARTED',
    taskId: expect.stringMatching(/^[0-9a-f]{32}$/),
    variables: {},
    workflows: {},
  });
  expect(await control.tasks({ cname: input, running: true })).toEqual([expect.objectContaining({ product: 'cloud-transcoder', id: taskId, billing: true })]);
  // the transcoder is uid 9999 in the output channel (no simulated publishers there) and a random bot in the input channel
  expect(await control.users(APP, output)).toEqual([expect.objectContaining({ uid: '9999', bot: true })]);
  expect((await control.users(APP, input)).filter((u) => u.bot)).toHaveLength(1);

  await control.advanceClock(3_000);
  const q = await api('GET', t(`/tasks/${taskId}?builderToken=${token}`));
  expect(q.body).toMatchObject({ taskId, status: 'IN_PROGRESS', services: { cloudTranscoder: { status: 'serviceInProgress', message: 'OnSlaveServiceQueryUpdated' } } });

  const again = await api('POST', t(`/tasks?builderToken=${token}`), body);
  expect(again).toMatchObject({ status: 409, body: { message: expect.any(String) } });
  expect(await control.tasks({ cname: input })).toHaveLength(1);

  const del = await api('DELETE', t(`/tasks/${taskId}?builderToken=${token}`), undefined, { contentType: 'application/json' });
  expect(del).toMatchObject({ status: 200, body: { taskId, status: 'STOPPED', services: { cloudTranscoder: { status: 'serviceCompleted', message: 'OnSlaveServiceStopped' } } } });
  expect(await control.tasks({ cname: input })).toEqual([expect.objectContaining({ id: taskId, billing: false, state: 'STOPPED', endReason: 'delete' })]);
  expect(await control.users(APP, output)).toEqual([]);
  expect((await api('GET', t(`/tasks/${taskId}?builderToken=${token}`))).body.status).toBe('STOPPED');
  expect((await api('DELETE', t(`/tasks/${taskId}?builderToken=${token}`))).status).toBe(404);
  expect((await api('PATCH', t(`/tasks/${taskId}?builderToken=${token}&sequenceId=0&updateMask=services.cloudTranscoder.config`), body)).status).toBe(404);
});

test('create more than 2 s after acquire answers 206 and creates nothing; after 5 min the token is expired', async () => {
  const { input, output } = await channels('tc-window');
  const body = transcoderCreateBody(input, output);
  const late = await acquire();
  await control.advanceClock(3_000);
  expect(await api('POST', t(`/tasks?builderToken=${late}`), body)).toMatchObject({ status: 206, body: { message: expect.stringMatching(/timed out/) } });
  expect((await api('POST', t(`/tasks?builderToken=${late}`), body)).status).toBe(206);
  expect(await control.tasks({ cname: input })).toEqual([]);
  await control.advanceClock(5 * 60_000);
  expect(await api('POST', t(`/tasks?builderToken=${late}`), body)).toMatchObject({ status: 400, body: { message: expect.stringMatching(/expired/) } });
  // the documented way out: a new builderToken, created at once
  const { r } = await createFresh(body);
  expect(r.status).toBe(200);
  expect(await control.tasks({ cname: input, running: true })).toHaveLength(1);
});

test('query, update and delete need the builderToken of the task', async () => {
  const { input, output } = await channels('tc-token');
  const { token, taskId } = await createFresh(transcoderCreateBody(input, output));
  const other = await acquire();
  expect(await api('GET', t(`/tasks/${taskId}?builderToken=${other}`))).toMatchObject({ status: 400, body: { message: expect.stringMatching(/does not match/) } });
  expect((await api('DELETE', t(`/tasks/${taskId}?builderToken=${other}`))).status).toBe(400);
  expect((await api('DELETE', t(`/tasks/${taskId}`))).status).toBe(400);
  expect(await api('GET', t(`/tasks/${'0'.repeat(32)}?builderToken=${token}`))).toMatchObject({ status: 404, body: { message: 'task not found' } });
  expect(await api('POST', t('/tasks'), {})).toMatchObject({ status: 400, body: { message: 'builderToken is required' } });
  expect(await api('POST', t('/tasks?builderToken=nope'), {})).toMatchObject({ status: 400, body: { message: 'invalid builderToken' } });
  expect(await control.tasks({ cname: input, running: true })).toHaveLength(1);
});

test('the output rtcUid must be free in the output channel and differ from the input uids', async () => {
  const { input, output } = await channels('tc-uid');
  await control.join(APP, output, '9999');
  const taken = await createFresh(transcoderCreateBody(input, output));
  expect(taken.r).toMatchObject({ status: 400, body: { message: expect.stringMatching(/rtcUid 9999 is already used/) } });
  await control.leave(APP, output, '9999');

  const first = await createFresh(transcoderCreateBody(input, output));
  expect(first.r.status).toBe(200);
  const second = await createFresh(transcoderCreateBody(input, output));
  expect(second.r.status).toBe(400);
  const sameAsHost = await createFresh(transcoderCreateBody(input, input, 123));
  expect(sameAsHost.r).toMatchObject({ status: 400, body: { message: expect.stringMatching(/differ from the input uids/) } });
  await api('DELETE', t(`/tasks/${first.taskId}?builderToken=${first.token}`));
  expect((await createFresh(transcoderCreateBody(input, output))).r.status).toBe(200);
});

test('documented ranges and shapes are checked (400 {message}), nothing is created', async () => {
  const { input, output } = await channels('tc-fields');
  const base = transcoderCreateBody(input, output);
  // each case names the field the vendor error must point at
  const cases: Array<[RegExp, (tc: any) => void]> = [
    [/canvas\.width/, (tc) => (tc.canvas.width = 100)],
    [/canvas\.color/, (tc) => (tc.canvas.color = 16_777_216)],
    [/idleTimeout/, (tc) => (tc.idleTimeout = 0)],
    [/idleTimeout/, (tc) => (tc.idleTimeout = 86_401)],
    [/videoOption\.codec/, (tc) => (tc.outputs[0].videoOption.codec = 'H265')],
    [/videoOption\.fps/, (tc) => (tc.outputs[0].videoOption.fps = 31)],
    [/videoOption\.bitrate/, (tc) => (tc.outputs[0].videoOption.bitrate = 10_001)],
    [/audioOption\.profileType/, (tc) => (tc.outputs[0].audioOption.profileType = 'AUDIO_PROFILE_LOUD')],
    [/placeholderImageUrl: image URL must end in \.jpg or \.png/, (tc) => (tc.videoInputs[0].placeholderImageUrl = 'https://example.gif')],
    [/region\.zOrder/, (tc) => (tc.waterMarks[0].region.zOrder = 101)],
    [/must be in one channel/, (tc) => (tc.audioInputs[1].rtc.rtcChannel = `${input}-other`)],
    [/at least one output/, (tc) => (tc.outputs = [])],
    [/at least one audio or video input/, (tc) => ((tc.audioInputs = []), (tc.videoInputs = []))],
    [/canvas is required with videoInputs/, (tc) => delete tc.canvas],
    [/rtc\.rtcUid/, (tc) => (tc.outputs[0].rtc.rtcUid = '9999')],
    [/rtcToken is required.*App Certificate/, (tc) => delete tc.outputs[0].rtc.rtcToken],
  ];
  for (const [message, edit] of cases) {
    const { r } = await createFresh(changed(base, edit));
    expect(r).toMatchObject({ status: 400, body: { message: expect.stringMatching(message) } });
  }
  const wrongService = JSON.parse(JSON.stringify(base));
  wrongService.services.cloudTranscoder.serviceType = 'cloudTranscoder';
  expect((await createFresh(wrongService)).r).toMatchObject({ status: 400, body: { message: expect.stringMatching(/cloudTranscoderV2/) } });
  expect((await createFresh('{"services":')).r).toMatchObject({ status: 400, body: { message: expect.any(String) } });
  expect(await control.tasks({ cname: input })).toEqual([]);
});

test('update: whole body, increasing sequenceId, only inputs/regions/output options may change', async () => {
  const { input, output } = await channels('tc-update');
  const body = transcoderCreateBody(input, output);
  const { token, taskId } = await createFresh(body);
  const patch = (seq: unknown, b: unknown, mask = 'services.cloudTranscoder.config') =>
    api('PATCH', t(`/tasks/${taskId}?builderToken=${token}&sequenceId=${seq}&updateMask=${mask}`), b);

  // subscribe to host 123 only, and move its region
  const only123 = changed(body, (tc) => {
    tc.audioInputs = tc.audioInputs.filter((i: any) => i.rtc.rtcUid === 123);
    tc.videoInputs = tc.videoInputs.filter((i: any) => i.rtc.rtcUid === 123);
    tc.videoInputs[0].region = { x: 100, y: 100, width: 640, height: 360, zOrder: 2 };
  });
  expect(await patch(0, only123)).toMatchObject({ status: 200, body: { taskId, sequenceId: '0' } });
  expect((await patch(0, only123)).status).toBe(200); // the same update again: as before
  // retried with fresh tokens (the caller builds them per attempt): still the same update
  const retokened = changed(only123, (tc) => {
    for (const r of [...tc.audioInputs, ...tc.videoInputs, ...tc.outputs]) if (r.rtc.rtcToken) r.rtc.rtcToken = `${r.rtc.rtcToken}-again`;
  });
  expect((await patch(0, retokened)).status).toBe(200);
  await control.advanceClock(1_000); // the update rate limit's window
  expect(await patch(0, body)).toMatchObject({ status: 400, body: { message: expect.stringMatching(/stale/) } });
  expect(
    await patch(
      1,
      changed(only123, (tc) => (tc.canvas.width = 1280)),
    ),
  ).toMatchObject({ status: 400, body: { message: expect.stringMatching(/canvas cannot change/) } });
  const audioOnly = changed(only123, (tc) => {
    delete tc.videoInputs;
    delete tc.canvas;
    delete tc.outputs[0].videoOption;
  });
  expect(await patch(1, audioOnly)).toMatchObject({ status: 400, body: { message: expect.stringMatching(/scenario/) } });
  expect(
    await patch(
      1,
      changed(only123, (tc) => (tc.outputs[0].rtc.rtcUid = 8888)),
    ),
  ).toMatchObject({ status: 400, body: { message: expect.stringMatching(/outputs\[0\]\.rtc cannot change/) } });
  expect(await patch(1, only123, 'services.cloudTranscoder')).toMatchObject({ status: 400, body: { message: expect.stringMatching(/updateMask/) } });
  expect((await api('PATCH', t(`/tasks/${taskId}?builderToken=${token}&updateMask=services.cloudTranscoder.config`), only123)).status).toBe(400);
  expect((await patch(1, { services: {} })).status).toBe(400);
  const faster = changed(only123, (tc) => (tc.outputs[0].videoOption.bitrate = 1200));
  expect(await patch(1, faster)).toMatchObject({ status: 200, body: { sequenceId: '1' } });
  expect((await api('GET', t(`/tasks/${taskId}?builderToken=${token}`))).body.sequenceId).toBe('1');

  // the update took effect: 456 is no longer an input, so only 123 keeps the transcoder alive
  await control.leave(APP, input, '123');
  await control.advanceClock(299_000);
  expect((await api('GET', t(`/tasks/${taskId}?builderToken=${token}`))).body.status).toBe('IN_PROGRESS');
  await control.advanceClock(2_000);
  expect((await api('GET', t(`/tasks/${taskId}?builderToken=${token}`))).body).toMatchObject({ status: 'EXIT', services: { cloudTranscoder: { status: 'serviceCompleted' } } });
});

test('the task exits once no input host has been in the channel for idleTimeout; delete then answers 404', async () => {
  const { input, output } = await channels('tc-idle', ['123', '777']);
  const { token, taskId } = await createFresh(audioOnlyBody(input, output));
  await control.advanceClock(120_000);
  expect((await api('GET', t(`/tasks/${taskId}?builderToken=${token}`))).body.status).toBe('IN_PROGRESS');
  await control.leave(APP, input, '123'); // 777 stays, but it is not an input
  await control.advanceClock(59_000);
  expect((await api('GET', t(`/tasks/${taskId}?builderToken=${token}`))).body.status).toBe('IN_PROGRESS');
  await control.advanceClock(2_000);
  expect((await api('GET', t(`/tasks/${taskId}?builderToken=${token}`))).body.status).toBe('EXIT');
  expect(await control.tasks({ cname: input })).toEqual([expect.objectContaining({ billing: false, state: 'EXIT', endReason: 'idle' })]);
  expect((await api('DELETE', t(`/tasks/${taskId}?builderToken=${token}`))).status).toBe(404);
});

test('whole-channel mix (audio input uid 0): any user keeps it alive', async () => {
  const { input, output } = await channels('tc-mix', ['31']);
  const body = audioOnlyBody(input, output, 0);
  const { token, taskId, r } = await createFresh(body);
  expect(r.status).toBe(200);
  await control.join(APP, input, '32');
  await control.leave(APP, input, '31');
  await control.advanceClock(120_000);
  expect((await api('GET', t(`/tasks/${taskId}?builderToken=${token}`))).body.status).toBe('IN_PROGRESS');
  await control.leave(APP, input, '32');
  await control.advanceClock(61_000);
  expect((await api('GET', t(`/tasks/${taskId}?builderToken=${token}`))).body.status).toBe('EXIT');
});

test('a user taking the output uid kicks the transcoder: FAILURE_STOP / serviceAbnormal', async () => {
  const { input, output } = await channels('tc-kick');
  const { token, taskId } = await createFresh(transcoderCreateBody(input, output));
  await control.join(APP, output, '9999');
  const q = await api('GET', t(`/tasks/${taskId}?builderToken=${token}`));
  expect(q.body).toMatchObject({ status: 'FAILURE_STOP', services: { cloudTranscoder: { status: 'serviceAbnormal' } } });
  expect(await control.tasks({ cname: input })).toEqual([expect.objectContaining({ billing: false, state: 'FAILURE_STOP', endReason: 'uid-conflict' })]);
});

test('an uncontrolled input channel gets its hosts simulated, the output channel only the transcoder', async () => {
  const input = uniqueId('tc-demo-in');
  const output = uniqueId('tc-demo-out');
  const { r } = await createFresh(transcoderCreateBody(input, output));
  expect(r.status).toBe(200);
  const users = await control.users(APP, input);
  expect(
    users
      .filter((u) => !u.bot)
      .map((u) => u.uid)
      .sort(),
  ).toEqual(['123', '456']);
  expect(await control.users(APP, output)).toEqual([expect.objectContaining({ uid: '9999', bot: true })]);
});

test('a create whose response was lost: the retry with the same builderToken answers 409, one task runs', async () => {
  const { input, output } = await channels('tc-drop');
  const body = transcoderCreateBody(input, output);
  const token = await acquire();
  await control.addFault({ match: { product: 'cloud-transcoder', operation: 'create' }, action: { type: 'drop-response' }, count: 1 });
  await expect(api('POST', t(`/tasks?builderToken=${token}`), body)).rejects.toThrow();
  expect((await api('POST', t(`/tasks?builderToken=${token}`), body)).status).toBe(409);
  expect(await control.tasks({ cname: input, running: true })).toHaveLength(1);
});

test('an injected 503 on create leaves the token unused: the retry creates the task', async () => {
  const { input, output } = await channels('tc-503');
  const body = transcoderCreateBody(input, output);
  const token = await acquire();
  await control.addFault({ match: { product: 'cloud-transcoder', operation: 'create' }, action: { type: 'error', status: 503, body: { message: 'busy' } }, count: 1 });
  expect((await api('POST', t(`/tasks?builderToken=${token}`), body)).status).toBe(503);
  expect((await api('POST', t(`/tasks?builderToken=${token}`), body)).status).toBe(200);
});

test('10 requests per second per operation: the 11th gets 429', async () => {
  await control.advanceClock(1_100);
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) statuses.push((await api('POST', t('/builderTokens'), { instanceId: 'burst' })).status);
  expect(statuses).toEqual([...Array(10).fill(200), 429]);
  await control.advanceClock(1_100);
  expect((await api('POST', t('/builderTokens'), { instanceId: 'burst' })).status).toBe(200);
});
