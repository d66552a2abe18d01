import { VendorError } from '../../src/http/errors';

type ErrorClass<E> = abstract new (...args: never[]) => E;

/**
 * The error `p` rejects with (or `p()` throws), checked to be a `type` (VendorError unless told); the
 * test fails when it resolves or returns, or fails with anything else. The one way tests expect a failure.
 */
export async function failure(p: Promise<unknown> | (() => unknown)): Promise<VendorError>;
export async function failure<E>(p: Promise<unknown> | (() => unknown), type: ErrorClass<E>): Promise<E>;
export async function failure(p: Promise<unknown> | (() => unknown), type: ErrorClass<unknown> = VendorError): Promise<unknown> {
  const settled = typeof p === 'function' ? Promise.resolve().then(p) : p;
  const outcome = await settled.then(
    () => ({ failed: false as const }),
    (error: unknown) => ({ failed: true as const, error }),
  );
  if (!outcome.failed) throw new Error('expected a failure, but the call succeeded');
  expect(outcome.error).toBeInstanceOf(type);
  return outcome.error;
}
