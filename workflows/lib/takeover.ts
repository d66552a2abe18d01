/**
 * A workflow interceptor that keeps a worker from running a session's code inside a query when it takes the
 * session over (bundled with every workflow: src/temporal/workflow-bundle.ts).
 *
 * A worker that does not have the session cached and is asked a query first replays the history, then runs
 * the session's code for the events that came after the last completed task (a read's answer, a timer, a
 * signal), in an activation of its own: with the clock of the last completed task, and apart from any
 * update that comes with the next task. A replay runs that code in the next task, with that task's time
 * and its update first. So what the worker sends with the next task can differ from what every replay
 * expects: nondeterminism, a session stuck, a recording nobody can stop (sdk-core 1.24;
 * docs/benchmarks.md "A session stuck after its worker died"; bench/chaos/stale-clock/ measures it).
 *
 * Such an activation is told by its shape: not replaying, right after a replaying one, with the same
 * time (no task has started since; a real task always starts later than the one before it). It is
 * refused: the activation fails, the worker drops the session from its cache and the query fails with
 * TAKEOVER_QUERY_REFUSED (rtcflow's clients ask again: src/temporal/query-retry.ts); the next task then
 * runs the session from its whole history, exactly as a replay does. Commands are unchanged, so no patch.
 */
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

/** The failure a refused query carries. */
export const TAKEOVER_QUERY_REFUSED = 'rtcflow: a worker is taking this session over; ask again';

export const interceptors: WorkflowInterceptorsFactory = () => {
  // per workflow: the previous activation with jobs other than queries
  let previous: { replaying: boolean; at: string } | undefined;
  return {
    internals: [
      {
        activate(input, next) {
          const { activation } = input;
          const jobs = activation.jobs ?? [];
          if (jobs.length && !jobs.every((job) => job.queryWorkflow)) {
            const at = `${String(activation.timestamp?.seconds ?? '')}.${activation.timestamp?.nanos ?? 0}`;
            const replaying = Boolean(activation.isReplaying);
            const stale = !replaying && previous?.replaying === true && previous.at === at;
            previous = { replaying, at };
            if (stale) throw new Error(TAKEOVER_QUERY_REFUSED);
          }
          return next(input);
        },
      },
    ],
  };
};
