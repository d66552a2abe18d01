/**
 * The control loop's one wait: a session's main loop makes every vendor call itself, one at a time,
 * and between calls sleeps until something is pending (an update, a signal, a webhook) or its next
 * timer is due. It never goes round without waiting at least MIN_LOOP_WAIT_MS: no hot loop, ever.
 */
import { CancellationScope, condition, patched, sleep } from '@temporalio/workflow';
import { deliverAll, deliverSignal, hasDeliveries } from './inbox';
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
