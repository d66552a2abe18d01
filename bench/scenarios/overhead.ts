/**
 * `overhead`: start → "recording" against the Temporal floor. Sessions run one at a time, alternating with a
 * no-op workflow that runs as many no-op activities as a recording runs before "recording" (counted from the
 * warm-up session's history), on the same server, each kind on its own worker process. Times come from the
 * histories' event timestamps: WorkflowExecutionStarted → the completion of the workflow task that upserted
 * RtcPhase=recording (rtcflow) / that completed the workflow after its last activity (no-op).
 */
import type { BenchContext } from '../lib/context';
import { scenarioWorkers } from '../lib/context';
import type { Milestone, Step } from '../lib/history';
import { completionMilestones, leaked, recordingMilestones, startNoops, startRecordings, stopAll, waitClosed, waitRecording } from '../lib/sessions';
import { dist, pct, round } from '../lib/util';

/** Per step index: the label most sessions had there and its time distribution. */
function stepTable(ms: Milestone[]): { step: number; label: string; p50: number; p95: number; activityQueueP50: number; activityRunP50: number; workflowTaskP50: number }[] {
  const n = Math.max(0, ...ms.map((m) => m.steps.length));
  const out = [];
  for (let i = 0; i < n; i++) {
    const at = ms.map((m) => m.steps[i]).filter((s): s is Step => s !== undefined);
    const labels = new Map<string, number>();
    for (const s of at) labels.set(s.label, (labels.get(s.label) ?? 0) + 1);
    const label = [...labels].sort((a, b) => b[1] - a[1])[0]![0];
    out.push({
      step: i + 1,
      label: labels.size > 1 ? `${label} (${labels.size} variants)` : label,
      p50: pct(
        at.map((s) => s.ms),
        50,
      ),
      p95: pct(
        at.map((s) => s.ms),
        95,
      ),
      activityQueueP50: pct(
        at.map((s) => s.activityQueueMs),
        50,
      ),
      activityRunP50: pct(
        at.map((s) => s.activityRunMs),
        50,
      ),
      workflowTaskP50: pct(
        at.map((s) => s.workflowTaskMs),
        50,
      ),
    });
  }
  return out;
}

export async function overhead(ctx: BenchContext): Promise<Record<string, unknown>> {
  const pairs = ctx.flags.int('pairs', ctx.quick ? 4 : 30);
  const warmup = ctx.flags.int('warmup', ctx.quick ? 1 : 3);
  // the emulated recorder reports "in progress" 2 emulated seconds after its start (the vendor's start-up, not
  // orchestration): at this time scale that is over before the first confirm probe, so none waits a confirm poll
  const timeScale = ctx.flags.num('overhead-time-scale', 200);
  const w = await scenarioWorkers(ctx, 'overhead', true);
  await ctx.emulator.post('/_emulator/clock', { timeScale });
  const rtcQ = w.rtcflow.taskQueue;
  const noopQ = w.noop!.taskQueue;
  const cname = `${ctx.tag}-ovh-`;
  const rtcIds: string[] = [];
  const noopIds: string[] = [];
  let noopActivities = 3;
  try {
    const oneRecording = async (i: number, counted: boolean) => {
      const b = await startRecordings(ctx.client, rtcQ, [`${cname}${i}`], {}, 1);
      await waitRecording(ctx.client, rtcQ, rtcIds.length + 1, 60_000, 20);
      rtcIds.push(b.ids[0]!);
      return counted;
    };
    let noops = 0;
    const oneNoop = async () => {
      const b = await startNoops(ctx.client, noopQ, `${ctx.tag}-ovh-noop-${noops++}`, 1, noopActivities, 1);
      await waitClosed(ctx.client, noopQ, noops, 60_000, 20);
      noopIds.push(b.ids[0]!);
    };
    // warm-up: caches, connections, the bundle's first context; and how many activities "recording" takes
    for (let i = 0; i < warmup; i++) await oneRecording(i, false);
    const [first] = await recordingMilestones(ctx.client, rtcIds.slice(0, 1));
    if (!first) throw new Error('the warm-up session has no recording milestone in its history');
    noopActivities = first.activities;
    for (let i = 0; i < warmup; i++) await oneNoop();
    const warmRtc = rtcIds.length;
    const warmNoop = noopIds.length;
    ctx.log(`overhead: ${pairs} pairs, ${noopActivities} activities each`);
    for (let i = 0; i < pairs; i++) {
      // alternate which goes first, so a drift in the machine's load falls on both alike
      if (i % 2 === 0) {
        await oneRecording(warmup + i, true);
        await oneNoop();
      } else {
        await oneNoop();
        await oneRecording(warmup + i, true);
      }
    }
    const rtc = (await recordingMilestones(ctx.client, rtcIds.slice(warmRtc))).filter((m): m is Milestone => m !== undefined);
    const noop = (await completionMilestones(ctx.client, noopIds.slice(warmNoop))).filter((m): m is Milestone => m !== undefined);
    const stops = await stopAll(ctx.client, rtcIds, 16);
    const leaks = await leaked(ctx.emulator, cname);
    const r = dist(rtc.map((m) => m.totalMs));
    const n = dist(noop.map((m) => m.totalMs));
    return {
      pairs,
      emulatorTimeScale: timeScale,
      activitiesBeforeRecording: noopActivities,
      eventsBeforeRecording: pct(
        rtc.map((m) => m.events),
        50,
        0,
      ),
      workflowTasksBeforeRecording: pct(
        rtc.map((m) => m.steps.length),
        50,
        0,
      ),
      startToRecordingMs: r,
      noopFloorMs: n,
      ratio: { p50: n.p50 ? round(r.p50 / n.p50, 3) : null, p95: n.p95 ? round(r.p95 / n.p95, 3) : null },
      steps: { rtcflow: stepTable(rtc), noop: stepTable(noop) },
      stops,
      leaked: leaks.length,
      worker: w.tuning,
      processes: w.sampler.summary(),
      method:
        'sequential, alternating rtcflow and no-op; each time is WorkflowExecutionStarted → the WorkflowTaskCompleted that upserted RtcPhase=recording (rtcflow) or completed the workflow (no-op), from history event timestamps; a step is the time between consecutive completed workflow tasks, labelled by what completed in it',
    };
  } finally {
    await ctx.emulator.post('/_emulator/clock', { timeScale: ctx.timeScale });
    await w.stop();
  }
}
