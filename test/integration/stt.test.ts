/**
 * The Real-Time STT session (7.x agents and 6.x tasks) on the real Temporal dev server against its own
 * emulator process (20× fast) over HTTP, NCS events delivered through rtcflow's receiver. Every test
 * ends with no agent or task left running in the emulator; every history is scanned for credentials.
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Config } from '../../src/config';
import { EMULATOR_AGORA, EMULATOR_STORAGE } from '../../emulator/defaults';
import type { SttInput } from '../../src/schemas/workflows/stt';
import { stt, sttStatusQuery, sttStopSignal, sttStopUpdate, sttUpdate, type SttPhase } from '../../workflows/stt';
import { EmulatorControl, spawnEmulator } from '../helpers/emulator';
import { NCS_SECRET, sessionHarness } from '../helpers/harness';
import { forkWorker, testConfig, withWorker } from '../helpers/temporal';
import { eventually, uniqueId } from '../helpers/wait';
import { failureOf, untilPhase } from '../helpers/session';

const world = sessionHarness();
let env: TestWorkflowEnvironment;
let control: EmulatorControl;
let config: Config;
beforeAll(() => {
  ({ env, control, config } = world);
});

const input = (channel: string, extra: Partial<SttInput> = {}): SttInput => ({
  channel,
  languages: ['en-US'],
  pollIntervalMs: 300,
  confirmPollMs: 200,
  ...extra,
});

async function start(taskQueue: string, args: SttInput, carried?: never): Promise<WorkflowHandle<typeof stt>> {
  return world.track(await env.client.workflow.start(stt, { taskQueue, workflowId: uniqueId('wf-stt'), args: carried ? [args, carried] : [args] }));
}

const phaseOf = (h: WorkflowHandle<typeof stt>, phase: SttPhase, timeoutMs?: number) => untilPhase(h, sttStatusQuery, phase, timeoutMs);

/** `operation:status` of every STT call about the channel, in order (6.x acquire names it as instanceId). */
async function operations(channel: string, c = control): Promise<string[]> {
  const all = await c.requests({});
  return all
    .filter((r) => (r.product === 'stt7' || r.product === 'stt6') && (r.cname === channel || (r.body as { instanceId?: string } | undefined)?.instanceId === channel))
    .map((r) => `${r.operation}:${r.status}${r.fault ? `:${r.fault}` : ''}`);
}

async function expectNothingRunning(channel: string, c = control): Promise<void> {
  expect(await c.tasks({ cname: channel, running: true })).toEqual([]);
}

describe.each(['7', '6'] as const)('STT %s.x', (version) => {
  const product = version === '7' ? 'stt7' : 'stt6';
  const stopOp = version === '7' ? 'leave' : 'stop';

  test('starts, applies two updates in order with increasing sequenceIds, stops and reports where captions went', async () => {
    const channel = uniqueId(`stt${version}`);
    const result = await withWorker(env, config, async (tq) => {
      const h = await start(tq, input(channel, { version, captions: { storageProfile: 'default', sliceDuration: 60 } }));
      const running = await phaseOf(h, 'running');
      expect(running.agentId).toBeDefined();
      expect(await h.executeUpdate(sttUpdate, { args: [{ languages: ['en-US', 'ja-JP'] }] })).toMatchObject({ languages: ['en-US', 'ja-JP'], subscribeAudioUids: ['all'] });
      expect(await h.executeUpdate(sttUpdate, { args: [{ subscribeAudioUids: ['10001'], translation: [{ source: 'en-US', target: ['fr-FR'] }] }] })).toMatchObject({
        languages: ['en-US', 'ja-JP'],
        subscribeAudioUids: ['10001'],
      });
      expect(await h.query(sttStatusQuery)).toMatchObject({ configApplied: true, sequenceId: 2 });
      return h.executeUpdate(sttStopUpdate, { args: [{ reason: 'class over' }] });
    });
    expect(result).toMatchObject({ version, outcome: 'stopped', reason: 'class over', updates: 2, unstopped: [], languages: ['en-US', 'ja-JP'] });
    expect(result.agents).toHaveLength(1);
    expect(result.captions.files).toMatchObject({ bucket: EMULATOR_STORAGE.bucket });
    expect(result.captions.publishedInChannelBy).toMatch(/^\d+$/);
    const updates = (await control.requests({ cname: channel, product })).filter((r) => r.operation === 'update');
    expect(updates.map((r) => r.status)).toEqual([200, 200]);
    const seq = updates.map((r) => Number(new URL(r.path, 'http://x').searchParams.get('sequenceId')));
    expect(seq[1]).toBeGreaterThan(seq[0]!);
    expect((updates[0]!.body as { languages: string[] }).languages).toEqual(['en-US', 'ja-JP']);
    expect((updates[1]!.body as { rtcConfig: { subscribeAudioUids: string[] } }).rtcConfig.subscribeAudioUids).toEqual(['10001']);
    expect((await operations(channel)).filter((o) => o.startsWith(`${stopOp}:`))).toHaveLength(1);
    await expectNothingRunning(channel);
  });

  test('an invalid update is refused before anything is sent', async () => {
    const channel = uniqueId(`stt${version}-bad`);
    await withWorker(env, config, async (tq) => {
      const h = await start(tq, input(channel, { version }));
      await phaseOf(h, 'running');
      const err = await h.executeUpdate(sttUpdate, { args: [{ languages: ['en-US', 'en-US'] }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(String((err as WorkflowUpdateFailedError).cause?.message)).toMatch(/languages must not repeat/);
      await h.executeUpdate(sttStopUpdate, { args: [{}] });
    });
    expect((await operations(channel)).filter((o) => o.startsWith('update'))).toEqual([]);
    await expectNothingRunning(channel);
  });

  test('cancellation leaves the agent once and the workflow ends cancelled', async () => {
    const channel = uniqueId(`stt${version}-cancel`);
    await withWorker(env, config, async (tq) => {
      const h = await start(tq, input(channel, { version }));
      await phaseOf(h, 'running');
      await h.cancel();
      const err = await failureOf(h);
      expect(err.cause).toBeInstanceOf(CancelledFailure);
    });
    expect((await operations(channel)).filter((o) => o.startsWith(`${stopOp}:`))).toEqual([`${stopOp}:200`]);
    await expectNothingRunning(channel);
  });

  test('the max duration leaves the agent', async () => {
    const channel = uniqueId(`stt${version}-maxdur`);
    const result = await withWorker(env, config, async (tq) => (await start(tq, input(channel, { version, maxDurationMs: 3_000 }))).result());
    expect(result).toMatchObject({ outcome: 'stopped', unstopped: [] });
    expect(result.reason).toMatch(/max duration/);
    expect((await operations(channel)).filter((o) => o.startsWith(`${stopOp}:`))).toEqual([`${stopOp}:200`]);
    await expectNothingRunning(channel);
  });

  test('an agent that ends on its own (idle) ends the session with its reason', async () => {
    const channel = uniqueId(`stt${version}-idle`);
    await control.emptyChannel(EMULATOR_AGORA.appId, channel);
    await control.join(EMULATOR_AGORA.appId, channel, '701');
    const result = await withWorker(env, config, async (tq) => {
      const h = await start(tq, input(channel, { version, maxIdleTime: 30 }));
      await phaseOf(h, 'running');
      await control.leave(EMULATOR_AGORA.appId, channel, '701'); // 30 emulated s later the agent idles out
      return h.result();
    });
    expect(result.outcome).toBe('ended');
    // the agent/task reported its end before the session let it go
    expect(result.finalState).toBe('STOPPED');
    await expectNothingRunning(channel);
  });
});

test('a change the vendor refuses is reported, and the configuration stays what the agent has', async () => {
  const channel = uniqueId('stt7-refused');
  const agentId = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel));
    await phaseOf(h, 'running');
    await control.addFault({ match: { product: 'stt7', operation: 'update' }, action: { type: 'error', status: 400, body: { message: 'unsupported language' } }, count: 1 });
    const err = await h.executeUpdate(sttUpdate, { args: [{ languages: ['en-US', 'ja-JP'] }] }).catch((e: unknown) => e);
    expect(String((err as WorkflowUpdateFailedError).cause?.message)).toMatch(/HTTP 400/);
    expect(await h.query(sttStatusQuery)).toMatchObject({ configApplied: true, config: { languages: ['en-US'] } });
    // the next change builds on what the agent has, not on the refused value
    expect(await h.executeUpdate(sttUpdate, { args: [{ subscribeAudioUids: ['10001'] }] })).toEqual({ languages: ['en-US'], subscribeAudioUids: ['10001'], translation: [] });
    const result = await h.executeUpdate(sttStopUpdate, { args: [{}] });
    expect(result).toMatchObject({ languages: ['en-US'], updates: 1 });
    return result.agents[0]!.id;
  });
  // the refused call was answered by the fault before the emulator read its agent: find it by its path
  const updates = (await control.requests({ product: 'stt7' })).filter((r) => r.operation === 'update' && r.path.includes(`/agents/${agentId}/`));
  expect(updates.map((r) => `${r.status}:${(r.body as { languages: string[] }).languages.join(',')}`)).toEqual(['400:en-US,ja-JP', '200:en-US']);
  await expectNothingRunning(channel);
});

test('7.x: an ambiguous join (response dropped) ends with exactly one agent, adopted by its name', async () => {
  const channel = uniqueId('stt7-ambiguous');
  await control.addFault({ match: { product: 'stt7', operation: 'join' }, action: { type: 'drop-response' }, count: 1 });
  const result = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel));
    await phaseOf(h, 'running');
    return h.executeUpdate(sttStopUpdate, { args: [{}] });
  });
  const ops = await operations(channel);
  // reconciled by listing the channel's live agents, not by joining again
  expect(ops.filter((o) => o.startsWith('join'))).toEqual(['join:200:drop-response']);
  expect(ops.filter((o) => o.startsWith('list')).length).toBeGreaterThan(0);
  const tasks = await control.tasks({ cname: channel });
  expect(tasks).toHaveLength(1);
  expect(result.agents.map((a) => a.id)).toEqual([tasks[0]!.id]);
  expect(ops.filter((o) => o.startsWith('leave'))).toEqual(['leave:200']);
  await expectNothingRunning(channel);
});

test('7.x: an update that meets a vanished agent is not sent again and again; the session ends as gone', async () => {
  // its own emulator without NCS: only the poll timer (10 s) wakes the session, so the order is fixed:
  // the update goes out at once and meets the 404; the next poll finds the agent gone
  const quiet = await spawnEmulator({ timeScale: 20 });
  try {
    const quietControl = new EmulatorControl(quiet.url);
    const channel = uniqueId('stt7-vanished');
    const result = await withWorker(env, testConfig(quiet.url), async (tq) => {
      const h = await start(tq, input(channel, { pollIntervalMs: 10_000 }));
      const running = await phaseOf(h, 'running');
      // the agent vanishes for every read and change (a 404 about the resource)
      await quietControl.addFault({
        match: { product: 'stt7', operation: ['update', 'query'], path: `/agents/${running.agentId}(/update)?$` },
        action: { type: 'error', status: 404, body: { message: 'agent not found' } },
      });
      const err = await h.executeUpdate(sttUpdate, { args: [{ languages: ['de-DE'] }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      return h.result();
    });
    expect(result).toMatchObject({ outcome: 'ended', reason: 'the agent is gone (query answered 404)' });
    // one update attempt, then the poll found the agent gone (before, the loop re-sent it at once, again and again)
    const updates = (await quietControl.requests({ product: 'stt7' })).filter((r) => r.operation === 'update' && r.path.includes(`/agents/${result.agents[0]!.id}/`));
    expect(updates.map((r) => r.status)).toEqual([404]);
    await quietControl.clearFaults();
    await expectNothingRunning(channel, quietControl);
  } finally {
    await quiet.stop();
  }
});

test('7.x: cancelled while an ambiguous join is being reconciled: the agent it started is left', async () => {
  const channel = uniqueId('stt7-cancel-join');
  await control.addFault({ match: { product: 'stt7', operation: 'join' }, action: { type: 'drop-response' }, count: 1 });
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel));
    await eventually(async () => ((await operations(channel)).includes('join:200:drop-response') ? true : undefined), 'the unanswered join');
    await h.cancel();
    expect((await failureOf(h)).cause).toBeInstanceOf(CancelledFailure);
  });
  expect((await operations(channel)).filter((o) => o.startsWith('leave'))).toEqual(['leave:200']);
  expect(await control.tasks({ cname: channel })).toHaveLength(1);
  await expectNothingRunning(channel);
});

test('6.x: a builderToken that lapsed while its start was in flight is acquired again', async () => {
  const channel = uniqueId('stt6-lapsed');
  const held = await control.hold({ product: 'stt6', operation: 'start' });
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel, { version: '6' }));
    await held.held();
    await control.advanceClock(6 * 60_000); // the token's 5 minutes pass while its start is held
    await held.release();
    await phaseOf(h, 'running');
    await h.executeUpdate(sttStopUpdate, { args: [{}] });
  });
  const ops = await operations(channel);
  expect(ops.slice(0, 4)).toEqual(['acquire:200', 'start:400:hold', 'acquire:200', 'start:200']);
  expect(ops.filter((o) => o.startsWith('stop'))).toEqual(['stop:200']);
  await expectNothingRunning(channel);
});

test('7.x: the 72-hour agent lifetime ends the session, or rolls over to a fresh agent when asked', async () => {
  // its own emulator and NCS route: once the agents run, 14 400× fast (72 emulated hours in 18 s)
  const fast = await spawnEmulator({ timeScale: 20 });
  try {
    const fastControl = new EmulatorControl(fast.url);
    await fastControl.addWebhook({ vendor: 'agora', url: world.ncsUrl, secret: NCS_SECRET });
    const ending = uniqueId('stt7-72h-end');
    const rolling = uniqueId('stt7-72h-roll');
    const long = { maxDurationMs: 30 * 86_400_000, maxIdleTime: 0, pollIntervalMs: 60_000 };
    const [ended, rolled] = await withWorker(env, testConfig(fast.url), async (tq) => {
      const a = await start(tq, input(ending, long));
      const b = await start(tq, input(rolling, { ...long, onLifetimeEnd: 'rollover' }));
      await phaseOf(a, 'running');
      const first = await phaseOf(b, 'running');
      // the rollover's join waits until the clock is slow again, so the fresh agent cannot age out too
      const rejoin = await fastControl.hold({ product: 'stt7', operation: 'join' });
      await fastControl.setTimeScale(14_400);
      const endedResult = await a.result();
      await rejoin.held(1, 60_000);
      await fastControl.setTimeScale(20);
      await rejoin.release();
      const second = await eventually(
        async () => {
          const st = await b.query(sttStatusQuery);
          return st.phase === 'running' && st.agentId !== first.agentId ? st : undefined;
        },
        'a fresh agent after the first one reached its lifetime',
        60_000,
      );
      expect(second.agentName).not.toBe(first.agentName);
      return [endedResult, await b.executeUpdate(sttStopUpdate, { args: [{ reason: 'done' }] })] as const;
    });
    expect(ended).toMatchObject({ outcome: 'ended', reason: "Agora's 72-hour task lifetime reached", unstopped: [] });
    expect(rolled.outcome).toBe('stopped');
    expect(rolled.agents).toHaveLength(2);
    expect(rolled.agents[0]!.endReason).toMatch(/72-hour/);
    expect(await fastControl.tasks({ cname: ending, running: true })).toEqual([]);
    expect(await fastControl.tasks({ cname: rolling, running: true })).toEqual([]);
    expect(await fastControl.tasks({ cname: rolling })).toHaveLength(2);
  } finally {
    await fast.stop();
  }
}, 180_000);

test('a worker killed with SIGKILL mid-session: a new worker carries on and the agent is left once', async () => {
  const channel = uniqueId('stt7-crash');
  const taskQueue = uniqueId('tq-stt-crash');
  const worker = await forkWorker(taskQueue, world.emu.url);
  try {
    const h = await start(taskQueue, input(channel));
    const before = await phaseOf(h, 'running', 60_000);
    await worker.kill();
    const result = await withWorker(
      env,
      config,
      async () => {
        await h.signal(sttStopSignal, { reason: 'after the crash' });
        return h.result();
      },
      {},
      { taskQueue },
    );
    expect(result).toMatchObject({ outcome: 'stopped', reason: 'after the crash', agents: [expect.objectContaining({ id: before.agentId })] });
    const ops = await operations(channel);
    expect(ops.filter((o) => o.startsWith('join'))).toEqual(['join:200']);
    expect(ops.filter((o) => o.startsWith('leave'))).toEqual(['leave:200']);
    await expectNothingRunning(channel);
  } finally {
    worker.dispose();
  }
});

test('sequenceIds keep growing across continue-as-new', async () => {
  const channel = uniqueId('stt7-can');
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel, { pollIntervalMs: 100, maxHistoryEvents: 100 }));
    await phaseOf(h, 'running');
    await h.executeUpdate(sttUpdate, { args: [{ languages: ['de-DE'] }] });
    const runs = (await h.query(sttStatusQuery)).continuedAsNew;
    await eventually(async () => ((await h.query(sttStatusQuery)).continuedAsNew > runs ? true : undefined), 'a continue-as-new');
    await h.executeUpdate(sttUpdate, { args: [{ languages: ['fr-FR'] }] });
    expect(await h.query(sttStatusQuery)).toMatchObject({ sequenceId: 2, config: { languages: ['fr-FR'] } });
    await h.executeUpdate(sttStopUpdate, { args: [{}] });
  });
  const seq = (await control.requests({ cname: channel, product: 'stt7' }))
    .filter((r) => r.operation === 'update')
    .map((r) => `${r.status}:${new URL(r.path, 'http://x').searchParams.get('sequenceId')}`);
  expect(seq).toEqual(['200:1', '200:2']);
  await expectNothingRunning(channel);
});

test('bad input is refused before any vendor call, and internal state cannot be passed in', async () => {
  const channel = uniqueId('stt-badinput');
  await withWorker(env, config, async (tq) => {
    for (const bad of [
      { channel, languages: [] },
      { channel, languages: ['en-US'], subBotUid: '5', pubBotUid: '5' },
      { channel, languages: ['en-US'], agentId: 'x' },
    ]) {
      const err = await failureOf(await start(tq, bad as never));
      expect((err.cause as ApplicationFailure).type).toBe('InvalidInput');
    }
  });
  expect(await operations(channel)).toEqual([]);
});
