/**
 * The SparkRTC call: the common headers (Content-Type always, X-Project-Id), the credential applied per
 * attempt (a fresh SDK-HMAC-SHA256 signature or the cached IAM token), one repeat after a refused token,
 * status/error_code classification and tolerant response parsing. Every SparkRTC product module goes
 * through sparkCall.
 *
 * SparkRTC has one global endpoint (sparkrtc.md §1), so there is no host failover here; transport
 * failures are classified once by src/http/client.ts.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { CallSite, HttpClient, HttpResponse } from '../http/client';
import { parseVendorResponse } from '../http/response';
import { parseInput } from '../schemas/parse';
import type { SparkRtcProfile } from '../config';
import { authFromProfile, type IamTokenOptions, type SparkRtcAuth } from './auth';
import { errorFields, sparkRtcError } from './errors';
import { buildUrl, type QueryInput } from './signer';

/** Everything a product module needs to reach one SparkRTC tenant; built by the worker from a profile. */
export interface SparkRtcContext {
  http: HttpClient;
  /** https://rtc-api.myhuaweicloud.com, or the emulator's URL */
  endpoint: string;
  /** X-Project-Id */
  projectId: string;
  /** the application the product calls act on */
  appId: string;
  auth: SparkRtcAuth;
}

export function createSparkRtcContext(profile: SparkRtcProfile, http: HttpClient, opts: IamTokenOptions = {}): SparkRtcContext {
  return { http, endpoint: profile.endpoint, projectId: profile.projectId, appId: profile.appId, auth: authFromProfile(profile, http, opts) };
}

export interface SparkCall<S extends z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** path starting with /, segments already encoded (use `seg`) */
  path: string;
  query?: QueryInput;
  json?: unknown;
  site: Omit<CallSite, 'vendor'>;
  /** schema of the success body; NoBody for 202/204 answers */
  response: S;
  requestId?: string;
  timeoutMs?: number;
}

export interface SparkResult<T> {
  status: number;
  body: T;
  /** X-request-Id of the answer (ours, echoed, or the vendor's) */
  requestId: string;
  headers: Record<string, string>;
}

/** For 202/204 answers: whatever came (normally nothing). */
export const NoBody = z.unknown();

/** A path segment: IDs go into URLs percent-encoded. */
export function seg(id: string): string {
  return encodeURIComponent(id);
}

/** True for the answers that mean "this credential was refused". */
export function isAuthRefusal(res: HttpResponse): boolean {
  return res.status === 401 || (res.status === 400 && errorFields(res.body).code === 'RTC.00001001');
}

export async function sparkCall<S extends z.ZodType>(ctx: SparkRtcContext, call: SparkCall<S>): Promise<SparkResult<z.infer<S>>> {
  const site: CallSite = { vendor: 'sparkrtc', ...call.site };
  // serialised once: the bytes hashed into the signature are the bytes sent
  const body = call.json === undefined ? '' : JSON.stringify(call.json);
  const url = buildUrl(ctx.endpoint, call.path, call.query);
  const host = new URL(url).host;
  const requestId = call.requestId ?? randomUUID();
  let res: HttpResponse;
  for (let attempt = 0; ; attempt++) {
    const headers: Record<string, string> = { 'content-type': 'application/json', host, 'x-project-id': ctx.projectId };
    const credential = await ctx.auth.authorize({ method: call.method, url, headers, body });
    res = await ctx.http.send({
      method: call.method,
      url,
      headers: { ...headers, ...credential },
      body: body === '' ? undefined : body,
      site,
      requestId,
      timeoutMs: call.timeoutMs,
    });
    // a refused token is fetched again and the call repeated once (sparkrtc.md §2.1, §17.3)
    if (attempt === 0 && isAuthRefusal(res) && ctx.auth.refresh()) continue;
    break;
  }
  if (res.status < 200 || res.status >= 300) throw sparkRtcError(site, res);
  const parsed = parseVendorResponse(call.response, res.body ?? (res.status === 204 || res.status === 202 ? undefined : {}), site, res.status, res.requestId);
  return { status: res.status, body: parsed, requestId: res.requestId, headers: res.headers };
}

/** Validates a request body with a strict schema before anything is sent. */
export function requestBody<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  return parseInput(schema, input, `SparkRTC ${what}`);
}
