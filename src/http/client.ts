/**
 * The one HTTP layer: undici with a keep-alive pool per origin, connect/headers/body timeouts and an
 * X-Request-ID on every call. It never throws for an HTTP status (vendor modules classify those with
 * their code tables); it throws a VendorError for transport failures, classified here once.
 */
import { randomUUID } from 'node:crypto';
import { Agent, type Dispatcher, errors as undiciErrors, request } from 'undici';
import { parseRetryAfter, VendorError, type Vendor } from './errors';

export interface CallSite {
  vendor: Vendor;
  product: string;
  operation: string;
  /**
   * Whether repeating the call after an unknown outcome is harmless (GET, stop, delete...).
   * A non-idempotent call (acquire/start/create) that fails after the request was sent is ambiguous.
   */
  idempotent: boolean;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** serialised as JSON when present */
  json?: unknown;
  /** a pre-serialised body (signing needs the exact bytes) */
  body?: string;
  site: CallSite;
  /** overrides the client's default for this call */
  timeoutMs?: number;
  requestId?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** parsed JSON when the body is JSON, the text otherwise, undefined when empty */
  body: unknown;
  requestId: string;
  retryAfterMs?: number;
}

export interface HttpClientOptions {
  connectTimeoutMs?: number;
  /** time to the response headers (the vendor's processing time) */
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  connectionsPerOrigin?: number;
  /** for tests of the mapping only (undici MockAgent) */
  dispatcher?: Dispatcher;
  /** told of every call once it answered or failed (src/metrics: counts and latency by operation and status) */
  observe?: VendorCallObserver;
}

/** `status`: the HTTP status, or the transport error's code when no response came. */
export type VendorCallObserver = (site: CallSite, status: string, ms: number) => void;

/**
 * X-Request-IDs only need to be unique: UUID-shaped, a random prefix drawn once per 2^32 calls and a
 * counter, instead of a fresh random UUID per call.
 */
let idPrefix = '';
let idCounter = 0x1_0000_0000;
function nextRequestId(): string {
  if (idCounter >= 0x1_0000_0000) {
    idPrefix = randomUUID().slice(0, 28);
    idCounter = 0;
  }
  return idPrefix + (idCounter++).toString(16).padStart(8, '0');
}

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

export class HttpClient {
  private readonly dispatcher: Dispatcher;
  private readonly headersTimeoutMs: number;
  private readonly bodyTimeoutMs: number;
  private readonly observe?: VendorCallObserver;

  constructor(opts: HttpClientOptions = {}) {
    this.observe = opts.observe;
    this.headersTimeoutMs = opts.headersTimeoutMs ?? 15_000;
    this.bodyTimeoutMs = opts.bodyTimeoutMs ?? 15_000;
    this.dispatcher =
      opts.dispatcher ??
      new Agent({
        connect: { timeout: opts.connectTimeoutMs ?? 5_000 },
        keepAliveTimeout: opts.keepAliveTimeoutMs ?? 30_000,
        connections: opts.connectionsPerOrigin ?? 32,
        headersTimeout: this.headersTimeoutMs,
        bodyTimeout: this.bodyTimeoutMs,
      });
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const requestId = req.requestId ?? nextRequestId();
    const headers: Record<string, string> = { 'x-request-id': requestId, accept: 'application/json', ...req.headers };
    let body = req.body;
    if (req.json !== undefined && body === undefined) body = JSON.stringify(req.json);
    if (body !== undefined && !hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';
    const timeout = req.timeoutMs;
    const observe = this.observe;
    const started = observe ? performance.now() : 0;
    try {
      const target = splitUrl(req.url);
      const headersTimeout = timeout ?? this.headersTimeoutMs;
      const bodyTimeout = timeout ?? this.bodyTimeoutMs;
      // the common URL goes straight to the dispatcher; anything unusual takes undici's own URL parsing
      const res = target
        ? await this.dispatcher.request({ origin: target.origin, path: target.path, method: req.method, headers, body, headersTimeout, bodyTimeout })
        : await request(req.url, { method: req.method, headers, body, dispatcher: this.dispatcher, headersTimeout, bodyTimeout });
      const text = await res.body.text();
      const flat = flatten(res.headers);
      observe?.(req.site, String(res.statusCode), performance.now() - started);
      const retryAfter = flat['retry-after'];
      return {
        status: res.statusCode,
        headers: flat,
        body: parseBody(text, flat['content-type']),
        requestId: flat['x-request-id'] ?? requestId,
        retryAfterMs: retryAfter === undefined ? undefined : parseRetryAfter(retryAfter),
      };
    } catch (err) {
      const mapped = transportError(err, req.site, requestId);
      observe?.(req.site, String(mapped.info.code), performance.now() - started);
      throw mapped;
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

/** Response headers as single strings (a repeated header joined with ", "), without copying when none repeats. */
function flatten(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const keys = Object.keys(raw);
  for (let i = 0; i < keys.length; i++) {
    const v = raw[keys[i]!];
    if (typeof v !== 'string') {
      const flat: Record<string, string> = {};
      for (const k of keys) {
        const x = raw[k];
        if (x !== undefined) flat[k] = typeof x === 'string' ? x : x.join(', ');
      }
      return flat;
    }
  }
  return raw as Record<string, string>;
}

function hasHeader(headers: Record<string, string>, lower: string): boolean {
  if (lower in headers) return true;
  for (const h in headers) if (h.toLowerCase() === lower) return true;
  return false;
}

/**
 * A URL whose path and query new URL() would leave exactly as written (already percent-encoded, no dot
 * segments, no fragment, no empty query), split into the origin and path undici's dispatcher takes;
 * undefined otherwise. The origin part is parsed by new URL() once per distinct string.
 */
export function splitUrl(url: string): { origin: string; path: string } | undefined {
  const scheme = url.indexOf('://');
  if (scheme < 0) return undefined;
  const slash = url.indexOf('/', scheme + 3);
  if (slash < 0) return undefined;
  const path = url.slice(slash);
  if (!plainPath(path)) return undefined;
  const raw = url.slice(0, slash);
  let origin = origins.get(raw);
  if (origin === undefined) {
    origin = plainOrigin(raw);
    if (origins.size >= 1_000) origins.clear();
    origins.set(raw, origin);
  }
  return origin === null ? undefined : { origin, path };
}

const origins = new Map<string, string | null>();

/**
 * Only characters new URL() leaves as they are in a path and a query (A-Z a-z 0-9 - . _ ~ ! $ & ( ) * + , ; =
 * : @ % / ?), no segment starting with "." or "%2e", not ending in "?". Two compiled regular expressions:
 * half the time of a character loop on a recording's 150-character query path (the poll's hot path).
 */
const PLAIN_PATH = /^\/[A-Za-z0-9\-._~!$&()*+,;=:@%/?]*$/;
const DOT_SEGMENT = /\/(?:\.|%2[eE])/;

function plainPath(path: string): boolean {
  return PLAIN_PATH.test(path) && !DOT_SEGMENT.test(path) && path.charCodeAt(path.length - 1) !== 0x3f;
}

function plainOrigin(raw: string): string | null {
  try {
    const u = new URL(`${raw}/`);
    const plain = (u.protocol === 'http:' || u.protocol === 'https:') && u.pathname === '/' && !u.username && !u.password && !u.search && !u.hash;
    return plain ? u.origin : null;
  } catch {
    return null;
  }
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text.length === 0) return undefined;
  if (contentType?.includes('json') || /^[\s]*[{[]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** True for a VendorError raised by this layer because no HTTP response arrived. */
export function isTransportError(err: unknown): err is VendorError {
  return err instanceof VendorError && err.info.httpStatus === undefined && err.info.code !== 'RESPONSE_SCHEMA';
}

/** False only when the request certainly never reached the server (refused, DNS, connect timeout). */
export function wasDelivered(err: VendorError): boolean {
  return !NOT_SENT_CODES.has(String(err.info.code));
}

/** Classifies a failure that produced no HTTP response. */
export function transportError(err: unknown, site: CallSite, requestId: string): VendorError {
  const e = err as { code?: string; cause?: { code?: string }; message?: string };
  const code = e?.code ?? e?.cause?.code ?? 'TRANSPORT';
  const notSent = NOT_SENT_CODES.has(code) || err instanceof undiciErrors.ConnectTimeoutError;
  return new VendorError({
    vendor: site.vendor,
    product: site.product,
    operation: site.operation,
    code,
    reason: notSent ? `request not delivered (${code})` : `no response after the request was sent (${code})`,
    requestId,
    // a request that never left is always safe to repeat; one that may have arrived is safe only if idempotent
    retryable: notSent || site.idempotent,
    ambiguous: !notSent && !site.idempotent,
  });
}
