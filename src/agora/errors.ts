/**
 * Agora status/code → taxonomy (agora.md §1.6, §2.9, §13.2). One table, used by every Agora product.
 */
import { VendorError, type VendorErrorInfo } from '../http/errors';
import type { CallSite, HttpResponse } from '../http/client';

type Verdict = Pick<VendorErrorInfo, 'retryable' | 'ambiguous'>;
const RETRY: Verdict = { retryable: true, ambiguous: false };
const FINAL: Verdict = { retryable: false, ambiguous: false };
const RECONCILE: Verdict = { retryable: false, ambiguous: true };

/** Cloud Recording `code` values; `start`-specific entries are keyed `start:<code>`. */
const CLOUD_RECORDING_CODES: Record<string, Verdict> = {
  '2': FINAL, // invalid parameter
  '7': FINAL, // already running for this resourceId: the caller treats it as started
  '8': FINAL, // bad header / URL / method
  '49': FINAL, // repeated stop: already stopped
  '53': FINAL, // cname+uid already recording: new uid or adopt
  '62': FINAL, // acquire: no permission
  'start:62': RETRY, // start: could not reach the recording service
  '65': RECONCILE, // network jitter on start: may have started; retry with the SAME resourceId
  '109': FINAL,
  '110': FINAL,
  '432': FINAL,
  '433': FINAL, // resourceId expired: acquire again
  '435': FINAL, // no recorded file
  '501': FINAL, // service exiting
  '1001': FINAL,
  '1003': FINAL,
  '1013': FINAL,
  '1028': FINAL,
};

/**
 * Rows of the other products, keyed `<product>:code:<code>`, `<product>:<operation>:status:<http>` or
 * `<product>:status:<http>`; consulted (in that order) before the generic status rules below.
 */
const PRODUCT_VERDICTS: Record<string, Verdict> = {
  // Cloud Transcoder (agora.md §8, §13.2): 206 on create = request timed out, and every 50x: back off
  // 3 s / 6 s / 9 s and repeat with the same builderToken (if the first create did happen, the repeat
  // answers 409 = started), then a new output uid and a new builderToken. Body code 65: repeat as is.
  'cloud-transcoder:status:206': RETRY,
  'cloud-transcoder:status:500': RETRY,
  'cloud-transcoder:status:501': RETRY,
  'cloud-transcoder:status:502': RETRY,
  'cloud-transcoder:status:503': RETRY,
  'cloud-transcoder:status:504': RETRY,
  'cloud-transcoder:code:65': RETRY,
  // STT 6.x start: the builderToken makes a repeated start harmless (201 = already started, §3), so a
  // 504 is retried as is rather than reconciled (6.x has no list to reconcile with)
  'stt6:start:status:504': RETRY,
  // Media Gateway 409 "Resource with the same name already exists." means too many concurrent requests
  // (agora.md §5.4): back off 1 s, 3 s, 6 s and repeat. Media Push/Pull 409 stays final (a name conflict:
  // adopt the existing resource) and their 404 on delete is handled as success by the client modules.
  'media-gateway:status:409': RETRY,
};

export function classifyStatus(status: number, site: CallSite): Verdict {
  if (status === 408 || status === 429 || status === 500 || status === 502 || status === 503) return RETRY;
  if (status === 504) return site.idempotent ? RETRY : RECONCILE;
  if (status >= 500 && status !== 501) return RETRY;
  return FINAL;
}

export function classify(site: CallSite, status: number, code: number | undefined): Verdict {
  if (code !== undefined && site.product === 'cloud-recording') {
    const byOp = CLOUD_RECORDING_CODES[`${site.operation}:${code}`];
    if (byOp) return byOp;
    const known = CLOUD_RECORDING_CODES[String(code)];
    if (known) return known;
  }
  const row =
    (code !== undefined ? PRODUCT_VERDICTS[`${site.product}:code:${code}`] : undefined) ??
    PRODUCT_VERDICTS[`${site.product}:${site.operation}:status:${status}`] ??
    PRODUCT_VERDICTS[`${site.product}:status:${status}`];
  if (row) return row;
  return classifyStatus(status, site);
}

/** Builds the VendorError for a non-success Agora response. */
export function agoraError(site: CallSite, res: HttpResponse): VendorError {
  const body = (typeof res.body === 'object' && res.body !== null ? res.body : {}) as Record<string, unknown>;
  const code = typeof body.code === 'number' ? body.code : undefined;
  const reason =
    (typeof body.reason === 'string' && body.reason) ||
    (typeof body.message === 'string' && body.message) ||
    (typeof res.body === 'string' && res.body.slice(0, 200)) ||
    `HTTP ${res.status}`;
  return new VendorError({
    vendor: 'agora',
    product: site.product,
    operation: site.operation,
    httpStatus: res.status,
    code,
    reason,
    requestId: res.requestId,
    ...classify(site, res.status, code),
    retryAfterMs: res.retryAfterMs,
    existingResourceId: res.headers['x-resource-id'],
  });
}
