/**
 * The class recording session on the real Temporal dev server against its own emulator process over
 * HTTP: started and followed through the records list, held and resumed, stopped on stop, on
 * cancellation and when the recording ended on its own; never left recording (the emulator's ledger has
 * no running recording of the room afterwards). Every history is scanned for credentials (the harness).
 */
import { CancelledFailure } from '@temporalio/common';
import { RtcflowClient, classRecordingWorkflowId } from '../../src/client';
import { APP } from '../helpers/agora-http';
import { TEST_CLIENT_OPTIONS } from '../helpers/api';
import { sessionHarness } from '../helpers/harness';
import { failureOf } from '../helpers/session';
import { withWorker } from '../helpers/temporal';
import { eventually, uniqueId } from '../helpers/wait';
import type { ClassRecordingInput } from '../../workflows/classroom-recording';

const world = sessionHarness({ timeScale: 1 });
const region = 'na' as const;

interface RoomView {
  roomUuid: string;
  records: Array<{ recordId: string; status: number; webRecordConfig: Record<string, unknown> }>;
}
const roomOf = async (roomUuid: string) => (await world.control.json<{ rooms: RoomView[] }>('GET', '/_emulator/agora/classroom/rooms')).rooms.find((r) => r.roomUuid === roomUuid);
const recordingNow = async (roomUuid: string) => world.control.tasks({ cname: roomUuid, running: true });
const operations = async (roomUuid: string) =>
  (await world.control.requests({ product: 'flexible-classroom', cname: roomUuid })).map(
    (e) => `${e.operation === 'setRecordingState' ? (e.path.endsWith('/states/1') ? 'startRecording' : 'stopRecording') : e.operation}:${e.status}${e.fault ? `:${e.fault}` : ''}`,
  );

/** A room of our own, created through the emulated API the way an application would. */
async function room(prefix: string): Promise<string> {
  const roomUuid = uniqueId(prefix);
  const { Classroom } = await import('../../src/client/classroom');
  const c = new Classroom(world.config);
  try {
    await c.createRoom({ region, roomUuid, room: { roomName: 'Chemistry', roomType: 4 } });
  } finally {
    await c.close();
  }
  return roomUuid;
}

const input = (roomUuid: string, extra: Partial<ClassRecordingInput> = {}): ClassRecordingInput => ({
  region,
  roomUuid,
  webRecordConfig: { url: 'https://classroom.example/?roomUuid=r', rootUrl: 'https://classroom.example' },
  pollIntervalMs: 300,
  confirmPollMs: 200,
  ...extra,
});

test('start → recording (records list) → hold/resume → stop: the recording is stopped and the result lists it', async () => {
  const roomUuid = await room('fc-wf');
  const result = await withWorker(world.env, world.config, async (tq) => {
    const rtc = new RtcflowClient(world.env.client, tq, TEST_CLIENT_OPTIONS);
    const started = await rtc.classRecordings.start(input(roomUuid));
    expect(started.id).toBe(classRecordingWorkflowId({ profile: 'default', region, roomUuid }));
    world.track(world.env.client.workflow.getHandle(started.id));
    expect(await rtc.classRecordings.start(input(roomUuid))).toEqual(started);
    const recording = await eventually(async () => {
      const s = await rtc.classRecordings.status(started.id);
      return s.phase === 'recording' ? s : undefined;
    }, 'recording');
    expect(recording.recordId).toEqual(expect.any(String));
    expect(await recordingNow(roomUuid)).toHaveLength(1);

    await rtc.classRecordings.hold(started.id, true);
    await eventually(
      async () => ((await rtc.classRecordings.status(started.id)).onholdApplied && (await roomOf(roomUuid))!.records[0]!.webRecordConfig.onhold === true ? true : undefined),
      'on hold',
    );
    await rtc.classRecordings.hold(started.id, false);
    await eventually(async () => ((await roomOf(roomUuid))!.records[0]!.webRecordConfig.onhold === false ? true : undefined), 'resumed');
    return rtc.classRecordings.stop(started.id, 'class over');
  });
  expect(result).toMatchObject({ outcome: 'stopped', reason: 'class over', roomUuid, unstopped: [] });
  expect(result.records).toEqual([expect.objectContaining({ recordId: result.recordId, status: 2 })]);
  expect(await recordingNow(roomUuid)).toEqual([]);
  const ops = await operations(roomUuid);
  expect(ops.filter((o) => o.startsWith('startRecording'))).toEqual(['startRecording:200', 'startRecording:200', 'startRecording:200']);
  expect(ops.filter((o) => o.startsWith('stopRecording'))).toEqual(['stopRecording:200']);
});

test('cancellation stops the recording (also when the start was still unanswered); a recording that ended on its own ends the session', async () => {
  const cancelled = await room('fc-wf-cancel');
  const ended = await room('fc-wf-ended');
  await withWorker(world.env, world.config, async (tq) => {
    const rtc = new RtcflowClient(world.env.client, tq, TEST_CLIENT_OPTIONS);
    // the start is held in flight; cancelled meanwhile, the session still stops what it may have started
    const hold = await world.control.hold({ product: 'flexible-classroom', operation: 'setRecordingState', path: `${cancelled}/records/states/1$` });
    const a = await rtc.classRecordings.start(input(cancelled));
    const ha = world.track(world.env.client.workflow.getHandle(a.id));
    await hold.held();
    await ha.cancel();
    await hold.release();
    const failure = await failureOf(ha);
    expect(failure.cause).toBeInstanceOf(CancelledFailure);
    expect(await recordingNow(cancelled)).toEqual([]);
    expect((await operations(cancelled)).filter((o) => o.startsWith('stopRecording'))).toEqual(['stopRecording:200']);

    const b = await rtc.classRecordings.start(input(ended));
    const hb = world.track(world.env.client.workflow.getHandle(b.id));
    await eventually(async () => ((await rtc.classRecordings.status(b.id)).phase === 'recording' ? true : undefined), 'recording');
    await world.control.json('POST', `/_emulator/agora/classroom/${region}/${APP}/rooms/${ended}/records/end`, {});
    const r = await hb.result();
    expect(r).toMatchObject({ outcome: 'ended', roomUuid: ended });
    expect(await recordingNow(ended)).toEqual([]);
  });
});

test('bad input is refused before anything starts', async () => {
  await withWorker(world.env, world.config, async (tq) => {
    const rtc = new RtcflowClient(world.env.client, tq, TEST_CLIENT_OPTIONS);
    await expect(rtc.classRecordings.start(input('bad/room'))).rejects.toThrow(/roomUuid/);
    await expect(rtc.classRecordings.start({ ...input('r1'), webRecordConfig: { url: 'javascript:alert(1)' } })).rejects.toThrow(/url/);
    await expect(new RtcflowClient(world.env.client, tq).classRecordings.start(input('r1', { pollIntervalMs: 10 }))).rejects.toThrow(/pollIntervalMs/);
  });
});
