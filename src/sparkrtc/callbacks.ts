/**
 * SparkRTC recording-event callbacks (sparkrtc.md §5): the app's callback configuration, and the
 * signature check for the notifications SparkRTC POSTs (X-Rtc-Rand, X-Rtc-Timestamp, X-Rtc-Signature).
 *
 *   signature = lower-hex( HMAC-SHA256(key = auth_key, data = rand + timestamp + raw body) )
 *
 * Verify over the raw body bytes before any JSON parsing, in constant time, and bound the timestamp
 * (undocumented unit: seconds, as in the public example; milliseconds are recognised too).
 */
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { RecordCallbackConfig, RecordCallbackEvent, RecordCallbackRequest } from '../schemas/sparkrtc/callbacks';
import { requestBody, seg, sparkCall, type SparkRtcContext } from './http';

const PRODUCT = 'record-callback';
const callbackPath = (ctx: SparkRtcContext) => `/v2/apps/${seg(ctx.appId)}/record-callback`;

/** The configuration, auth_key in clear text: redact it before it leaves the activity. */
export async function getRecordCallback(ctx: SparkRtcContext): Promise<{ config: RecordCallbackConfig; requestId: string }> {
  const res = await sparkCall(ctx, {
    method: 'GET',
    path: callbackPath(ctx),
    site: { product: PRODUCT, operation: 'get', idempotent: true },
    response: RecordCallbackConfig,
  });
  return { config: res.body, requestId: res.requestId };
}

/**
 * Sets the app's one callback URL (a full replacement). The service checks the URL is reachable
 * (RTC.00001018, retryable a few times): start the receiver first.
 */
export async function setRecordCallback(ctx: SparkRtcContext, input: RecordCallbackRequest): Promise<{ config: RecordCallbackConfig; requestId: string }> {
  const json = requestBody(RecordCallbackRequest, input, 'record-callback configuration');
  const res = await sparkCall(ctx, {
    method: 'PUT',
    path: callbackPath(ctx),
    json,
    site: { product: PRODUCT, operation: 'put', idempotent: true },
    response: RecordCallbackConfig,
  });
  return { config: res.body, requestId: res.requestId };
}

/** A copy with auth_key masked (for logs, activity results, workflow history). */
export function redactCallbackConfig(c: RecordCallbackConfig): RecordCallbackConfig {
  return c.record_callback?.auth_key ? { ...c, record_callback: { ...c.record_callback, auth_key: '***' } } : c;
}

// ---- signatures ----

export const CALLBACK_HEADERS = { rand: 'x-rtc-rand', timestamp: 'x-rtc-timestamp', signature: 'x-rtc-signature' } as const;

export function callbackSignature(authKey: string, rand: string, timestamp: string, rawBody: string | Buffer): string {
  return createHmac('sha256', Buffer.from(authKey, 'utf8'))
    .update(Buffer.concat([Buffer.from(rand + timestamp, 'utf8'), typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody]))
    .digest('hex');
}

/** The three headers SparkRTC adds to a callback when the app has an auth_key. */
export function signCallback(authKey: string, rawBody: string | Buffer, opts: { nowMs?: number; rand?: string } = {}): Record<string, string> {
  const rand = opts.rand ?? String(randomInt(100_000, 1_000_000));
  const timestamp = String(Math.floor((opts.nowMs ?? Date.now()) / 1000));
  return { 'X-Rtc-Rand': rand, 'X-Rtc-Timestamp': timestamp, 'X-Rtc-Signature': callbackSignature(authKey, rand, timestamp, rawBody) };
}

export type CallbackVerdict = { ok: true; timestampMs: number } | { ok: false; reason: 'missing_headers' | 'bad_timestamp' | 'stale' | 'bad_signature' };

export interface VerifyCallbackOptions {
  nowMs?: number;
  /** how far the timestamp may be from now (default 10 minutes; sparkrtc.md §5.4 [INFERENCE]) */
  maxSkewMs?: number;
}

/**
 * Checks a callback's X-Rtc-* headers against the raw body. `headers` may be Node's lower-cased
 * IncomingHttpHeaders or any record (names are matched case-insensitively).
 */
export function verifyCallback(
  authKey: string,
  headers: Record<string, string | string[] | undefined>,
  rawBody: string | Buffer,
  opts: VerifyCallbackOptions = {},
): CallbackVerdict {
  const h = (name: string) => {
    const entry = Object.entries(headers).find(([k]) => k.toLowerCase() === name);
    const v = entry?.[1];
    return Array.isArray(v) ? v[0] : v;
  };
  const rand = h(CALLBACK_HEADERS.rand);
  const ts = h(CALLBACK_HEADERS.timestamp);
  const sig = h(CALLBACK_HEADERS.signature);
  if (!rand || !ts || !sig) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,16}$/.test(ts)) return { ok: false, reason: 'bad_timestamp' };
  const n = Number(ts);
  // seconds until the year 33658; anything larger is milliseconds
  const timestampMs = n < 1e12 ? n * 1000 : n;
  if (Math.abs((opts.nowMs ?? Date.now()) - timestampMs) > (opts.maxSkewMs ?? 10 * 60_000)) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(callbackSignature(authKey, rand, ts, rawBody), 'utf8');
  const given = Buffer.from(sig.trim().toLowerCase(), 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad_signature' };
  return { ok: true, timestampMs };
}

/** Parses a verified body; tolerant (every field optional, unknown fields and event types kept). */
export function parseCallbackEvent(rawBody: string | Buffer): RecordCallbackEvent | undefined {
  try {
    const r = RecordCallbackEvent.safeParse(JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8')));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** A dedupe key for at-least-once delivery (sparkrtc.md §5.4). */
export function callbackDedupeKey(e: RecordCallbackEvent): string {
  return [e.job_id ?? '', e.event_type ?? '', e.record_format ?? '', e.obs_object ?? e.start_time ?? ''].join('|');
}
