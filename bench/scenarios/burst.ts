/**
 * `burst`: N starts at once (`--concurrency` start calls in flight), the time until all N are "recording";
 * beside it the no-op ceiling: the same N no-op workflows (as many activities as a recording runs before
 * "recording") until all completed, on the same server. The no-op burst runs first, then rtcflow's; the end of
 * each is the latest milestone in the histories (server clock), measured from the driver's first start call.
 */
import type { BenchContext } from '../lib/context';
import { scenarioWorkers } from '../lib/context';
import type { Milestone } from '../lib/history';
import { completionMilestones, countInPhase, leaked, recordingMilestones, startNoops, startRecordings, stopAll, waitClosed, waitRecording } from '../lib/sessions';
import { dist, round, waitUntil } from '../lib/util';

function burstResult(n: number, firstCallAt: number, lastReturnAt: number, ms: (Milestone | undefined)[]) {
  const done = ms.filter((m): m is Milestone => m !== undefined);
  const end = Math.max(...done.map((m) => m.reachedAt));
  const allMs = Math.round(end - firstCallAt);
  return {
    n,
    reached: done.length,
    /** false: the timeout passed first, and allMs is the time until the last of those that got there */
    allReached: done.length === n,
    allMs,
    perSecond: round((done.length / allMs) * 1000, 1),
    startCallsMs: lastReturnAt - firstCallAt,
    /** each one's start → milestone (server clock) */
    eachMs: dist(done.map((m) => m.totalMs)),
  };
}

export async function burst(ctx: BenchContext): Promise<Record<string, unknown>> {
  const n = ctx.flags.int('sessions', ctx.quick ? 20 : 1000);
  const concurrency = ctx.flags.int('concurrency', ctx.quick ? 10 : 100);
  const timeoutMs = ctx.flags.ms('timeout', 480_000);
  // the recorder's 2 emulated seconds of start-up take 100 ms, a resourceId's 5 minutes between acquire and
  // start 15 s (a start later than that gets code 433 and acquires again: vendorCalls shows it)
  const timeScale = ctx.flags.num('burst-time-scale', 20);
  const w = await scenarioWorkers(ctx, 'burst', true);
  const cname = `${ctx.tag}-bst-`;
  try {
    // how many activities a recording runs before "recording", from one warm-up session with the recorder up
    // before the first confirm probe (as in `overhead`)
    await ctx.emulator.post('/_emulator/clock', { timeScale: ctx.flags.num('overhead-time-scale', 200) });
    const warm = await startRecordings(ctx.client, w.rtcflow.taskQueue, [`${cname}warm`], {}, 1);
    await waitRecording(ctx.client, w.rtcflow.taskQueue, 1, 60_000, 50);
    const [first] = await recordingMilestones(ctx.client, warm.ids);
    const activities = ctx.flags.int('noop-activities', first?.activities ?? 3);
    await stopAll(ctx.client, warm.ids, 1);
    await ctx.emulator.post('/_emulator/clock', { timeScale });
    await waitUntil('the warm-up session stopped', async () => (await countInPhase(ctx.client, w.rtcflow.taskQueue, 'recording')) === 0, 60_000);

    ctx.log(`burst: ${n} no-op workflows (${activities} activities each)`);
    const noopStarted = await startNoops(ctx.client, w.noop!.taskQueue, `${ctx.tag}-bst-noop`, n, activities, concurrency);
    await waitClosed(ctx.client, w.noop!.taskQueue, n, timeoutMs).catch((err: Error) => ctx.log(`burst: ${err.message}`));
    const noop = burstResult(n, noopStarted.firstCallAt, noopStarted.lastReturnAt, await completionMilestones(ctx.client, noopStarted.ids));
    const afterNoop = w.sampler.summary();

    ctx.log(`burst: ${n} recordings`);
    const channels = Array.from({ length: n }, (_, i) => `${cname}${i}`);
    const since = (await ctx.emulator.requests({ product: 'cloud-recording' })).reduce((m, r) => Math.max(m, r.seq), 0);
    const started = await startRecordings(ctx.client, w.rtcflow.taskQueue, channels, {}, concurrency);
    // past the timeout the histories still say how many got there and when (reached < sessions)
    await waitRecording(ctx.client, w.rtcflow.taskQueue, n, timeoutMs).catch((err: Error) => ctx.log(`burst: ${err.message}`));
    const rtcflow = burstResult(n, started.firstCallAt, started.lastReturnAt, await recordingMilestones(ctx.client, started.ids));
    const processes = w.sampler.summary();
    // the vendor calls of the burst by operation and status (acquire/start/query; 433 = a resourceId expired)
    const vendorCalls: Record<string, number> = {};
    for (const r of await ctx.emulator.requests({ sinceSeq: since, product: 'cloud-recording' })) {
      if (!r.cname?.startsWith(cname)) continue;
      const key = `${r.operation} ${r.status}`;
      vendorCalls[key] = (vendorCalls[key] ?? 0) + 1;
    }
    ctx.log(`burst: stopping ${n} recordings`);
    const stops = await stopAll(ctx.client, started.ids, concurrency);
    const leaks = await leaked(ctx.emulator, cname);
    return {
      sessions: n,
      emulatorTimeScale: timeScale,
      concurrency,
      activitiesBeforeRecording: activities,
      rtcflow,
      noopCeiling: noop,
      ratio: round(rtcflow.perSecond / noop.perSecond, 3),
      vendorCalls,
      stops,
      leaked: leaks.length,
      worker: w.tuning,
      processes: { afterNoopBurst: afterNoop, afterRecordingBurst: processes },
      method:
        'allMs: driver clock at the first start call → the latest milestone event time in the histories (RtcPhase=recording upsert for rtcflow, WorkflowExecutionCompleted for the no-op), same machine clock; perSecond = reached / allMs',
    };
  } finally {
    await ctx.emulator.post('/_emulator/clock', { timeScale: ctx.timeScale });
    await w.stop();
  }
}
