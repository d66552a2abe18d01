/**
 * The one continue-as-new helper. A long-lived workflow checks `shouldContinueAsNew()` in its main loop
 * (never in handlers) and, when it says so, hands its whole state to `continueAsNewWhenReady`, which
 * lets running update/signal handlers finish first. Signals that arrive while the last task completes
 * are not lost: the server refuses that completion and the task runs again with the signal.
 */
import { allHandlersFinished, condition, continueAsNew, workflowInfo, type Workflow } from '@temporalio/workflow';
import { changesWaiting } from './desired';
import { hasDeliveries } from './inbox';

/**
 * True when the server suggests it, or when a test's history budget is used up; never while a change or a
 * stop waits for the loop (./inbox.ts), nor while an accepted change Update waits for its change to be
 * applied (./desired.ts; a lifecycle whose changes are paused until its next poll): the loop takes them
 * first, or an update would wait on a run that ended, and this run would wait for it forever.
 */
export function shouldContinueAsNew(maxHistoryEvents?: number): boolean {
  if (hasDeliveries() || changesWaiting()) return false;
  const info = workflowInfo();
  return info.continueAsNewSuggested || (maxHistoryEvents !== undefined && info.historyLength >= maxHistoryEvents);
}

export async function continueAsNewWhenReady<F extends Workflow>(...args: Parameters<F>): Promise<never> {
  await condition(allHandlersFinished);
  return continueAsNew<F>(...args);
}

/**
 * A session's continue-as-new: counts the run in the carried state and hands the state to the next run
 * as its second argument, never inside the caller's input.
 */
export function continueSession<I, S extends { continuedAsNew: number }>(input: I, state: S): Promise<never> {
  state.continuedAsNew++;
  return continueAsNewWhenReady<(input: I, carried: S) => Promise<unknown>>(input, state);
}
