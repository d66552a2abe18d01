/**
 * The control loop's one wait: a session's main loop makes every vendor call itself, one at a time,
 * and between calls sleeps until something is pending (an update, a signal, a webhook) or its next
 * timer is due. It never goes round without waiting at least MIN_LOOP_WAIT_MS: no hot loop, ever.
 */
import { CancellationScope, condition, patched, sleep } from '@temporalio/workflow';
import { shouldContinueAsNew } from './continue-as-new';
import { deliverAll, deliverSignal, hasDeliveries, holdingDeliveries } from './inbox';
import { WORD_WAIT } from './patches';
import { localReads, timersDecide } from './search-attributes';

export const MIN_LOOP_WAIT_MS = 50;

/**
 * Waits until `pending()`, a handler effect held for the loop (./inbox.ts), or `wakeAt` (epoch ms); applies
 * the held effects; true when woken by either of the first two.
 */
export function waitForWork(pending: () => boolean, wakeAt: number): Promise<boolean> {
  if (!timersDecide()) return condition(pending, Math.max(MIN_LOOP_WAIT_MS, wakeAt - Date.now()));
  return waitAndDeliver(pending, wakeAt);
}

async function waitAndDeliver(pending: () => boolean, wakeAt: number): Promise<boolean> {
  const ready = () => pending() || hasDeliveries();
  const woken = Number.isFinite(wakeAt) ? await condition(ready, Math.max(MIN_LOOP_WAIT_MS, wakeAt - Date.now())) : await condition(ready).then(() => true);
  deliverAll();
  return woken;
}

/**
 * `waitForWork` for a loop that polls: waits the same way, then tells whether the poll is due: the timer
 * set for it fired (`wakeAt` was the poll's time and nothing woke the loop first). That is in the history;
 * the clock is not always the one a replay sees. A worker that takes a session over (the previous one died)
 * and is asked a query before its first workflow task runs the session's waiting code for that query with
 * the time of the last completed task: behind the time every replay sees for the same code by as long as
 * the session went without a worker (sdk-core 1.24; measured by bench/chaos/stale-clock/main.ts). A poll decided on `Date.now()`, or on a time
 * computed from it there (the next poll's), then differs from the replay: nondeterminism, a stuck session
 * (docs/evidence/nde-poll-timer-after-task-timeout.history.json, nde-update-poll-order-after-task-timeout
 * .history.json). So the clock only sizes timers. Runs from before HISTORY_CLOCK keep the clock's say too.
 */
export async function waitForPoll(pending: () => boolean, wakeAt: number, pollAt: number): Promise<boolean> {
  const woken = await waitForWork(pending, wakeAt);
  if (!woken && wakeAt >= pollAt) return true;
  return !timersDecide() && Date.now() >= pollAt;
}

/**
 * Waits up to `ms` for word a session expects (`known()`), applying held handler effects meanwhile; true
 * when it came. For the webhook that says why a resource went: the vendor sends it about when the resource
 * goes, so a read can find it gone first (and NCS resends for a while when an answer is slow, webhooks.md
 * §1); ending at once would give the wrong reason (an idle timeout told as "gone", a converter the service
 * idled out re-created as failed). Runs from before WORD_WAIT (./patches.ts) go on at once.
 */
export async function waitForWord(known: () => boolean, ms: number): Promise<boolean> {
  if (known() || ms <= 0 || !timersDecide() || !(localReads() || patched(WORD_WAIT))) return known();
  // the clock only sizes the timers: each wait ends by its timer, by the word, or by another delivery
  const until = Date.now() + ms;
  while (!known()) {
    if (!(await waitForWork(known, until))) break;
  }
  return known();
}

/**
 * `condition(done, timeoutMs)` for a bound the caller may set to 0 (a drain timeout): the SDK checks a patch
 * of its own the first time a 0 reaches `condition()`, which under LOCAL_READS could be right after a local
 * read (./patches.ts). There a 0 means "only if already done", answered without asking the SDK; other runs
 * call `condition` exactly as they did.
 */
export function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  if (timeoutMs === 0 && localReads()) return Promise.resolve(done());
  return condition(done, timeoutMs);
}

/**
 * An instant a session acts on (its max duration, a storage refresh, a retry, a lifetime's end), decided
 * the way `waitForPoll` decides a poll: by a timer of its own, whose firing is in the history, never by
 * comparing the clock with it (the clock of a task run for a query after a worker died is behind the
 * replay's). `set` the instant whenever it is known (the same instant again is free; a new one replaces the
 * timer), wake the loop on `rang`, and act when `due`. Runs from before HISTORY_CLOCK keep the clock: `due`
 * compares, `rang` is never true and `wakeAt` is the instant itself, so their loops wait as they did.
 */
export class Alarm {
  private at?: number;
  private fired = false;
  private scope?: CancellationScope;

  /** Arms the alarm for `at` (epoch ms); Infinity or undefined disarms it. */
  set(at: number | undefined): void {
    if (!timersDecide() || at === this.at) return;
    this.clear();
    if (at === undefined || !Number.isFinite(at)) return;
    const scope = new CancellationScope();
    this.scope = scope;
    this.at = at;
    scope
      .run(() => sleep(Math.max(1, at - Date.now())))
      .then(
        () =>
          // a loop sees its alarm at its next wait, as it sees a signal (./inbox.ts)
          deliverSignal(() => {
            if (this.scope === scope) this.fired = true;
          }),
        () => {
          // cancelled (the workflow's cancellation reaches a timer armed in its scope): the next `set` arms
          // it again, e.g. a grace window asked about again by the stop that follows a cancellation
          if (this.scope === scope) {
            this.scope = undefined;
            this.at = undefined;
          }
        },
      );
  }

  /** Disarms it (a timer still running is cancelled). */
  clear(): void {
    this.scope?.cancel();
    this.scope = undefined;
    this.at = undefined;
    this.fired = false;
  }

  /** The timer for the armed instant fired (a wake-up for the loop's wait). */
  get rang(): boolean {
    return this.fired;
  }

  /** Whether `at` has come: the alarm, armed for it now if it was not, rang (before HISTORY_CLOCK: the clock is past it). */
  due(at: number | undefined): boolean {
    if (!timersDecide()) return at !== undefined && Date.now() >= at;
    this.set(at);
    return this.fired;
  }

  /** What a loop's wait adds to its wake-up time for this instant: nothing when the alarm wakes it. */
  wakeAt(at: number | undefined): number {
    return timersDecide() || at === undefined ? Infinity : at;
  }
}

/** How a watch loop (`watch`) ends by itself; a lifecycle's own endings come from its `work` and `poll`. */
export type WatchStop = { kind: 'stop'; reason: string };
export type WatchContinue = { kind: 'continue' };

/** One piece of a watch loop's due work (`Watch.work`). */
export type WorkStep<E> = () => Promise<E | 'again' | undefined> | undefined;

/** What a lifecycle gives `watch`. E: its own endings (ended, gone, replace, lifetime...). */
export interface Watch<E> {
  /** the stop asked, if any (every round ends the loop with it first) */
  stopReason(): string | undefined;
  /** the session's max duration: its alarm, its instant, and the stop that reaching it asks */
  deadline: { alarm: Alarm; at(): number | undefined; maxDurationMs: number; requestStop(reason: string): void };
  /**
   * The lifecycle's own due work, in order, after the stop and the deadline: each step returns undefined at
   * once when it has nothing to do, or a promise of 'again' (it did something: go round), an ending, or
   * undefined (nothing after all: the next step). A step with nothing to do is not awaited, so what the
   * steps after it do synchronously (an alarm re-armed: a timer started, the old one cancelled) and the
   * wait's timer come in the same order as in a loop written out (a step awaited costs the microtasks of
   * that one await: keep a synchronous check in a step of its own, after the awaited one; a cloud
   * recording's storage refresh re-armed after a restart, test/histories/cloud-recording-restart-sts.json).
   */
  work?: readonly WorkStep<E>[];
  /** whether the run may continue as new now (default: yes; a recording not while its task is unreachable) */
  mayContinue?(): boolean;
  maxHistoryEvents?: number;
  /** the poll interval, read each round (a suspect recording polls more often) */
  pollEveryMs(): number;
  /** the first poll's delay, read once when the loop starts (default: one interval; 0 = look at once) */
  firstPollInMs?: number;
  /** another instant the poll is due at (a stream key's expiry) */
  pollAlsoAt?(): number;
  /** what else wakes the wait: pending work, an alarm that rang */
  wakeWhen?(): boolean;
  /** instants the wait wakes at besides the poll and the deadline (alarms of runs from before HISTORY_CLOCK) */
  wakeAt?(): number;
  /** a flag set outside the loop (a webhook, a refused change) that makes the next round poll at once */
  wake?: { isSet(): boolean; clear(): void };
  /** after the wait: go round without polling (a transcoder applies a change before a poll due with it) */
  workFirst?(): boolean;
  /** one look at the resource; an ending ends the loop */
  poll(): Promise<E | undefined>;
}

/**
 * The part of a Watch every session gives the same way: its stop (the frame's, ./session.ts), its max
 * duration, its history budget and its poll interval. A lifecycle spreads it and adds its own.
 */
export function sessionWatch(
  frame: { requestStop(reason: string): void },
  deadline: Alarm,
  s: { stopReason?: string; deadline: number },
  input: { maxDurationMs: number; maxHistoryEvents?: number; pollIntervalMs: number },
): Pick<Watch<never>, 'stopReason' | 'deadline' | 'maxHistoryEvents' | 'pollEveryMs'> {
  return {
    stopReason: () => s.stopReason,
    deadline: { alarm: deadline, at: () => s.deadline, maxDurationMs: input.maxDurationMs, requestStop: (reason) => frame.requestStop(reason) },
    maxHistoryEvents: input.maxHistoryEvents,
    pollEveryMs: () => input.pollIntervalMs,
  };
}

/**
 * The watch loop of every lifecycle while its resource is live: one vendor call at a time, handler effects
 * held for its wait (./inbox.ts). Each round, in this order: a stop asked ends it; the max duration asks
 * the stop; the lifecycle's due work; continue-as-new once the history is long (./continue-as-new.ts);
 * then it waits (`waitForPoll`) for a stop, the deadline, `wakeWhen`, a delivery or the next poll's timer,
 * and polls when that timer fired or `wake` was set. The next poll comes an interval after the last one.
 */
export function watch<E>(w: Watch<E>): Promise<E | WatchStop | WatchContinue> {
  return holdingDeliveries(() => watchLoop(w));
}

async function watchLoop<E>(w: Watch<E>): Promise<E | WatchStop | WatchContinue> {
  const { deadline } = w;
  let nextPollAt = Date.now() + (w.firstPollInMs ?? w.pollEveryMs());
  for (;;) {
    const reason = w.stopReason();
    if (reason !== undefined) return { kind: 'stop', reason };
    if (deadline.alarm.due(deadline.at())) {
      deadline.requestStop(`max duration reached (${deadline.maxDurationMs} ms)`);
      continue;
    }
    let again = false;
    for (const step of w.work ?? []) {
      const doing = step();
      if (!doing) continue;
      const done = await doing;
      if (done === undefined) continue;
      if (done !== 'again') return done;
      again = true;
      break;
    }
    if (again) continue;
    if ((w.mayContinue?.() ?? true) && shouldContinueAsNew(w.maxHistoryEvents)) return { kind: 'continue' };
    nextPollAt = Math.min(nextPollAt, Date.now() + w.pollEveryMs());
    const pollAt = Math.min(nextPollAt, w.pollAlsoAt?.() ?? Infinity);
    const wakeAt = Math.min(pollAt, deadline.alarm.wakeAt(deadline.at()), w.wakeAt?.() ?? Infinity);
    const pollDue = await waitForPoll(() => w.stopReason() !== undefined || deadline.alarm.rang || (w.wake?.isSet() ?? false) || (w.wakeWhen?.() ?? false), wakeAt, pollAt);
    if (w.stopReason() !== undefined || w.workFirst?.()) continue;
    if (w.wake?.isSet() || pollDue) {
      w.wake?.clear();
      const end = await w.poll();
      if (end) return end;
      nextPollAt = Date.now() + w.pollEveryMs();
    }
  }
}
