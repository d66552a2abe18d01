/** Reading a workflow's whole history as text, to prove what it does not contain. */
import type { WorkflowHandle } from '@temporalio/client';

/** All strings and payload bytes (decoded as UTF-8) of the history of every run of the workflow. */
export async function historyText(handle: WorkflowHandle): Promise<string> {
  const parts: string[] = [];
  const walk = (v: unknown): void => {
    parts.push(textOf(v));
  };
  // the handle follows the chain of continue-as-new runs from the first one
  let runId: string | undefined = (handle as { firstExecutionRunId?: string }).firstExecutionRunId;
  const client = handle.client;
  for (let i = 0; i < 100; i++) {
    const h = client.getHandle(handle.workflowId, runId);
    const history = await h.fetchHistory();
    walk(history);
    const last = history.events?.[history.events.length - 1];
    const next = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (!next) break;
    runId = next;
  }
  return parts.join('\n');
}

/** How many times the workflow's current run took the signal `name`. */
export async function signalsTaken(handle: WorkflowHandle, name: string): Promise<number> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === name).length;
}

/** Every string and byte payload (as UTF-8) inside `value`, one per line. */
export function textOf(value: unknown): string {
  const parts: string[] = [];
  const walk = (v: unknown): void => {
    if (v === null || v === undefined) return;
    if (v instanceof Uint8Array) parts.push(Buffer.from(v).toString('utf8'));
    else if (typeof v === 'string') parts.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object') Object.values(v as Record<string, unknown>).forEach(walk);
  };
  walk(value);
  return parts.join('\n');
}
