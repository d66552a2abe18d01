/**
 * SparkRTC recording sessions on the real dev server against the file's own emulator, which checks the
 * SDK-HMAC-SHA256 signature of every call and signs every callback (X-Rtc-Signature) it sends to
 * rtcflow's receiver. Each test ends with no job of its room left running in the emulator; after all of
 * them, no history holds the SK, the IAM password or the callback auth_key.
 */
import { request } from 'undici';
import { RtcflowClient } from '../../src/client';
import { signCallback } from '../../src/sparkrtc/callbacks';
import type { SparkRtcLayout, SparkRtcRecordingInput, SparkRtcRecordingResult } from '../../src/schemas/workflows/sparkrtc-recording';
import type { SparkRtcRecordingStatus } from '../../workflows/sparkrtc-recording';
import { InvalidInputError } from '../../src/errors';
import { forkWorker, withWorker } from '../helpers/temporal';
import { DEMO } from '../helpers/sparkrtc';
import { historyText, signalsTaken } from '../helpers/history';
import { eventually, uniqueId } from '../helpers/wait';
import { sparkWorld } from './sparkrtc-recording.world';
import { startApi, TEST_CLIENT_OPTIONS } from '../helpers/api';

const w = sparkWorld({ configureCallback: true });

const mixInput = (room: string, extra: Partial<SparkRtcRecordingInput> = {}): SparkRtcRecordingInput => ({
  vendor: 'sparkrtc',
  channel: room,
  kind: 'mix',
  recordRuleId: w.ruleId,
  encodeTemplate: '1280x720_15_2260',
  layout: { layout_template: 'nine_grids_view' },
  pollIntervalMs: 1_000,
  confirmPollMs: 200,
  drainTimeoutMs: 15_000,
  reconcileTimeoutMs: 5_000,
  ...extra,
});

async function roomWith(room: string, ...users: string[]): Promise<void> {
  await w.spark.emptyRoom(DEMO.appId, room);
  for (const u of users) await w.spark.joinRoom(DEMO.appId, room, u);
}

async function phase(rtc: RtcflowClient, id: string, wanted: SparkRtcRecordingStatus['phase']): Promise<SparkRtcRecordingStatus> {
  return eventually(async () => {
    const s = await rtc.recordingStatus<SparkRtcRecordingStatus>(id);
    return s.phase === wanted ? s : undefined;
  }, `phase ${wanted} of ${id}`);
}

/** The emulator's request log of a room's job calls, as `operation:status`. */
async function jobCalls(room: string, product = 'mix-stream-jobs'): Promise<string[]> {
  return (await w.h.control.requests({ cname: room, product })).map((r) => `${r.operation}:${r.status}`);
}

async function nothingRunning(room: string): Promise<void> {
  expect(await w.spark.jobs({ appId: DEMO.appId, roomId: room, running: true })).toEqual([]);
  expect(await w.h.control.tasks({ cname: room, running: true })).toEqual([]);
}

async function post(url: string, raw: string, headers: Record<string, string>) {
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });
  return { status: res.statusCode, body: (await res.body.json()) as any };
}

const CUSTOM: SparkRtcLayout = {
  layout_template: 'custom',
  layout_panes: [
    { id: 1, user_id: 'u1', video_type: 'CAMERASTREAM', x: 0, y: 0, width: 0.5, height: 1, zorder: 0, crop_mode: 'KEEP_RATIO_CROP' },
    { id: 2, user_id: 'u2', video_type: 'CAMERASTREAM', x: 0.5, y: 0, width: 0.5, height: 1, zorder: 1, crop_mode: 'KEEP_RATIO_PADDING' },
  ],
  background_image: 's3://rtcflow-emulator-bucket/bg.jpg',
};
const SHARE: SparkRtcLayout = {
  layout_template: 'screen_share_left',
  layout_panes: [
    { id: 1, user_id: '', video_type: 'SCREENSTREAM', filling_policy: 'SHARED_SCREEN' },
    { id: 2, user_id: 'u2', video_type: 'CAMERASTREAM' },
  ],
  screen_background_image: 's3://rtcflow-emulator-bucket/screen.jpg',
};

test('a mixed job over HTTP: two layout changes arrive in order and whole; forged, stale and replayed callbacks change nothing; stop drains its files', async () => {
  const room = uniqueId('spark-mix');
  await roomWith(room, 'u1', 'u2');
  await withWorker(
    w.h.env,
    w.h.config,
    async () => {
      const call = async (method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) => {
        const { status, body: answer } = await w.api.call(method, path, body);
        return { status, body: answer };
      };
      const started = await call('POST', '/v1/recordings', mixInput(room));
      expect(started).toMatchObject({ status: 201, body: { id: `sparkrtc-recording/default/main/${room}/mix` } });
      expect(await call('POST', '/v1/recordings', mixInput(room))).toEqual(started);
      const id = encodeURIComponent(started.body.id);
      w.h.track(w.h.env.client.workflow.getHandle(started.body.id));
      const recording = await eventually(async () => {
        const r = await call('GET', `/v1/recordings/${id}`);
        return r.body.phase === 'recording' ? r.body : undefined;
      }, 'recording over HTTP');
      expect(recording).toMatchObject({ vendor: 'sparkrtc', kind: 'mix', channel: room, layoutApplied: true, layout: { layout_template: 'nine_grids_view' } });
      const jobId: string = recording.sid;

      // two whole layouts, one after the other; a bad one is refused before it is sent
      expect(await call('PUT', `/v1/recordings/${id}/layout`, CUSTOM)).toEqual({ status: 200, body: { id: started.body.id, layout: CUSTOM } });
      expect(await call('PUT', `/v1/recordings/${id}/layout`, SHARE)).toEqual({ status: 200, body: { id: started.body.id, layout: SHARE } });
      const offCanvas = { layout_template: 'custom', layout_panes: [{ id: 1, user_id: 'u1', x: 0.6, y: 0, width: 0.5, height: 1 }] };
      expect(await call('PUT', `/v1/recordings/${id}/layout`, offCanvas)).toMatchObject({ status: 400, body: { error: 'invalid_input' } });
      const rtc = new RtcflowClient(w.h.env.client, w.taskQueue, TEST_CLIENT_OPTIONS);
      await expect(rtc.updateLayout(started.body.id, { mixedVideoLayout: 1 } as never)).rejects.toBeInstanceOf(InvalidInputError);
      const puts = (await w.h.control.requests({ cname: room, product: 'mix-stream-jobs' })).filter((r) => r.operation === 'update');
      expect(puts.map((r) => [r.status, r.body])).toEqual([
        [200, { mix_param: CUSTOM }],
        [200, { mix_param: SHARE }],
      ]);
      const [job] = (await w.spark.jobs({ appId: DEMO.appId, roomId: room })) as any[];
      expect(job.mix_param).toMatchObject({ ...SHARE, room_id: room, encode_template: '1280*720_15_2260' });
      const afterLayouts = await rtc.recordingStatus<SparkRtcRecordingStatus>(started.body.id);
      expect(afterLayouts).toMatchObject({ layout: SHARE, appliedLayout: SHARE, layoutApplied: true, updates: 2 });

      // forged, unsigned and stale deliveries are refused; replays of what the emulator sent are dropped
      const fileStart = await eventually(async () => (await w.spark.events({ jobId })).find((e) => e.body.event_type === 'RECORD_NEW_FILE_START')?.body, 'a file start');
      const raw = JSON.stringify(fileStart);
      const evil = JSON.stringify({ ...fileStart, event_type: 'RECORD_FILE_COMPLETE', obs_object: 'forged.mp4', record_duration: 1 });
      const before = await rtc.recordingStatus<SparkRtcRecordingStatus>(started.body.id);
      expect(before.openFiles).toBe(2);
      expect(await post(w.callbackUrl, evil, signCallback('f'.repeat(32), evil))).toMatchObject({ status: 401, body: { error: 'bad_signature' } });
      expect(await post(w.callbackUrl, evil, {})).toMatchObject({ status: 401, body: { error: 'missing_headers' } });
      const tampered = signCallback(w.keys.default!, raw);
      expect(await post(w.callbackUrl, evil, tampered)).toMatchObject({ status: 401, body: { error: 'bad_signature' } });
      expect(await post(w.callbackUrl, evil, signCallback(w.keys.default!, evil, { nowMs: Date.now() - 20 * 60_000 }))).toMatchObject({ status: 401, body: { error: 'stale' } });
      expect(await post(`${w.apiUrl}/webhooks/sparkrtc/nobody`, raw, signCallback(w.keys.default!, raw))).toMatchObject({ status: 401, body: { error: 'bad_signature' } });
      // replays of what the emulator sent (also to a receiver that just started) write nothing to the session
      const handle = w.h.env.client.workflow.getHandle(started.body.id);
      const signalled = await signalsTaken(handle, 'sparkrtcCallback');
      expect(signalled).toBeGreaterThan(0);
      const replay = signCallback(w.keys.default!, raw, { rand: '123456' });
      expect(await post(w.callbackUrl, raw, replay)).toMatchObject({ status: 200 });
      expect(await post(w.callbackUrl, raw, signCallback(w.keys.default!, raw, { rand: '654321' }))).toMatchObject({ status: 200 });
      const restarted = await startApi(w.h.env.client, { taskQueue: w.taskQueue, sparkrtcCallbackKeys: w.keys });
      try {
        expect(await post(`${restarted.base}/webhooks/sparkrtc/default`, raw, replay)).toMatchObject({ status: 200, body: { routed: 1 } });
      } finally {
        await restarted.server.close();
      }
      expect(await signalsTaken(handle, 'sparkrtcCallback')).toBe(signalled);
      const after = await rtc.recordingStatus<SparkRtcRecordingStatus>(started.body.id);
      expect({ files: after.files, openFiles: after.openFiles, phase: after.phase }).toEqual({ files: before.files, openFiles: before.openFiles, phase: 'recording' });

      const stopped = await call('POST', `/v1/recordings/${id}/stop`, { reason: 'over http' });
      expect(stopped).toMatchObject({
        status: 200,
        body: {
          vendor: 'sparkrtc',
          outcome: 'stopped',
          reason: 'over http',
          sid: jobId,
          jobStopReason: 'TENANT_STOP',
          uploadingStatus: 'uploaded',
          needsReview: false,
          layout: SHARE,
        },
      });
      const files = (stopped.body as SparkRtcRecordingResult).files;
      expect(files.map((f) => f.format).sort()).toEqual(['HLS', 'MP4']);
      for (const f of files)
        expect(f).toMatchObject({ jobId, fileName: expect.stringContaining(`m_${jobId}_${room}`), size: expect.any(Number), durationS: expect.any(Number), bucket: DEMO.bucket });
    },
    {},
    { taskQueue: w.taskQueue },
  );
  expect((await jobCalls(room)).filter((c) => !c.startsWith('query'))).toEqual(['start:201', 'update:200', 'update:200', 'stop:204']);
  await nothingRunning(room);
});

test('an ambiguous start (answer lost) is reconciled through its callback: exactly one job', async () => {
  const room = uniqueId('spark-lost');
  await roomWith(room, 'u1');
  await w.h.control.addFault({ match: { vendor: 'sparkrtc', product: 'mix-stream-jobs', operation: 'start' }, action: { type: 'drop-response' }, count: 1 });
  await withWorker(w.h.env, w.h.config, async (tq) => {
    const rtc = new RtcflowClient(w.h.env.client, tq, TEST_CLIENT_OPTIONS);
    const { id } = await rtc.startRecording(mixInput(room));
    w.h.track(w.h.env.client.workflow.getHandle(id));
    const s = await phase(rtc, id, 'recording');
    const jobs = await w.spark.jobs({ appId: DEMO.appId, roomId: room });
    expect(jobs.map((j) => j.job_id)).toEqual([s.sid]);
    const r = await rtc.stopRecording<SparkRtcRecordingResult>(id);
    expect(r).toMatchObject({ outcome: 'stopped', sid: s.sid, needsReview: false });
    // the file started before the job was adopted is in too
    expect(r.files.map((f) => f.format).sort()).toEqual(['HLS', 'MP4']);
  });
  expect((await jobCalls(room)).filter((c) => c.startsWith('start') || c.startsWith('stop'))).toEqual(['start:201', 'stop:204']);
  await nothingRunning(room);
});

test('JobRunning after a lost start: the session keeps waiting for the job callback, never starting a second', async () => {
  const room = uniqueId('spark-running');
  // nobody publishes yet: the job makes no callback until someone does
  await roomWith(room);
  await w.h.control.addFault({ match: { vendor: 'sparkrtc', product: 'mix-stream-jobs', operation: 'start' }, action: { type: 'drop-response' }, count: 1 });
  await withWorker(w.h.env, w.h.config, async (tq) => {
    const rtc = new RtcflowClient(w.h.env.client, tq, TEST_CLIENT_OPTIONS);
    const { id } = await rtc.startRecording(mixInput(room, { reconcileTimeoutMs: 1_500, maxIdleTime: 120 }));
    w.h.track(w.h.env.client.workflow.getHandle(id));
    await eventually(async () => ((await jobCalls(room)).includes('start:400') ? true : undefined), 'a second start answered JobRunning');
    await eventually(async () => {
      const s = await rtc.recordingStatus<SparkRtcRecordingStatus>(id);
      return s.phase === 'starting' && s.reconciling ? true : undefined;
    }, 'reconciling again after JobRunning');
    await w.spark.joinRoom(DEMO.appId, room, 'u1');
    const s = await phase(rtc, id, 'recording');
    expect((await w.spark.jobs({ appId: DEMO.appId, roomId: room })).map((j) => j.job_id)).toEqual([s.sid]);
    expect(await rtc.stopRecording<SparkRtcRecordingResult>(id)).toMatchObject({ outcome: 'stopped', sid: s.sid });
  });
  const calls = await jobCalls(room);
  expect(calls.filter((c) => c.startsWith('start')).every((c, i) => (i === 0 ? c === 'start:201' : c === 'start:400'))).toBe(true);
  expect(calls.filter((c) => c.startsWith('stop'))).toEqual(['stop:204']);
  await nothingRunning(room);
});

test('a single job whose user leaves: SparkRTC stops it for idle time, the session completes with the reason and its files; a rule change and a stop while INIT', async () => {
  const room = uniqueId('spark-idle');
  await roomWith(room, 'u1', 'u2');
  await withWorker(w.h.env, w.h.config, async (tq) => {
    const rtc = new RtcflowClient(w.h.env.client, tq, TEST_CLIENT_OPTIONS);
    const single = (userId: string, extra: Partial<SparkRtcRecordingInput> = {}): SparkRtcRecordingInput => ({
      vendor: 'sparkrtc',
      channel: room,
      kind: 'single',
      userId,
      recordRuleId: w.ruleId,
      maxIdleTime: 5,
      pollIntervalMs: 1_000,
      confirmPollMs: 200,
      drainTimeoutMs: 15_000,
      ...extra,
    });
    const { id } = await rtc.startRecording(single('u1'));
    expect(id).toBe(`sparkrtc-recording/default/main/${room}/single/u1/camera`);
    const handle = w.h.track(w.h.env.client.workflow.getHandle(id));
    await phase(rtc, id, 'recording');
    expect(await rtc.sparkrtc.updateRecordRule(id, w.otherRuleId)).toBe(w.otherRuleId);
    await expect(rtc.updateLayout(id, { layout_template: 'nine_grids_view' })).rejects.toMatchObject({ cause: { message: 'layouts apply to mixed-stream recordings' } });
    await w.spark.leaveRoom(DEMO.appId, room, 'u1');
    const r = (await handle.result()) as SparkRtcRecordingResult;
    expect(r).toMatchObject({ outcome: 'ended', jobStopReason: 'EXCEED_MAX_IDLE_TIME', uploadingStatus: 'uploaded', needsReview: false, updates: 1 });
    expect(r.reason).toMatch(/^EXCEED_MAX_IDLE_TIME/);
    expect(r.files.map((f) => f.format).sort()).toEqual(['HLS', 'MP4']);
    for (const f of r.files) expect(f.fileName).toContain(`s_${r.sid}_${room}_u1`);

    // a stop while the job is INIT: RTC.00001022 is tried again until it stops
    await w.spark.settings({ initMs: 2_500 });
    try {
      const second = await rtc.startRecording(single('u2', { videoType: 'SCREENSTREAM', recordAudio: false }));
      w.h.track(w.h.env.client.workflow.getHandle(second.id));
      await phase(rtc, second.id, 'confirming');
      expect(await rtc.stopRecording<SparkRtcRecordingResult>(second.id, 'changed my mind')).toMatchObject({ outcome: 'stopped', reason: 'changed my mind' });
    } finally {
      await w.spark.settings({ initMs: 1_000 });
    }
  });
  const calls = await jobCalls(room, 'individual-stream-jobs');
  expect(calls.filter((c) => c.startsWith('start'))).toEqual(['start:201', 'start:201']);
  expect(calls.filter((c) => c.startsWith('update'))).toEqual(['update:200']);
  // the idle job was never stopped by us; the INIT one was asked again after JobNotInitialised
  expect(calls.filter((c) => c.startsWith('stop'))[0]).toBe('stop:400');
  expect(calls.filter((c) => c.startsWith('stop')).slice(-1)).toEqual(['stop:204']);
  await nothingRunning(room);
});

test('worker SIGKILLed mid-job: another worker resumes the session and stops the job once', async () => {
  const room = uniqueId('spark-kill');
  await roomWith(room, 'u1', 'u2');
  const tq = uniqueId('tq-spark-kill');
  const rtc = new RtcflowClient(w.h.env.client, tq, TEST_CLIENT_OPTIONS);
  const worker = await forkWorker(tq, w.h.emu.url);
  let id = '';
  try {
    id = (await rtc.startRecording(mixInput(room))).id;
    w.h.track(w.h.env.client.workflow.getHandle(id));
    await phase(rtc, id, 'recording');
  } finally {
    await worker.kill();
  }
  await withWorker(
    w.h.env,
    w.h.config,
    async () => {
      const r = await rtc.stopRecording<SparkRtcRecordingResult>(id, 'after the crash');
      expect(r).toMatchObject({ outcome: 'stopped', reason: 'after the crash', needsReview: false });
      expect(r.files.length).toBeGreaterThan(0);
    },
    {},
    { taskQueue: tq },
  );
  const calls = await jobCalls(room);
  expect(calls.filter((c) => c.startsWith('start') || c.startsWith('stop'))).toEqual(['start:201', 'stop:204']);
  await nothingRunning(room);
});

test('continue-as-new keeps the job, its files and a later layout; max duration stops it', async () => {
  const room = uniqueId('spark-can');
  await roomWith(room, 'u1', 'u2');
  await withWorker(w.h.env, w.h.config, async (tq) => {
    const rtc = new RtcflowClient(w.h.env.client, tq, TEST_CLIENT_OPTIONS);
    const { id } = await rtc.startRecording(mixInput(room, { pollIntervalMs: 100, maxHistoryEvents: 100, maxDurationMs: 20_000 }));
    const handle = w.h.track(w.h.env.client.workflow.getHandle(id));
    const s = await phase(rtc, id, 'recording');
    await eventually(async () => ((await rtc.recordingStatus<SparkRtcRecordingStatus>(id)).continuedAsNew >= 1 ? true : undefined), 'a continue-as-new');
    expect(await rtc.updateLayout(id, SHARE)).toEqual(SHARE);
    expect(await rtc.recordingStatus<SparkRtcRecordingStatus>(id)).toMatchObject({ sid: s.sid, openFiles: 2, layout: SHARE, layoutApplied: true });
    const r = (await handle.result()) as SparkRtcRecordingResult;
    expect(r).toMatchObject({ outcome: 'stopped', reason: 'max duration reached (20000 ms)', sid: s.sid, layout: SHARE, needsReview: false });
    expect(r.files.map((f) => f.format).sort()).toEqual(['HLS', 'MP4']);
  });
  expect((await jobCalls(room)).filter((c) => !c.startsWith('query'))).toEqual(['start:201', 'update:200', 'stop:204']);
  await nothingRunning(room);
});

test('cancelled while recording (IAM token auth): the job is stopped in a non-cancellable scope; no token or password in history', async () => {
  const room = uniqueId('spark-cancel');
  await roomWith(room, 'u1');
  const config = { ...w.h.config, sparkrtc: { ...w.h.config.sparkrtc, default: { ...w.h.config.sparkrtc.default!, auth: 'token' as const } } };
  await withWorker(w.h.env, config, async (tq) => {
    const rtc = new RtcflowClient(w.h.env.client, tq, TEST_CLIENT_OPTIONS);
    const { id } = await rtc.startRecording({ ...mixInput(room), encodeTemplate: 'audio_only', layout: undefined });
    const handle = w.h.track(w.h.env.client.workflow.getHandle(id));
    await phase(rtc, id, 'recording');
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    const text = await historyText(handle);
    expect(text).not.toContain(DEMO.iamPassword);
    expect(text).not.toMatch(/MII[A-Za-z0-9_-]{100,}/);
  });
  expect((await w.h.control.requests({ cname: room })).some((r) => r.path.startsWith('/v3/auth/tokens'))).toBe(false);
  expect((await jobCalls(room)).filter((c) => !c.startsWith('query'))).toEqual(['start:201', 'stop:204']);
  await nothingRunning(room);
});
