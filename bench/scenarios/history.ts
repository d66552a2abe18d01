/**
 * `history`: events per session-hour at the default poll and events per run, from real histories.
 *
 * S sessions poll at a short interval for about R rounds and are stopped. In each history the events split
 * at the RtcPhase=recording upsert (start cost: the events up to it) and at the stop request (stop cost: the
 * events from it); the events between are the steady state, divided by the rounds the vendor saw (query calls
 * in the emulator's request log after the confirm probes and before the vendor stop) = events per poll round.
 * Events per session-hour at a poll P = events per round × 3600 s / P (default P: the workflow's default poll).
 *
 * Events per run: one session polls every 100 ms until the server suggests continue-as-new (its own history
 * limit) and the run's length is counted (with --quick, the maxHistoryEvents test hook stands in for the server's
 * suggestion and the figure says so); hours per run = (events per run − start cost) / events per hour.
 */
import { temporal } from '@temporalio/proto';
import type { BenchContext } from '../lib/context';
import { scenarioWorkers } from '../lib/context';
import { phaseUpsertIndex, scheduledActivityType, stopRequestIndex, type HistoryEvent } from '../lib/history';
import { history, leaked, startRecordings, stopAll, waitRecording } from '../lib/sessions';
import { pct, round, sleep, waitUntil } from '../lib/util';
import { CloudRecordingInput } from '../../src/schemas/workflows/cloud-recording';

const DEFAULT_POLL_MS = CloudRecordingInput.parse({ channel: 'x' }).pollIntervalMs;

function count(events: HistoryEvent[], from: number, to: number, has: (e: HistoryEvent) => unknown): number {
  let n = 0;
  for (let i = from; i < to; i++) if (has(events[i]!)) n++;
  return n;
}

export async function historyScenario(ctx: BenchContext): Promise<Record<string, unknown>> {
  const sessions = ctx.flags.int('history-sessions', ctx.quick ? 2 : 5);
  const pollMs = ctx.flags.ms('history-poll', ctx.quick ? 500 : 1_000);
  const rounds = ctx.flags.int('rounds', ctx.quick ? 6 : 20);
  const atPollMs = ctx.flags.ms('default-poll', DEFAULT_POLL_MS);
  // a run ends where the server suggests continue-as-new (Temporal's limit.historyCount.suggestContinueAsNew,
  // 4096 events by default, or limit.historySize.suggestContinueAsNew, 4 MiB) plus the events of finishing it. A
  // session reaching 4096 events at a 100 ms poll takes minutes here, so the run is measured at the
  // maxHistoryEvents test hook (the same check in the workflow, at a lower count) and the overshoot added to the
  // server's threshold; --cas-events 0 waits for the server's own suggestion instead.
  const casLimit = ctx.flags.int('cas-events', ctx.quick ? 100 : 600);
  const serverSuggestEvents = ctx.flags.int('server-suggest-events', 4096);
  const serverSuggestBytes = 4 * 2 ** 20;
  const w = await scenarioWorkers(ctx, 'history', false);
  const q = w.rtcflow.taskQueue;
  const cname = `${ctx.tag}-hst-`;
  try {
    const since = (await ctx.emulator.requests({ product: 'cloud-recording' })).reduce((m, r) => Math.max(m, r.seq), 0);
    const started = await startRecordings(
      ctx.client,
      q,
      Array.from({ length: sessions }, (_, i) => `${cname}${i}`),
      { pollIntervalMs: pollMs, confirmPollMs: 250 },
      sessions,
    );
    await waitRecording(ctx.client, q, sessions, 60_000);
    await sleep(rounds * pollMs + pollMs / 2);
    const stops = await stopAll(ctx.client, started.ids, sessions);
    const log = (await ctx.emulator.requests({ sinceSeq: since, product: 'cloud-recording' })).filter((r) => r.cname?.startsWith(cname));

    const per: {
      start: number;
      stop: number;
      total: number;
      vendorPolls: number;
      historyPolls: number;
      rounds: number;
      measuredBetween: string;
      steady: number;
      wft: number;
      activities: number;
      timers: number;
      upserts: number;
      upsertsPerRound: number;
      bytes: number;
    }[] = [];
    for (let i = 0; i < sessions; i++) {
      const events = await history(ctx.client, started.ids[i]!);
      const rec = phaseUpsertIndex(events, 'recording');
      const stop = stopRequestIndex(events);
      if (rec < 0 || stop < 0) throw new Error(`${started.ids[i]}: no recording upsert or stop request in its history`);
      // the polls the emulator saw (after the confirm probes, before the vendor stop)
      const mine = log.filter((r) => r.cname === `${cname}${i}`);
      const stopAt = mine.find((r) => r.operation === 'stop')?.at ?? Infinity;
      const ats = mine.filter((r) => r.operation === 'query' && r.at < stopAt).map((r) => r.at);
      let first = 1;
      while (first < ats.length && (ats[first]! - ats[first - 1]!) / ctx.timeScale < pollMs / 2) first++;
      const vendorPolls = ats.length - first;
      // the polls in the history (a query activity scheduled, or a query local activity's marker): steady state
      // is measured between the first and the last of them, so a round is counted whole
      const polls: number[] = [];
      for (let j = rec + 1; j < stop; j++) if (/query/i.test(scheduledActivityType(events[j]!) ?? '')) polls.push(j);
      const exact = polls.length >= 3;
      const [from, to, rounds] = exact ? [polls[0]!, polls[polls.length - 1]!, polls.length - 1] : [rec + 1, stop, Math.max(1, vendorPolls)];
      per.push({
        start: rec + 1,
        stop: events.length - stop,
        total: events.length,
        vendorPolls,
        historyPolls: polls.length,
        rounds,
        measuredBetween: exact ? 'first and last poll in the history' : 'recording upsert and stop request (vendor polls)',
        steady: to - from,
        wft: count(events, from, to, (e) => e.workflowTaskCompletedEventAttributes),
        activities: count(events, from, to, (e) => scheduledActivityType(e)),
        timers: count(events, from, to, (e) => e.timerStartedEventAttributes),
        upserts: count(events, 0, events.length, (e) => e.upsertWorkflowSearchAttributesEventAttributes),
        upsertsPerRound: count(events, from, to, (e) => e.upsertWorkflowSearchAttributesEventAttributes) / rounds,
        bytes: temporal.api.history.v1.History.encode({ events }).finish().length,
      });
    }
    const med = (f: (p: (typeof per)[number]) => number, d = 2) => pct(per.map(f), 50, d);
    const eventsPerRound = med((p) => p.steady / p.rounds);
    const roundsPerHour = 3_600_000 / atPollMs;
    const eventsPerHour = round(eventsPerRound * roundsPerHour, 0);
    const bytesPerEvent = med((p) => p.bytes / p.total, 0);

    // events per run: one session until its first run continues as new
    const cas = await (async () => {
      const [id] = (await startRecordings(ctx.client, q, [`${cname}cas`], { pollIntervalMs: 100, confirmPollMs: 250, ...(casLimit ? { maxHistoryEvents: casLimit } : {}) }, 1)).ids;
      const h = ctx.client.workflow.getHandle(id!);
      const firstRun = (await h.describe()).runId;
      const t0 = Date.now();
      await waitUntil('the session to continue as new', async () => (await h.describe()).runId !== firstRun, ctx.quick ? 60_000 : 300_000, 500);
      const seconds = (Date.now() - t0) / 1000;
      const events = (await ctx.client.workflow.getHandle(id!, firstRun).fetchHistory()).events ?? [];
      // the next run's first workflow task may not have completed yet when the new run id shows: wait for its
      // phase to be written (or a timeout, and then the check below tells which phase it did write)
      let next: HistoryEvent[] = [];
      await waitUntil(
        'the continued run to write its phase',
        async () => {
          next = await history(ctx.client, id!);
          return phaseUpsertIndex(next, 'recording') >= 0 || phaseUpsertIndex(next, 'acquiring') >= 0;
        },
        ctx.quick ? 60_000 : 120_000,
        250,
      ).catch(() => undefined);
      await stopAll(ctx.client, [id!], 1);
      return {
        measuredRunEvents: events.length,
        limit: casLimit ? `maxHistoryEvents test hook (${casLimit})` : "the server's continue-as-new suggestion",
        /** events the run wrote after the limit was reached (finishing the round, the continue-as-new) */
        overshoot: casLimit ? events.length - casLimit : undefined,
        seconds: round(seconds, 1),
        /** the next run goes on recording (no new acquire/start) */
        continuedRunStartsRecording: phaseUpsertIndex(next, 'recording') >= 0 && phaseUpsertIndex(next, 'acquiring') < 0,
      };
    })();
    const startCost = med((p) => p.start, 0);
    // the server suggests at whichever limit comes first: the event count, or the size at the measured bytes per event
    const eventsBeforeSuggestion = Math.min(serverSuggestEvents, Math.floor(serverSuggestBytes / bytesPerEvent));
    const eventsPerRun = cas.overshoot !== undefined ? eventsBeforeSuggestion + cas.overshoot : cas.measuredRunEvents;
    const leaks = await leaked(ctx.emulator, cname);
    return {
      sessions,
      pollMs,
      roundsTarget: rounds,
      atPollMs,
      perSession: per,
      startEvents: startCost,
      stopEvents: med((p) => p.stop, 0),
      eventsPerRound,
      workflowTasksPerRound: med((p) => p.wft / p.rounds),
      activitiesPerRound: med((p) => p.activities / p.rounds),
      timersPerRound: med((p) => p.timers / p.rounds),
      searchAttributeUpsertsPerRound: med((p) => p.upsertsPerRound),
      searchAttributeUpsertsPerSession: med((p) => p.upserts, 0),
      eventsPerSessionHour: eventsPerHour,
      bytesPerEvent,
      eventsPerRun,
      continueAsNew: { ...cas, serverSuggestEvents, suggestedBy: eventsBeforeSuggestion < serverSuggestEvents ? 'history size (4 MiB)' : 'event count' },
      hoursPerRunAtDefaultPoll: round((eventsPerRun - startCost) / eventsPerHour, 1),
      stops,
      leaked: leaks.length,
      worker: w.tuning,
      processes: w.sampler.summary(),
      method:
        'events per round = events between the first and the last poll in the history (a query activity scheduled or a query local activity recorded) / polls between them (if a history has fewer than 3: events between the RtcPhase=recording upsert and the stop request / query calls the emulator saw after the confirm probes), median over sessions; events per session-hour = events per round × 3600 s / atPollMs; events per run = the continue-as-new suggestion of the server (min of 4096 events and 4 MiB / bytes per event) + the overshoot measured on a first run that continued as new at the maxHistoryEvents hook at a 100 ms poll (with --cas-events 0: the length of that run at the suggestion of the server); hours per run = (events per run − start events) / events per hour',
    };
  } finally {
    await w.stop();
  }
}
