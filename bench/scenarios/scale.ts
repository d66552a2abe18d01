/**
 * `scale`: N live recording sessions at a poll interval on one worker. Starts N (`--concurrency` start calls in
 * flight), waits until all are "recording", holds them for `--hold` while reading the emulator's request log
 * (sinceSeq, so nothing is lost to its ring), then stops all and checks the emulator's ledger.
 *
 *   - worker RSS per session: (worker RSS at the end of the hold − worker RSS before the first start) / N
 *   - poll lateness: for each sid, the intervals between consecutive vendor `query` calls minus the poll
 *     interval (emulated time / time scale); the confirm probes right after start are not polls (the first
 *     poll is the first query at least half a poll interval after the one before it); beside it the same for
 *     the intervals that began once all N were recording (N live sessions, without the start wave's load)
 *   - polls made vs expected: per session, polls up to the end of the hold against
 *     floor((end of hold − its last confirm probe) / poll interval)
 *   - leaked: cloud recordings of the scenario's channels still running in the emulator after every stop returned
 */
import type { BenchContext } from '../lib/context';
import { scenarioWorkers } from '../lib/context';
import type { EmulatorRequest } from '../lib/cluster';
import { countInPhase, leaked, startRecordings, stopAll } from '../lib/sessions';
import { dist, pct, round, sleep, waitUntil } from '../lib/util';

export async function scale(ctx: BenchContext): Promise<Record<string, unknown>> {
  const n = ctx.flags.int('sessions', ctx.quick ? 20 : 1000);
  const pollMs = ctx.flags.ms('poll', ctx.quick ? 2_000 : 10_000);
  const holdMs = ctx.flags.ms('hold', ctx.quick ? 5_000 : pollMs <= 30_000 ? 6 * pollMs : 2 * pollMs + 10_000);
  const concurrency = ctx.flags.int('concurrency', ctx.quick ? 10 : 100);
  const startTimeoutMs = ctx.flags.ms('timeout', 480_000);
  const w = await scenarioWorkers(ctx, 'scale', false);
  const q = w.rtcflow.taskQueue;
  const cname = `${ctx.tag}-scl-`;
  // real time for the vendor's windows: at a faster clock a resourceId's 5 minutes between acquire and start
  // shrink (30 s at 10x), and a worker that falls behind in a start wave gets code 433 and acquires again
  const scale = ctx.flags.num('scale-time-scale', 1);
  // probes while the recorder starts (2 emulated seconds) stay well apart from polls
  const confirmPollMs = Math.min(2_000, Math.floor(pollMs / 4));
  await ctx.emulator.post('/_emulator/clock', { timeScale: scale });

  // the request log, read every 2 s from where the last read ended
  const queries = new Map<string, number[]>();
  let seq = (await ctx.emulator.requests({ product: 'cloud-recording' })).reduce((m, r) => Math.max(m, r.seq), 0);
  let reading = true;
  const take = (rs: EmulatorRequest[]) => {
    for (const r of rs) {
      seq = Math.max(seq, r.seq);
      if (r.operation !== 'query' || !r.sid || !r.cname?.startsWith(cname) || r.status >= 300) continue;
      const list = queries.get(r.sid) ?? [];
      list.push(r.at);
      queries.set(r.sid, list);
    }
  };
  const reader = (async () => {
    while (reading) {
      take(await ctx.emulator.requests({ sinceSeq: seq, product: 'cloud-recording' }));
      await sleep(2_000);
    }
  })();

  try {
    // one session first, so the baseline holds the workflow context and connections every session shares
    const warm = await startRecordings(ctx.client, q, [`${ctx.tag}-sclwarm`], { pollIntervalMs: pollMs, confirmPollMs }, 1);
    await waitUntil('the warm-up session recording', async () => (await countInPhase(ctx.client, q, 'recording')) === 1, 60_000);
    await stopAll(ctx.client, warm.ids, 1);
    await waitUntil('the warm-up session stopped', async () => (await countInPhase(ctx.client, q, 'recording')) === 0, 60_000);
    await sleep(1_500);
    const rssBefore = w.sampler.lastRss('worker') ?? 0;
    ctx.log(`scale: starting ${n} sessions (poll ${pollMs} ms)`);
    const started = await startRecordings(
      ctx.client,
      q,
      Array.from({ length: n }, (_, i) => `${cname}${i}`),
      { pollIntervalMs: pollMs, confirmPollMs },
      concurrency,
    );
    const startDeadline = Date.now() + startTimeoutMs;
    let recording = 0;
    // a machine that cannot get all N recording in time still measures the ones that are (allRecording: false)
    let allRecording = true;
    while ((recording = await countInPhase(ctx.client, q, 'recording')) < n) {
      if (Date.now() > startDeadline) {
        allRecording = false;
        ctx.log(`scale: only ${recording} of ${n} sessions recording after ${startTimeoutMs} ms; holding those`);
        break;
      }
      await sleep(1_000);
    }
    const allRecordingMs = Date.now() - started.firstCallAt;
    // the emulated time when all N were live: polls after it are the steady state, without the start wave
    const live = await ctx.emulator.clock();
    const rssAllRecording = w.sampler.lastRss('worker') ?? 0;
    const atAllRecording = w.sampler.summary();
    ctx.log(`scale: ${recording} of ${n} recording after ${allRecordingMs} ms; holding ${holdMs} ms`);
    await sleep(holdMs);
    const end = await ctx.emulator.clock();
    w.sampler.sample();
    const rssEnd = w.sampler.lastRss('worker') ?? 0;
    const processes = w.sampler.summary();
    reading = false;
    await reader;
    take(await ctx.emulator.requests({ sinceSeq: seq, product: 'cloud-recording' }));

    // lateness and polls per sid, up to the end of the hold (emulated ms → real ms: / time scale)
    const lateness: number[] = [];
    /** the same, only for intervals that began with all N live (the hold: no start wave on the machine) */
    const latenessLive: number[] = [];
    const made: number[] = [];
    const expected: number[] = [];
    let behind = 0;
    for (const ats of queries.values()) {
      const upTo = ats.filter((a) => a <= end.now).sort((a, b) => a - b);
      let first = 1;
      while (first < upTo.length && (upTo[first]! - upTo[first - 1]!) / scale < pollMs / 2) first++;
      const lastProbe = upTo[first - 1]!;
      const polls = upTo.slice(first);
      let prev = lastProbe;
      for (const a of polls) {
        lateness.push((a - prev) / scale - pollMs);
        if (allRecording && prev >= live.now) latenessLive.push((a - prev) / scale - pollMs);
        prev = a;
      }
      const exp = Math.floor((end.now - lastProbe) / scale / pollMs);
      made.push(polls.length);
      expected.push(exp);
      if (polls.length < exp - 1) behind++;
    }
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

    // the hold's figures, written to the log before the stops: a run cut while stopping thousands still reports them
    const hold = {
      sessions: n,
      pollMs,
      holdMs,
      concurrency,
      emulatorTimeScale: scale,
      confirmPollMs,
      allRecording,
      recordingAtHold: recording,
      allRecordingMs,
      sids: queries.size,
      workerRssMb: { before: round(rssBefore), allRecording: round(rssAllRecording), endOfHold: round(rssEnd), peak: processes.worker?.rssMb.max },
      rssPerSessionMb: round((rssEnd - rssBefore) / n, 3),
      pollLatenessMs: {
        ...dist(lateness, 0),
        min: round(
          lateness.reduce((m, x) => Math.min(m, x), Infinity),
          0,
        ),
      },
      /** only the intervals that began once all N were recording: N live sessions without the start wave (n 0 when they never were) */
      pollLatenessAllLiveMs: dist(latenessLive, 0),
      polls: {
        made: sum(made),
        expected: sum(expected),
        sessionsMedianMade: pct(made, 50, 0),
        sessionsMedianExpected: pct(expected, 50, 0),
        /** sessions that made fewer than expected − 1 polls */
        sessionsBehind: behind,
      },
    };
    ctx.log(`scale: hold figures ${JSON.stringify(hold)}`);
    ctx.log(`scale: stopping ${n} sessions`);
    const stops = await stopAll(ctx.client, started.ids, concurrency);
    const leaks = await leaked(ctx.emulator, `${ctx.tag}-scl`);
    return {
      ...hold,
      stops,
      leaked: leaks.length,
      worker: w.tuning,
      processes: { startToAllRecording: atAllRecording, wholeRun: processes },
      method:
        'lateness = interval between consecutive successful query calls of one sid (emulator request log, emulated ms / time scale) − poll interval, confirm probes excluded (pollLatenessAllLiveMs: only intervals that began once all N were recording); expected polls per session = floor((end of hold − last confirm probe) / poll interval); RSS per session = (worker VmRSS at end of hold − before the first start) / sessions',
    };
  } finally {
    reading = false;
    await reader.catch(() => undefined);
    await ctx.emulator.post('/_emulator/clock', { timeScale: ctx.timeScale });
    await w.stop();
  }
}
