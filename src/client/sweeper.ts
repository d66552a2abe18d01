/**
 * The sweeper's Schedule and one-off passes. `npm start` and the compose init service (src/temporal/setup.ts)
 * register the Schedule; each pass's result (what it stopped and reported) is its workflow's result.
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { SweeperInput, type SweepResult } from '../schemas/workflows/sweeper';
import { InvalidInputError } from '../errors';
import type { sweeper } from '../../workflows/sweeper/workflow';

export const SWEEPER_SCHEDULE_ID = 'rtcflow-sweeper';
export const SWEEPER_WORKFLOW_ID = 'rtcflow-sweeper';

export interface SweeperScheduleOptions {
  taskQueue: string;
  /** how often a pass runs (default 15 minutes) */
  every?: string;
  input?: SweeperInput;
}

function checked(input: SweeperInput | undefined): SweeperInput {
  const r = SweeperInput.safeParse(input ?? {});
  if (!r.success)
    throw new InvalidInputError(
      'invalid sweeper input',
      r.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`),
    );
  return input ?? {};
}

/** Creates the Schedule unless it exists (an existing one, perhaps changed by an operator, is left as it is). */
export async function ensureSweeperSchedule(client: Client, opts: SweeperScheduleOptions): Promise<'created' | 'exists'> {
  const input = checked(opts.input);
  try {
    await client.schedule.create({
      scheduleId: SWEEPER_SCHEDULE_ID,
      spec: { intervals: [{ every: (opts.every ?? '15m') as `${number}m` }] },
      action: { type: 'startWorkflow', workflowType: 'sweeper', args: [input], taskQueue: opts.taskQueue, workflowId: SWEEPER_WORKFLOW_ID },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' },
      memo: { what: 'rtcflow sweeper: vendor resources no session holds, sessions past their deadline' },
    });
    return 'created';
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return 'exists';
    throw err;
  }
}

/** One pass now, outside the Schedule; resolves with what it did. */
export async function runSweep(client: Client, taskQueue: string, input?: SweeperInput, workflowId = `rtcflow-sweeper/manual/${Date.now()}`): Promise<SweepResult> {
  return client.workflow.execute<typeof sweeper>('sweeper', { taskQueue, workflowId, args: [checked(input)] });
}
