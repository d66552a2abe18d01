/**
 * The bench's no-op floor (never registered in workflows/index.ts): a workflow that runs `activities` no-op
 * activities one after another and completes, on its own task queue and worker process. `overhead` and `burst`
 * run it beside rtcflow with as many activities as a recording runs before "recording".
 */
import { proxyActivities } from '@temporalio/workflow';
import type { NoopActivities } from './activities';

const { noop } = proxyActivities<NoopActivities>({ startToCloseTimeout: '30s', retry: { initialInterval: '1s', maximumAttempts: 3 } });

export async function noopSession(activities: number): Promise<number> {
  for (let i = 0; i < activities; i++) await noop(i);
  return activities;
}
