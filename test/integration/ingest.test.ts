/**
 * The Media Gateway ingest session on the real Temporal dev server against its own emulator process
 * (20× fast) over HTTP, with simulated encoders pushing and NCS events delivered through rtcflow's
 * receiver. Every test ends with no stream key and no push of its channel left in the emulator's
 * ledger; every history is scanned for credentials (sessionHarness).
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Config } from '../../src/config';
import { RtcflowClient } from '../../src/client';
import type { IngestInput } from '../../src/schemas/workflows/ingest';
import type { RequestLogEntry } from '../../emulator/world';
import { ingest, ingestStatusQuery, ingestStopSignal, ingestStopUpdate, ingestUpdate, type IngestPhase, type IngestStatus } from '../../workflows/ingest';
import { agoraJson, APP } from '../helpers/agora-http';
import type { EmulatorControl } from '../helpers/emulator';
import { sessionHarness } from '../helpers/harness';
import { forkWorker, withWorker } from '../helpers/temporal';
import { eventually, uniqueId } from '../helpers/wait';
import { untilPhase } from '../helpers/session';
import { TEST_CLIENT_OPTIONS } from '../helpers/api';

const world = sessionHarness();
let env: TestWorkflowEnvironment;
let control: EmulatorControl;
let config: Config;
beforeAll(() => {
  ({ env, control, config } = world);
});

const input = (channel: string, extra: Partial<IngestInput> = {}): IngestInput => ({
  channel,
  uid: '100',
  pollIntervalMs: 500,
  muteVerifyMs: 200,
  reconnectWatchMs: 300,
  ...extra,
});

async function start(taskQueue: string, args: IngestInput): Promise<WorkflowHandle<typeof ingest>> {
  return world.track(await env.client.workflow.start(ingest, { taskQueue, workflowId: uniqueId('wf-ingest'), args: [args] }));
}

const phaseOf = (h: WorkflowHandle<typeof ingest>, phase: IngestPhase, timeoutMs?: number) => untilPhase(h, ingestStatusQuery, phase, timeoutMs);

// ---- the emulated encoder (OBS) ----

const ENCODERS = '/_emulator/agora/media-gateway/encoders';
interface Encoder {
  id: string;
  state: 'pushing' | 'reconnecting' | 'stopped';
  sid?: string;
  sids: string[];
  muted?: { audio: boolean; video: boolean };
  template?: { templateId?: string };
  lastAbort?: { errorCode: number; reason: string };
}
const pushWith = (streamKey: string) => control.json<Encoder>('POST', ENCODERS, { streamKey });
const encoder = async (id: string) => (await control.json<{ encoders: Encoder[] }>('GET', ENCODERS)).encoders.find((e) => e.id === id)!;
const dropNetwork = (id: string) => control.json('POST', `${ENCODERS}/${id}/drop`);

/** Start → key handed over → an encoder pushes with it → live. */
async function live(h: WorkflowHandle<typeof ingest>): Promise<{ status: IngestStatus; enc: Encoder }> {
  const waiting = await phaseOf(h, 'waiting-for-encoder');
  const enc = await pushWith(waiting.push!.streamKey);
  const status = await phaseOf(h, 'live');
  expect(status.sid).toBe(enc.sid);
  return { status, enc };
}

// ---- the emulator's request log and ledger ----

/** The Media Gateway requests about the channel (and its pushes), in order, from `since` on. */
async function gatewayLog(channel: string, since = 0): Promise<RequestLogEntry[]> {
  return (await control.requests({ product: 'media-gateway', sinceSeq: since })).filter((r) => r.cname === channel);
}
const ops = (log: RequestLogEntry[]) => log.map((r) => `${r.operation}:${r.status}${r.fault ? `:${r.fault}` : ''}`);
const lastSeq = async () => (await control.requests({})).reduce((m, r) => Math.max(m, r.seq), 0);

/** No key, no push of the channel left live (the ledger's billing tasks). */
async function expectNothingLive(channel: string): Promise<void> {
  expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
}

/** The key is destroyed before any push is disconnected, and both happen exactly once. */
function expectKeyDestroyedFirst(log: RequestLogEntry[], disconnects = 1): void {
  const o = ops(log);
  const destroy = o.indexOf('destroyStreamKey:200');
  expect(o.filter((x) => x.startsWith('destroyStreamKey'))).toEqual(['destroyStreamKey:200']);
  expect(o.filter((x) => x.startsWith('disconnectOnlineStream'))).toEqual(Array(disconnects).fill('disconnectOnlineStream:200'));
  if (disconnects) expect(destroy).toBeLessThan(o.indexOf('disconnectOnlineStream:200'));
}

test('the key is handed over, the push goes live, mute/unmute reach it in order and follow a reconnect, stop destroys the key first', async () => {
  const channel = uniqueId('ingest');
  const { result, enc } = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel));
    const { status, enc } = await live(h);
    expect(status.push).toEqual({
      host: 'rtls-ingress-prod-na.agoramdn.com',
      server: 'rtmp://rtls-ingress-prod-na.agoramdn.com/live',
      streamKey: expect.any(String),
      rtmpUrl: `rtmp://rtls-ingress-prod-na.agoramdn.com/live/${status.push!.streamKey}`,
    });
    expect(await h.executeUpdate(ingestUpdate, { args: [{ audioMuted: true }] })).toEqual({ audioMuted: true, videoMuted: false });
    expect((await encoder(enc.id)).muted).toEqual({ audio: true, video: false });
    expect(await h.executeUpdate(ingestUpdate, { args: [{ audioMuted: false, videoMuted: true }] })).toEqual({ audioMuted: false, videoMuted: true });
    expect((await encoder(enc.id)).muted).toEqual({ audio: false, video: true });

    // the network drops: the encoder comes back as a new sid, unmuted; the session mutes it again
    await dropNetwork(enc.id);
    const again = await eventually(async () => {
      const s = await h.query(ingestStatusQuery);
      return s.phase === 'live' && s.sid !== enc.sid && s.muteApplied ? s : undefined;
    }, 'the reconnected push live with the wanted mute');
    const back = await encoder(enc.id);
    expect(back.sid).toBe(again.sid);
    expect(back.muted).toEqual({ audio: false, video: true });
    return { result: await h.executeUpdate(ingestStopUpdate, { args: [{ reason: 'show over' }] }), enc };
  });

  expect(result).toMatchObject({
    channel,
    uid: '100',
    region: 'na',
    outcome: 'stopped',
    reason: 'show over',
    keyDestroyed: true,
    muteCalls: 3,
    unstopped: [],
    uncertainCreates: [],
  });
  expect(result.mute).toEqual({ audioMuted: false, videoMuted: true });
  expect(result.streams.map((s) => s.sid)).toEqual((await encoder(enc.id)).sids);
  expect(result.streams[1]!.endReason).toBe('disconnected: show over');
  expect(JSON.stringify(result)).not.toContain((await control.tasks({ cname: channel, product: 'media-gateway' })).find((t) => t.state === 'destroyed')!.id);

  const log = await gatewayLog(channel);
  expect(ops(log).filter((o) => o.startsWith('createStreamKey'))).toEqual(['createStreamKey:200']);
  // in order, and the third to the new sid
  const mutes = log.filter((r) => r.operation === 'muteOnlineStream');
  expect(mutes.map((r) => (r.body as { settings: unknown }).settings)).toEqual([
    { audioMuted: true, videoMuted: false },
    { audioMuted: false, videoMuted: true },
    { audioMuted: false, videoMuted: true },
  ]);
  expect(mutes.map((r) => r.sid)).toEqual([enc.sid, enc.sid, result.streams[1]!.sid]);
  expectKeyDestroyedFirst(log);
  // the encoder tried to come back after the disconnect and was refused: the key was gone
  const gone = await eventually(async () => {
    const e = await encoder(enc.id);
    return e.state === 'stopped' && e.lastAbort ? e : undefined;
  }, 'the encoder giving up');
  expect(gone.lastAbort!.errorCode).toBe(2);
  expect(gone.sids).toHaveLength(2);
  await expectNothingLive(channel);
});

test('cancellation: the key is destroyed BEFORE the push is disconnected, and the encoder cannot come back', async () => {
  const channel = uniqueId('ingest-cancel');
  const enc = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel));
    const { enc } = await live(h);
    await h.cancel();
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const after = await h.query(ingestStatusQuery);
    expect(after).toMatchObject({ phase: 'completed', reason: 'workflow cancelled; key destroyed, pushes disconnected' });
    expect(after.push).toBeUndefined();
    return enc;
  });
  const log = await gatewayLog(channel);
  expectKeyDestroyedFirst(log);
  const destroyAt = log.find((r) => r.operation === 'destroyStreamKey')!.seq;
  const disconnect = log.find((r) => r.operation === 'disconnectOnlineStream')!;
  expect(destroyAt).toBeLessThan(disconnect.seq);
  expect(disconnect.sid).toBe(enc.sid);
  const gone = await eventually(async () => {
    const e = await encoder(enc.id);
    return e.state === 'stopped' && e.lastAbort ? e : undefined;
  }, 'the encoder giving up');
  expect(gone).toMatchObject({ sids: [enc.sid], lastAbort: { errorCode: 2 } });
  await expectNothingLive(channel);
});

test('key expiry ends the session with its reason; the live push is disconnected', async () => {
  const channel = uniqueId('ingest-expiry');
  const since = await lastSeq();
  const { result, streamKey } = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel, { expiresAfter: 60 }));
    const { status } = await live(h);
    expect(status.keyExpiresAt).toEqual(expect.any(String));
    await control.advanceClock(61_000); // the key's 60 emulated seconds run out
    return { result: await h.result(), streamKey: status.push!.streamKey };
  });
  expect(result).toMatchObject({ outcome: 'ended', reason: 'the stream key expired (expiresAfter 60 s)', keyDestroyed: true, unstopped: [] });
  // a request about a gone key is answered before the emulator knows its channel: find those by the key
  const o = ops((await control.requests({ product: 'media-gateway', sinceSeq: since })).filter((r) => r.cname === channel || r.path.includes(streamKey)));
  // the expired key answers 404 (already gone); the push it started is cut
  expect(o.filter((x) => x.startsWith('destroyStreamKey'))).toEqual(['destroyStreamKey:404']);
  expect(o.filter((x) => x.startsWith('disconnectOnlineStream'))).toEqual(['disconnectOnlineStream:200']);
  await expectNothingLive(channel);
});

test('no encoder within encoderTimeoutMs ends the session with its reason, and the key is destroyed', async () => {
  const channel = uniqueId('ingest-noenc');
  const result = await withWorker(env, config, async (tq) => (await start(tq, input(channel, { encoderTimeoutMs: 2_000 }))).result());
  expect(result).toMatchObject({ outcome: 'ended', reason: 'no encoder pushed within 2 s', keyDestroyed: true, streams: [], liveMs: 0 });
  expect(ops(await gatewayLog(channel)).filter((o) => !o.startsWith('queryStreamKey'))).toEqual(['createStreamKey:200', 'destroyStreamKey:200']);
  await expectNothingLive(channel);
});

test('the max duration stops a live session through the same teardown', async () => {
  const channel = uniqueId('ingest-maxdur');
  const result = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel, { maxDurationMs: 3_000 }));
    await live(h);
    return h.result();
  });
  expect(result.outcome).toBe('stopped');
  expect(result.reason).toMatch(/^max duration reached/);
  expectKeyDestroyedFirst(await gatewayLog(channel));
  await expectNothingLive(channel);
});

test('a start retried after its answer was lost joins the running session: one stream key', async () => {
  const channel = uniqueId('ingest-retry');
  await withWorker(env, config, async (tq) => {
    const rtc = new RtcflowClient(env.client, tq, TEST_CLIENT_OPTIONS);
    const first = await rtc.ingests.start(input(channel));
    const again = await rtc.ingests.start(input(channel, { uid: '200' })); // the running session keeps its own input
    expect(again).toEqual(first);
    const h = world.track(env.client.workflow.getHandle<typeof ingest>(first.id));
    expect((await phaseOf(h, 'waiting-for-encoder')).uid).toBe('100');
    await rtc.ingests.stop(first.id, 'done');
  });
  expect(ops(await gatewayLog(channel)).filter((o) => o.startsWith('createStreamKey'))).toEqual(['createStreamKey:200']);
  await expectNothingLive(channel);
});

test('a create whose answer is lost: the session holds one key, reports the one it cannot name, and that one runs out', async () => {
  const channel = uniqueId('ingest-lost');
  await control.addFault({ match: { product: 'media-gateway', operation: 'createStreamKey' }, action: { type: 'drop-response' }, count: 1 });
  const result = await withWorker(env, config, async (tq) => {
    // 10 emulated minutes: at the harness's time scale (20) a slow machine cannot reach the expiry before the check below
    const h = await start(tq, input(channel, { expiresAfter: 600 }));
    const waiting = await phaseOf(h, 'waiting-for-encoder');
    expect(waiting.uncertainCreates).toHaveLength(1);
    return h.executeUpdate(ingestStopUpdate, { args: [{}] });
  });
  expect(result.uncertainCreates).toEqual([{ at: expect.any(String), error: expect.stringMatching(/createStreamKey: no response/), expiresBy: expect.any(String) }]);
  expect(ops(await gatewayLog(channel)).filter((o) => o.startsWith('createStreamKey') || o.startsWith('destroy'))).toEqual([
    'createStreamKey:200:drop-response',
    'createStreamKey:200',
    'destroyStreamKey:200',
  ]);
  // the unnamed key is the only thing left, and it runs out at its expiresAfter
  expect((await control.tasks({ cname: channel, running: true })).map((t) => t.state)).toEqual(['active']);
  await control.advanceClock(601_000);
  await eventually(async () => ((await control.tasks({ cname: channel, running: true })).length === 0 ? true : undefined), 'the unnamed key expiring');
});

test('409 on create (concurrent creates) backs off and creates once', async () => {
  const channel = uniqueId('ingest-409');
  const since = await lastSeq();
  await control.addFault({
    match: { product: 'media-gateway', operation: 'createStreamKey' },
    action: { type: 'error', status: 409, body: { message: 'Resource with the same name already exists.' } },
    count: 1,
  });
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel));
    await phaseOf(h, 'waiting-for-encoder');
    await h.executeUpdate(ingestStopUpdate, { args: [{}] });
  });
  // the refused create was answered by the fault before the emulator read its channel: find it by order
  const creates = (await control.requests({ product: 'media-gateway', sinceSeq: since })).filter((r) => r.operation === 'createStreamKey');
  expect(creates.map((r) => `${r.status}`)).toEqual(['409', '200']);
  expect(creates[1]!.at - creates[0]!.at).toBeGreaterThanOrEqual(900 * 20); // ≥ ~1 s of real time on a 20× clock
  await expectNothingLive(channel);
});

test('a template is bound to the key by name; an unknown one fails the session before anything is held', async () => {
  const channel = uniqueId('ingest-tpl');
  const put = await agoraJson(world.emu.url, 'PUT', `/na/v1/projects/${APP}/rtls/ingress/stream-templates/hd720`, {
    settings: { transcoding: { video: { enabled: true, width: 1280, height: 720, fps: 30, bitrate: 2400 }, audio: { enabled: true } } },
  });
  expect(put.status).toBe(200);
  await control.advanceClock(181_000); // a template reaches the gateways 3 minutes after it was made
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel, { template: 'hd720' }));
    const { enc } = await live(h);
    expect((await encoder(enc.id)).template).toMatchObject({ templateId: 'hd720' });
    expect(await h.executeUpdate(ingestStopUpdate, { args: [{}] })).toMatchObject({ template: 'hd720', outcome: 'stopped' });

    const bad = await start(tq, input(uniqueId('ingest-tpl-missing'), { template: 'nosuch' }));
    const err = await bad.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const failed = await bad.query(ingestStatusQuery);
    expect(failed.phase).toBe('failed');
    expect(failed.reason).toMatch(/createStreamKey: HTTP 400: Invalid settings/);
    expect(failed.push).toBeUndefined();
  });
  const log = await gatewayLog(channel);
  expect((log.find((r) => r.operation === 'createStreamKey')!.body as { settings: unknown }).settings).toMatchObject({ channel, uid: '100', templateId: 'hd720' });
  await expectNothingLive(channel);
});

test('a worker killed with SIGKILL mid-session: a new worker carries on, the mute holds, and it is torn down once', async () => {
  const channel = uniqueId('ingest-crash');
  const taskQueue = uniqueId('tq-ingest-crash');
  const worker = await forkWorker(taskQueue, world.emu.url);
  try {
    const h = await start(taskQueue, input(channel));
    const { enc } = await live(h);
    await h.executeUpdate(ingestUpdate, { args: [{ videoMuted: true }] });
    await worker.kill();
    const result = await withWorker(
      env,
      config,
      async () => {
        await h.signal(ingestStopSignal, { reason: 'after the crash' });
        return h.result();
      },
      {},
      { taskQueue },
    );
    expect(result).toMatchObject({ outcome: 'stopped', reason: 'after the crash', keyDestroyed: true, mute: { audioMuted: false, videoMuted: true }, muteCalls: 1 });
    expect(result.streams.map((s) => s.sid)).toEqual([enc.sid]);
    const log = await gatewayLog(channel);
    expect(ops(log).filter((o) => o.startsWith('createStreamKey') || o.startsWith('mute'))).toEqual(['createStreamKey:200', 'muteOnlineStream:200']);
    expectKeyDestroyedFirst(log);
    await expectNothingLive(channel);
  } finally {
    worker.dispose();
  }
});

test('the key, the push and the wanted mute carry across continue-as-new', async () => {
  const channel = uniqueId('ingest-can');
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel, { pollIntervalMs: 100, maxHistoryEvents: 100 }));
    const { status, enc } = await live(h);
    await h.executeUpdate(ingestUpdate, { args: [{ audioMuted: true }] });
    await eventually(async () => ((await h.query(ingestStatusQuery)).continuedAsNew >= 1 ? true : undefined), 'a continue-as-new');
    const after = await h.query(ingestStatusQuery);
    expect(after).toMatchObject({ phase: 'live', sid: enc.sid, push: status.push, mute: { audioMuted: true, videoMuted: false }, muteApplied: true });
    expect(await h.executeUpdate(ingestUpdate, { args: [{ audioMuted: false }] })).toEqual({ audioMuted: false, videoMuted: false });
    expect((await encoder(enc.id)).muted).toEqual({ audio: false, video: false });
    await h.executeUpdate(ingestStopUpdate, { args: [{}] });
  });
  const log = await gatewayLog(channel);
  expect(ops(log).filter((o) => o.startsWith('createStreamKey'))).toEqual(['createStreamKey:200']);
  expect(log.filter((r) => r.operation === 'muteOnlineStream').map((r) => (r.body as { settings: { audioMuted: boolean } }).settings.audioMuted)).toEqual([true, false]);
  expectKeyDestroyedFirst(log);
  await expectNothingLive(channel);
});

test('bad input is refused before any vendor call, and internal state cannot be passed in', async () => {
  const channel = uniqueId('ingest-badinput');
  await withWorker(env, config, async (tq) => {
    for (const bad of [
      { channel, uid: '0' },
      { channel, uid: '100', template: 'far-too-long-template' },
      { channel, uid: '100', region: 'NA' },
      { channel, uid: '100', streamKey: 'x' },
    ]) {
      const err = await start(tq, bad as never)
        .then((h) => h.result())
        .catch((e: unknown) => e);
      expect(((err as WorkflowFailedError).cause as ApplicationFailure).type).toBe('InvalidInput');
    }
  });
  expect(await gatewayLog(channel)).toEqual([]);
});
