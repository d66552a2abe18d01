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
