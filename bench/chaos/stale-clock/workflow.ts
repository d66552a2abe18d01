/**
 * The stale-clock probe's workflow (./main.ts): sleeps, then hands its `Date.now()` to an activity, whose
 * recorded input the probe compares with the start time of the workflow task that scheduled it.
 */
import { defineQuery, proxyActivities, setHandler, sleep } from '@temporalio/workflow';

const { note } = proxyActivities<{ note(seenAt: number): Promise<void> }>({
  startToCloseTimeout: '2s',
  retry: { initialInterval: '200ms', backoffCoefficient: 1 },
});

export const roundQuery = defineQuery<number>('round');

export async function staleClockProbe(rounds: number, sleepMs: number): Promise<void> {
  let round = 0;
  setHandler(roundQuery, () => round);
  for (; round < rounds; round++) {
    await sleep(sleepMs);
    await note(Date.now());
  }
}
