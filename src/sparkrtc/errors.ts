/**
 * SparkRTC status + error_code → taxonomy (sparkrtc.md §14, §17.1–17.3). One table for every SparkRTC
 * product. Classify on HTTP status plus error_code, never on error_msg text.
 *
 *   RETRY      repeat the same call (throttling, job still initialising, transient 5xx on a safe call)
 *   RECONCILE  the call may have taken effect: a create that got 409 / JobRunning / 5xx / 504 — look
 *              for the resource (callback with the job_id, GET) before starting again (§17.2)
 *   FINAL      fix the input, the credentials, the quota or the state
 *
 * "Treat as success" cases (stop → JobDone/JobNotExist, repeated delete → 404) are decided by the calling
 * function (jobs.ts, rules.ts, rooms.ts), which knows the operation; here they are FINAL errors.
 */
import { VendorError, type VendorErrorInfo } from '../http/errors';
import type { CallSite, HttpResponse } from '../http/client';

type Verdict = Pick<VendorErrorInfo, 'retryable' | 'ambiguous'>;
const RETRY: Verdict = { retryable: true, ambiguous: false };
const FINAL: Verdict = { retryable: false, ambiguous: false };
const RECONCILE: Verdict = { retryable: false, ambiguous: true };

/** `error_code` values that decide by themselves, whatever the call (§14.2, §17.3). */
export const CODE_VERDICTS: Record<string, Verdict | 'by-site'> = {
  'RTC.00001001': FINAL, // tenant not found from the credential (the wrapper refreshes a token once first)
  'RTC.00001002': FINAL, // malformed JSON: a bug
  'RTC.00001003': FINAL, // invalid parameter value
  'RTC.00001004': FINAL, // invalid combination
  'RTC.00001005': FINAL, // missing parameter
  'RTC.00001006': 'by-site', // JobRunning: on a start, a job for this key may be ours from a lost response
  'RTC.00001007': RETRY, // JobExceed: quota full, long backoff (retryAfterMs), bounded, then alert
  'RTC.00001008': FINAL, // JobNotExist (stop treats it as done)
  'RTC.00001009': FINAL, // JobDone (stop treats it as done; update/modify: terminal)
  'RTC.00001010': FINAL, // layout template unknown
  'RTC.00001011': FINAL, // rule unknown
  'RTC.00001012': FINAL, // region not served
  'RTC.00001013': FINAL, // rule cannot be deleted
  'RTC.00001014': FINAL, // bucket unknown
  'RTC.00001015': FINAL, // app unknown for this account
  'RTC.00001016': FINAL, // app disabled / in arrears: an operator must act
  'RTC.00001017': FINAL, // app quota
  'RTC.00001018': RETRY, // callback URL unreachable: a few attempts cover a receiver still deploying
  'RTC.00001019': FINAL, // rule exists: read and reconcile
  'RTC.00001020': FINAL, // app name exists: look it up (apps.ensureApp)
  'RTC.00001021': FINAL, // IAM policy denies it
  'RTC.00001022': RETRY, // job not initialised yet: retry after a few seconds
  'RTC.00002001': RETRY, // ID generator failed: nothing was created, even for a create
  'RTC.00002002': 'by-site', // database error: transient, but a create may have happened
  'RTC.00002003': FINAL, // media component input error: retrying unchanged does not help
  'RTC.00002004': 'by-site', // media component internal error
  'RTC.00002005': FINAL, // recording component input error
  'RTC.00002006': 'by-site', // recording component internal error
  'APIG.0308': RETRY, // gateway throttling
  'DATA.100011001': FINAL, // statistics: required parameter missing
};

/** Suggested waits when the vendor sends no Retry-After (§17.3). */
const RETRY_AFTER_MS: Record<string, number> = {
  'RTC.00001007': 60_000,
  'RTC.00001022': 2_000,
  'RTC.00001018': 5_000,
};

/** The verdict from the HTTP status alone (unknown or absent error_code). */
export function classifyStatus(status: number, site: Pick<CallSite, 'idempotent'>): Verdict {
  if (status === 408 || status === 429) return RETRY;
  if (status === 409) return RECONCILE; // already exists / state conflict: re-read the resource
  if (status === 501) return FINAL;
  if (status >= 500) return site.idempotent ? RETRY : RECONCILE; // a create may have happened
  return FINAL; // 400, 401 (after the wrapper's one refresh), 403, 404, 405...
}

export function classify(site: Pick<CallSite, 'idempotent' | 'operation'>, status: number, code: string | undefined): Verdict {
  const known = code !== undefined ? CODE_VERDICTS[code] : undefined;
  if (known === undefined) return classifyStatus(status, site);
  if (known !== 'by-site') return known;
  if (code === 'RTC.00001006') return site.operation === 'start' ? RECONCILE : FINAL;
  // internal errors: safe calls retry, creates reconcile
  return site.idempotent ? RETRY : RECONCILE;
}

/** The error_code and error_msg of any error body shape (SparkRTC, API gateway, IAM/Keystone). */
export function errorFields(body: unknown): { code?: string; message?: string } {
  if (typeof body === 'string') return { message: body.slice(0, 200) || undefined };
  if (!body || typeof body !== 'object') return {};
  const b = body as Record<string, unknown>;
  const nested = (b.error && typeof b.error === 'object' ? b.error : undefined) as Record<string, unknown> | undefined;
  const code = b.error_code ?? nested?.code;
  const message = b.error_msg ?? nested?.message ?? b.message;
  return {
    code: typeof code === 'string' || typeof code === 'number' ? String(code) : undefined,
    message: typeof message === 'string' ? message.slice(0, 500) : undefined,
  };
}

/** Builds the VendorError for a non-success SparkRTC response. */
export function sparkRtcError(site: CallSite, res: HttpResponse): VendorError {
  const { code, message } = errorFields(res.body);
  const verdict = classify(site, res.status, code);
  return new VendorError({
    vendor: 'sparkrtc',
    product: site.product,
    operation: site.operation,
    httpStatus: res.status,
    code,
    reason: message ?? `HTTP ${res.status}`,
    requestId: res.requestId,
    ...verdict,
    retryAfterMs: res.retryAfterMs ?? (verdict.retryable && code ? RETRY_AFTER_MS[code] : undefined),
  });
}

/** True when a failed call is the given SparkRTC code. */
export function hasCode(err: unknown, ...codes: string[]): err is VendorError {
  return err instanceof VendorError && err.info.vendor === 'sparkrtc' && codes.includes(String(err.info.code));
}
