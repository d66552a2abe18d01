/**
 * The one mapping from client errors to Temporal failures, used by every activity:
 *   retryable  → a retryable ApplicationFailure (Retry-After becomes nextRetryDelay)
 *   ambiguous  → non-retryable: the workflow reconciles before deciding to repeat the call
 *   otherwise  → non-retryable
 * The failure's details carry the VendorErrorInfo (no secrets) for the workflow to branch on.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ConfigurationError, InvalidInputError } from '../src/errors';
import { VendorError } from '../src/http/errors';
import { Context } from '@temporalio/activity';
import { countVendorError } from '../src/metrics/vendor';

function inActivity(): boolean {
  try {
    Context.current();
    return true;
  } catch {
    return false;
  }
}

export const FAILURE_TYPES = {
  vendor: 'VendorError',
  invalidInput: 'InvalidInput',
  configuration: 'ConfigurationError',
} as const;

export function toFailure(err: unknown): unknown {
  if (err instanceof VendorError) {
    const i = err.info;
    if (inActivity()) countVendorError(Context.current().metricMeter, i);
    return ApplicationFailure.create({
      type: FAILURE_TYPES.vendor,
      message: err.message,
      nonRetryable: !i.retryable || i.ambiguous,
      nextRetryDelay: i.retryable && i.retryAfterMs !== undefined ? i.retryAfterMs : undefined,
      details: [i],
    });
  }
  if (err instanceof InvalidInputError) {
    return ApplicationFailure.create({ type: FAILURE_TYPES.invalidInput, message: err.message, nonRetryable: true, details: [err.issues] });
  }
  if (err instanceof ConfigurationError) {
    return ApplicationFailure.create({ type: FAILURE_TYPES.configuration, message: err.message, nonRetryable: true });
  }
  return err;
}

/** Runs one vendor call and maps whatever it throws. */
export async function vendorCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toFailure(err);
  }
}
