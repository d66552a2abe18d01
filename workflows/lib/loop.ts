/**
 * The control loop's one wait: a session's main loop makes every vendor call itself, one at a time,
 * and between calls sleeps until something is pending (an update, a signal, a webhook) or its next
 * timer is due. It never goes round without waiting at least MIN_LOOP_WAIT_MS: no hot loop, ever.
 */
import { condition } from '@temporalio/workflow';

export const MIN_LOOP_WAIT_MS = 50;

/** Waits until `pending()` or `wakeAt` (epoch ms); true when woken by `pending`. */
export function waitForWork(pending: () => boolean, wakeAt: number): Promise<boolean> {
  return condition(pending, Math.max(MIN_LOOP_WAIT_MS, wakeAt - Date.now()));
}

/**
 * `waitForWork` for a loop that polls: waits the same way, then tells whether the poll is due: its time has
 * come, or the timer set for it (`wakeAt` was the poll's time) fired. The second half is what the history
 * says: a worker that took a session over after the previous one died (a workflow task that timed out) has
 * been seen to run its first task with a clock behind the one every later replay sees
 * (docs/evidence/nde-poll-timer-after-task-timeout.history.json), and a poll decided on the clock alone then
 * differs from the replay: nondeterminism, a stuck session. Recorded histories replay unchanged: a poll timer
 * never fires before its time.
 */
export async function waitForPoll(pending: () => boolean, wakeAt: number, pollAt: number): Promise<boolean> {
  const woken = await waitForWork(pending, wakeAt);
  return Date.now() >= pollAt || (!woken && wakeAt >= pollAt);
}
