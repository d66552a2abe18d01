/**
 * The Agora call: auth header (Basic or HMAC), JSON body, host failover, status/code classification and
 * tolerant response parsing. Every Agora product module goes through agoraCall.
 *
 * Host failover (agora.md §1.1): a profile lists base URLs (primary first). A call goes to the session's
 * pinned host when it has one, else the primary; when the request could not be delivered (connection
 * refused, DNS, connect timeout), or an idempotent call got no response, it moves on to the next host.
 * The result names the host that answered, so a workflow can pin its session to it.
 */
import type { z } from 'zod';
import { isTransportError, wasDelivered, type CallSite, type HttpClient, type HttpResponse } from '../http/client';
import { parseVendorResponse } from '../http/response';
import { basicAuthorization, hmacHeaders, type AgoraAuthScheme, type AgoraCredentials } from './auth';
import { agoraError } from './errors';

/** Everything a product module needs to reach one Agora project; built by the worker from a profile. */
export interface AgoraContext {
  http: HttpClient;
  /** e.g. ['https://api.sd-rtn.com', 'https://api.agora.io'], or the emulator's URL */
  baseUrls: string[];
  /** the host this session is pinned to, if it has been chosen already */
  pinnedBaseUrl?: string;
  appId: string;
  credentials: AgoraCredentials;
  auth?: AgoraAuthScheme;
  /**
   * Signaling-token auth (Signaling REST, Flexible Classroom; agora.md §1.2): sent as `x-agora-token` +
   * `x-agora-uid` instead of an Authorization header. Minted in activities only, never in history.
   */
  tokenAuth?: { token: string; uid: string };
}

export interface AgoraCall<S extends z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** path and query string, starting with / */
  path: string;
  json?: unknown;
  site: Omit<CallSite, 'vendor'>;
  response: S;
  contentType?: string;
  /** extra request headers (e.g. X-Request-ID chosen by the caller) */
  headers?: Record<string, string>;
  requestId?: string;
}

export interface AgoraResult<T> {
  status: number;
  body: T;
  requestId: string;
  headers: Record<string, string>;
  /** the base URL that answered: pin the session to it */
  baseUrl: string;
}

/** The same context with Basic auth, for products documented with Basic only (Media Push/Pull...). */
export function withBasicAuth(ctx: AgoraContext): AgoraContext {
  return ctx.auth === 'hmac' ? { ...ctx, auth: 'basic' } : ctx;
}

/** The order in which to try hosts: the pinned one first, then the configured order. */
export function hostOrder(ctx: Pick<AgoraContext, 'baseUrls' | 'pinnedBaseUrl'>): readonly string[] {
  // the common case (one host, nothing pinned, no trailing slash) allocates nothing: it is every poll
  if (ctx.pinnedBaseUrl === undefined && ctx.baseUrls.length === 1 && !ctx.baseUrls[0]!.endsWith('/')) return ctx.baseUrls;
  const list = ctx.baseUrls.map(trimSlashes);
  const pinned = ctx.pinnedBaseUrl === undefined ? undefined : trimSlashes(ctx.pinnedBaseUrl);
  return pinned ? [pinned, ...list.filter((u) => u !== pinned)] : list;
}

/** Base URLs known to parse; a call on any other is refused by new URL() before anything is sent, as ever. */
const parsedBases = new Set<string>();
function checkBase(baseUrl: string, url: string): string {
  const normalised = new URL(url).toString();
  if (URL.canParse(baseUrl)) {
    if (parsedBases.size >= 1_000) parsedBases.clear();
    parsedBases.add(baseUrl);
  }
  return normalised;
}

const trimSlashes = (u: string) => (u.endsWith('/') ? u.replace(/\/+$/, '') : u);

export async function agoraCall<S extends z.ZodType>(ctx: AgoraContext, call: AgoraCall<S>): Promise<AgoraResult<z.infer<S>>> {
  const site: CallSite = { vendor: 'agora', ...call.site };
  const body = call.json === undefined ? undefined : JSON.stringify(call.json);
  const hosts = hostOrder(ctx);
  let res: HttpResponse | undefined;
  let baseUrl = hosts[0]!;
  for (let i = 0; i < hosts.length; i++) {
    baseUrl = hosts[i]!;
    let url = baseUrl + call.path;
    let auth: Record<string, string>;
    if (ctx.tokenAuth) {
      if (!parsedBases.has(baseUrl)) url = checkBase(baseUrl, url);
      auth = { 'x-agora-token': ctx.tokenAuth.token, 'x-agora-uid': ctx.tokenAuth.uid };
    } else if (ctx.auth === 'hmac') {
      // the signature covers the host and the path exactly as they are sent
      const u = new URL(url);
      url = u.toString();
      auth = hmacHeaders(ctx.credentials, { host: u.host, date: new Date().toUTCString(), method: call.method, path: u.pathname + u.search, body: body ?? '' });
    } else {
      // a path appended to a base URL that parses always parses: the HTTP layer normalises it if it must
      if (!parsedBases.has(baseUrl)) url = checkBase(baseUrl, url);
      auth = { authorization: basicAuthorization(ctx.credentials) };
    }
    const headers = call.headers ? { ...call.headers, ...auth } : auth;
    if (call.contentType) headers['content-type'] = call.contentType;
    try {
      res = await ctx.http.send({ method: call.method, url, headers, body, site, requestId: call.requestId });
      break;
    } catch (err) {
      const last = i === hosts.length - 1;
      const safeToMove = isTransportError(err) && (!wasDelivered(err) || site.idempotent);
      if (last || !safeToMove) throw err;
    }
  }
  if (!res) throw new Error('unreachable: no Agora host answered and no error was raised');
  if (res.status < 200 || res.status >= 300) throw agoraError(site, res);
  const parsed = parseVendorResponse(call.response, res.body ?? {}, site, res.status, res.requestId);
  return { status: res.status, body: parsed, requestId: res.requestId, headers: res.headers, baseUrl };
}
