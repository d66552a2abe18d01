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
    const requestId = req.requestId ?? randomUUID();
    const headers: Record<string, string> = { 'x-request-id': requestId, accept: 'application/json', ...req.headers };
    let body = req.body;
    if (req.json !== undefined && body === undefined) body = JSON.stringify(req.json);
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
    const timeout = req.timeoutMs;
    const started = performance.now();
    try {
      const res = await request(req.url, {
        method: req.method,
        headers,
        body,
        dispatcher: this.dispatcher,
        headersTimeout: timeout ?? this.headersTimeoutMs,
        bodyTimeout: timeout ?? this.bodyTimeoutMs,
      });
      const text = await res.body.text();
      const flat: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
      this.observe?.(req.site, String(res.statusCode), performance.now() - started);
      return {
        status: res.statusCode,
        headers: flat,
        body: parseBody(text, flat['content-type']),
        requestId: flat['x-request-id'] ?? requestId,
        retryAfterMs: parseRetryAfter(flat['retry-after']),
      };
    } catch (err) {
      const mapped = transportError(err, req.site, requestId);
      this.observe?.(req.site, String(mapped.info.code), performance.now() - started);
      throw mapped;
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
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
