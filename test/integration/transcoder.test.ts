/**
 * The Cloud Transcoder session on the real Temporal dev server against its own emulator process (real
 * time: the 2-second create window is emulated time) over HTTP; the happy path also through the
 * `rtcflow transcoder` command. Every test ends with no task of its channel running in the emulator;
 * every history is scanned for credentials (RTC tokens included) by the harness.
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { EMULATOR_AGORA } from '../../emulator/defaults';
import { RtcflowClient, transcoderWorkflowId } from '../../src/client';
import type { Config } from '../../src/config';
import type { TranscoderInput } from '../../src/schemas/workflows/transcoder';
import {
  transcoder,
  transcoderStatusQuery,
  transcoderStopSignal,
  transcoderStopUpdate,
  transcoderUpdate,
  transcoderUpdateSignal,
  type TranscoderPhase,
} from '../../workflows/transcoder';
import type { EmulatorControl } from '../helpers/emulator';
import { sessionHarness } from '../helpers/harness';
import { forkWorker, withWorker } from '../helpers/temporal';
import { eventually, uniqueId } from '../helpers/wait';
import { json, rtcflowWith } from '../helpers/cli';
import { failureOf, untilPhase } from '../helpers/session';
import { TEST_CLIENT_OPTIONS, withApi } from '../helpers/api';

const APP = EMULATOR_AGORA.appId;
const world = sessionHarness({ timeScale: 1 });
let env: TestWorkflowEnvironment;
let control: EmulatorControl;
let config: Config;
beforeAll(() => {
  ({ env, control, config } = world);
});

const region = (x: number) => ({ x, y: 0, width: 320, height: 360, zOrder: 1 });
const video = (uid: number, x: number) => ({ rtcUid: uid, placeholderImageUrl: 'https://example.com/away.jpg', region: region(x) });
const VIDEO_OPTION = { fps: 30, codec: 'H264' as const, bitrate: 800, width: 960, height: 480 };

const input = (channel: string, out: string, extra: Partial<TranscoderInput> = {}): TranscoderInput => ({
  channel,
  audioInputs: [{ rtcUid: 123 }, { rtcUid: 456 }],
  videoInputs: [video(123, 0), video(456, 320)],
  canvas: { width: 960, height: 480, color: 0 },
  waterMarks: [{ imageUrl: 'https://example.com/logo.png', region: { x: 0, y: 0, width: 120, height: 120, zOrder: 50 } }],
  outputs: [{ rtcChannel: out, audioOption: { profileType: 'AUDIO_PROFILE_MUSIC_STANDARD' }, videoOption: VIDEO_OPTION }],
  pollIntervalMs: 500,
  confirmPollMs: 100,
  ...extra,
});

/** An input channel whose hosts 123 and 456 are in it, and an empty output channel. */
async function channels(prefix: string): Promise<{ channel: string; out: string }> {
  const channel = uniqueId(prefix);
  const out = uniqueId(`${prefix}-out`);
  await control.emptyChannel(APP, channel);
  await control.join(APP, channel, '123');
  await control.join(APP, channel, '456');
  await control.emptyChannel(APP, out);
  return { channel, out };
}

async function start(taskQueue: string, args: TranscoderInput, workflowId = uniqueId('wf-tc')): Promise<WorkflowHandle<typeof transcoder>> {
  return world.track(await env.client.workflow.start(transcoder, { taskQueue, workflowId, args: [args] }));
}

const phaseOf = (h: WorkflowHandle<typeof transcoder>, phase: TranscoderPhase, timeoutMs?: number) => untilPhase(h, transcoderStatusQuery, phase, timeoutMs);

/** `operation:status[:fault]` of every Cloud Transcoder call about the channel, in order. */
async function operations(channel: string): Promise<string[]> {
  return (await control.requests({ cname: channel, product: 'cloud-transcoder' })).map((r) => `${r.operation}:${r.status}${r.fault ? `:${r.fault}` : ''}`);
}

interface SentUpdate {
  status: number;
  sequenceId: number;
  transcoder: Record<string, any>;
}
async function updates(channel: string): Promise<SentUpdate[]> {
  return (await control.requests({ cname: channel, product: 'cloud-transcoder' }))
    .filter((r) => r.operation === 'update')
    .map((r) => ({
      status: r.status,
      sequenceId: Number(new URL(r.path, 'http://x').searchParams.get('sequenceId')),
      transcoder: (r.body as any).services.cloudTranscoder.config.transcoder,
    }));
}

/** The emulator's ledger has no transcoder task of the channel running. */
async function expectNothingRunning(channel: string): Promise<void> {
  expect(await control.tasks({ cname: channel, product: 'cloud-transcoder', running: true })).toEqual([]);
}

test('created, updated twice across a worker SIGKILL with a growing sequenceId, and deleted', async () => {
  const { channel, out } = await channels('tc-crash');
  const taskQueue = uniqueId('tq-tc-crash');
  const worker = await forkWorker(taskQueue, world.emu.url);
  try {
    const h = await start(taskQueue, input(channel, out));
    const before = await phaseOf(h, 'running', 60_000);
    expect(before).toMatchObject({ taskId: expect.stringMatching(/^[0-9a-f]{32}$/), configApplied: true, outputUids: [expect.any(Number)] });
    const moved = await h.executeUpdate(transcoderUpdate, { args: [{ videoInputs: [video(123, 0), video(456, 640)] }] });
    expect(moved.videoInputs![1]!.region.x).toBe(640);
    await worker.kill();
    const result = await withWorker(
      env,
      config,
      async () => {
        const louder = await h.executeUpdate(transcoderUpdate, {
          args: [{ outputs: [{ audioOption: { profileType: 'AUDIO_PROFILE_MUSIC_HIGH_QUALITY' }, videoOption: VIDEO_OPTION }] }],
        });
        expect(louder.outputs[0]).toMatchObject({ rtcChannel: out, audioOption: { profileType: 'AUDIO_PROFILE_MUSIC_HIGH_QUALITY' } });
        expect(await h.query(transcoderStatusQuery)).toMatchObject({ sequenceId: 1, configApplied: true, updates: 2 });
        await h.signal(transcoderStopSignal, { reason: 'after the crash' });
        return h.result();
      },
      {},
      { taskQueue },
    );
    expect(result).toMatchObject({ outcome: 'stopped', reason: 'after the crash', updates: 2, renewals: 0, replacements: 0, unstopped: [] });
    expect(result.tasks).toEqual([expect.objectContaining({ taskId: before.taskId, adopted: false, updates: 2, endReason: 'after the crash' })]);
    const sent = await updates(channel);
    expect(sent.map((u) => `${u.status}:${u.sequenceId}`)).toEqual(['200:0', '200:1']);
    // each update is the whole body: the unchanged canvas and watermarks, both changes, the output's uid
    expect(sent[1]!.transcoder).toMatchObject({
      canvas: { width: 960, height: 480 },
      waterMarks: [{ imageUrl: 'https://example.com/logo.png' }],
      videoInputs: [{ rtc: { rtcUid: 123 } }, { rtc: { rtcUid: 456 }, region: { x: 640 } }],
      outputs: [{ rtc: { rtcChannel: out, rtcUid: before.outputUids[0] }, audioOption: { profileType: 'AUDIO_PROFILE_MUSIC_HIGH_QUALITY' } }],
    });
    // tokens are minted by the worker (for uid 0 on the inputs, the output uid on the output); no history holds one
    expect(sent[1]!.transcoder.outputs[0].rtc.rtcToken).toMatch(/^007/);
    const ops = await operations(channel);
    expect(ops.filter((o) => /^(acquire|create|delete)/.test(o))).toEqual(['create:200', 'delete:200']);
    await expectNothingRunning(channel);
  } finally {
    worker.dispose();
  }
});

test('a create whose answer was lost is adopted through its builderToken: exactly one task', async () => {
  const { channel, out } = await channels('tc-ambiguous');
  await control.addFault({ match: { product: 'cloud-transcoder', operation: 'create' }, action: { type: 'drop-response' }, count: 1 });
  const result = await withWorker(env, config, async (tq) => {
    const rtc = new RtcflowClient(env.client, tq, TEST_CLIENT_OPTIONS);
    const a = await rtc.transcoders.start(input(channel, out));
    const b = await rtc.transcoders.start(input(channel, out, { idleTimeout: 60 }));
    expect(b).toEqual(a);
    expect(a.id).toBe(transcoderWorkflowId({ profile: 'default', role: 'main', channel }));
    const h = world.track(env.client.workflow.getHandle<typeof transcoder>(a.id));
    await phaseOf(h, 'running');
    return rtc.transcoders.stop(a.id);
  });
  const tasks = await control.tasks({ cname: channel, product: 'cloud-transcoder' });
  expect(tasks).toHaveLength(1);
  expect(result.tasks).toEqual([expect.objectContaining({ taskId: tasks[0]!.id, adopted: true })]);
  const ops = await operations(channel);
  // reconciled by reading the task of the builderToken, never created again
  expect(ops.filter((o) => o.startsWith('create'))).toEqual(['create:200:drop-response']);
  expect(ops.filter((o) => o.startsWith('queryByToken'))).toEqual(['queryByToken:200']);
  expect(ops.filter((o) => o.startsWith('delete'))).toEqual(['delete:200']);
  await expectNothingRunning(channel);
});

test('5xx on create outlasting the backoff: the token is checked, then a new builderToken and a new output uid; one task', async () => {
  const { channel, out } = await channels('tc-renew');
  // a faulted create and a token's 404 name no channel in the log: everything since now is this test's
  const since = (await control.requests({})).at(-1)?.seq ?? 0;
  await control.addFault({
    match: { product: 'cloud-transcoder', operation: 'create' },
    action: { type: 'error', status: 503, body: { message: 'service unavailable' } },
    count: 3,
  });
  const result = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel, out, { outputs: [{ rtcChannel: out, rtcUid: 9999, videoOption: VIDEO_OPTION }] }));
    const running = await phaseOf(h, 'running', 60_000);
    expect(running.outputUids).toHaveLength(1);
    expect(running.outputUids[0]).not.toBe(9999);
    expect(running).toMatchObject({ renewals: 1 });
    return h.executeUpdate(transcoderStopUpdate, { args: [{}] });
  });
  expect(result).toMatchObject({ outcome: 'stopped', renewals: 1 });
  const log = await control.requests({ product: 'cloud-transcoder', sinceSeq: since });
  const ops = log.map((r) => `${r.operation}:${r.status}${r.fault ? `:${r.fault}` : ''}`);
  expect(ops.filter((o) => /^(acquire|create|queryByToken)/.test(o))).toEqual([
    'acquire:200',
    'create:503:error',
    'create:503:error',
    'create:503:error',
    'queryByToken:404',
    'acquire:200',
    'create:200',
  ]);
  const creates = log.filter((r) => r.operation === 'create');
  const uidOf = (r: (typeof creates)[number]) => (r.body as any).services.cloudTranscoder.config.transcoder.outputs[0].rtc.rtcUid;
  expect(uidOf(creates[0]!)).toBe(9999);
  expect(uidOf(creates[3]!)).toBe(result.tasks[0]!.outputUids[0]);
  expect(await control.tasks({ cname: channel, product: 'cloud-transcoder' })).toHaveLength(1);
  await expectNothingRunning(channel);
});

test('a canvas or watermark change replaces the task; a change of scenario, or one that leaves an output without its video encoding, is refused before anything is sent', async () => {
  const { channel, out } = await channels('tc-replace');
  const result = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel, out));
    const first = await phaseOf(h, 'running');
    const err = await h.executeUpdate(transcoderUpdate, { args: [{ videoInputs: [] }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((err as WorkflowUpdateFailedError).cause?.message)).toMatch(/scenario must stay audio-video/);
    // an output's encoding is given whole: the audio alone would drop the video the update call requires
    // (accepted, it would be sent and refused after every poll, and wait for ever)
    const speech = { outputs: [{ audioOption: { profileType: 'AUDIO_PROFILE_SPEECH_STANDARD' as const } }] };
    const audioOnly = await Promise.race([
      h.executeUpdate(transcoderUpdate, { args: [speech] }).catch((e: unknown) => e),
      new Promise((r) => setTimeout(() => r('still waiting after 10 s'), 10_000)),
    ]);
    expect(audioOnly).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((audioOnly as WorkflowUpdateFailedError).cause?.message)).toMatch(/videoOption is required with videoInputs/);
    // the same change by signal is ignored when the session takes it
    await h.signal(transcoderUpdateSignal, speech);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await h.query(transcoderStatusQuery)).toMatchObject({ configApplied: true, updates: 0 });
    const applied = await h.executeUpdate(transcoderUpdate, { args: [{ canvas: { width: 1280, height: 720, color: 255 }, waterMarks: [] }] });
    expect(applied).toMatchObject({ canvas: { width: 1280, height: 720, color: 255 }, waterMarks: [] });
    const now = await h.query(transcoderStatusQuery);
    expect(now).toMatchObject({ phase: 'running', replacements: 1, configApplied: true });
    expect(now.taskId).not.toBe(first.taskId);
    expect(now.outputUids[0]).not.toBe(first.outputUids[0]);
    return h.executeUpdate(transcoderStopUpdate, { args: [{}] });
  });
  expect(result).toMatchObject({ outcome: 'stopped', replacements: 1, updates: 0 });
  expect(result.tasks.map((t) => t.endReason)).toEqual([expect.stringMatching(/replaced/), 'stop requested']);
  expect(await updates(channel)).toEqual([]);
  const creates = (await control.requests({ cname: channel, product: 'cloud-transcoder' })).filter((r) => r.operation === 'create' && r.status === 200);
  expect((creates[1]!.body as any).services.cloudTranscoder.config.transcoder).toMatchObject({ canvas: { width: 1280, color: 255 } });
  expect((creates[1]!.body as any).services.cloudTranscoder.config.transcoder.waterMarks).toBeUndefined();
  expect((await operations(channel)).filter((o) => /^(create|delete)/.test(o))).toEqual(['create:200', 'delete:200', 'create:200', 'delete:200']);
  await expectNothingRunning(channel);
});

test('the sequenceId keeps growing across continue-as-new', async () => {
  const { channel, out } = await channels('tc-can');
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel, out, { pollIntervalMs: 100, maxHistoryEvents: 100 }));
    await phaseOf(h, 'running');
    await h.executeUpdate(transcoderUpdate, { args: [{ audioInputs: [{ rtcUid: 123 }] }] });
    const runs = (await h.query(transcoderStatusQuery)).continuedAsNew;
    await eventually(async () => ((await h.query(transcoderStatusQuery)).continuedAsNew > runs ? true : undefined), 'a continue-as-new');
    await h.executeUpdate(transcoderUpdate, { args: [{ audioInputs: [{ rtcUid: 123 }, { rtcUid: 456 }] }] });
    expect(await h.query(transcoderStatusQuery)).toMatchObject({ sequenceId: 1, updates: 2 });
    await h.executeUpdate(transcoderStopUpdate, { args: [{}] });
  });
  expect((await updates(channel)).map((u) => `${u.status}:${u.sequenceId}`)).toEqual(['200:0', '200:1']);
  expect((await operations(channel)).filter((o) => /^(create|delete)/.test(o))).toEqual(['create:200', 'delete:200']);
  await expectNothingRunning(channel);
});

test('cancellation deletes the task once; the idle exit ends the session with its reason', async () => {
  const a = await channels('tc-cancel');
  const b = await channels('tc-idle');
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(a.channel, a.out));
    await phaseOf(h, 'running');
    await h.cancel();
    expect((await failureOf(h)).cause).toBeInstanceOf(CancelledFailure);

    const idle = await start(tq, input(b.channel, b.out, { idleTimeout: 1 }));
    await phaseOf(idle, 'running');
    await control.leave(APP, b.channel, '123');
    await control.leave(APP, b.channel, '456');
    const r = await idle.result();
    expect(r).toMatchObject({ outcome: 'ended', finalStatus: 'EXIT' });
    expect(r.reason).toMatch(/exited \(its input hosts were gone for its idleTimeout, 1 s\)/);
  });
  expect((await operations(a.channel)).filter((o) => o.startsWith('delete'))).toEqual(['delete:200']);
  await expectNothingRunning(a.channel);
  await expectNothingRunning(b.channel);
});

test('bad input is refused before any vendor call; tokens and internal state cannot be passed in', async () => {
  const { channel, out } = await channels('tc-bad');
  await withWorker(env, config, async (tq) => {
    for (const bad of [
      { ...input(channel, out), canvas: undefined },
      { ...input(channel, out), outputs: [{ rtcChannel: out, rtcUid: 123 }] },
      { ...input(channel, out), audioInputs: [{ rtcUid: 123, rtcToken: 'x' }] },
      { ...input(channel, out), taskId: 'x' },
      { ...input(channel, out), canvas: { width: 100, height: 480, color: 0 } },
    ]) {
      const err = await failureOf(await start(tq, bad as never));
      expect((err.cause as ApplicationFailure).type).toBe('InvalidInput');
    }
  });
  expect(await operations(channel)).toEqual([]);
});

test('through the CLI: start, status, update, stop; templates create, ls, rm', async () => {
  const { channel, out } = await channels('cli-tc');
  const cli = (tq: string, ...args: string[]) => rtcflowWith({ RTCFLOW_EMULATOR_URL: world.emu.url }, tq, ...args);
  await withWorker(env, config, async (tq) => {
    const { channel: _c, pollIntervalMs: _p, confirmPollMs: _cp, ...layout } = input(channel, out);
    const started = json(await cli(tq, 'transcoder', 'start', '--channel', channel, '--layout', JSON.stringify(layout), '--json'));
    expect(started).toEqual({ id: transcoderWorkflowId({ profile: 'default', role: 'main', channel }), runId: expect.any(String) });
    world.track(env.client.workflow.getHandle(started.id));
    const running = await eventually(async () => {
      const s = json(await cli(tq, 'transcoder', 'status', started.id, '--json'));
      return s.phase === 'running' ? s : undefined;
    }, 'phase running through `rtcflow transcoder status`');
    expect(running).toMatchObject({ id: started.id, channel, configApplied: true, taskId: expect.any(String) });
    const updated = json(await cli(tq, 'transcoder', 'update', started.id, '--change', JSON.stringify({ videoInputs: [video(123, 0)] }), '--json'));
    expect(updated.config.videoInputs).toHaveLength(1);
    const refused = await cli(tq, 'transcoder', 'update', started.id, '--change', JSON.stringify({ rtcToken: 'x' }));
    expect(refused.code).toBe(2);
    const stopped = json(await cli(tq, 'transcoder', 'stop', started.id, '--reason', 'show over', '--json'));
    expect(stopped).toMatchObject({ outcome: 'stopped', reason: 'show over', updates: 1 });

    expect(json(await cli(tq, 'transcoder', 'template', 'create', '720p', '--width', '1280', '--height', '720', '--fps', '30', '--json'))).toEqual({
      codecId: '720p',
      enabled: true,
      video: { width: 1280, height: 720, fps: 30 },
    });
    expect(json(await cli(tq, 'transcoder', 'template', 'ls', '--json')).codecs).toContainEqual({ id: '720p', enabled: true, video: { width: 1280, height: 720, fps: 30 } });
    expect(json(await cli(tq, 'transcoder', 'template', 'rm', '720p', '--json'))).toEqual({ codecId: '720p', disabled: true });
    expect(json(await cli(tq, 'transcoder', 'template', 'ls', '--json')).codecs).toContainEqual({ id: '720p', enabled: false, video: { width: 1280, height: 720, fps: 30 } });
    expect((await cli(tq, 'transcoder', 'template', 'rm', 'nope')).code).toBe(3);
  });
  await expectNothingRunning(channel);
});

test('through the HTTP API: POST, GET, PATCH and stop under /v1/transcoders; bad input answers 400 with its issues', async () => {
  const { channel, out } = await channels('http-tc');
  await withWorker(env, config, async (tq) => {
    await withApi(env.client, { taskQueue: tq }, async (api) => {
      const bad = await api.call('POST', '/v1/transcoders', { ...input(channel, out), videoInputs: [video(123, 0)], canvas: undefined });
      expect(bad).toMatchObject({ status: 400, body: { issues: ['canvas: canvas is required with videoInputs'] } });
      const started = await api.call('POST', '/v1/transcoders', input(channel, out));
      expect(started.status).toBe(201);
      world.track(env.client.workflow.getHandle(started.body.id));
      const id = encodeURIComponent(started.body.id);
      await eventually(async () => ((await api.call('GET', `/v1/transcoders/${id}`)).body.phase === 'running' ? true : undefined), 'running over HTTP');
      const patched = await api.call('PATCH', `/v1/transcoders/${id}`, { videoInputs: [video(123, 0), video(456, 400)] });
      expect(patched).toMatchObject({ status: 200, body: { config: { videoInputs: [{ rtcUid: 123 }, { rtcUid: 456, region: { x: 400 } }] } } });
      expect((await api.call('PATCH', `/v1/transcoders/${id}`, { audioInputs: [], videoInputs: [] })).status).toBe(409);
      expect(await api.call('POST', `/v1/transcoders/${id}/stop`, { reason: 'http done' })).toMatchObject({
        status: 200,
        body: { outcome: 'stopped', reason: 'http done', updates: 1 },
      });
      expect((await api.call('GET', `/v1/transcoders/${encodeURIComponent(transcoderWorkflowId({ profile: 'default', role: 'main', channel: 'nobody' }))}`)).status).toBe(404);
    });
  });
  await expectNothingRunning(channel);
});
