/**
 * The one retry-policy table. Every workflow proxies its activities through these kinds:
 *   call     idempotent calls (acquire, query, update): retried with backoff
 *   create   calls that start something billable: a few quick retries; ambiguous outcomes come back
 *            non-retryable (activities/errors.ts) so the workflow reconciles before repeating. Since the
 *            lean kernel (./patches.ts) the server never retries a create: an attempt that timed out (its
 *            worker died mid-request) may have created something, and the server's retry made a second
 *            (found by npm run chaos: kicking rules, stream keys). A create runs once per activity; the
 *            workflow repeats it only after an answer that says the vendor did not act (retryable and
 *            not ambiguous), and hands a timeout to the caller as ambiguous, which reconciles.
 *   cleanup  stop/delete: keeps trying for up to an hour, because a resource nobody stops keeps billing
 *   read     the quick vendor reads (the steady-state poll, confirmation probes): since LOCAL_READS
 *            (./patches.ts) a LOCAL activity, so a poll round is one workflow task (timer fired → read →
 *            next timer) and 6 events instead of 11. Few, short retries: a read that keeps failing is
 *            reported to the loop, which polls again next round, and a stop is never kept waiting behind
 *            a long retry. Runs from before the patch read with the `call` policy as regular activities.
 *            Tried twice before and withdrawn: a patch first checked after a local activity (now every
 *            older patch is implied by LOCAL_READS, none is checked later), and, found by `npm run chaos`,
 *            a read's marker recorded after the timer that follows it when a worker that took a session
 *            over answered a query in the code's place (sdk-core 1.24): the takeover guard
 *            (./takeover.ts) now refuses that activation.
 * A cancelled workflow waits for its running call to finish, so a stop sent on cancellation never
 * overlaps a query still in flight on the same session.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  type ActivityOptions,
  type LocalActivityOptions,
  type UntypedActivities,
} from '@temporalio/workflow';
import { RetryState, TemporalFailure, TimeoutFailure, type RetryPolicy } from '@temporalio/common';
import { msOptionalToNumber } from '@temporalio/common/lib/time';
import { describe, vendorInfo } from './failures';
import { LEAN_KERNEL } from './patches';
import { noteVendorError } from './phase';
import { localReads } from './search-attributes';

const NON_RETRYABLE: readonly string[] = ['InvalidInput', 'ConfigurationError'];

export const ACTIVITY_KINDS = {
  call: {
    startToCloseTimeout: '30s',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 6, nonRetryableErrorTypes: [...NON_RETRYABLE] },
  },
  create: {
    startToCloseTimeout: '30s',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '3s', backoffCoefficient: 2, maximumInterval: '12s', maximumAttempts: 3, nonRetryableErrorTypes: [...NON_RETRYABLE] },
  },
  cleanup: {
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: '1h',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '60s', nonRetryableErrorTypes: [...NON_RETRYABLE] },
  },
} satisfies Record<string, ActivityOptions>;

export type ActivityKind = keyof typeof ACTIVITY_KINDS;

/**
 * proxyActivities for one kind of call, optionally with per-workflow overrides (tests shorten intervals).
 * Each call carries a summary for the Temporal UI (which vendor call, which kind), and a failure that
 * reaches the workflow is noted in the session's current details (./phase.ts). User metadata only: the
 * commands are the same, so recorded histories replay.
 */
export function activitiesOf<A extends object>(kind: ActivityKind | 'read', overrides: ActivityOptions = {}): A {
  if (kind === 'read') return readsOf<A>(overrides);
  if (kind === 'create') return createsOf<A>(overrides);
  const base = ACTIVITY_KINDS[kind];
  const proxy = proxyActivities<UntypedActivities>({ ...base, ...overrides, retry: { ...base.retry, ...overrides.retry } } as ActivityOptions);
  return noted<A>((name, args) => proxy[name]!.executeWithOptions({ summary: `${name} (${kind})` }, args));
}

/**
 * The `read` kind's local-activity options. An attempt's timeout covers the HTTP layer's own on one host
 * (connect 5 s, headers and body 15 s each; a failover to a second host can be cut, as the `call` kind's
 * 30 s cut it), so core's timeout fires only for a wedged worker. Three attempts with short backoff keep
 * the workflow task short, except that core honours a 429's Retry-After over the backoff (a long one
 * becomes a timer).
 */
export const READ_KIND = {
  startToCloseTimeout: '40s',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 3, nonRetryableErrorTypes: [...NON_RETRYABLE] },
} satisfies LocalActivityOptions;

/** The `read` kind: local activities under LOCAL_READS (./patches.ts), the `call` kind before. */
function readsOf<A extends object>(overrides: ActivityOptions): A {
  const base = ACTIVITY_KINDS.call;
  const remote = proxyActivities<UntypedActivities>({ ...base, ...overrides, retry: { ...base.retry, ...overrides.retry } } as ActivityOptions);
  const local = proxyLocalActivities<UntypedActivities>({
    ...READ_KIND,
    ...(overrides.startToCloseTimeout !== undefined ? { startToCloseTimeout: overrides.startToCloseTimeout } : {}),
    retry: { ...READ_KIND.retry, ...overrides.retry },
  } as LocalActivityOptions);
  return noted<A>((name, args) =>
    localReads()
      ? local[name]!.executeWithOptions({ summary: `${name} (read)` }, args).catch((err: unknown) => {
          throw asActivityFailure(name, err);
        })
      : remote[name]!.executeWithOptions({ summary: `${name} (call)` }, args),
  );
}

/**
 * A local activity's failure can come to the workflow bare (the ApplicationFailure the activity threw; on
 * replay a timeout as the marker holds it); a regular activity's inside an ActivityFailure (core wraps a
 * live local timeout or cancel itself). Wrapped the same way, so the kernel's failure reading
 * (./failures.ts: vendor info, ambiguity) and what a failed session hands its caller (WorkflowFailedError →
 * ActivityFailure → ApplicationFailure) do not depend on where a read ran.
 */
function asActivityFailure(activityType: string, err: unknown): unknown {
  if (!(err instanceof TemporalFailure) || err instanceof ActivityFailure || isCancellation(err)) return err;
  const retryState =
    err instanceof TimeoutFailure
      ? RetryState.TIMEOUT
      : err instanceof ApplicationFailure && err.nonRetryable
        ? RetryState.NON_RETRYABLE_FAILURE
        : RetryState.MAXIMUM_ATTEMPTS_REACHED;
  return new ActivityFailure('Local activity task failed', activityType, undefined, retryState, undefined, err);
}

/** The `create` kind: one attempt per activity once patched (./patches.ts), the server's retries before. */
function createsOf<A extends object>(overrides: ActivityOptions): A {
  const base = ACTIVITY_KINDS.create;
  const retry = { ...base.retry, ...overrides.retry };
  const serverRetried = proxyActivities<UntypedActivities>({ ...base, ...overrides, retry } as ActivityOptions);
  const once = proxyActivities<UntypedActivities>({ ...base, ...overrides, retry: { ...retry, maximumAttempts: 1 } } as ActivityOptions);
  return noted<A>(async (name, args) => {
    const summary = { summary: `${name} (create)` };
    if (!localReads() && !patched(LEAN_KERNEL)) return serverRetried[name]!.executeWithOptions(summary, args);
    const attempts = retry.maximumAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        return await once[name]!.executeWithOptions(summary, args);
      } catch (err) {
        const info = vendorInfo(err);
        // only an answer saying the vendor did not act is repeated here; anything else is the caller's
        if (!info?.retryable || info.ambiguous || attempt >= attempts) throw err;
        await sleep(info.retryAfterMs ?? createBackoffMs(attempt, retry));
      }
    }
  });
}

/** The create kind's backoff between workflow-side attempts (its retry policy's intervals). */
function createBackoffMs(attempt: number, retry: RetryPolicy): number {
  const initial = msOptionalToNumber(retry.initialInterval) ?? 1_000;
  const max = msOptionalToNumber(retry.maximumInterval) ?? 100 * initial;
  return Math.min(max, initial * (retry.backoffCoefficient ?? 2) ** (attempt - 1));
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
