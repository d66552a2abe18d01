/**
 * The one way to stop on cancel: run `body`; if the workflow is cancelled, run `cleanup` in a
 * non-cancellable scope (the root scope is already cancelled, so anything else would be cancelled
 * before it started) and re-throw the cancellation.
 */
import { CancellationScope, isCancellation } from '@temporalio/workflow';

export async function withCleanupOnCancel<T>(body: () => Promise<T>, cleanup: () => Promise<unknown>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (isCancellation(err)) await CancellationScope.nonCancellable(cleanup);
    throw err;
  }
}
