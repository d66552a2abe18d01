/** What every session kind shares in the typed client: the started-session answer and stop-with-result. */
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { StopRequest } from '../../workflows/lib/session';

export interface StartedSession {
  /** the workflow ID: the session's id everywhere (CLI, HTTP API, Temporal UI) */
  id: string;
  runId: string;
}

/**
 * Sends the session's stop Update and returns its result. A session that already ended (the Update
 * finds no running workflow) returns its result too; an id that names no workflow throws
 * WorkflowNotFoundError.
 */
export async function stopWithResult<R>(handle: WorkflowHandle, stop: UpdateDefinition<R, [StopRequest]>, reason?: string): Promise<R> {
  try {
    return await handle.executeUpdate(stop, { args: [{ reason }] });
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    const { status } = await handle.describe();
    if (status.name === 'RUNNING') throw err;
    return handle.result();
  }
}
