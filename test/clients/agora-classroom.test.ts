/**
 * The Flexible Classroom client against the shared emulator: a token minted from the profile, a room with
 * a schedule created twice (exists), states, class recording start → pause → stop with the records list,
 * kick and properties, the room event feed followed by nextId, quiz/poll data, bad input refused before
 * any request, a 429 mapped retryable. Region `ap` of the demo App ID is this file's own.
 */
import { HttpClient } from '../../src/http/client';
import { InvalidInputError } from '../../src/errors';
import type { AgoraContext } from '../../src/agora/http';
import * as fc from '../../src/agora/classroom';
import { EMULATOR_AGORA } from '../../emulator/defaults';
import { EmulatorControl } from '../helpers/emulator';
import { uniqueId } from '../helpers/wait';
import { failure } from '../helpers/vendor-error';
import { json, rtcflowWith } from '../helpers/cli';

const url = process.env.RTCFLOW_TEST_EMULATOR_URL!;
const control = new EmulatorControl(url);
const http = new HttpClient({ headersTimeoutMs: 10_000 });
const base: AgoraContext = {
  http,
  baseUrls: [url],
  appId: EMULATOR_AGORA.appId,
  credentials: { customerId: EMULATOR_AGORA.customerId, customerSecret: EMULATOR_AGORA.customerSecret },
};
const ctx = fc.classroomContext(base, { uid: 'rtcflow-backend', appCertificate: EMULATOR_AGORA.appCertificate });
const region = 'ap' as const;

afterAll(() => http.close());

test('room lifecycle, class recording, kick, properties and the event feed', async () => {
  const roomUuid = uniqueId('fc-cli');
  const cursor = (await fc.getRoomSequences(ctx, { region })).nextId ?? undefined;
  const room = { roomName: 'Biology', roomType: 4, roomProperties: { schedule: { startTime: Date.now() + 60_000, duration: 3600, closeDelay: 300 } } };
  expect(await fc.createRoom(ctx, { region, roomUuid, room })).toMatchObject({ outcome: 'created' });
  expect(await fc.createRoom(ctx, { region, roomUuid, room })).toMatchObject({ outcome: 'exists' });
  await fc.setRoomState(ctx, { region, roomUuid, state: 1 });

  const started = await fc.startRecording(ctx, {
    region,
    roomUuid,
    config: { mode: 'web', webRecordConfig: { url: 'https://classroom.example/?roomUuid=x', rootUrl: 'https://classroom.example' }, retryTimeout: 60 },
  });
  expect(started.recordId).toEqual(expect.any(String));
  await fc.holdRecording(ctx, { region, roomUuid, onhold: true });
  expect(await fc.listAllRecordings(ctx, { region, roomUuid })).toEqual([expect.objectContaining({ recordId: started.recordId, status: 1 })]);
  await fc.stopRecording(ctx, { region, roomUuid });
  expect(await fc.listAllRecordings(ctx, { region, roomUuid })).toEqual([expect.objectContaining({ recordId: started.recordId, status: 2 })]);
  expect(await control.tasks({ cname: roomUuid, running: true })).toEqual([]);

  await fc.kickUser(ctx, { region, roomUuid, userUuid: 'student-9', dirty: { state: 1, duration: 600 } });
  await fc.setProperties(ctx, { region, roomUuid, target: { kind: 'room' }, properties: { 'flags.quiz': true } });
  await fc.setProperties(ctx, { region, roomUuid, target: { kind: 'user', userUuid: 'student-9' }, properties: { seat: 3 } });
  await fc.deleteProperties(ctx, { region, roomUuid, target: { kind: 'extApp', extAppUuid: 'countdown' }, properties: ['a.b'] });

  const seen: string[] = [];
  let next = cursor;
  for (let i = 0; i < 10; i++) {
    const page = await fc.getRoomSequences(ctx, { region, nextId: next, count: 4 });
    seen.push(...page.list.filter((s) => s.roomUuid === roomUuid).map((s) => String(s.cmd)));
    if (page.list.length === 0) break;
    next = page.nextId ?? next;
  }
  expect(seen).toEqual([
    'roomCreated',
    'roomStateChanged',
    'recordingStarted',
    'recordingUpdated',
    'recordingStopped',
    'userKicked',
    'roomPropertiesUpdated',
    'userPropertiesUpdated',
    'extAppPropertiesDeleted',
  ]);

  await control.json('POST', `/_emulator/agora/classroom/${region}/${EMULATOR_AGORA.appId}/rooms/${roomUuid}/widgets/poll`, { data: { question: 'ready?' } });
  expect((await fc.getWidgetSequences(ctx, { region, roomUuid, widget: 'poll' })).list).toEqual([expect.objectContaining({ data: { question: 'ready?' } })]);
  expect((await fc.getWidgetSequences(ctx, { region, roomUuid, widget: 'popupQuiz' })).list).toEqual([]);
});

test('bad input never reaches the service; an unknown room is a final 404; 429 is retryable', async () => {
  const roomUuid = uniqueId('fc-bad');
  const bad = [
    fc.createRoom(ctx, { region, roomUuid: 'has/slash', room: { roomName: 'x', roomType: 4 } }),
    fc.createRoom(ctx, { region, roomUuid, room: { roomName: '', roomType: 4 } }),
    fc.createRoom(ctx, { region, roomUuid, room: { roomName: 'x', roomType: 4, roomProperties: { schedule: { startTime: 1, duration: 0 } } } }),
    fc.setRoomState(ctx, { region, roomUuid, state: 3 as 1 }),
    fc.setRecordingState(ctx, { region, roomUuid, state: 1, config: { webRecordConfig: { url: 'javascript:alert(1)' } } }),
    fc.getRoomSequences(ctx, { region: 'AP' as 'ap' }),
    fc.getRoomSequences(ctx, { region, count: 5000 }),
  ];
  for (const p of bad) await failure(p, InvalidInputError);
  expect(await control.requests({ cname: roomUuid })).toEqual([]);
  expect(() => fc.classroomContext(base, { uid: 'x' })).toThrow(InvalidInputError);

  const missing = await failure(fc.setRoomState(ctx, { region, roomUuid, state: 1 }));
  expect(missing.info).toMatchObject({ product: 'flexible-classroom', operation: 'setRoomState', httpStatus: 404, retryable: false });
  const fault = await control.addFault({ match: { product: 'flexible-classroom', path: roomUuid }, action: { type: 'rate-limit', retryAfterSeconds: 1 }, count: 1 });
  try {
    const limited = await failure(fc.listRecordings(ctx, { region, roomUuid }));
    expect(limited.info).toMatchObject({ httpStatus: 429, retryable: true });
  } finally {
    await control.removeFault(fault.id).catch(() => undefined);
  }
});

test('rtcflow classroom: create with a schedule, record start and stop', async () => {
  const roomUuid = uniqueId('fc-run');
  const cli = (...args: string[]) => rtcflowWith({ RTCFLOW_EMULATOR_URL: url }, 'unused', 'classroom', ...args);
  const created = json(
    await cli('create', roomUuid, '--region', 'cn', '--name', 'History', '--type', '4', '--start', '2026-12-01T10:00:00Z', '--duration', '45m', '--close-delay', '5m', '--json'),
  );
  expect(created).toMatchObject({ roomUuid, outcome: 'created' });
  const view = (await control.json<{ rooms: Array<Record<string, any>> }>('GET', '/_emulator/agora/classroom/rooms')).rooms.find((r) => r.roomUuid === roomUuid)!;
  expect(view.roomProperties).toEqual({ schedule: { startTime: Date.parse('2026-12-01T10:00:00Z'), duration: 2700, closeDelay: 300 } });
  json(await cli('record', 'start', roomUuid, '--region', 'cn', '--url', 'https://classroom.example/?room=1', '--retry-timeout', '60', '--json'));
  json(await cli('record', 'stop', roomUuid, '--region', 'cn', '--json'));
  expect(await control.tasks({ cname: roomUuid, running: true })).toEqual([]);
  const after = (await control.json<{ rooms: Array<Record<string, any>> }>('GET', '/_emulator/agora/classroom/rooms')).rooms.find((r) => r.roomUuid === roomUuid)!;
  expect(after.records).toEqual([expect.objectContaining({ status: 2, webRecordConfig: { url: 'https://classroom.example/?room=1' } })]);
});

test('the room event feed as an activity: a page and the cursor to pass back; the token is minted inside from the profile', async () => {
  const { createClassroomActivities } = await import('../../activities/classroom');
  const { testConfig } = await import('../helpers/temporal');
  const acts = createClassroomActivities({ config: testConfig(url), http });
  const roomUuid = uniqueId('fc-act');
  const first = await acts.pollClassroomEvents({ profile: 'default', region: 'cn', uid: 'app-feed', count: 1000 });
  await fc.createRoom(ctx, { region: 'cn', roomUuid, room: { roomName: 'Art', roomType: 2 } });
  await acts.setClassRecordingState({ profile: 'default', region: 'cn', roomUuid, uid: 'app-feed', state: 1, config: { webRecordConfig: { url: 'https://classroom.example/' } } });
  await acts.setClassRecordingState({ profile: 'default', region: 'cn', roomUuid, uid: 'app-feed', state: 0 });
  const next = await acts.pollClassroomEvents({ profile: 'default', region: 'cn', uid: 'app-feed', nextId: first.nextId });
  expect((next.events as Array<{ roomUuid: string; cmd: string }>).filter((e) => e.roomUuid === roomUuid).map((e) => e.cmd)).toEqual([
    'roomCreated',
    'recordingStarted',
    'recordingStopped',
  ]);
  expect(await acts.listClassRecordings({ profile: 'default', region: 'cn', roomUuid, uid: 'app-feed' })).toEqual([expect.objectContaining({ status: 2 })]);
  const again = await acts.pollClassroomEvents({ profile: 'default', region: 'cn', uid: 'app-feed', nextId: next.nextId });
  expect(again.events).toEqual([]);
});
