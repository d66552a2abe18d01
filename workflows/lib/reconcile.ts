/**
 * Create-with-reconcile: a create whose outcome is ambiguous (no answer, 504, Agora code 65) may have
 * happened. It is never simply repeated into a second billable resource: either `reconcile` reads what
 * exists (a list, a query by name) and adopts it, or the create is repeated with the same idempotency
 * anchor (a resourceId, a builderToken, an agent name), which the vendor answers "already running".
 */
import { log, sleep } from '@temporalio/workflow';
import { describe, isAmbiguous } from './failures';

export interface ReconcileOptions<T> {
  /** reads whether the ambiguous create happened; undefined = it did not (create again) */
  reconcile?: () => Promise<T | undefined>;
  /** how many ambiguous outcomes to reconcile before giving up (the last one is raised) */
  attempts?: number;
  /** wait before asking again after the n-th ambiguous outcome (0-based) */
  backoffMs?: (n: number) => number;
  what: string;
}

export async function createWithReconcile<T>(create: () => Promise<T>, opts: ReconcileOptions<T>): Promise<T> {
  const attempts = opts.attempts ?? 3;
  const backoff = opts.backoffMs ?? ((n: number) => 1_000 * (n + 1));
  for (let n = 0; ; n++) {
    try {
      return await create();
    } catch (err) {
      if (!isAmbiguous(err) || n >= attempts) throw err;
      log.warn(`${opts.what}: outcome unknown; reconciling before any new create`, { error: describe(err) });
      await sleep(backoff(n));
      const found = opts.reconcile ? await opts.reconcile() : undefined;
      if (found !== undefined) return found;
    }
  }
}
