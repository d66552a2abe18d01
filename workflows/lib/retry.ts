/**
 * The one retry-policy table. Every workflow proxies its activities through these kinds:
 *   call     idempotent calls (acquire, query, update): retried with backoff
 *   create   calls that start something billable: a few quick retries; ambiguous outcomes come back
 *            non-retryable (activities/errors.ts) so the workflow reconciles before repeating
 *   cleanup  stop/delete: keeps trying for up to an hour, because a resource nobody stops keeps billing
 * A cancelled workflow waits for its running call to finish, so a stop sent on cancellation never
 * overlaps a query still in flight on the same session.
 */
import { ActivityCancellationType, proxyActivities, type ActivityOptions, type UntypedActivities } from '@temporalio/workflow';
import { describe, vendorInfo } from './failures';
import { noteVendorError } from './phase';

const NON_RETRYABLE = ['InvalidInput', 'ConfigurationError'];

export const ACTIVITY_KINDS = {
  call: {
    startToCloseTimeout: '30s',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 6, nonRetryableErrorTypes: NON_RETRYABLE },
  },
  create: {
    startToCloseTimeout: '30s',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '3s', backoffCoefficient: 2, maximumInterval: '12s', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
  },
  cleanup: {
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: '1h',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '60s', nonRetryableErrorTypes: NON_RETRYABLE },
  },
} satisfies Record<string, ActivityOptions>;

export type ActivityKind = keyof typeof ACTIVITY_KINDS;

/**
 * proxyActivities for one kind of call, optionally with per-workflow overrides (tests shorten intervals).
 * Each call carries a summary for the Temporal UI (which vendor call, which kind), and a failure that
 * reaches the workflow is noted in the session's current details (./phase.ts). User metadata only: the
 * commands are the same, so recorded histories replay.
 */
export function activitiesOf<A extends object>(kind: ActivityKind, overrides: ActivityOptions = {}): A {
  const base = ACTIVITY_KINDS[kind];
  const proxy = proxyActivities<UntypedActivities>({ ...base, ...overrides, retry: { ...base.retry, ...overrides.retry } } as ActivityOptions);
  return new Proxy({} as A, {
    get(_, name) {
      if (typeof name !== 'string') return undefined;
      const fn = proxy[name]!;
      return (...args: unknown[]) => {
        const call = fn.executeWithOptions({ summary: `${name} (${kind})` }, args);
        // a side branch: the caller awaits `call` itself, unchanged
        call.then(undefined, (err: unknown) => {
          if (vendorInfo(err)) noteVendorError(describe(err));
        });
        return call;
      };
    },
  });
}
