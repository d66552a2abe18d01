/**
 * Confirm-until-running: a vendor that accepted a create has not necessarily started anything. The
 * resource must report running (a probe) or say so itself (`settled`, e.g. a webhook) within
 * `timeoutMs`; false means it did not, and the lifecycle stops and replaces it.
 */
import { condition } from '@temporalio/workflow';
import { Alarm } from './loop';

export type ProbeVerdict = 'running' | 'exited' | 'pending';

export interface ConfirmOptions {
  /** one read of the resource's state */
  probe: () => Promise<ProbeVerdict>;
  /** a failed probe that only means "not yet" (a 404 right after start, a transient error) */
  tolerate: (err: unknown) => boolean;
  /** true once confirmed another way (or there is no point waiting, e.g. a stop was requested) */
  settled: () => boolean;
  timeoutMs: number;
  pollMs: number;
}

export async function confirmRunning(o: ConfirmOptions): Promise<boolean> {
  const until = Date.now() + o.timeoutMs;
  const timeUp = new Alarm();
  try {
    for (;;) {
      if (o.settled()) return true;
      try {
        const verdict = await o.probe();
        if (verdict === 'running') return true;
        if (verdict === 'exited') return false;
      } catch (err) {
        if (!o.tolerate(err)) throw err;
      }
      if (timeUp.due(until)) return false;
      const left = until - Date.now();
      await condition(() => o.settled() || timeUp.rang, left > 0 ? Math.min(o.pollMs, left) : o.pollMs);
    }
  } finally {
    // its timer must not wake a loop later (./inbox.ts counts an alarm's firing as a delivery)
    timeUp.clear();
  }
}
