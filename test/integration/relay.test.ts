/**
 * The Media Push relay session (channel → CDN) on the real Temporal dev server against its own emulator
 * process (20× fast) over HTTP, NCS events delivered through rtcflow's receiver; the happy path also
 * through the `rtcflow relay` command as child processes. Every test ends with no converter left in the
 * emulator for its channel; every history is scanned for credentials.
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { request } from 'undici';
import { agoraJson } from '../helpers/agora-http';
import { EMULATOR_AGORA } from '../../emulator/defaults';
import { converterName } from '../../src/agora/meanings/media-push';
import { relayWorkflowId, RtcflowClient } from '../../src/client';
import type { Config } from '../../src/config';
import type { RelayInput, RelayTranscoding } from '../../src/schemas/workflows/relay';
import { relay, relayStatusQuery, relayStopSignal, relayStopUpdate, relayUpdate, type RelayPhase } from '../../workflows/relay';
import type { EmulatorControl } from '../helpers/emulator';
import { sessionHarness } from '../helpers/harness';
import { forkWorker, withWorker } from '../helpers/temporal';
import { eventually, uniqueId } from '../helpers/wait';
import { json, rtcflow } from '../helpers/cli';
import { failureOf, untilPhase } from '../helpers/session';
import { startApi, TEST_CLIENT_OPTIONS } from '../helpers/api';

const APP = EMULATOR_AGORA.appId;
const world = sessionHarness();
let env: TestWorkflowEnvironment;
let control: EmulatorControl;
let config: Config;
beforeAll(() => {
  ({ env, control, config } = world);
});

const layout = (uid: number, width = 1280): RelayTranscoding => ({
  audioOptions: {},
  videoOptions: { canvas: { width, height: 720 }, layout: [{ rtcStreamUid: uid, region: { xPos: 0, yPos: 0, width, height: 720 } }], bitrate: 2000 },
});

const input = (channel: string, extra: Partial<RelayInput> = {}): RelayInput => ({
  channel,
  region: 'na',
  rtmpUrl: 'rtmp://cdn.example.com/live/stream-a',
  transcoding: layout(701),
  pollIntervalMs: 300,
  confirmPollMs: 100,
  ...extra,
});

/** A channel whose host (uid 701) publishes, so its converter runs. */
async function liveChannel(prefix: string): Promise<string> {
  const channel = uniqueId(prefix);
  await control.emptyChannel(APP, channel);
  await control.join(APP, channel, '701');
  return channel;
}

async function start(taskQueue: string, args: RelayInput, workflowId = uniqueId('wf-relay')): Promise<WorkflowHandle<typeof relay>> {
  return world.track(await env.client.workflow.start(relay, { taskQueue, workflowId, args: [args] }));
}

const phaseOf = (h: WorkflowHandle<typeof relay>, phase: RelayPhase, timeoutMs?: number) => untilPhase(h, relayStatusQuery, phase, timeoutMs);

/** `operation:status[:fault]` of every Media Push call about the channel, in order. */
async function operations(channel: string): Promise<string[]> {
  return (await control.requests({ cname: channel, product: 'media-push' })).map((r) => `${r.operation}:${r.status}${r.fault ? `:${r.fault}` : ''}`);
}

/** `status:sequence` of every update of the channel's converters, in order. */
async function updates(channel: string): Promise<Array<{ status: number; sequence: number; fields: string; body: { converter: Record<string, unknown> } }>> {
  return (await control.requests({ cname: channel, product: 'media-push' }))
    .filter((r) => r.operation === 'update')
    .map((r) => {
      const body = r.body as { converter: Record<string, unknown>; fields: string };
      return { status: r.status, sequence: Number(new URL(r.path, 'http://x').searchParams.get('sequence')), fields: body.fields, body };
    });
}

/** The emulator lists no live converter for the channel and its ledger has none running. */
async function expectNothingRunning(channel: string): Promise<void> {
  const { converters } = await control.json<{ converters: Array<{ channel: string; destroyed?: unknown }> }>('GET', '/_emulator/agora/media-push/converters');
  expect(converters.filter((c) => c.channel === channel && !c.destroyed)).toEqual([]);
  expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
}

test('through the CLI: start, status until running, update the CDN address, stop with the result', async () => {
  const channel = await liveChannel('cli-relay');
  await withWorker(env, config, async (tq) => {
    const started = json(
      await rtcflow(
        tq,
        'relay',
        'start',
        '--channel',
        channel,
        '--region',
        'na',
        '--rtmp-url',
        'rtmp://cdn.example.com/live/a',
        '--transcoding',
        JSON.stringify(layout(701)),
        '--poll-interval',
        '300',
        '--json',
      ),
    );
    expect(started).toEqual({ id: relayWorkflowId({ profile: 'default', role: 'main', channel }), runId: expect.any(String) });
    world.track(env.client.workflow.getHandle(started.id));

    const running = await eventually(async () => {
      const s = json(await rtcflow(tq, 'relay', 'status', started.id, '--json'));
      return s.phase === 'running' ? s : undefined;
    }, 'phase running through `rtcflow relay status`');
    expect(running).toMatchObject({ id: started.id, channel, region: 'na', converterState: 'running', configApplied: true, config: { rtmpUrl: 'rtmp://cdn.example.com/live/a' } });

    const updated = json(await rtcflow(tq, 'relay', 'update', started.id, '--rtmp-url', 'rtmp://cdn.example.com/live/b', '--json'));
    expect(updated).toEqual({ id: started.id, config: { rtmpUrl: 'rtmp://cdn.example.com/live/b', transcoding: layout(701) } });

    const stopped = json(await rtcflow(tq, 'relay', 'stop', started.id, '--reason', 'show over', '--json'));
    expect(stopped).toMatchObject({ id: started.id, channel, outcome: 'stopped', reason: 'show over', updates: 1, restarts: 0, unstopped: [] });
    expect(stopped.converters).toEqual([expect.objectContaining({ id: running.converterId, adopted: false, endReason: 'show over', updates: 1 })]);
  });
  const ops = await operations(channel);
  expect(ops.filter((o) => /^(create|update|delete)/.test(o))).toEqual(['create:200', 'update:200', 'delete:200']);
  // the converter's RTC token was built by the worker and sent (the log masks it; the harness finds it in no history)
  const create = (await control.requests({ cname: channel, product: 'media-push' })).find((r) => r.operation === 'create');
  expect((create!.body as { converter: { transcodeOptions: { rtcChannel: string; token?: string } } }).converter.transcodeOptions).toMatchObject({
    rtcChannel: channel,
    token: '***',
  });
  const [u] = await updates(channel);
  // only what changed is sent, as a FieldMask
  expect(u).toMatchObject({ sequence: 0, fields: 'rtmpUrl', body: { converter: { rtmpUrl: 'rtmp://cdn.example.com/live/b' } } });
  expect(u!.body.converter.transcodeOptions).toBeUndefined();
  await expectNothingRunning(channel);
});

test('through the HTTP API: POST, GET, PATCH and stop under /v1/relays; bad input answers 400 with its issues', async () => {
  const channel = await liveChannel('http-relay');
  await withWorker(env, config, async (tq) => {
    const api = await startApi(env.client, { taskQueue: tq });
    const base = api.base;
    const call = async (method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown) => {
      const res = await request(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${api.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.statusCode, body: (await res.body.json()) as any };
    };
    try {
      expect(await call('POST', '/v1/relays', { ...input(channel), region: 'NA' })).toMatchObject({
        status: 400,
        body: { issues: ['region: region must be one of cn, ap, na, eu (lower-case)'] },
      });
      const both = await call('POST', '/v1/relays', { ...input(channel), raw: { rtcStreamUid: 701 } });
      expect(both).toMatchObject({ status: 400, body: { issues: ['transcoding: give exactly one of transcoding and raw'] } });
      const started = await call('POST', '/v1/relays', input(channel));
      expect(started.status).toBe(201);
      world.track(env.client.workflow.getHandle(started.body.id));
      const id = encodeURIComponent(started.body.id);
      await eventually(async () => ((await call('GET', `/v1/relays/${id}`)).body.phase === 'running' ? true : undefined), 'running over HTTP');
      expect(await call('PATCH', `/v1/relays/${id}`, { rtmpUrl: 'rtmp://cdn.example.com/live/http' })).toMatchObject({
        status: 200,
        body: { config: { rtmpUrl: 'rtmp://cdn.example.com/live/http' } },
      });
      expect(await call('POST', `/v1/relays/${id}/stop`, { reason: 'http done' })).toMatchObject({ status: 200, body: { outcome: 'stopped', reason: 'http done', updates: 1 } });
      expect((await call('GET', `/v1/relays/${encodeURIComponent(relayWorkflowId({ profile: 'default', role: 'main', channel: 'nobody' }))}`)).status).toBe(404);
    } finally {
      await api.server.close();
    }
  });
  await expectNothingRunning(channel);
});

test('two updates mid-session reach the converter in order, with increasing sequences, at most 2 per second', async () => {
  const channel = await liveChannel('relay-updates');
  const result = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel));
    await phaseOf(h, 'running');
    expect(await h.executeUpdate(relayUpdate, { args: [{ transcoding: layout(701, 960) }] })).toEqual({
      rtmpUrl: 'rtmp://cdn.example.com/live/stream-a',
      transcoding: layout(701, 960),
    });
    // sent at once: the second waits for the converter's 2-per-second budget
    expect(await h.executeUpdate(relayUpdate, { args: [{ rtmpUrl: 'rtmp://cdn.example.com/live/stream-b' }] })).toEqual({
      rtmpUrl: 'rtmp://cdn.example.com/live/stream-b',
      transcoding: layout(701, 960),
    });
    expect(await h.query(relayStatusQuery)).toMatchObject({ configApplied: true, sequence: 1 });
    return h.executeUpdate(relayStopUpdate, { args: [{}] });
  });
  expect(result).toMatchObject({ outcome: 'stopped', updates: 2, config: { rtmpUrl: 'rtmp://cdn.example.com/live/stream-b' } });
  const sent = await updates(channel);
  expect(sent.map((u) => `${u.status}:${u.sequence}:${u.fields}`)).toEqual(['200:0:transcodeOptions.videoOptions', '200:1:rtmpUrl']);
  const at = (await control.requests({ cname: channel, product: 'media-push' })).filter((r) => r.operation === 'update').map((r) => r.at);
  // 500 ms apart in real time: 10 s of the emulator's 20× clock
  expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(8_000);
  await expectNothingRunning(channel);
});

test('a change Agora would refuse is refused before anything is sent (vertical layout: rtmpUrl only; raw push)', async () => {
  const channel = await liveChannel('relay-refused');
  const rawChannel = await liveChannel('relay-refused-raw');
  const vertical: RelayTranscoding = {
    audioOptions: {},
    videoOptions: { canvas: { width: 720, height: 1280 }, layoutType: 1, vertical: { maxResolutionUid: 701 }, bitrate: 1500 },
  };
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel, { transcoding: vertical }));
    await phaseOf(h, 'running');
    const err = await h.executeUpdate(relayUpdate, { args: [{ transcoding: layout(701) }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((err as WorkflowUpdateFailedError).cause?.message)).toMatch(/vertical layout \(layoutType 1\) only rtmpUrl/);
    expect(await h.executeUpdate(relayUpdate, { args: [{ rtmpUrl: 'rtmp://cdn.example.com/live/vertical' }] })).toMatchObject({ rtmpUrl: 'rtmp://cdn.example.com/live/vertical' });
    await h.executeUpdate(relayStopUpdate, { args: [{}] });

    const raw = await start(tq, input(rawChannel, { transcoding: undefined, raw: { rtcStreamUid: 701 } }));
    await phaseOf(raw, 'running');
    const rawErr = await raw.executeUpdate(relayUpdate, { args: [{ transcoding: layout(701) }] }).catch((e: unknown) => e);
    expect(String((rawErr as WorkflowUpdateFailedError).cause?.message)).toMatch(/raw \(non-transcoded\) push can change its rtmpUrl only/);
    await raw.executeUpdate(relayStopUpdate, { args: [{}] });
  });
  expect((await updates(channel)).map((u) => `${u.status}:${u.fields}`)).toEqual(['200:rtmpUrl']);
  expect(await updates(rawChannel)).toEqual([]);
  const rawCreate = (await control.requests({ cname: rawChannel, product: 'media-push' })).find((r) => r.operation === 'create');
  expect((rawCreate!.body as { converter: Record<string, unknown> }).converter).toMatchObject({ rawOptions: { rtcChannel: rawChannel, rtcStreamUid: 701 } });
  await expectNothingRunning(channel);
  await expectNothingRunning(rawChannel);
});

test('a create whose answer was dropped, and a start sent twice, end with exactly one converter', async () => {
  const channel = await liveChannel('relay-ambiguous');
  await control.addFault({ match: { product: 'media-push', operation: 'create' }, action: { type: 'drop-response' }, count: 1 });
  const result = await withWorker(env, config, async (tq) => {
    const id = relayWorkflowId({ profile: 'default', role: 'main', channel });
    const rtc = new RtcflowClient(env.client, tq, TEST_CLIENT_OPTIONS);
    const a = await rtc.relays.start(input(channel));
    const b = await rtc.relays.start(input(channel, { rtmpUrl: 'rtmp://cdn.example.com/live/other' }));
    expect(b).toEqual(a);
    expect(a.id).toBe(id);
    const h = world.track(env.client.workflow.getHandle<typeof relay>(id));
    await phaseOf(h, 'running');
    return rtc.relays.stop(id);
  });
  const ops = await operations(channel);
  // reconciled by listing the channel's converters by name, never created again
  expect(ops.filter((o) => o.startsWith('create'))).toEqual(['create:200:drop-response']);
  expect(ops.filter((o) => o.startsWith('listByChannel')).length).toBeGreaterThan(0);
  const tasks = await control.tasks({ cname: channel, product: 'media-push' });
  expect(tasks).toHaveLength(1);
  expect(result.converters).toEqual([expect.objectContaining({ id: tasks[0]!.id, adopted: true })]);
  expect(ops.filter((o) => o.startsWith('delete'))).toEqual(['delete:200']);
  await expectNothingRunning(channel);
});

test('a live converter with the session’s name (409) is adopted, never a second one', async () => {
  const channel = await liveChannel('relay-409');
  const workflowId = uniqueId('wf-relay-409');
  // a converter of that name already pushes (e.g. created by a start whose worker died before recording it)
  const name = converterName(channel, workflowId, 0);
  const auth = `Basic ${Buffer.from(`${EMULATOR_AGORA.customerId}:${EMULATOR_AGORA.customerSecret}`).toString('base64')}`;
  const res = await fetch(`${world.emu.url}/na/v1/projects/${APP}/rtmp-converters`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify({ converter: { name, transcodeOptions: { rtcChannel: channel, ...layout(701) }, rtmpUrl: 'rtmp://cdn.example.com/live/stream-a' } }),
  });
  expect(res.status).toBe(200);
  const existing = res.headers.get('x-resource-id');
  const result = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel), workflowId);
    const running = await phaseOf(h, 'running');
    expect(running.converterId).toBe(existing);
    // an adopted converter's sequence space starts above anything an earlier holder can have sent
    await h.executeUpdate(relayUpdate, { args: [{ rtmpUrl: 'rtmp://cdn.example.com/live/stream-c' }] });
    return h.executeUpdate(relayStopUpdate, { args: [{}] });
  });
  expect(result.converters).toEqual([expect.objectContaining({ id: existing, adopted: true, name })]);
  expect((await operations(channel)).filter((o) => o.startsWith('create'))).toEqual(['create:200', 'create:409']);
  expect((await updates(channel))[0]!.sequence).toBeGreaterThan(1_600_000_000_000);
  expect(await control.tasks({ cname: channel, product: 'media-push' })).toHaveLength(1);
  await expectNothingRunning(channel);
});

test('a worker killed with SIGKILL mid-session: a new worker carries on, the sequence keeps growing, one delete', async () => {
  const channel = await liveChannel('relay-crash');
  const taskQueue = uniqueId('tq-relay-crash');
  const worker = await forkWorker(taskQueue, world.emu.url);
  try {
    const h = await start(taskQueue, input(channel));
    const before = await phaseOf(h, 'running', 60_000);
    await h.executeUpdate(relayUpdate, { args: [{ rtmpUrl: 'rtmp://cdn.example.com/live/before-crash' }] });
    await worker.kill();
    const result = await withWorker(
      env,
      config,
      async () => {
        await h.executeUpdate(relayUpdate, { args: [{ rtmpUrl: 'rtmp://cdn.example.com/live/after-crash' }] });
        await h.signal(relayStopSignal, { reason: 'after the crash' });
        return h.result();
      },
      {},
      { taskQueue },
    );
    expect(result).toMatchObject({ outcome: 'stopped', reason: 'after the crash', updates: 2, converters: [expect.objectContaining({ id: before.converterId })] });
    expect((await updates(channel)).map((u) => `${u.status}:${u.sequence}`)).toEqual(['200:0', '200:1']);
    const ops = await operations(channel);
    expect(ops.filter((o) => o.startsWith('create'))).toEqual(['create:200']);
    expect(ops.filter((o) => o.startsWith('delete'))).toEqual(['delete:200']);
    await expectNothingRunning(channel);
  } finally {
    worker.dispose();
  }
});

test('the sequence keeps growing across continue-as-new', async () => {
  const channel = await liveChannel('relay-can');
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel, { pollIntervalMs: 100, maxHistoryEvents: 100 }));
    await phaseOf(h, 'running');
    await h.executeUpdate(relayUpdate, { args: [{ rtmpUrl: 'rtmp://cdn.example.com/live/run-1' }] });
    const runs = (await h.query(relayStatusQuery)).continuedAsNew;
    await eventually(async () => ((await h.query(relayStatusQuery)).continuedAsNew > runs ? true : undefined), 'a continue-as-new');
    await h.executeUpdate(relayUpdate, { args: [{ rtmpUrl: 'rtmp://cdn.example.com/live/run-2' }] });
    expect(await h.query(relayStatusQuery)).toMatchObject({ sequence: 1, config: { rtmpUrl: 'rtmp://cdn.example.com/live/run-2' } });
    await h.executeUpdate(relayStopUpdate, { args: [{}] });
  });
  expect((await updates(channel)).map((u) => `${u.status}:${u.sequence}`)).toEqual(['200:0', '200:1']);
  expect((await operations(channel)).filter((o) => o.startsWith('create') || o.startsWith('delete'))).toEqual(['create:200', 'delete:200']);
  await expectNothingRunning(channel);
});

test('no continue-as-new while an accepted update waits for its change: it is sent once Agora takes it, then the run continues', async () => {
  const channel = await liveChannel('relay-can-wait');
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel, { pollIntervalMs: 100, maxHistoryEvents: 100 }));
    await phaseOf(h, 'running');
    // every update answers 404 (the converter looks gone): the change is paused until a poll finds it alive,
    // then sent again; the history passes its budget meanwhile
    const fault = await control.addFault({
      match: { product: 'media-push', operation: 'update' },
      action: { type: 'error', status: 404, body: { message: 'converter not found' } },
      count: 1_000,
    });
    const changed = h.executeUpdate(relayUpdate, { args: [{ rtmpUrl: 'rtmp://cdn.example.com/live/waited' }] });
    const hits = async () => (await control.faults()).find((f) => f.id === fault.id)?.hits ?? 0;
    await eventually(async () => ((await hits()) >= 3 ? true : undefined), 'the update refused again and again');
    await eventually(async () => ((await h.describe()).historyLength >= 100 ? true : undefined), 'the history at its budget');
    // the run waits for the change (a continue-as-new now would wait for the update forever, and the update for it)
    expect((await h.query(relayStatusQuery)).continuedAsNew).toBe(0);
    await control.removeFault(fault.id);
    expect(await changed).toMatchObject({ rtmpUrl: 'rtmp://cdn.example.com/live/waited' });
    await eventually(async () => ((await h.query(relayStatusQuery)).continuedAsNew >= 1 ? true : undefined), 'a continue-as-new once the change is in');
    await h.executeUpdate(relayStopUpdate, { args: [{}] });
  });
  expect((await operations(channel)).filter((o) => o.startsWith('update:'))).toEqual(['update:200']);
  await expectNothingRunning(channel);
});

test('cancellation deletes the converter once and the workflow ends cancelled', async () => {
  const channel = await liveChannel('relay-cancel');
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel));
    await phaseOf(h, 'running');
    await h.cancel();
    expect((await failureOf(h)).cause).toBeInstanceOf(CancelledFailure);
  });
  expect((await operations(channel)).filter((o) => o.startsWith('delete'))).toEqual(['delete:200']);
  await expectNothingRunning(channel);
});

test('the max duration deletes the converter', async () => {
  const channel = await liveChannel('relay-maxdur');
  const result = await withWorker(env, config, async (tq) => (await start(tq, input(channel, { maxDurationMs: 2_000 }))).result());
  expect(result).toMatchObject({ outcome: 'stopped', unstopped: [] });
  expect(result.reason).toMatch(/max duration/);
  expect((await operations(channel)).filter((o) => o.startsWith('delete'))).toEqual(['delete:200']);
  await expectNothingRunning(channel);
});

test('an idle timeout ends the session with its reason, and is not re-created even with restartOnFailure', async () => {
  const channel = uniqueId('relay-idle');
  await control.emptyChannel(APP, channel); // nobody publishes: the converter idles, then Agora destroys it
  const result = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel, { idleTimeout: 30, restartOnFailure: true }));
    await phaseOf(h, 'idle');
    return h.result();
  });
  expect(result).toMatchObject({ outcome: 'ended', restarts: 0, finalState: 'idle' });
  expect(result.reason).toMatch(/idleTimeout \(30 s\) without a source publishing/);
  expect(result.converters).toHaveLength(1);
  expect((await operations(channel)).filter((o) => o.startsWith('create'))).toEqual(['create:200']);
  await expectNothingRunning(channel);
});

test('NCS late: a converter deleted outside the session is not taken for a service failure (nor re-created) before its destroyed event comes', async () => {
  const channel = await liveChannel('relay-deleted-late');
  // every NCS delivery waits 1.5 s: the get finds the converter gone before NCS says it was a Delete Request
  const result = await world.withNcsDelivery({ delayMs: 1_500 }, () =>
    withWorker(env, config, async (tq) => {
      const h = await start(tq, input(channel, { restartOnFailure: true }));
      const running = await phaseOf(h, 'running');
      const del = await agoraJson(world.emu.url, 'DELETE', `/na/v1/projects/${APP}/rtmp-converters/${running.converterId}`);
      expect(del.status).toBe(200);
      return h.result();
    }),
  );
  expect(result).toMatchObject({ outcome: 'ended', restarts: 0, reason: 'the converter was deleted outside this session' });
  expect((await operations(channel)).filter((o) => o.startsWith('create'))).toEqual(['create:200']);
  await expectNothingRunning(channel);
});

test('a stop asked while the session waits for NCS to say why its converter went is never followed by a re-creation', async () => {
  const channel = await liveChannel('relay-stop-in-wait');
  // NCS says nothing (every event dropped): a get that finds the converter gone waits the whole destroyReasonWaitMs
  const result = await world.withNcsDelivery({ dropProbability: 1 }, () =>
    withWorker(env, config, async (tq) => {
      const h = await start(tq, input(channel, { restartOnFailure: true, destroyReasonWaitMs: 60_000 }));
      const running = await phaseOf(h, 'running');
      // the service destroys it: without a reason this reads as a service failure, which restartOnFailure re-creates
      await control.json('POST', `/_emulator/agora/media-push/converters/${running.converterId}/destroy`);
      // a 404 names no channel: found by the converter's id in its path
      const gone404 = async () =>
        (await control.requests({ product: 'media-push' })).some((r) => r.operation === 'get' && r.status === 404 && r.path.includes(running.converterId!));
      await eventually(async () => ((await gone404()) ? true : undefined), 'a get answered 404');
      return h.executeUpdate(relayStopUpdate, { args: [{}] });
    }),
  );
  expect(result).toMatchObject({ restarts: 0 });
  expect((await operations(channel)).filter((o) => o.startsWith('create'))).toEqual(['create:200']);
  await expectNothingRunning(channel);
});

test('restartOnFailure: a failed converter is deleted and re-created; a bounded number of times, then reported', async () => {
  const channel = await liveChannel('relay-restart');
  const result = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel, { restartOnFailure: true, maxRestarts: 1, pollIntervalMs: 60_000 }));
    const first = await phaseOf(h, 'running');
    await control.json('POST', `/_emulator/agora/media-push/converters/${first.converterId}/fail`);
    const second = await eventually(async () => {
      const s = await h.query(relayStatusQuery);
      return s.phase === 'running' && s.converterId !== first.converterId ? s : undefined;
    }, 'a new converter running');
    expect(second.converterName).not.toBe(first.converterName);
    // the service destroys the second one (NCS "Internal Error"): no re-creation left
    await control.json('POST', `/_emulator/agora/media-push/converters/${second.converterId}/destroy`);
    return h.result();
  });
  expect(result).toMatchObject({ outcome: 'failed', restarts: 1 });
  expect(result.reason).toMatch(/Agora destroyed the converter \(service failure\); not re-created again \(1 of 1/);
  expect(result.converters.map((c) => c.endReason)).toEqual([expect.stringMatching(/state failed/), expect.stringMatching(/service failure/)]);
  // the failed one was deleted; the destroyed one was gone already
  expect((await operations(channel)).filter((o) => /^(create|delete)/.test(o))).toEqual(['create:200', 'delete:200', 'create:200']);
  await expectNothingRunning(channel);
});

test('bad input is refused before any vendor call, and internal state or tokens cannot be passed in', async () => {
  const channel = uniqueId('relay-badinput');
  await withWorker(env, config, async (tq) => {
    for (const bad of [
      { ...input(channel), region: 'NA' },
      { ...input(channel), raw: { rtcStreamUid: 701 } },
      { ...input(channel), rtmpUrl: 'http://cdn.example.com/live' },
      { ...input(channel), converterId: 'x' },
      { ...input(channel), transcoding: { ...layout(701), token: 'x' } },
    ]) {
      const err = await failureOf(await start(tq, bad as never));
      expect((err.cause as ApplicationFailure).type).toBe('InvalidInput');
    }
  });
  expect(await operations(channel)).toEqual([]);
});
