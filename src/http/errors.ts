/**
 * The one error taxonomy for every vendor call.
 *
 *   retryable  the same call may simply be repeated (transport failure before sending, 429, 5xx, ...)
 *   ambiguous  the call may or may not have taken effect (timeout after sending a create, 504 on create,
 *              Agora code 65 on start): reconcile (query/list) before repeating it
 *   neither    a final answer: fix the input, the credentials or the state
 *
 * Domain errors (invalid input, configuration) are in src/errors.ts. This module is free of Node imports so
 * workflow code can import the types.
 */
export type Vendor = 'agora' | 'sparkrtc';

export interface VendorErrorInfo {
  vendor: Vendor;
  product: string;
  operation: string;
  /** HTTP status, absent for transport failures */
  httpStatus?: number;
  /** the vendor's own error code (Agora `code`, SparkRTC `error_code`), or a transport code like ECONNRESET */
  code?: number | string;
  /** human-readable reason; never contains a credential */
  reason: string;
  /** the X-Request-ID we sent (and the vendor echoed) */
  requestId?: string;
  retryable: boolean;
  ambiguous: boolean;
  /** from Retry-After, when the vendor sent one */
  retryAfterMs?: number;
  /** the existing resource a conflict names (Agora X-Resource-ID on a 409): adopt it */
  existingResourceId?: string;
}

export class VendorError extends Error {
  override name = 'VendorError';
  constructor(public readonly info: VendorErrorInfo) {
    super(formatVendorError(info));
  }
}

export function formatVendorError(i: VendorErrorInfo): string {
  const where = `${i.vendor} ${i.product}.${i.operation}`;
  const status = i.httpStatus !== undefined ? `HTTP ${i.httpStatus}` : 'no response';
  const code = i.code !== undefined ? ` code ${i.code}` : '';
  const kind = i.ambiguous ? 'ambiguous' : i.retryable ? 'retryable' : 'not retryable';
  const rid = i.requestId ? ` [request ${i.requestId}]` : '';
  return `${where} failed: ${status}${code}: ${i.reason} (${kind})${rid}`;
}

/** Parses a Retry-After header (seconds or HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs) && secs >= 0) return Math.round(secs * 1000);
  const at = Date.parse(v);
  if (!Number.isNaN(at)) return Math.max(0, at - now);
  return undefined;
}
