/**
 * `rtc.usage` / `rtcflow usage`: rtcflow's own cost ledger beside the vendor's usage report.
 *
 * Every session that keeps a ledger (workflows/lib/usage.ts: billable intervals by product and Console usage
 * column) reports it in its `status` query and its result. This module
 *   1. lists the rtcflow sessions of this task queue and profile that overlap the UTC days [from, to] from
 *      Temporal visibility: running ones that started before the range ends, closed ones that started before
 *      it ends and closed after it began (a run that continued as new stands for the last run of its
 *      chain, which carries the whole ledger, even when that run began after the range);
 *   2. reads each ledger: a running session's `status` query, a closed one's result; a session that failed
 *      (or was terminated, cancelled, timed out) has no result, so its `status` query is tried once with a
 *      short deadline (it answers while a worker polls the queue), and failing that it is reported as
 *      unaccounted;
 *   3. clips every interval to the UTC days and sums it per day × product × usage column (milliseconds,
 *      rounded to whole seconds per day as the Console rounds);
 *   4. fetches the Console usage (`GET /dev/v3/usage`, src/agora/console.ts usageByDay) for the same days,
 *      of the profile's project (AgoraAdmin.currentProject), business `cloudRecording` for cloud-recording
 *      (and `transcodeDuration` for cloud-transcoder, once it keeps a ledger);
 *   5. sets them side by side per day and column with the difference (rtcflow − Console) and a flag when
 *      they differ by more than the tolerance: max(tolerancePercent % of the larger side, toleranceSeconds),
 *      by default 1 % or 60 s.
 * The Console's durationVideo1080P is folded into durationVideoHdp (the seed lists both without saying how
 * they differ; src/schemas/agora/console.ts usageClassFor books 1080p as Hdp), so a row never flags a split
 * between them. Sessions whose status/result has no `usage` (lifecycles without a ledger yet) are counted
 * and reported, never guessed.
 *
 * Only a profile's credentials reach the Console (AgoraAdmin, in this process); nothing here goes through
 * a workflow, so no secret enters a history.
 */
import { WorkflowFailedError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { z } from 'zod';
import { InvalidInputError } from '../errors';
import { loadConfig, type Config } from '../config';
import { parseInput } from '../schemas/parse';
import { ProfileName, UsageEntry } from '../schemas/workflows/common';
import { USAGE_CLASSES, UsageDate, type UsageBusiness, type UsageClass } from '../schemas/agora/console';
import { visibilityLiteral } from '../api/routing';
import { SA } from '../../workflows/lib/search-attributes';
import { AgoraAdmin } from './agora-admin';

const DAY_MS = 86_400_000;
/**
 * Widest range one report covers. The Console documents no limit (its own example asks for 64 days,
 * 2021-10-12..2021-12-14); this bound only keeps one report's visibility scan and status reads finite.
 */
export const MAX_USAGE_DAYS = 92;
/** How long a failed session's status query may take before it is reported unaccounted. */
const FAILED_QUERY_MS = 3_000;
/** How long a running session's status query may take (it needs a worker polling the task queue). */
const RUNNING_QUERY_MS = 15_000;
/** temporal.api.enums.v1.HistoryEventFilterType: only a run's close event (@temporalio/proto is not a direct dependency). */
const HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT = 2;
/** Runs of one continued-as-new chain followed at most. */
const MAX_CHAIN = 1_000;
/** Sessions read at once. */
const CONCURRENCY = 8;

/** Which Console `business` reports a product's usage (products without one are reported with no Console side). */
export const PRODUCT_BUSINESS: Readonly<Record<string, UsageBusiness>> = {
  'cloud-recording': 'cloudRecording',
  'cloud-transcoder': 'transcodeDuration',
};

const dayOf = (s: string) => Date.parse(`${s}T00:00:00Z`);

export const UsageReportInput = z
  .strictObject({
    /** first UTC day, YYYY-MM-DD */
    from: UsageDate,
    /** last UTC day (inclusive), YYYY-MM-DD */
    to: UsageDate,
    /** the profile (tenant) whose sessions and Console project are compared */
    profile: ProfileName.default('default'),
    /** flag when |difference| exceeds this share of the larger side, in percent (default 1) */
    tolerancePercent: z.number().min(0).max(100).default(1),
    /** ... or this many seconds, whichever is larger (default 60) */
    toleranceSeconds: z.number().int().min(0).default(60),
  })
  .superRefine((q, ctx) => {
    const a = dayOf(q.from);
    const b = dayOf(q.to);
    if (Number.isNaN(a) || Number.isNaN(b)) return;
    if (b < a) ctx.addIssue({ code: 'custom', path: ['to'], message: 'is before from' });
    else if ((b - a) / DAY_MS + 1 > MAX_USAGE_DAYS) ctx.addIssue({ code: 'custom', path: ['to'], message: `the range is at most ${MAX_USAGE_DAYS} days` });
  });
export type UsageReportInput = z.input<typeof UsageReportInput>;

/** One day × product × usage column. Seconds; minutes are seconds / 60. */
export interface UsageRow {
  /** YYYY-MM-DD (UTC) */
  date: string;
  product: string;
  usageClass: string;
  /** the Console business compared (absent: the product has no Console usage report) */
  business?: UsageBusiness;
  /** the ledger's seconds that fall on this day */
  rtcflowSeconds: number;
  /** the Console's seconds for the day and column (durationVideoHdp includes durationVideo1080P) */
  consoleSeconds?: number;
  /** rtcflowSeconds − consoleSeconds */
  differenceSeconds?: number;
  /** |difference| is above the tolerance */
  flagged: boolean;
}

/** A session whose ledger could not be read from a result. */
export interface UnaccountedSession {
  id: string;
  runId: string;
  product?: string;
  /** Temporal's execution status (FAILED, TERMINATED, CANCELLED, TIMED_OUT, ...) */
  status: string;
  /** its ledger was still read (from the status query) and is in the sums */
  counted: boolean;
  reason?: string;
}

export interface UsageReport {
  from: string;
  to: string;
  profile: string;
  /** the Console project compared */
  projectId: string;
  tolerance: { percent: number; seconds: number };
  /** rows with time on either side, by day, product, column */
  rows: UsageRow[];
  /** how many rows are flagged */
  flagged: number;
  sessions: {
    /** sessions listed in the range */
    listed: number;
    /** sessions whose ledger is in the sums */
    counted: number;
    /** sessions that answered without a ledger (lifecycles that keep none yet), by product */
    withoutLedger: Record<string, number>;
    /** failed/terminated/... sessions: what could be read of them */
    unaccounted: UnaccountedSession[];
  };
}

export interface UsageOptions {
  /** the Console client to use (the caller closes it); default: one for the profile from `config` */
  admin?: AgoraAdmin;
  /** where the profile's credentials come from; default: loadConfig(process.env) */
  config?: Config;
}

/** What is read of a listed (or described) run. */
type Run = Pick<WorkflowExecutionInfo, 'workflowId' | 'runId' | 'status' | 'typedSearchAttributes'>;

type Ledger = { entries: UsageEntry[] } | { none: true };

const ledgerOf = (value: unknown): Ledger => {
  const usage = (value as { usage?: unknown } | null | undefined)?.usage;
  const r = z.array(UsageEntry).safeParse(usage);
  return r.success ? { entries: r.data } : { none: true };
};

/** Milliseconds of [a, b) per UTC day, inside [lo, hi). */
function addClipped(into: Map<string, number>, key: (day: number) => string, a: number, b: number, lo: number, hi: number): void {
  for (let t = Math.max(a, lo); t < Math.min(b, hi);) {
    const day = Math.floor(t / DAY_MS) * DAY_MS;
    const end = Math.min(b, hi, day + DAY_MS);
    const k = key(day);
    into.set(k, (into.get(k) ?? 0) + end - t);
    t = end;
  }
}

/** Runs `fn` over `items`, at most `n` at once. */
async function mapLimit<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, run));
  return out;
}

export class UsageReports {
  constructor(
    private readonly temporal: Client,
    private readonly taskQueue: string,
  ) {}

  /** The visibility queries of the range: running sessions, then closed ones (rtcflow sessions of this task queue only). */
  queries(from: string, to: string): { running: string; closed: string } {
    const tq = visibilityLiteral(this.taskQueue);
    if (!tq) throw new InvalidInputError('invalid usage report', ['taskQueue: must be printable ASCII without quotes or backslashes']);
    const start = new Date(dayOf(from)).toISOString();
    const end = new Date(dayOf(to) + DAY_MS).toISOString();
    const base = `TaskQueue = ${tq} AND ${SA.product.name} IS NOT NULL AND StartTime < "${end}"`;
    return {
      running: `${base} AND ExecutionStatus = "Running"`,
      closed: `${base} AND ExecutionStatus != "Running" AND CloseTime >= "${start}"`,
    };
  }

  async report(input: UsageReportInput, opts: UsageOptions = {}): Promise<UsageReport> {
    const q = parseInput(UsageReportInput, input, 'usage report');
    const lo = dayOf(q.from);
    const hi = dayOf(q.to) + DAY_MS;
    // the admin first: an unknown profile is a ConfigurationError before anything is read
    const admin = opts.admin ?? new AgoraAdmin(opts.config ?? loadConfig(process.env), q.profile);
    try {
      const sessions = await this.sessionsIn(q.from, q.to, q.profile);
      const read = await mapLimit(sessions, CONCURRENCY, (wf) => this.ledger(wf));

      const ms = new Map<string, number>(); // date|product|class → ms
      const withoutLedger: Record<string, number> = {};
      const unaccounted: UnaccountedSession[] = [];
      let counted = 0;
      for (const [i, r] of read.entries()) {
        const wf = sessions[i]!;
        const product = wf.typedSearchAttributes.get(SA.product);
        if (r.unaccounted) unaccounted.push({ id: wf.workflowId, runId: wf.runId, product, status: wf.status.name, counted: 'entries' in r.ledger, reason: r.unaccounted });
        if (!('entries' in r.ledger)) {
          if (!r.unaccounted) withoutLedger[product ?? 'unknown'] = (withoutLedger[product ?? 'unknown'] ?? 0) + 1;
          continue;
        }
        counted++;
        for (const e of r.ledger.entries) {
          const a = Date.parse(e.from);
          const b = e.to !== undefined ? Date.parse(e.to) : a + e.seconds * 1000;
          if (Number.isNaN(a) || Number.isNaN(b)) continue;
          addClipped(ms, (day) => `${new Date(day).toISOString().slice(0, 10)}|${e.product}|${e.usageClass}`, a, b, lo, hi);
        }
      }

      // the Console side: cloudRecording always (a recording rtcflow did not start still shows), plus any other product's business
      const businesses = new Set<UsageBusiness>(['cloudRecording']);
      for (const k of ms.keys()) {
        const b = PRODUCT_BUSINESS[k.split('|')[1]!];
        if (b) businesses.add(b);
      }
      const projectId = (await admin.currentProject()).id;
      const vendor = new Map<string, number>(); // date|product|class → s
      for (const business of businesses) {
        const product = Object.keys(PRODUCT_BUSINESS).find((p) => PRODUCT_BUSINESS[p] === business)!;
        for (const day of await admin.usageByDay({ projectId, from: q.from, to: q.to, business })) {
          for (const c of USAGE_CLASSES) {
            const cls: UsageClass = c === 'durationVideo1080P' ? 'durationVideoHdp' : c;
            const k = `${day.date}|${product}|${cls}`;
            vendor.set(k, (vendor.get(k) ?? 0) + day.seconds[c]);
          }
        }
      }

      const keys = new Set([...ms.keys(), ...[...vendor.entries()].filter(([, s]) => s > 0).map(([k]) => k)]);
      const rows: UsageRow[] = [...keys].sort().map((k) => {
        const [date, product, usageClass] = k.split('|') as [string, string, string];
        const rtcflowSeconds = Math.round((ms.get(k) ?? 0) / 1000);
        const business = PRODUCT_BUSINESS[product];
        if (!business || !businesses.has(business)) return { date, product, usageClass, rtcflowSeconds, flagged: false };
        const consoleSeconds = vendor.get(k) ?? 0;
        const differenceSeconds = rtcflowSeconds - consoleSeconds;
        const allowed = Math.max((q.tolerancePercent / 100) * Math.max(rtcflowSeconds, consoleSeconds), q.toleranceSeconds);
        return { date, product, usageClass, business, rtcflowSeconds, consoleSeconds, differenceSeconds, flagged: Math.abs(differenceSeconds) > allowed };
      });
      return {
        from: q.from,
        to: q.to,
        profile: q.profile,
        projectId,
        tolerance: { percent: q.tolerancePercent, seconds: q.toleranceSeconds },
        rows,
        flagged: rows.filter((r) => r.flagged).length,
        sessions: { listed: sessions.length, counted, withoutLedger, unaccounted },
      };
    } finally {
      if (!opts.admin) await admin.close();
    }
  }

  /**
   * The profile's sessions overlapping the days, one entry per chain of runs: a run that continued as new
   * stands for the last run of its chain (which carries the whole ledger), even when that one began after
   * the range.
   */
  private async sessionsIn(from: string, to: string, profile: string): Promise<Run[]> {
    const { running, closed } = this.queries(from, to);
    const out: Run[] = [];
    const seen = new Set<string>();
    const lastOf = new Map<string, Run | undefined>(); // run id → the last run of its chain
    const add = (wf: Run) => {
      if (seen.has(wf.runId)) return; // a run that closed between the two listings, or a chain met twice
      seen.add(wf.runId);
      out.push(wf);
    };
    for (const query of [running, closed]) {
      for await (const wf of this.temporal.workflow.list({ query, pageSize: 500 })) {
        if (wf.workflowId.split('/')[1] !== profile) continue;
        if (wf.status.name !== 'CONTINUED_AS_NEW') add(wf);
        else {
          const last = await this.lastRun(wf.workflowId, wf.runId, lastOf);
          if (last) add(last);
        }
      }
    }
    return out;
  }

  /** Follows a chain of continued-as-new runs (each run's close event names the next) to its last run. */
  private async lastRun(workflowId: string, runId: string, memo: Map<string, Run | undefined>): Promise<Run | undefined> {
    const visited: string[] = [];
    let last: Run | undefined;
    for (let run: string | undefined = runId; run && visited.length < MAX_CHAIN;) {
      if (memo.has(run)) {
        last = memo.get(run);
        break;
      }
      visited.push(run);
      const res: { history?: { events?: Array<{ workflowExecutionContinuedAsNewEventAttributes?: { newExecutionRunId?: string | null } | null }> | null } | null } =
        await this.temporal.workflowService.getWorkflowExecutionHistory({
          namespace: this.temporal.options.namespace,
          execution: { workflowId, runId: run },
          historyEventFilterType: HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
        });
      const next: string | undefined = res.history?.events?.[0]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      if (!next) {
        last = run === runId ? undefined : await this.temporal.workflow.getHandle(workflowId, run).describe();
        break;
      }
      run = next;
    }
    for (const r of visited) memo.set(r, last);
    return last;
  }

  /** A session's ledger: the status query while it runs, its result once it completed, else (failed ...) the status query if it still answers. */
  private async ledger(wf: Run): Promise<{ ledger: Ledger; unaccounted?: string }> {
    const handle = this.temporal.workflow.getHandle(wf.workflowId, wf.runId);
    if (wf.status.name === 'RUNNING') {
      try {
        return { ledger: ledgerOf(await this.temporal.withDeadline(Date.now() + RUNNING_QUERY_MS, () => handle.query('status'))) };
      } catch (err) {
        // it may have closed since it was listed (its result then); still running, it did not answer
        const now = await handle.describe().catch(() => undefined);
        if (!now || now.status.name === 'RUNNING')
          return { ledger: { none: true }, unaccounted: `no answer to the status query: ${err instanceof Error ? err.message : String(err)}` };
        return this.closedLedger(wf);
      }
    }
    return this.closedLedger(wf);
  }

  private async closedLedger(wf: Run): Promise<{ ledger: Ledger; unaccounted?: string }> {
    const handle = this.temporal.workflow.getHandle(wf.workflowId, wf.runId, { followRuns: false });
    try {
      return { ledger: ledgerOf(await handle.result()) };
    } catch (err) {
      const reason = err instanceof WorkflowFailedError ? (err.cause?.message ?? err.message) : err instanceof Error ? err.message : String(err);
      try {
        const status = await this.temporal.withDeadline(Date.now() + FAILED_QUERY_MS, () => handle.query('status'));
        return { ledger: ledgerOf(status), unaccounted: reason };
      } catch {
        return { ledger: { none: true }, unaccounted: reason };
      }
    }
  }
}
