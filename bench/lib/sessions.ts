/**
 * Driving many sessions from the bench's driver process: starts through the typed client (as an application
 * would), "recording" counted through visibility (RtcPhase, no worker involved), stops through the `stop`
 * update, timings read back from histories, leaks from the emulator's ledger.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { RtcflowClient } from '../../src/client';
import { TEST_INPUT_POLICY } from '../../src/schemas/policy';
import type { EmulatorProcess, EmulatorTask } from './cluster';
import { milestone, phaseUpsertIndex, completedIndex, type HistoryEvent, type Milestone } from './history';
import { mapLimit, waitUntil } from './util';

export interface StartedBatch {
  ids: string[];
  /** epoch ms before the first start call and after the last one returned */
  firstCallAt: number;
  lastReturnAt: number;
}

/** Starts one recording per channel (extra input merged in) with `concurrency` start calls in flight. */
export async function startRecordings(client: Client, taskQueue: string, channels: string[], input: Record<string, unknown>, concurrency: number): Promise<StartedBatch> {
  const rtc = new RtcflowClient(client, taskQueue, { inputPolicy: TEST_INPUT_POLICY });
  const firstCallAt = Date.now();
  const ids = await mapLimit(channels, concurrency, async (channel) => (await rtc.startRecording({ channel, ...input })).id);
  return { ids, firstCallAt, lastReturnAt: Date.now() };
}

/** Starts `n` no-op floor workflows (bench/noop) running `activities` activities each. */
export async function startNoops(client: Client, taskQueue: string, prefix: string, n: number, activities: number, concurrency: number): Promise<StartedBatch> {
  const firstCallAt = Date.now();
  const ids = await mapLimit(
    Array.from({ length: n }, (_, i) => `${prefix}-${i}`),
    concurrency,
    async (workflowId) => (await client.workflow.start('noopSession', { taskQueue, workflowId, args: [activities] })).workflowId,
  );
  return { ids, firstCallAt, lastReturnAt: Date.now() };
}

/** How many workflows of the task queue visibility shows in RtcPhase `phase`. */
export async function countInPhase(client: Client, taskQueue: string, phase: string): Promise<number> {
  return (await client.workflow.count(`TaskQueue = "${taskQueue}" AND RtcPhase = "${phase}"`)).count;
}

export async function countClosed(client: Client, taskQueue: string): Promise<number> {
  return (await client.workflow.count(`TaskQueue = "${taskQueue}" AND ExecutionStatus != "Running"`)).count;
}

/** Waits until visibility shows `n` workflows of the task queue recording; resolves to Date.now() then. */
export async function waitRecording(client: Client, taskQueue: string, n: number, timeoutMs: number, everyMs = 250): Promise<number> {
  await waitUntil(`${n} sessions recording on ${taskQueue}`, async () => (await countInPhase(client, taskQueue, 'recording')) >= n, timeoutMs, everyMs);
  return Date.now();
}

export async function waitClosed(client: Client, taskQueue: string, n: number, timeoutMs: number, everyMs = 250): Promise<number> {
  await waitUntil(`${n} workflows closed on ${taskQueue}`, async () => (await countClosed(client, taskQueue)) >= n, timeoutMs, everyMs);
  return Date.now();
}

export async function history(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  return (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

/** Each session's path to "recording" (undefined for one that never got there), from `concurrency` history reads in flight. */
export async function recordingMilestones(client: Client, ids: string[], concurrency = 16): Promise<(Milestone | undefined)[]> {
  return mapLimit(ids, concurrency, async (id) => {
    const events = await history(client, id);
    return milestone(events, phaseUpsertIndex(events, 'recording'));
  });
}

/** Each no-op workflow's path to completion. */
export async function completionMilestones(client: Client, ids: string[], concurrency = 16): Promise<(Milestone | undefined)[]> {
  return mapLimit(ids, concurrency, async (id) => {
    const events = await history(client, id);
    return milestone(events, completedIndex(events));
  });
}

export interface StopSummary {
  stopped: number;
  failed: number;
  errors: string[];
  ms: number;
}

/** Stops every session with the `stop` update (`concurrency` in flight) and waits for each result. */
export async function stopAll(client: Client, ids: string[], concurrency: number): Promise<StopSummary> {
  const t0 = Date.now();
  const errors: string[] = [];
  let stopped = 0;
  await mapLimit(ids, concurrency, async (id) => {
    const h: WorkflowHandle = client.workflow.getHandle(id);
    try {
      await h.executeUpdate('stop', { args: [{ reason: 'bench' }] });
      stopped++;
    } catch (err) {
      if (errors.length < 5) errors.push(`${id}: ${(err as Error).message}`);
    }
  });
  return { stopped, failed: ids.length - stopped, errors, ms: Date.now() - t0 };
}

/** Vendor resources of channels starting with `cnamePrefix` still running or billing in the emulator. */
export async function leaked(emulator: EmulatorProcess, cnamePrefix: string): Promise<EmulatorTask[]> {
  return (await emulator.liveTasks()).filter((t) => t.cname?.startsWith(cnamePrefix));
}
