/**
 * How webhook receivers reach the sessions an event belongs to.
 *
 * Routing: a visibility query over the search attributes the owning session registered (RtcSid =
 * its vendor resource ID, RtcChannel), with every value passed through `visibilityLiteral`: values that
 * could not be a vendor ID or channel name are not routed, and what passes is escaped.
 *
 * Once only: a signal the Temporal server applies at most once per workflow run: its request ID is derived from the
 * delivery's own ID (an NCS noticeId, a SparkRTC callback's id), and the server records the request IDs
 * of the signals a run has taken and drops a repeat without writing an event. So a webhook delivered again
 * — a vendor resend, a replayed capture, the same event after a receiver restart — changes nothing: the
 * dedupe lives in the owning workflow's state, not in the receiver's memory.
 *
 * The typed client's `handle.signal()` always sends a fresh random request ID, hence the direct call.
 */
import { createHash } from 'node:crypto';
import { isGrpcServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { encodeToPayloads } from '@temporalio/common/lib/internal-non-workflow';

/** A UUID-shaped request ID derived from `key` (stable: the same delivery always maps to the same ID). */
export function requestIdOf(key: string): string {
  const h = createHash('sha256').update(key, 'utf8').digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export async function signalOnce<Args extends unknown[]>(client: Client, workflowId: string, signal: SignalDefinition<Args>, args: Args, dedupeKey: string): Promise<void> {
  await client.workflowService.signalWorkflowExecution({
    namespace: client.options.namespace,
    workflowExecution: { workflowId },
    signalName: signal.name,
    input: { payloads: await encodeToPayloads(client.options.loadedDataConverter, ...args) },
    identity: client.options.identity,
    requestId: requestIdOf(`${signal.name}:${dedupeKey}`),
  });
}

/**
 * A value as a visibility-query string literal, or undefined when it could not be a vendor ID, an Agora
 * channel or a SparkRTC room (printable ASCII without quotes, backticks or backslashes, at most 128
 * characters): such an event is not routed at all. What passes is still escaped, so no value can change
 * the query's shape.
 */
export function visibilityLiteral(value: string | undefined): string | undefined {
  if (!value || value.length > 128 || !/^[\x20-\x7e]+$/.test(value) || /["'`\\]/.test(value)) return undefined;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Signals, once (see above), every running workflow that `query` lists; returns how many it reached.
 * Signalled by workflow ID: the run listed may have continued as new since. A session that ended between
 * the listing and the signal has nothing to be told.
 */
export async function signalMatching<Args extends unknown[]>(client: Client, query: string, signal: SignalDefinition<Args>, args: Args, dedupeKey: string): Promise<number> {
  let routed = 0;
  for await (const wf of client.workflow.list({ query, pageSize: 100 })) {
    try {
      await signalOnce(client, wf.workflowId, signal, args, dedupeKey);
      routed++;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError) && !(isGrpcServiceError(err) && err.code === 5)) throw err;
    }
  }
  return routed;
}
