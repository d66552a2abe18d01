/** The Agora call: auth header, JSON body, status/code classification and tolerant response parsing. */
import type { z } from 'zod';
import type { CallSite, HttpClient, HttpResponse } from '../http/client';
import { VendorError } from '../http/errors';
import { basicAuthorization, type AgoraCredentials } from './auth';
import { agoraError } from './errors';

/** Everything a product module needs to reach one Agora project; built by the worker from a profile. */
export interface AgoraContext {
  http: HttpClient;
  /** e.g. https://api.agora.io, or the emulator's URL */
  baseUrl: string;
  appId: string;
  credentials: AgoraCredentials;
}

export interface AgoraCall<S extends z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  json?: unknown;
  site: Omit<CallSite, 'vendor'>;
  response: S;
  /** statuses that are success for this call besides 2xx-with-no-code (e.g. 206 on stop) */
  contentType?: string;
}

export interface AgoraResult<T> {
  status: number;
  body: T;
  requestId: string;
  headers: Record<string, string>;
}

export async function agoraCall<S extends z.ZodType>(ctx: AgoraContext, call: AgoraCall<S>): Promise<AgoraResult<z.infer<S>>> {
  const site: CallSite = { vendor: 'agora', ...call.site };
  const res: HttpResponse = await ctx.http.send({
    method: call.method,
    url: ctx.baseUrl.replace(/\/+$/, '') + call.path,
    headers: {
      authorization: basicAuthorization(ctx.credentials),
      ...(call.contentType ? { 'content-type': call.contentType } : {}),
    },
    json: call.json,
    site,
  });
  if (res.status < 200 || res.status >= 300) throw agoraError(site, res);
  const parsed = call.response.safeParse(res.body ?? {});
  if (!parsed.success) {
    throw new VendorError({
      vendor: 'agora',
      product: site.product,
      operation: site.operation,
      httpStatus: res.status,
      code: 'RESPONSE_SCHEMA',
      reason: `unexpected response body: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'} ${i.message}`).join('; ')}`,
      requestId: res.requestId,
      retryable: false,
      // the call itself went through: for a create we do not know what was created
      ambiguous: !site.idempotent,
    });
  }
  return { status: res.status, body: parsed.data, requestId: res.requestId, headers: res.headers };
}
