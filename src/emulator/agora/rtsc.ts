/**
 * Mechanisms shared by the emulated Agora "rtsc" products: Real-Time STT 6.x and 7.x and Cloud
 * Transcoder (agora.md §3, §4, §8). builderTokens (5-minute validity by the emulator clock), the observed
 * 10 req/s limit, update sequencing, the `{message}` error shape and a JSON parser that, like Agora's
 * gateway, accepts `Content-Type: application/json` with no body (the seeds send that header on DELETE
 * and on STT 7.x leave).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { canonical } from '../../schemas/agora/transcoder';
import type { EmulatorContext } from '../context';
import type { Channel, World } from '../world';

/** A builderToken must be used within 5 minutes of acquire (agora.md §3, §8). */
export const BUILDER_TOKEN_VALIDITY_MS = 5 * 60_000;
/** STT 6.x/7.x and Cloud Transcoder: `RateLimit-Limit: 10`, `RateLimit-Reset: 1` in the saved examples (agora.md §1.4). */
export const RTSC_RATE_LIMIT_PER_SECOND = 10;
/** emulated time a new task/agent reports its starting status before it is "in progress" */
export const STARTUP_MS = 2_000;
/** emulated time a bot that lost its connection takes to rejoin (6.x RECONNECTING, 7.x RECOVERING) */
export const RECOVERY_MS = 5_000;

export interface BuilderToken {
  tokenName: string;
  appId: string;
  instanceId: string;
  createdAt: number;
  /** the one task this token started (one builderToken = one task) */
  taskId?: string;
}

export class BuilderTokens {
  private readonly tokens = new Map<string, BuilderToken>();

  constructor(private readonly world: World) {}

  issue(appId: string, instanceId: string): BuilderToken {
    const t: BuilderToken = { tokenName: randomBytes(160).toString('base64url'), appId, instanceId, createdAt: this.world.now() };
    this.tokens.set(t.tokenName, t);
    return t;
  }

  /** The token, when it was issued for this app. */
  find(appId: string, tokenName: string): BuilderToken | undefined {
    const t = this.tokens.get(tokenName);
    return t && t.appId === appId ? t : undefined;
  }

  expired(t: BuilderToken): boolean {
    return this.world.now() - t.createdAt > BUILDER_TOKEN_VALIDITY_MS;
  }
}

/** Agora's error body for these products: `{message}` (agora.md §3 "On error, the body has a message"). */
export function fail(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ message });
}

/** One line per zod issue: `rtcConfig.subBotUid: must be ...`. */
export function issuesText(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

/** Parses `schema` or answers 400 `{message}`; undefined when it answered. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, reply: FastifyReply, what = 'invalid request'): z.infer<S> | undefined {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  fail(reply, 400, `${what}: ${issuesText(r.error)}`);
  return undefined;
}

/** The value of a query-string parameter (the first, when repeated). */
export function queryParam(req: FastifyRequest, name: string): string | undefined {
  const v = (req.query as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A non-negative integer query parameter, or a 400. `required` answers 400 when it is missing. */
export function intParam(req: FastifyRequest, reply: FastifyReply, name: string, required: boolean): number | undefined | null {
  const raw = queryParam(req, name);
  if (raw === undefined || raw === '') {
    if (required) fail(reply, 400, `${name} is required`);
    return required ? null : undefined;
  }
  if (!/^\d{1,15}$/.test(raw)) {
    fail(reply, 400, `${name} must be a non-negative integer`);
    return null;
  }
  return Number(raw);
}

/**
 * Update sequencing (agora.md §4 update, §8 update): each update carries a sequenceId larger than the
 * last applied one. A lower or equal one is refused as stale, except an exact repeat of the last
 * applied update (same sequenceId and body), which answers as before: the retry-with-the-same-
 * sequenceId of agora.md §14.3 after a lost response.
 */
export class SequenceGuard {
  last?: number;
  private lastKey?: string;

  check(sequenceId: number, body: unknown): 'apply' | 'replay' | 'stale' {
    if (this.last === undefined || sequenceId > this.last) return 'apply';
    if (sequenceId === this.last && canonical(body) === this.lastKey) return 'replay';
    return 'stale';
  }

  applied(sequenceId: number, body: unknown): void {
    this.last = sequenceId;
    this.lastKey = canonical(body);
  }
}

/** Per-app, per-operation limit (scope not documented: the examples only show the numbers). */
export function rateLimited(ctx: EmulatorContext, req: FastifyRequest, reply: FastifyReply, product: string, operation: string): boolean {
  const appId = (req.params as { appid?: string }).appid ?? '';
  return ctx.limits.refuse(reply, `agora/${product}/${appId}/${operation}`, RTSC_RATE_LIMIT_PER_SECOND);
}

/**
 * Registers `routes` in an encapsulated scope whose JSON parser treats an empty body as no body and
 * answers malformed JSON with 400 `{message}` (through the server's error handler).
 */
export function rtscScope(app: FastifyInstance, routes: (scope: FastifyInstance) => void): void {
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch (err) {
        done(Object.assign(new Error(`body is not valid JSON: ${(err as Error).message}`), { statusCode: 400 }), undefined);
      }
    });
    routes(scope);
  });
}

/** Is `uid` used by anyone (a user or another vendor bot) in the channel? */
export function uidTaken(ch: Channel, uid: string): boolean {
  return ch.users.has(uid);
}

/** Unix seconds of an emulated instant. */
export const seconds = (ms: number): number => Math.floor(ms / 1000);

/** Whether a bot of ours is still in the channel; 'conflict' when a user has taken its uid. */
export function botPresence(world: World, appId: string, cname: string, uid: string): 'present' | 'missing' | 'conflict' {
  const u = world.channel(appId, cname).users.get(uid);
  if (!u) return 'missing';
  return u.bot ? 'present' : 'conflict';
}
