/** The one mapping from the taxonomy to Temporal failures. */
import { ApplicationFailure } from '@temporalio/common';
import { toFailure } from '../../activities/errors';
import { ConfigurationError, InvalidInputError } from '../../src/errors';
import { VendorError, type VendorErrorInfo } from '../../src/http/errors';

const base: VendorErrorInfo = { vendor: 'agora', product: 'cloud-recording', operation: 'start', reason: 'r', retryable: false, ambiguous: false };

test.each([
  ['retryable', { retryable: true }, false],
  ['final', {}, true],
  ['ambiguous: reconcile in the workflow, never retried blindly', { ambiguous: true }, true],
  ['retryable but ambiguous', { retryable: true, ambiguous: true }, true],
])('%s', (_name, extra, nonRetryable) => {
  const f = toFailure(new VendorError({ ...base, ...extra })) as ApplicationFailure;
  expect(f).toBeInstanceOf(ApplicationFailure);
  expect(f.type).toBe('VendorError');
  expect(f.nonRetryable).toBe(nonRetryable);
  expect(f.details?.[0]).toMatchObject({ ...base, ...extra });
});

test('Retry-After becomes nextRetryDelay', () => {
  const f = toFailure(new VendorError({ ...base, httpStatus: 429, retryable: true, retryAfterMs: 7_000 })) as ApplicationFailure;
  expect(f.nextRetryDelay).toBe(7_000);
  expect(f.nonRetryable).toBe(false);
});

test('bad input and unknown profiles are never retried', () => {
  expect(toFailure(new InvalidInputError('bad', ['channel: empty'])) as ApplicationFailure).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
  expect(toFailure(new ConfigurationError('unknown profile')) as ApplicationFailure).toMatchObject({ type: 'ConfigurationError', nonRetryable: true });
});

test('anything else passes through untouched', () => {
  const e = new Error('boom');
  expect(toFailure(e)).toBe(e);
});
