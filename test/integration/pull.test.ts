/**
 * The Media Pull session (a cloud player: stream URL → channel) on the real Temporal dev server against
 * its own emulator process (20× fast) over HTTP, NCS events delivered through rtcflow's receiver, and
 * once end to end through the `rtcflow pull` command. Every test ends with no player left for its
 * channel in the emulator; every history is scanned for credentials (the player's RTC token included).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { request } from 'undici';
import { RtcflowClient, pullWorkflowId } from '../../src/client';
import { playerName } from '../../src/agora/meanings/media-pull';
import type { Config } from '../../src/config';
import type { PullInput } from '../../src/schemas/workflows/pull';
import { pull, pullStatusQuery, pullStopSignal, pullStopUpdate, pullUpdate, type PullPhase } from '../../workflows/pull';
import type { EmulatorControl } from '../helpers/emulator';
import { agoraJson, APP, botToken } from '../helpers/agora-http';
import { sessionHarness } from '../helpers/harness';
import { forkWorker, withWorker } from '../helpers/temporal';
import { eventually, uniqueId } from '../helpers/wait';
import { json, rtcflow } from '../helpers/cli';
import { failureOf, untilPhase } from '../helpers/session';
import { startApi, TEST_CLIENT_OPTIONS } from '../helpers/api';

const world = sessionHarness();
let env: TestWorkflowEnvironment;
let control: EmulatorControl;
let config: Config;
beforeAll(() => {
  ({ env, control, config } = world);
});

const VOD = 'https://media.example.com/vod/keynote.mp4';
const LIVE = 'rtmp://live.example.com/app/stream-2';

/** Short windows for the 20× emulator: its List shows a player 10 emulated s (0.5 s) after the create. */
const input = (channel: string, extra: Partial<PullInput> = {}): PullInput => ({
  channel,
  region: 'na',
  streamUrl: VOD,
  listDelayMs: 1_000,
  confirmPollMs: 250,
  confirmTimeoutMs: 10_000,
  pollIntervalMs: 500,
  ...extra,
});

async function start(taskQueue: string, args: PullInput): Promise<WorkflowHandle<typeof pull>> {
  return world.track(await env.client.workflow.start(pull, { taskQueue, workflowId: uniqueId('wf-pull'), args: [args] }));
}

const phaseOf = (h: WorkflowHandle<typeof pull>, phase: PullPhase, timeoutMs?: number) => untilPhase(h, pullStatusQuery, phase, timeoutMs);

interface PlayerView {
  id: string;
  name?: string;
  channel: string;
  uid?: number;
  streamUrl: string;
  status: string;
  paused: boolean;
  volume: number;
  seekPosition: number;
  sequence?: number;
  destroyed?: { reason: string };
}

async function players(channel: string): Promise<PlayerView[]> {
  return (await control.json<{ players: PlayerView[] }>('GET', '/_emulator/agora/media-pull/players')).players.filter((p) => p.channel === channel);
}

/** `operation:status[:fault]` of every Media Pull call about the channel, in order. */
async function operations(channel: string): Promise<string[]> {
  return (await control.requests({ cname: channel, product: 'media-pull' })).map((r) => `${r.operation}:${r.status}${r.fault ? `:${r.fault}` : ''}`);
}

const createBodies = async (channel: string) =>
  (await control.requests({ cname: channel, product: 'media-pull' })).filter((r) => r.operation === 'create').map((r) => (r.body as { player: Record<string, unknown> }).player);

/** `sequence:body` of every update call about the channel, in order. */
async function updates(channel: string): Promise<string[]> {
  return (await control.requests({ cname: channel, product: 'media-pull' }))
    .filter((r) => r.operation === 'update')
    .map((r) => `${r.status}:${new URL(r.path, 'http://x').searchParams.get('sequence')}:${JSON.stringify((r.body as { player: unknown }).player)}`);
}

/** Nothing of the channel's left: no live player, no running task in the ledger. */
async function expectNoPlayer(channel: string): Promise<void> {
  expect((await players(channel)).filter((p) => !p.destroyed)).toEqual([]);
  expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
}

test('through the CLI: start, status until playing, update, stop, result', async () => {
  const channel = uniqueId('cli-pull');
  const id = pullWorkflowId({ profile: 'default', role: 'main', channel });
  await withWorker(env, config, async (tq) => {
    const args = ['pull', 'start', '--channel', channel, '--url', VOD, '--region', 'na', '--list-delay', '1s', '--poll-interval', '1s', '--json'];
    const started = json(await rtcflow(tq, ...args));
    expect(started).toEqual({ id, runId: expect.any(String) });
    world.track(env.client.workflow.getHandle(id, undefined, { firstExecutionRunId: started.runId }));

    const playing = await eventually(async () => {
      const s = json(await rtcflow(tq, 'pull', 'status', id, '--json'));
      return s.phase === 'playing' ? s : undefined;
    }, 'phase playing through `rtcflow pull status`');
    expect(playing).toMatchObject({ id, channel, region: 'na', lastStatus: 'running', playbackApplied: true, playback: { streamUrl: VOD, isPause: false, volume: 100 } });
    expect(playing.playerId).toEqual(expect.any(String));

    const updated = json(await rtcflow(tq, 'pull', 'update', id, '--volume', '40', '--pause', '--json'));
    expect(updated).toEqual({ id, playback: { streamUrl: VOD, isPause: true, volume: 40, seeks: 0 } });

    const stopped = json(await rtcflow(tq, 'pull', 'stop', id, '--reason', 'cli test over', '--json'));
    expect(stopped).toMatchObject({ id, channel, outcome: 'stopped', reason: 'cli test over', updates: 1, restarts: 0, unstopped: [], playback: { isPause: true, volume: 40 } });
    expect(stopped.players.map((p: { id: string }) => p.id)).toEqual([playing.playerId]);
  });
  const ops = await operations(channel);
  expect(ops.filter((o) => o.startsWith('create'))).toEqual(['create:200']);
  expect(await updates(channel)).toEqual(['200:1:{"isPause":true,"audioOptions":{"volume":40}}']);
  expect(ops.filter((o) => o.startsWith('delete'))).toEqual(['delete:200']);
  await expectNoPlayer(channel);
});

test('a bad invocation exits 2 with the issue and sends nothing', async () => {
  const channel = uniqueId('cli-pull-bad');
  const bad = await rtcflow(uniqueId('tq-nobody'), 'pull', 'start', '--channel', channel, '--url', 'ftp://x/y', '--region', 'NA', '--json');
  expect(bad.code).toBe(2);
  expect(bad.stdout).toBe('');
  expect(bad.stderr).toMatch(/invalid Media Pull request: .*region/);
  expect(bad.stderr).toMatch(/streamUrl must be an rtmp:\/\/, http:\/\/ or https:\/\/ URL/);
  expect(await control.requests({ cname: channel })).toEqual([]);
});

test('updates reach the player in order, each with a higher sequence; the playback is kept whole', async () => {
  const channel = uniqueId('pull-updates');
  const result = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel));
    await phaseOf(h, 'playing');
    expect(await h.executeUpdate(pullUpdate, { args: [{ volume: 150 }] })).toEqual({ streamUrl: VOD, isPause: false, volume: 150, seeks: 0 });
    expect(await h.executeUpdate(pullUpdate, { args: [{ streamUrl: LIVE, isPause: true }] })).toEqual({ streamUrl: LIVE, isPause: true, volume: 150, seeks: 0 });
    expect(await h.executeUpdate(pullUpdate, { args: [{ seekPosition: 30 }] })).toEqual({ streamUrl: LIVE, isPause: true, volume: 150, seekPosition: 30, seeks: 1 });
    // nothing new for the player: nothing is sent
    await h.executeUpdate(pullUpdate, { args: [{ volume: 150 }] });
    await h.executeUpdate(pullUpdate, { args: [{ isPause: false }] });
    expect(await h.query(pullStatusQuery)).toMatchObject({ playbackApplied: true, sequence: 4 });
    const [view] = await players(channel);
    expect(view).toMatchObject({ streamUrl: LIVE, paused: false, volume: 150, seekPosition: 30, sequence: 4 });
    return h.executeUpdate(pullStopUpdate, { args: [{ reason: 'show over' }] });
  });
  expect(result).toMatchObject({ outcome: 'stopped', reason: 'show over', updates: 4, unstopped: [] });
  expect(await updates(channel)).toEqual([
    '200:1:{"audioOptions":{"volume":150}}',
    `200:2:{"streamUrl":"${LIVE}","isPause":true}`,
    '200:3:{"seekPosition":30}',
    '200:4:{"isPause":false}',
  ]);
  expect((await operations(channel)).filter((o) => o.startsWith('delete'))).toEqual(['delete:200']);
  await expectNoPlayer(channel);
});

test('a create whose answer is lost ends with one player, adopted by its name; a repeated start joins the session', async () => {
  const channel = uniqueId('pull-dropped');
  await control.addFault({ match: { product: 'media-pull', operation: 'create' }, action: { type: 'drop-response' }, count: 1 });
  const result = await withWorker(env, config, async (tq) => {
    const rtc = new RtcflowClient(env.client, tq, TEST_CLIENT_OPTIONS);
    const first = await rtc.pulls.start(input(channel));
    world.track(env.client.workflow.getHandle(first.id, undefined, { firstExecutionRunId: first.runId }));
    // the caller retries its own start (its answer was lost too): the same session, never a second
    expect(await rtc.pulls.start(input(channel, { streamUrl: LIVE }))).toEqual(first);
    await eventually(async () => ((await rtc.pulls.status(first.id)).phase === 'playing' ? true : undefined), 'playing');
    return rtc.pulls.stop(first.id, 'done');
  });
  const ops = await operations(channel);
  // reconciled by the List (by name), not by creating again
  expect(ops.filter((o) => o.startsWith('create'))).toEqual(['create:200:drop-response']);
  expect(ops.filter((o) => o.startsWith('list')).length).toBeGreaterThan(0);
  const all = await players(channel);
  expect(all).toHaveLength(1);
  expect(result.players).toEqual([expect.objectContaining({ id: all[0]!.id, adopted: true })]);
  expect(ops.filter((o) => o.startsWith('delete'))).toEqual(['delete:200']);
  await expectNoPlayer(channel);
});

test("a player with the session's name already exists (409): it is adopted through X-Resource-ID, never a second one", async () => {
  const channel = uniqueId('pull-409');
  const workflowId = uniqueId('wf-pull-409');
  const uid = 3_800_000_409;
  // the player an earlier create of this session made (its answer lost)
  const earlier = await agoraJson(world.emu.url, 'POST', `/na/v1/projects/${APP}/cloud-player/players`, {
    player: { streamUrl: VOD, channelName: channel, uid, token: botToken(channel, uid), name: playerName(channel, workflowId, 0) },
  });
  expect(earlier.status).toBe(200);
  const result = await withWorker(env, config, async (tq) => {
    const h = world.track(await env.client.workflow.start(pull, { taskQueue: tq, workflowId, args: [input(channel, { uid })] }));
    await phaseOf(h, 'playing');
    return h.executeUpdate(pullStopUpdate, { args: [{}] });
  });
  expect(result.players).toEqual([expect.objectContaining({ id: earlier.body.player.id, adopted: true })]);
  const ops = await operations(channel);
  expect(ops.filter((o) => o.startsWith('create'))).toEqual(['create:200', 'create:409']);
  expect(await players(channel)).toHaveLength(1);
  expect(ops.filter((o) => o.startsWith('delete'))).toEqual(['delete:200']);
  await expectNoPlayer(channel);
});

test('a worker killed with SIGKILL mid-session: a new worker carries on, the sequence keeps growing, the player is deleted once', async () => {
  const channel = uniqueId('pull-crash');
  const taskQueue = uniqueId('tq-pull-crash');
  const worker = await forkWorker(taskQueue, world.emu.url);
  try {
    const h = await start(taskQueue, input(channel));
    const before = await phaseOf(h, 'playing', 60_000);
    await h.executeUpdate(pullUpdate, { args: [{ volume: 60 }] });
    await worker.kill();
    const result = await withWorker(
      env,
      config,
      async () => {
        await h.executeUpdate(pullUpdate, { args: [{ volume: 70 }] });
        await h.signal(pullStopSignal, { reason: 'after the crash' });
        return h.result();
      },
      {},
      { taskQueue },
    );
    expect(result).toMatchObject({ outcome: 'stopped', reason: 'after the crash', updates: 2, players: [expect.objectContaining({ id: before.playerId })] });
    const ops = await operations(channel);
    expect(ops.filter((o) => o.startsWith('create'))).toEqual(['create:200']);
    expect(await updates(channel)).toEqual(['200:1:{"audioOptions":{"volume":60}}', '200:2:{"audioOptions":{"volume":70}}']);
    expect(ops.filter((o) => o.startsWith('delete'))).toEqual(['delete:200']);
    await expectNoPlayer(channel);
  } finally {
    worker.dispose();
  }
});

test('the sequence keeps growing across continue-as-new', async () => {
  const channel = uniqueId('pull-can');
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel, { pollIntervalMs: 300, maxHistoryEvents: 100 }));
    await phaseOf(h, 'playing');
    await h.executeUpdate(pullUpdate, { args: [{ volume: 10 }] });
    const runs = (await h.query(pullStatusQuery)).continuedAsNew;
    await eventually(async () => ((await h.query(pullStatusQuery)).continuedAsNew > runs ? true : undefined), 'a continue-as-new');
    await h.executeUpdate(pullUpdate, { args: [{ volume: 20 }] });
    expect(await h.query(pullStatusQuery)).toMatchObject({ sequence: 2, playback: { volume: 20 } });
    await h.executeUpdate(pullStopUpdate, { args: [{}] });
  });
  expect(await updates(channel)).toEqual(['200:1:{"audioOptions":{"volume":10}}', '200:2:{"audioOptions":{"volume":20}}']);
  expect((await operations(channel)).filter((o) => o.startsWith('create'))).toEqual(['create:200']);
  await expectNoPlayer(channel);
});

test('cancellation deletes the player once and the workflow ends cancelled', async () => {
  const channel = uniqueId('pull-cancel');
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel));
    await phaseOf(h, 'playing');
    await h.cancel();
    expect((await failureOf(h)).cause).toBeInstanceOf(CancelledFailure);
  });
  expect((await operations(channel)).filter((o) => o.startsWith('delete'))).toEqual(['delete:200']);
  await expectNoPlayer(channel);
});

test('cancelled while its create is in flight: the player that create made is found by its name and deleted', async () => {
  const channel = uniqueId('pull-cancel-create');
  const held = await control.hold({ product: 'media-pull', operation: 'create' });
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel));
    await held.held();
    await h.cancel();
    await held.release();
    expect((await failureOf(h)).cause).toBeInstanceOf(CancelledFailure);
  });
  const ops = await operations(channel);
  expect(ops.filter((o) => o.startsWith('create'))).toEqual(['create:200:hold']);
  expect(ops.filter((o) => o.startsWith('delete'))).toEqual(['delete:200']);
  expect(await players(channel)).toHaveLength(1);
  await expectNoPlayer(channel);
});

/** A VOD player that finishes at once and idles out after 5 s; the poll is far away, so NCS events wake the session. */
function idleOut(channel: string, extra: Partial<PullInput> = {}) {
  return withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel, { idleTimeout: 5, pollIntervalMs: 120_000, ...extra }));
    const playing = await phaseOf(h, 'playing');
    await control.json('POST', `/_emulator/agora/media-pull/players/${playing.playerId}/finish`);
    return h.result();
  });
}

test('a player that idles out (its VOD finished) ends the session with the idle timeout as its reason', async () => {
  const channel = uniqueId('pull-idle');
  const result = await idleOut(channel);
  expect(result).toMatchObject({ outcome: 'ended', reason: 'the player idled out (not playing for its idleTimeout of 5 s)', unstopped: [] });
  expect((await players(channel))[0]!.destroyed).toMatchObject({ reason: 'Idle Timeout' });
  // one delete makes sure: it is gone already (a 404 names no channel: find it by its path)
  const deletes = (await control.requests({ product: 'media-pull' })).filter((r) => r.operation === 'delete' && r.path.includes(result.players[0]!.id)).map((r) => r.status);
  expect(deletes).toEqual([404]);
  await expectNoPlayer(channel);
});

test('NCS late: List misses the idled-out player before its destroyed event comes, and the session waits for the reason', async () => {
  const channel = uniqueId('pull-idle-late');
  // every NCS delivery waits 1.5 s, one after another: the status event's poll finds the player gone (0.25 s after
  // it idled) before the destroyed event is delivered; the next test shows that poll without the wait
  const result = await world.withNcsDelivery({ delayMs: 1_500 }, () => idleOut(channel));
  expect(result).toMatchObject({ outcome: 'ended', reason: 'the player idled out (not playing for its idleTimeout of 5 s)', unstopped: [] });
  await expectNoPlayer(channel);
});

test('without NCS word (destroyReasonWaitMs 0) a player List no longer shows ends the session at once as gone', async () => {
  const result = await world.withNcsDelivery({ delayMs: 1_500 }, () => idleOut(uniqueId('pull-gone-now'), { destroyReasonWaitMs: 0 }));
  expect(result).toMatchObject({ outcome: 'ended', reason: 'the player is gone (no longer in the List)', unstopped: [] });
});

test('a failed player is deleted and re-created with playTs (restartOnFailure), under a new name and the same uid', async () => {
  const channel = uniqueId('pull-restart');
  const result = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel, { restartOnFailure: true, pollIntervalMs: 120_000 }));
    const first = await phaseOf(h, 'playing');
    await control.json('POST', `/_emulator/agora/media-pull/players/${first.playerId}/fail`);
    const second = await eventually(async () => {
      const s = await h.query(pullStatusQuery);
      return s.phase === 'playing' && s.playerId !== first.playerId ? s : undefined;
    }, 'a second player playing');
    expect(second).toMatchObject({ restarts: 1, uid: first.uid });
    return h.executeUpdate(pullStopUpdate, { args: [{}] });
  });
  expect(result).toMatchObject({ outcome: 'stopped', restarts: 1, unstopped: [] });
  expect(result.players).toHaveLength(2);
  const [one, two] = result.players;
  expect(one!.endReason).toMatch(/the player failed/);
  const bodies = await createBodies(channel);
  expect(bodies).toHaveLength(2);
  expect(bodies[0]!.playTs).toBeUndefined();
  // resumed where it was: the first player's start time
  expect(bodies[1]!.playTs).toBe(one!.createTs);
  expect(two!.playTs).toBe(one!.createTs);
  expect(bodies[1]!.name).not.toBe(bodies[0]!.name);
  expect(bodies[1]!.uid).toBe(bodies[0]!.uid);
  const ops = await operations(channel);
  expect(ops.filter((o) => o.startsWith('create'))).toEqual(['create:200', 'create:200']);
  expect(ops.filter((o) => o.startsWith('delete'))).toEqual(['delete:200', 'delete:200']);
  await expectNoPlayer(channel);
});

test('the max duration deletes the player; a delete answered 504 is confirmed by the List', async () => {
  const channel = uniqueId('pull-maxdur');
  await control.addFault({ match: { product: 'media-pull', operation: 'delete' }, action: { type: 'error', status: 504, body: { message: 'Gateway Timeout' } }, count: 1 });
  const result = await withWorker(env, config, async (tq) => (await start(tq, input(channel, { maxDurationMs: 3_000 }))).result());
  expect(result).toMatchObject({ outcome: 'stopped', unstopped: [] });
  expect(result.reason).toMatch(/max duration/);
  // the fault answered before the emulator read the player: find the deletes by their path
  const deletes = (await control.requests({ product: 'media-pull' })).filter((r) => r.operation === 'delete' && r.path.includes(result.players[0]!.id)).map((r) => r.status);
  expect(deletes).toEqual([504, 200]);
  await expectNoPlayer(channel);
});

test('through the HTTP API: bad input answers 400 with the issues; start, status, change, stop', async () => {
  const channel = uniqueId('http-pull');
  await withWorker(env, config, async (tq) => {
    const api = await startApi(env.client, { taskQueue: tq });
    const app = api.server;
    const base = api.base;
    const call = async (method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown) => {
      const res = await request(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${api.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { statusCode: res.statusCode, json: (await res.body.json()) as any };
    };
    try {
      const bad = await call('POST', '/v1/pulls', { channel, region: 'na', streamUrl: VOD, playerId: 'x' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json).toMatchObject({ error: 'invalid_input', issues: [expect.stringMatching(/playerId/)] });

      const started = await call('POST', '/v1/pulls', input(channel));
      expect(started.statusCode).toBe(201);
      const { id, runId } = started.json;
      expect(id).toBe(pullWorkflowId({ profile: 'default', role: 'main', channel }));
      world.track(env.client.workflow.getHandle(id, undefined, { firstExecutionRunId: runId }));
      const url = `/v1/pulls/${encodeURIComponent(id)}`;
      await eventually(async () => ((await call('GET', url)).json.phase === 'playing' ? true : undefined), 'playing over HTTP');

      const refused = await call('PATCH', url, { volume: 300 });
      expect(refused.statusCode).toBe(400);
      const changed = await call('PATCH', url, { volume: 5 });
      expect(changed.json).toEqual({ id, playback: { streamUrl: VOD, isPause: false, volume: 5, seeks: 0 } });

      const stopped = await call('POST', `${url}/stop`, { reason: 'http over' });
      expect(stopped.json).toMatchObject({ id, outcome: 'stopped', reason: 'http over', updates: 1 });
    } finally {
      await app.close();
    }
  });
  expect(await updates(channel)).toEqual(['200:1:{"audioOptions":{"volume":5}}']);
  await expectNoPlayer(channel);
});

test('a stream that cannot be played: each player is deleted and replaced, up to maxStartAttempts, then the session fails with none left', async () => {
  const channel = uniqueId('pull-unreachable');
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel, { streamUrl: 'https://origin.example.invalid/live.flv', maxStartAttempts: 2 }));
    const err = await failureOf(h);
    expect((err.cause as ApplicationFailure).type).toBe('PlayerNotPlaying');
    expect(err.cause?.message).toMatch(/2 tried; the last: the player failed/);
    expect(await h.query(pullStatusQuery)).toMatchObject({
      phase: 'failed',
      players: [expect.objectContaining({ endReason: expect.stringMatching(/failed/) }), expect.anything()],
    });
  });
  const ops = await operations(channel);
  expect(ops.filter((o) => o.startsWith('create'))).toEqual(['create:200', 'create:200']);
  expect(ops.filter((o) => o.startsWith('delete'))).toEqual(['delete:200', 'delete:200']);
  await expectNoPlayer(channel);
});

test('bad input is refused before any vendor call, and internal state cannot be passed in', async () => {
  const channel = uniqueId('pull-badinput');
  await withWorker(env, config, async (tq) => {
    for (const bad of [
      { channel, streamUrl: VOD },
      input(channel, { uid: 0 }),
      input(channel, { idleTimeout: 700 }),
      input(channel, { listDelayMs: 20_000, confirmTimeoutMs: 10_000 }),
      { ...input(channel), playerId: 'x' },
    ]) {
      const err = await failureOf(await start(tq, bad as never));
      expect((err.cause as ApplicationFailure).type).toBe('InvalidInput');
    }
  });
  expect(await control.requests({ cname: channel })).toEqual([]);
});
