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
 *   read     the steady-state poll's read: today the `call` policy as a regular activity. Tried as a
 *            LOCAL activity (a poll round in one workflow task, 6 events instead of 11) and withdrawn: under
 *            load it produced a nondeterminism on replay (a patch marker after a local activity) and an
 *            sdk-core panic in local-activity timeouts. Tried again (2026-12-01, behind a patch, with the
 *            patches decided first) and withdrawn again: `npm run chaos` found sessions stuck on
 *            "[TMPRL1100] No command scheduled for event TimerStarted": after a worker SIGKILL, a task
 *            that also carried status queries was completed with the timer that follows the read and
 *            the read's marker one task later, so no replay matches it (sdk-core 1.24; cf. sdk-rust
 *            #1442, out-of-order local-activity markers). The lifecycles name their reads so the switch,
 *            once core is fixed, is here alone.
 * A cancelled workflow waits for its running call to finish, so a stop sent on cancellation never
 * overlaps a query still in flight on the same session.
 */
import { ActivityCancellationType, patched, proxyActivities, sleep, type ActivityOptions, type UntypedActivities } from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import { msOptionalToNumber } from '@temporalio/common/lib/time';
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

/**
 * proxyActivities for one kind of call, optionally with per-workflow overrides (tests shorten intervals).
 * Each call carries a summary for the Temporal UI (which vendor call, which kind), and a failure that
 * reaches the workflow is noted in the session's current details (./phase.ts). User metadata only: the
 * commands are the same, so recorded histories replay.
 */
export function activitiesOf<A extends object>(kind: ActivityKind | 'read', overrides: ActivityOptions = {}): A {
  if (kind === 'read') return activitiesOf<A>('call', overrides);
  if (kind === 'create') return createsOf<A>(overrides);
  const base = ACTIVITY_KINDS[kind];
  const proxy = proxyActivities<UntypedActivities>({ ...base, ...overrides, retry: { ...base.retry, ...overrides.retry } } as ActivityOptions);
  return noted<A>((name, args) => proxy[name]!.executeWithOptions({ summary: `${name} (${kind})` }, args));
}

/** The `create` kind: one attempt per activity once patched (./patches.ts), the server's retries before. */
function createsOf<A extends object>(overrides: ActivityOptions): A {
  const base = ACTIVITY_KINDS.create;
  const retry = { ...base.retry, ...overrides.retry };
  const serverRetried = proxyActivities<UntypedActivities>({ ...base, ...overrides, retry } as ActivityOptions);
  const once = proxyActivities<UntypedActivities>({ ...base, ...overrides, retry: { ...retry, maximumAttempts: 1 } } as ActivityOptions);
  return noted<A>(async (name, args) => {
    const summary = { summary: `${name} (create)` };
    if (!patched(LEAN_KERNEL)) return serverRetried[name]!.executeWithOptions(summary, args);
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
