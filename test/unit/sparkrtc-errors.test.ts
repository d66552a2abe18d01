/**
 * SparkRTC status + error_code → taxonomy (sparkrtc.md §14, §17.3): every documented code, on a create
 * (start: not idempotent) and on a safe call (query), plus the status-only fallbacks and error-body shapes.
 */
import { VendorError } from '../../src/http/errors';
import type { HttpResponse } from '../../src/http/client';
import { RTC_ERRORS } from '../../src/schemas/sparkrtc/common';
import { classify, classifyStatus, CODE_VERDICTS, errorFields, hasCode, sparkRtcError } from '../../src/sparkrtc/errors';
import { isAlreadyStopped } from '../../src/sparkrtc/jobs';

const START = { idempotent: false, operation: 'start' };
const QUERY = { idempotent: true, operation: 'query' };
const RETRY = { retryable: true, ambiguous: false };
const FINAL = { retryable: false, ambiguous: false };
const RECONCILE = { retryable: false, ambiguous: true };

type V = typeof RETRY;
/** [code, HTTP status, verdict on start, verdict on query] */
const TABLE: Array<[string, number, V, V]> = [
  ['RTC.00001001', 400, FINAL, FINAL],
  ['RTC.00001002', 400, FINAL, FINAL],
  ['RTC.00001003', 400, FINAL, FINAL],
  ['RTC.00001004', 400, FINAL, FINAL],
  ['RTC.00001005', 400, FINAL, FINAL],
  ['RTC.00001006', 400, RECONCILE, FINAL],
  ['RTC.00001007', 400, RETRY, RETRY],
  ['RTC.00001008', 404, FINAL, FINAL],
  ['RTC.00001009', 400, FINAL, FINAL],
  ['RTC.00001010', 400, FINAL, FINAL],
  ['RTC.00001011', 404, FINAL, FINAL],
  ['RTC.00001012', 400, FINAL, FINAL],
  ['RTC.00001013', 400, FINAL, FINAL],
  ['RTC.00001014', 404, FINAL, FINAL],
  ['RTC.00001015', 404, FINAL, FINAL],
  ['RTC.00001016', 400, FINAL, FINAL],
  ['RTC.00001017', 400, FINAL, FINAL],
  ['RTC.00001018', 400, RETRY, RETRY],
  ['RTC.00001019', 400, FINAL, FINAL],
  ['RTC.00001020', 400, FINAL, FINAL],
  ['RTC.00001021', 400, FINAL, FINAL],
  ['RTC.00001022', 400, RETRY, RETRY],
  ['RTC.00002001', 500, RETRY, RETRY],
  ['RTC.00002002', 500, RECONCILE, RETRY],
  ['RTC.00002003', 500, FINAL, FINAL],
  ['RTC.00002004', 500, RECONCILE, RETRY],
  ['RTC.00002005', 500, FINAL, FINAL],
  ['RTC.00002006', 500, RECONCILE, RETRY],
  ['APIG.0308', 429, RETRY, RETRY],
  ['DATA.100011001', 400, FINAL, FINAL],
];

test('the table covers every documented RTC code, with the documented HTTP status', () => {
  const covered = new Set(TABLE.map(([c]) => c));
  for (const code of Object.keys(RTC_ERRORS)) expect(covered.has(code)).toBe(true);
  for (const [code, status] of TABLE) if (code in RTC_ERRORS) expect(RTC_ERRORS[code as keyof typeof RTC_ERRORS].status).toBe(status);
  for (const code of Object.keys(CODE_VERDICTS)) expect(covered.has(code)).toBe(true);
});

test.each(TABLE)('%s (HTTP %i): start → %j, query → %j', (code, status, onStart, onQuery) => {
  expect(classify(START, status, code)).toEqual(onStart);
  expect(classify(QUERY, status, code)).toEqual(onQuery);
});

test.each([
  [400, FINAL, FINAL],
  [401, FINAL, FINAL],
  [403, FINAL, FINAL],
  [404, FINAL, FINAL],
  [405, FINAL, FINAL],
  [408, RETRY, RETRY],
  [409, RECONCILE, RECONCILE],
  [429, RETRY, RETRY],
  [500, RECONCILE, RETRY],
  [501, FINAL, FINAL],
  [502, RECONCILE, RETRY],
  [503, RECONCILE, RETRY],
  [504, RECONCILE, RETRY],
])('HTTP %i without a known code: start → %j, query → %j', (status, onStart, onQuery) => {
  expect(classifyStatus(status, START)).toEqual(onStart);
  expect(classify(START, status, undefined)).toEqual(onStart);
  expect(classify(QUERY, status, 'RTC.09999999')).toEqual(onQuery);
});

function response(status: number, body: unknown, headers: Record<string, string> = {}, retryAfterMs?: number): HttpResponse {
  return { status, body, headers, requestId: 'rid-1', retryAfterMs };
}

const site = (operation: string, idempotent: boolean) => ({ vendor: 'sparkrtc' as const, product: 'mix-stream-jobs', operation, idempotent });

test('sparkRtcError carries status, code, message, request id and a default wait for the slow retries', () => {
  const e = sparkRtcError(site('start', false), response(400, { error_code: 'RTC.00001007', error_msg: 'JobExceed' }));
  expect(e).toBeInstanceOf(VendorError);
  expect(e.info).toMatchObject({
    vendor: 'sparkrtc',
    product: 'mix-stream-jobs',
    operation: 'start',
    httpStatus: 400,
    code: 'RTC.00001007',
    reason: 'JobExceed',
    requestId: 'rid-1',
    retryable: true,
    retryAfterMs: 60_000,
  });
  expect(sparkRtcError(site('stop', true), response(400, { error_code: 'RTC.00001022', error_msg: 'job is not initialized' })).info.retryAfterMs).toBe(2_000);
  // Retry-After from the gateway wins
  expect(sparkRtcError(site('query', true), response(429, { error_code: 'APIG.0308', error_msg: 'throttled' }, {}, 3_000)).info).toMatchObject({
    retryable: true,
    retryAfterMs: 3_000,
  });
  // a final error suggests no wait
  expect(sparkRtcError(site('start', false), response(400, { error_code: 'RTC.00001003' })).info.retryAfterMs).toBeUndefined();
});

test('error bodies of every shape: SparkRTC, gateway, IAM (Keystone), text, nothing', () => {
  expect(errorFields({ error_code: 'RTC.00001003', error_msg: 'InvalidParameterValue' })).toEqual({ code: 'RTC.00001003', message: 'InvalidParameterValue' });
  expect(errorFields({ error_code: 400, error_msg: 'bad' })).toEqual({ code: '400', message: 'bad' });
  expect(errorFields({ error: { code: 401, title: 'Unauthorized', message: 'The username or password is wrong.' } })).toEqual({
    code: '401',
    message: 'The username or password is wrong.',
  });
  expect(errorFields('<html>bad gateway</html>')).toEqual({ message: '<html>bad gateway</html>' });
  expect(errorFields(undefined)).toEqual({});
  const e = sparkRtcError(site('query', true), response(502, undefined));
  expect(e.info).toMatchObject({ httpStatus: 502, reason: 'HTTP 502', retryable: true });
});

test('stop treats JobDone and a 404 about the job as already stopped, not an unknown app or route', () => {
  const err = (status: number, code?: string) => sparkRtcError(site('stop', true), response(status, code ? { error_code: code } : undefined));
  expect(isAlreadyStopped(err(400, 'RTC.00001009'))).toBe(true);
  expect(isAlreadyStopped(err(404, 'RTC.00001008'))).toBe(true);
  expect(isAlreadyStopped(err(404, 'RTC.00001003'))).toBe(true); // the document's own 404 example
  expect(isAlreadyStopped(err(404))).toBe(true);
  expect(isAlreadyStopped(err(404, 'RTC.00001015'))).toBe(false);
  expect(isAlreadyStopped(err(404, 'APIG.0101'))).toBe(false);
  expect(isAlreadyStopped(err(400, 'RTC.00001022'))).toBe(false);
  expect(isAlreadyStopped(new Error('x'))).toBe(false);
  expect(hasCode(err(400, 'RTC.00001009'), 'RTC.00001008', 'RTC.00001009')).toBe(true);
});
