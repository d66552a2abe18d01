/**
 * The never-leak stop. `stopUntilGone` stops a vendor resource through a failover: a "not found"
 * while the grace window is open means "moved, ask again", after it "already gone". Any other failure
 * is raised for the lifecycle to account for (never dropped). The cancellation path is
 * `withCleanupOnCancel` (cancel.ts), the failure path `runSession` (session.ts).
 */
import { isCancellation, log, sleep } from '@temporalio/workflow';
import { describe } from './failures';
import type { GoneGrace } from './grace';
import { MIN_LOOP_WAIT_MS } from './loop';

/** While a resource answers "not found", ask at least this often to notice its recovery. */
export const SUSPECT_POLL_MS = 5_000;

export async function stopUntilGone<T>(stop: () => Promise<T>, o: { isNotFound: (err: unknown) => boolean; grace: GoneGrace; gone: () => T }): Promise<T> {
  for (;;) {
    try {
      return await stop();
    } catch (err) {
      if (!o.isNotFound(err)) throw err;
      o.grace.notFound();
      if (o.grace.over) return o.gone();
      const left = o.grace.remainingMs();
      await sleep(left > 0 ? Math.min(SUSPECT_POLL_MS, left) : MIN_LOOP_WAIT_MS);
    }
  }
}

/**
 * Stops a resource the session is giving up on (a replaced or rolled-over one, or on failure): a failed
 * stop is handed to `unstopped` to be reported, never dropped and never raised; a cancellation is raised.
 */
export async function stopQuietly(stop: () => Promise<unknown>, why: string, unstopped: (err: unknown) => void): Promise<void> {
  try {
    await stop();
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('could not stop a vendor resource', { why, error: describe(err) });
    unstopped(err);
  }
}
