/**
 * The emulated SparkRTC API gateway: raw-body capture (the signature covers the exact bytes),
 * authentication (SDK-HMAC-SHA256 within 15 minutes of the emulator clock, or an IAM X-Auth-Token),
 * per-tenant flow control (§17.5), IAM policy (read-only users), app ownership, and the vendor's error
 * shapes. Everything here answers the way the service documents; nothing throws past it.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { APIG_ERRORS, RTC_ERRORS, type RtcErrorCode } from '../../src/schemas/sparkrtc/common';
import { verify, type VerifyFailure } from '../../src/sparkrtc/signer';
import type { EmulatorContext } from '../context';
import { LIMIT_WINDOWS_MS, type Account, type App, type IamUser, type Settings, type SparkState } from './state';

export interface Principal {
  account: Account;
  via: 'aksk' | 'token';
  user?: IamUser;
  readOnly: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** the exact body text as received */
    sparkRaw?: string;
    /** the parsed body (req.body holds a copy with secrets masked, for the request log) */
    sparkJson?: unknown;
    /** the body was not JSON */
    sparkMalformed?: boolean;
    sparkPrincipal?: Principal;
    sparkApp?: App;
  }
}

const SECRET_FIELDS = new Set(['auth_key', 'password', 'app_key']);

/** A copy with secret fields masked, for the request log. */
export function maskBody(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskBody);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET_FIELDS.has(k) && typeof v === 'string' && v ? '***' : maskBody(v)]));
  }
  return value;
}

/**
 * The routes registered on `instance` (an encapsulated plugin) keep the raw body and parse JSON
 * themselves: a malformed body is flagged for the handler (RTC.00001002 after authentication), never a
 * crash, and any content type is read.
 */
export function captureBody(instance: FastifyInstance): void {
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    req.sparkRaw = text;
    if (text.trim() === '') return done(null, undefined);
    try {
      const json: unknown = JSON.parse(text);
      req.sparkJson = json;
      done(null, maskBody(json));
    } catch {
      req.sparkMalformed = true;
      done(null, undefined);
    }
  });
}

export function rtcError(reply: FastifyReply, code: RtcErrorCode, detail?: string): FastifyReply {
  const e = RTC_ERRORS[code];
  return reply.code(e.status).send({ error_code: code, error_msg: detail ? `${e.msg} (${detail})` : e.msg });
}

export function gatewayError(reply: FastifyReply, code: keyof typeof APIG_ERRORS, detail?: string): FastifyReply {
  const e = APIG_ERRORS[code];
  return reply.code(e.status).send({ error_code: code, error_msg: detail ? `${e.msg}: ${detail}` : e.msg });
}

/** Every answer carries X-request-Id (§1): the caller's X-Request-ID echoed, else one of ours. */
export function installRequestIds(instance: FastifyInstance): void {
  instance.addHook('onSend', async (req, reply, payload) => {
    if (!reply.hasHeader('x-request-id')) reply.header('x-request-id', header(req, 'x-request-id') ?? randomBytes(16).toString('hex'));
    return payload;
  });
}

/** The vendor error shape for errors nobody caught (fastify's own 4xx, emulator bugs as 500). */
export function installErrorHandler(instance: FastifyInstance): void {
  instance.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return rtcError(reply, 'RTC.00001003', err.message);
    return reply.code(500).send({ error_code: 'RTC.00002002', error_msg: `InternalError.DbErr (emulator bug: ${err.message})` });
  });
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const AUTH_FAILURES: Record<VerifyFailure, string> = {
  missing: 'no Authorization header and no X-Auth-Token',
  malformed: 'the Authorization header is not SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...',
  bad_date: 'X-Sdk-Date is missing or not YYYYMMDDTHHMMSSZ',
  date_skew: 'the request has expired: X-Sdk-Date is more than 15 minutes from the server time',
  unknown_ak: 'the access key does not exist',
  unsigned_header: 'SignedHeaders must include host and x-sdk-date, and every signed header must be sent',
  signature: 'verify aksk signature fail',
};

/** Who is calling: an AK/SK signature or an IAM token; undefined when the gateway refused (answered). */
export function authenticate(state: SparkState, req: FastifyRequest, reply: FastifyReply): Principal | undefined {
  const token = header(req, 'x-auth-token');
  if (token !== undefined) {
    const t = state.tokens.get(token);
    if (!t) {
      gatewayError(reply, 'APIG.0301', 'decrypt token fail');
      return undefined;
    }
    if (t.expiresAt <= state.now()) {
      gatewayError(reply, 'APIG.0301', 'the token expired');
      return undefined;
    }
    return { account: t.account, via: 'token', user: t.user, readOnly: t.user.readOnly };
  }
  const r = verify({ method: req.method, rawUrl: req.url, headers: req.headers, body: req.sparkRaw ?? '', now: state.now(), secretFor: (ak) => state.secretFor(ak) });
  if (!r.ok) {
    gatewayError(reply, 'APIG.0301', AUTH_FAILURES[r.failure]);
    return undefined;
  }
  const account = state.accountByAk(r.ak)!;
  // AK/SK calls name their project; the tenant is found through it (RTC.00001001 otherwise)
  const project = header(req, 'x-project-id');
  if (project !== account.projectId) {
    rtcError(reply, 'RTC.00001001', project ? 'X-Project-Id is not a project of this account' : 'X-Project-Id is required with AK/SK');
    return undefined;
  }
  return { account, via: 'aksk', readOnly: false };
}

export type Category = keyof Settings['limits'];

/** preHandler of every /v2 route: authenticate, throttle, check the policy and the app. */
export function guard(state: SparkState, ctx: EmulatorContext, category: Category, appScoped: boolean) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const principal = authenticate(state, req, reply);
    if (!principal) return reply;
    const limit = state.settings.limits[category];
    const windowMs = LIMIT_WINDOWS_MS[category];
    const per = windowMs >= 60_000 ? 'minute' : 'second';
    const body = { error_code: 'APIG.0308', error_msg: `The throttling threshold has been reached: policy user over ratelimit,limit:${limit},time:1 ${per}` };
    if (ctx.limits.refuse(reply, `sparkrtc/${principal.account.domainId}/${category}`, limit, windowMs, body)) return reply;
    if (principal.readOnly && req.method !== 'GET') return rtcError(reply, 'RTC.00001021', `user ${principal.user?.name ?? ''} may only read`);
    req.sparkPrincipal = principal;
    if (appScoped) {
      const appId = (req.params as { app_id?: string }).app_id ?? '';
      const app = principal.account.apps.get(appId);
      if (!app) return rtcError(reply, 'RTC.00001015', `app ${appId}`);
      req.sparkApp = app;
    }
  };
}

/** The parsed body of a request that must carry one; answers RTC.00001002 for malformed JSON. */
export function jsonBody(req: FastifyRequest, reply: FastifyReply): { ok: true; body: unknown } | { ok: false } {
  if (req.sparkMalformed) {
    rtcError(reply, 'RTC.00001002');
    return { ok: false };
  }
  return { ok: true, body: req.sparkJson ?? {} };
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v = input;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** The SparkRTC code of a validation issue: named by the schema, 1005 when absent, 1010 for layouts, else 1003. */
export function codeOf(issue: z.ZodError['issues'][number], input: unknown): RtcErrorCode {
  const named = (issue as { params?: { rtc?: string } }).params?.rtc;
  if (named && named in RTC_ERRORS) return named as RtcErrorCode;
  const absent = valueAt(input, issue.path) === undefined;
  if (absent && (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union')) return 'RTC.00001005';
  if (issue.code === 'invalid_value' && issue.path[issue.path.length - 1] === 'layout_template') return 'RTC.00001010';
  return 'RTC.00001003';
}

/** Validates with a shared schema; on failure answers with the code of the first issue. */
export function validate<S extends z.ZodType>(reply: FastifyReply, schema: S, input: unknown): z.infer<S> | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    rtcError(reply, 'RTC.00001003', 'the body must be a JSON object');
    return undefined;
  }
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const where = issue.path.join('.') || '(body)';
  rtcError(reply, codeOf(issue, input), `${where}: ${issue.message}`);
  return undefined;
}

/** Integer query parameter (undefined when absent; NaN when malformed). */
export function intQuery(q: Record<string, string | undefined>, name: string): number | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  return /^\d+$/.test(v) ? Number(v) : NaN;
}
