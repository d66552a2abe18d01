/** Waiting on a session's phase and reading how it failed: the same for every lifecycle. */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import { eventually } from './wait';

/** Queries `status` until the session reports `phase`; returns that status. */
export function untilPhase<S extends { phase: string }>(handle: WorkflowHandle, status: QueryDefinition<S>, phase: S['phase'], timeoutMs = 30_000): Promise<S> {
  return eventually(
    async () => {
      const s = await handle.query(status);
      return s.phase === phase ? s : undefined;
    },
    `phase ${phase}`,
    timeoutMs,
  );
}

/** The workflow's failure (the test fails if the workflow completes instead). */
export async function failureOf(handle: WorkflowHandle): Promise<WorkflowFailedError> {
  const err = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  return err as WorkflowFailedError;
}
