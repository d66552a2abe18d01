/** Reading activity failures in workflow code: the VendorErrorInfo that activities/errors.ts attached. */
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import type { VendorErrorInfo } from '../../src/http/errors';

export function vendorInfo(err: unknown): VendorErrorInfo | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type === 'VendorError') {
    return cause.details?.[0] as VendorErrorInfo | undefined;
  }
  return undefined;
}

/**
 * The call's effect is unknown: the vendor may or may not have acted. A vendor error says so itself; an
 * activity that timed out (every attempt) may have sent its request too.
 */
export function isAmbiguous(err: unknown): boolean {
  if (vendorInfo(err)?.ambiguous) return true;
  return err instanceof ActivityFailure && err.cause instanceof TimeoutFailure;
}

/** A short, secret-free description of any failure, for status queries and results. */
export function describe(err: unknown): string {
  const info = vendorInfo(err);
  if (info) {
    const status = info.httpStatus !== undefined ? `HTTP ${info.httpStatus}` : 'no response';
    const code = info.code !== undefined ? ` code ${info.code}` : '';
    return `${info.product}.${info.operation}: ${status}${code}: ${info.reason}`;
  }
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** A failure that says nothing about the resource (timeout, 5xx, 429...): the next attempt may differ. */
export function isTransient(err: unknown): boolean {
  const info = vendorInfo(err);
  return !info || info.retryable || info.ambiguous;
}
