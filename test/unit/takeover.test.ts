/**
 * The takeover guard (workflows/lib/takeover.ts) and its client half (src/temporal/query-retry.ts). End to
 * end, bench/chaos/stale-clock/main.ts measures what it prevents (code run inside a takeover's query with
 * a clock behind the replay's); here, the rule itself on the activations a worker hands a workflow.
 */
import type { WorkflowQueryInput } from '@temporalio/client';
import { interceptors, TAKEOVER_QUERY_REFUSED } from '../../workflows/lib/takeover';
import { queryRetryInterceptor } from '../../src/temporal/query-retry';

type Activate = (input: { activation: unknown; batchIndex: number }, next: (input: unknown) => void) => void;

function guard(): Activate {
  const internals = interceptors().internals!;
  return internals[0]!.activate!.bind(internals[0]) as unknown as Activate;
}

const at = (seconds: number, nanos = 0) => ({ seconds, nanos });
const timerFired = [{ fireTimer: { seq: 1 } }];
const query = [{ queryWorkflow: { queryId: 'legacy_query', queryType: 'status' } }];

function run(activate: Activate, activation: Record<string, unknown>): 'ran' | 'refused' {
  let ran = false;
  try {
    activate({ activation, batchIndex: 0 }, () => {
      ran = true;
    });
  } catch (err) {
    expect((err as Error).message).toBe(TAKEOVER_QUERY_REFUSED);
    return 'refused';
  }
  expect(ran).toBe(true);
  return 'ran';
}

test('code for events after the last task, run at that task’s time right after the replay, is refused', () => {
  const activate = guard();
  expect(run(activate, { isReplaying: true, timestamp: at(100), jobs: [{ initializeWorkflow: {} }] })).toBe('ran');
  expect(run(activate, { isReplaying: true, timestamp: at(105), jobs: timerFired })).toBe('ran');
  // the query task's extra events: not replaying, and no task has started since the last replayed one
  expect(run(activate, { isReplaying: false, timestamp: at(105), jobs: timerFired })).toBe('refused');
});

test('a real task after a replay, later tasks, queries and a workflow’s first task all run', () => {
  const activate = guard();
  expect(run(activate, { isReplaying: false, timestamp: at(100), jobs: [{ initializeWorkflow: {} }] })).toBe('ran');
  expect(run(activate, { isReplaying: false, timestamp: at(100), jobs: [{ resolveActivity: { seq: 1 } }] })).toBe('ran');

  const taken = guard();
  expect(run(taken, { isReplaying: true, timestamp: at(100), jobs: [{ initializeWorkflow: {} }] })).toBe('ran');
  // a query on the replayed state: answered
  expect(run(taken, { isReplaying: false, timestamp: at(100), jobs: query })).toBe('ran');
  // the worker's first real task starts later than the one it replayed last
  expect(run(taken, { isReplaying: false, timestamp: at(100, 5_000_000), jobs: timerFired })).toBe('ran');
  expect(run(taken, { isReplaying: false, timestamp: at(100, 5_000_000), jobs: [{ resolveActivity: { seq: 2 } }] })).toBe('ran');
});

test('clients ask a refused query again, and pass any other failure through at once', async () => {
  const retry = queryRetryInterceptor();
  const input = {} as WorkflowQueryInput;
  let calls = 0;
  const refusedTwice = async () => {
    calls++;
    if (calls <= 2) throw new Error('Query failed', { cause: new Error(`Workflow activation completion failed: ${TAKEOVER_QUERY_REFUSED}`) });
    return 'recording';
  };
  await expect(retry.query!(input, refusedTwice)).resolves.toBe('recording');
  expect(calls).toBe(3);

  let other = 0;
  const broken = async () => {
    other++;
    throw new Error('query handler threw');
  };
  await expect(retry.query!(input, broken)).rejects.toThrow('query handler threw');
  expect(other).toBe(1);
});
