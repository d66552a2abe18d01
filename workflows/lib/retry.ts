/**
 * The one retry-policy table. Every workflow proxies its activities through these kinds:
 *   call     idempotent calls (acquire, query, update): retried with backoff
 *   create   calls that start something billable: a few quick retries; ambiguous outcomes come back
 *            non-retryable (activities/errors.ts) so the workflow reconciles before repeating
 *   cleanup  stop/delete: keeps trying for up to an hour, because a resource nobody stops keeps billing
 *   read     the steady-state poll (a quick, idempotent vendor read): a LOCAL activity, so a poll round is one
 *            workflow task (timer fired → read → next timer) and one marker instead of two tasks and an
 *            activity's three events; retried like `call`, locally at first, then by timer
 * A cancelled workflow waits for its running call to finish, so a stop sent on cancellation never
 * overlaps a query still in flight on the same session.
 */
import {
  ActivityCancellationType,
  patched,
  proxyActivities,
  proxyLocalActivities,
  type ActivityOptions,
  type LocalActivityOptions,
  type UntypedActivities,
} from '@temporalio/workflow';
import { describe, vendorInfo } from './failures';
import { LEAN_KERNEL } from './patches';
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

export const LOCAL_ACTIVITY_KINDS = {
  read: {
    startToCloseTimeout: '30s',
    // attempts within this window retry inside the workflow task; later ones wait on a timer
    localRetryThreshold: '10s',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: ACTIVITY_KINDS.call.retry,
  },
} satisfies Record<string, LocalActivityOptions>;

/**
 * proxyActivities for one kind of call, optionally with per-workflow overrides (tests shorten intervals).
 * Each call carries a summary for the Temporal UI (which vendor call, which kind), and a failure that
 * reaches the workflow is noted in the session's current details (./phase.ts). User metadata only: the
 * commands are the same, so recorded histories replay.
 */
export function activitiesOf<A extends object>(kind: ActivityKind | 'read', overrides: ActivityOptions = {}): A {
  if (kind === 'read') return readsOf<A>(overrides);
  const base = ACTIVITY_KINDS[kind];
  const proxy = proxyActivities<UntypedActivities>({ ...base, ...overrides, retry: { ...base.retry, ...overrides.retry } } as ActivityOptions);
  return noted<A>((name, args) => proxy[name]!.executeWithOptions({ summary: `${name} (${kind})` }, args));
}

/**
 * The `read` kind: local activities once patched (./patches.ts), the `call` kind in runs from before: a run
 * that started earlier reads by local activity from its first read after this version took it over.
 */
function readsOf<A extends object>(overrides: ActivityOptions): A {
  const base = LOCAL_ACTIVITY_KINDS.read;
  const local = proxyLocalActivities<UntypedActivities>({ ...base, ...overrides, retry: { ...base.retry, ...overrides.retry } } as LocalActivityOptions);
  const call = ACTIVITY_KINDS.call;
  const remote = proxyActivities<UntypedActivities>({ ...call, ...overrides, retry: { ...call.retry, ...overrides.retry } } as ActivityOptions);
  return noted<A>((name, args) =>
    patched(LEAN_KERNEL) ? local[name]!.executeWithOptions({ summary: `${name} (read)` }, args) : remote[name]!.executeWithOptions({ summary: `${name} (call)` }, args),
  );
}

/** Calls through `run`; a failure that reaches the workflow is noted in the session's current details. */
function noted<A extends object>(run: (name: string, args: unknown[]) => Promise<unknown>): A {
  return new Proxy({} as A, {
    get(_, name) {
      if (typeof name !== 'string') return undefined;
      return (...args: unknown[]) => {
        const call = run(name, args);
        // a side branch: the caller awaits `call` itself, unchanged
        call.then(undefined, (err: unknown) => {
          if (vendorInfo(err)) noteVendorError(describe(err));
        });
        return call;
      };
    },
  });
}
