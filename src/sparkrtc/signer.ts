/**
 * Huawei Cloud API Gateway AK/SK signing, `SDK-HMAC-SHA256` (sparkrtc.md §2.3), and its verification
 * for the emulator.
 *
 *   CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n hex(sha256(body))
 *   StringToSign     = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(sha256(CanonicalRequest))
 *   Signature        = hex(HMAC-SHA256(key = SK, StringToSign))
 *   Authorization    = SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b;c>, Signature=<hex>
 *
 * Huawei specifics: the canonical URI always ends in "/", every byte outside A-Z a-z 0-9 - _ . ~ is
 * percent-encoded with upper-case hex (space is %20, never +), and there is no credential scope: the SK
 * is the HMAC key itself.
 *
 * A signature is only good for 15 minutes around its X-Sdk-Date, so sign right before sending, on every
 * attempt (never in workflow code, never once for several retries).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';
/** hex(sha256('')) */
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** the gateway refuses an X-Sdk-Date further than this from its clock (public signing guide) */
export const SDK_DATE_MAX_SKEW_MS = 15 * 60_000;

/** Headers never signed: the Authorization itself, hop-by-hop headers and ones proxies rewrite. */
const NEVER_SIGNED = new Set([
  'authorization',
  'content-length',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-request-id',
  'accept',
  'accept-encoding',
]);

export interface AkSk {
  ak: string;
  sk: string;
}

// ---- building blocks ----

/** `YYYYMMDDTHHMMSSZ` (UTC) */
export function formatSdkDate(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2025-08-19T08:00:00.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/** Parses a strict `YYYYMMDDTHHMMSSZ`; undefined for anything else (including impossible dates). */
export function parseSdkDate(value: string | undefined): number | undefined {
  const m = value ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value) : null;
  if (!m) return undefined;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return formatSdkDate(ms) === value ? ms : undefined;
}

const UNRESERVED = /[A-Za-z0-9\-_.~]/;

/** RFC 3986 percent-encoding of the UTF-8 bytes, upper-case hex, unreserved characters kept. */
export function percentEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && UNRESERVED.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The canonical URI of a path as sent on the wire (percent-encoded segments are decoded first, then
 * re-encoded canonically), always ending in "/".
 */
export function canonicalUri(path: string): string {
  const encoded = path
    .split('/')
    .map((s) => percentEncode(safeDecode(s)))
    .join('/');
  const withSlash = encoded.endsWith('/') ? encoded : `${encoded}/`;
  return withSlash.startsWith('/') ? withSlash : `/${withSlash}`;
}

export type QueryValue = string | number | boolean;
export type QueryInput = Record<string, QueryValue | QueryValue[] | undefined>;

/** Query parameters as name/value pairs (absent values dropped, arrays repeated). */
export function queryPairs(query: QueryInput | undefined): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) pairs.push([k, String(item)]);
  }
  return pairs;
}

/** Pairs of a raw query string as received (`+` read as a space, as Go's url.ParseQuery does). */
export function parseQueryString(search: string): Array<[string, string]> {
  const s = search.startsWith('?') ? search.slice(1) : search;
  if (!s) return [];
  return s
    .split('&')
    .filter((p) => p.length > 0)
    .map((p) => {
      const i = p.indexOf('=');
      const name = i < 0 ? p : p.slice(0, i);
      const value = i < 0 ? '' : p.slice(i + 1);
      return [safeDecode(name.replace(/\+/g, ' ')), safeDecode(value.replace(/\+/g, ' '))];
    });
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/**
 * The canonical query string: sorted by name (byte order), a repeated name's values sorted, names and
 * values percent-encoded, `name=value` joined by `&`. The URL sent must carry exactly this string.
 */
export function canonicalQuery(pairs: Array<[string, string]>): string {
  return [...pairs]
    .sort(([an, av], [bn, bv]) => byteOrder(an, bn) || byteOrder(av, bv))
    .map(([n, v]) => `${percentEncode(n)}=${percentEncode(v)}`)
    .join('&');
}

/** `name:value\n` for each signed header, sorted; names lower-case, values trimmed. */
export function canonicalHeaders(headers: Record<string, string>, signed: string[]): string {
  const lower = lowerCaseHeaders(headers);
  return signed.map((h) => `${h}:${(lower[h] ?? '').trim()}\n`).join('');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function lowerCaseHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}

export interface CanonicalParts {
  method: string;
  /** the path as sent, without the query */
  path: string;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  /** lower-case names of the headers to sign */
  signedHeaders: string[];
  /** the exact body bytes ('' when none) */
  body: string | Buffer;
}

export function canonicalRequest(p: CanonicalParts): string {
  const signed = [...p.signedHeaders].sort(byteOrder);
  return [
    p.method.toUpperCase(),
    canonicalUri(p.path),
    canonicalQuery(p.query),
    canonicalHeaders(p.headers, signed),
    signed.join(';'),
    p.body.length === 0 ? EMPTY_BODY_SHA256 : sha256Hex(p.body),
  ].join('\n');
}

export function stringToSign(sdkDate: string, canonical: string): string {
  return `${SIGNING_ALGORITHM}\n${sdkDate}\n${sha256Hex(canonical)}`;
}

export function hmacHex(sk: string, data: string): string {
  return createHmac('sha256', Buffer.from(sk, 'utf8')).update(data, 'utf8').digest('hex');
}

export function authorizationHeader(ak: string, signedHeaders: string[], signature: string): string {
  return `${SIGNING_ALGORITHM} Access=${ak}, SignedHeaders=${[...signedHeaders].sort(byteOrder).join(';')}, Signature=${signature}`;
}

// ---- signing ----

export interface SignableRequest {
  method: string;
  /** absolute URL; its query must already be the canonical query (use `buildUrl`) */
  url: string | URL;
  /** headers to send; `host` and `x-sdk-date` are added when absent */
  headers?: Record<string, string>;
  /** the exact body bytes that will be sent */
  body?: string | Buffer;
}

export interface SignOptions {
  /** signing time: epoch ms, or a ready X-Sdk-Date string; default now */
  date?: number | string;
  /** lower-case header names to sign; default every header given except hop-by-hop and the like */
  signedHeaders?: string[];
}

export interface SignedRequest {
  /** every header to send: the input headers plus host, x-sdk-date and authorization */
  headers: Record<string, string>;
  sdkDate: string;
  signedHeaders: string[];
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
  authorization: string;
}

export function sign(credentials: AkSk, req: SignableRequest, opts: SignOptions = {}): SignedRequest {
  const url = typeof req.url === 'string' ? new URL(req.url) : req.url;
  const headers = lowerCaseHeaders(req.headers ?? {});
  const given = headers['x-sdk-date'];
  const sdkDate = typeof opts.date === 'string' ? opts.date : opts.date !== undefined ? formatSdkDate(opts.date) : (given ?? formatSdkDate(Date.now()));
  if (given !== undefined && given !== sdkDate) throw new Error('the X-Sdk-Date header and the signing date differ');
  if (parseSdkDate(sdkDate) === undefined) throw new Error('the signing date is not YYYYMMDDTHHMMSSZ');
  headers.host ??= url.host;
  headers['x-sdk-date'] = sdkDate;
  const signedHeaders = (opts.signedHeaders ?? Object.keys(headers).filter((h) => !NEVER_SIGNED.has(h) && !h.includes('_'))).map((h) => h.toLowerCase()).sort(byteOrder);
  for (const h of signedHeaders) if (headers[h] === undefined) throw new Error(`signed header "${h}" is not in the request`);
  const canonical = canonicalRequest({
    method: req.method,
    path: url.pathname,
    query: parseQueryString(url.search),
    headers,
    signedHeaders,
    body: req.body ?? '',
  });
  const sts = stringToSign(sdkDate, canonical);
  const signature = hmacHex(credentials.sk, sts);
  const authorization = authorizationHeader(credentials.ak, signedHeaders, signature);
  return { headers: { ...headers, authorization }, sdkDate, signedHeaders, canonicalRequest: canonical, stringToSign: sts, signature, authorization };
}

/** base + path + the canonical query string, so the URL sent is the URL signed. */
export function buildUrl(base: string, path: string, query?: QueryInput): string {
  const q = canonicalQuery(queryPairs(query));
  return `${base.replace(/\/+$/, '')}${path}${q ? `?${q}` : ''}`;
}

// ---- verification (emulator side) ----

export interface ParsedAuthorization {
  access: string;
  signedHeaders: string[];
  signature: string;
}

export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  if (!header) return undefined;
  const m = /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)\s*$/.exec(header);
  if (!m) return undefined;
  return { access: m[1]!, signedHeaders: m[2]!.split(';').filter(Boolean), signature: m[3]!.toLowerCase() };
}

export interface VerifyInput {
  method: string;
  /** path and query exactly as received */
  rawUrl: string;
  headers: Record<string, string | string[] | undefined>;
  body: string | Buffer;
  /** the verifier's clock, epoch ms */
  now: number;
  secretFor(ak: string): string | undefined;
  maxSkewMs?: number;
  /** headers that must be among the signed ones (default host and x-sdk-date) */
  requiredSigned?: string[];
}

export type VerifyFailure = 'missing' | 'malformed' | 'bad_date' | 'date_skew' | 'unknown_ak' | 'unsigned_header' | 'signature';

export type VerifyResult = { ok: true; ak: string; signedHeaders: string[]; sdkDate: number } | { ok: false; failure: VerifyFailure; message: string; ak?: string };

export function verify(input: VerifyInput): VerifyResult {
  const headers = lowerCaseHeaders(input.headers);
  const authz = headers.authorization;
  if (!authz) return { ok: false, failure: 'missing', message: 'no Authorization header' };
  const parsed = parseAuthorization(authz);
  if (!parsed) return { ok: false, failure: 'malformed', message: 'Authorization is not "SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=..."' };
  const sdkDate = parseSdkDate(headers['x-sdk-date']);
  if (sdkDate === undefined) return { ok: false, failure: 'bad_date', message: 'X-Sdk-Date missing or not YYYYMMDDTHHMMSSZ', ak: parsed.access };
  if (Math.abs(input.now - sdkDate) > (input.maxSkewMs ?? SDK_DATE_MAX_SKEW_MS)) {
    return { ok: false, failure: 'date_skew', message: 'X-Sdk-Date is more than 15 minutes from the server clock', ak: parsed.access };
  }
  for (const h of input.requiredSigned ?? ['host', 'x-sdk-date']) {
    if (!parsed.signedHeaders.includes(h)) return { ok: false, failure: 'unsigned_header', message: `header ${h} must be signed`, ak: parsed.access };
  }
  for (const h of parsed.signedHeaders) {
    if (headers[h] === undefined) return { ok: false, failure: 'unsigned_header', message: `signed header ${h} is not in the request`, ak: parsed.access };
  }
  const sk = input.secretFor(parsed.access);
  if (sk === undefined) return { ok: false, failure: 'unknown_ak', message: 'the access key does not exist', ak: parsed.access };
  const q = input.rawUrl.indexOf('?');
  const canonical = canonicalRequest({
    method: input.method,
    path: q < 0 ? input.rawUrl : input.rawUrl.slice(0, q),
    query: q < 0 ? [] : parseQueryString(input.rawUrl.slice(q + 1)),
    headers,
    signedHeaders: parsed.signedHeaders,
    body: input.body,
  });
  const expected = hmacHex(sk, stringToSign(headers['x-sdk-date']!, canonical));
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(parsed.signature, 'utf8');
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    return { ok: false, failure: 'signature', message: 'verify aksk signature fail', ak: parsed.access };
  }
  return { ok: true, ak: parsed.access, signedHeaders: parsed.signedHeaders, sdkDate };
}
