/**
 * The control loop's one wait: a session's main loop makes every vendor call itself, one at a time,
 * and between calls sleeps until something is pending (an update, a signal, a webhook) or its next
 * timer is due. It never goes round without waiting at least MIN_LOOP_WAIT_MS: no hot loop, ever.
 */
import { condition } from '@temporalio/workflow';
import { kernelPatches } from './patches';

export const MIN_LOOP_WAIT_MS = 50;

/** Waits until `pending()` or `wakeAt` (epoch ms); true when woken by `pending`. */
export function waitForWork(pending: () => boolean, wakeAt: number): Promise<boolean> {
  return condition(pending, Math.max(MIN_LOOP_WAIT_MS, wakeAt - Date.now()));
}

/** How long a vendor read's "gone" waits for the webhook that says why (`awaitNotice`). */
export const NOTICE_WAIT_MS = 5_000;

/**
 * A read that finds a resource gone races the webhook that says why it went (NCS "destroyed" with its
 * reason). Since reads are local activities (./patches.ts LOCAL_READS) a webhook that arrived while the
 * read ran is handled after the read's answer, no longer in the same workflow task before it: the session
 * gives such a notice up to `ms` to arrive before it settles on a reason. Runs from before the patch do
 * not wait (their histories have no such timer). True when the notice is there.
 */
export async function awaitNotice(arrived: () => boolean, ms = NOTICE_WAIT_MS): Promise<boolean> {
  if (arrived() || !kernelPatches().localReads) return arrived();
  return condition(arrived, ms);
}
