/**
 * Mechanisms shared by the emulated Agora "rtsc" products: Real-Time STT 6.x and 7.x and Cloud
 * Transcoder (agora.md §3, §4, §8). builderTokens (acquire, 5-minute validity by the emulator clock, the
 * task a token started), the observed 10 req/s limit, update sequencing, the end of a task, the
 * `{message}` error shape and a JSON parser that, like Agora's gateway, accepts `Content-Type:
 * application/json` with no body (the seeds send that header on DELETE and on STT 7.x leave).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { describeIssues } from '../../src/schemas/issues';
import { InstanceId } from '../../src/schemas/agora/stt';
import { canonical } from '../../src/schemas/agora/transcoder';
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

  /** The token a start/create names in `?builderToken=`, issued for this app; undefined when it answered 400. */
  fromQuery(req: FastifyRequest, reply: FastifyReply, appId: string): BuilderToken | undefined {
    const tokenName = queryParam(req, 'builderToken');
    if (!tokenName) {
      fail(reply, 400, 'builderToken is required');
      return undefined;
    }
    const token = this.find(appId, tokenName);
    if (!token) fail(reply, 400, 'invalid builderToken');
    return token;
  }
}

const AcquireBody = z.looseObject({ instanceId: InstanceId });

/** The handler of `POST …/builderTokens`: a new builderToken for `{instanceId}`, as the saved examples answer it. */
export function acquireHandler(ctx: EmulatorContext, tokens: BuilderTokens, product: string) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (rateLimited(ctx, req, reply, product, 'acquire')) return reply;
    const body = parseOr400(AcquireBody, req.body ?? {}, reply);
    if (!body) return reply;
    const { appid } = req.params as { appid: string };
    const t = tokens.issue(appid, body.instanceId);
    return { createTs: seconds(t.createdAt), instanceId: t.instanceId, tokenName: t.tokenName };
  };
}

const TaskParams = z.object({ appid: z.string(), taskId: z.string() });

/**
 * The task of a `tasks/:taskId` route, checked against the builderToken that started it: 400 without a
 * builderToken, 404 for an unknown task or another app's, 400 `mismatch` for another builderToken.
 * `cname` names the task's channel for the request log. Undefined when it answered.
 */
export function taskByToken<T extends { appId: string; tokenName: string }>(
  req: FastifyRequest,
  reply: FastifyReply,
  tasks: Map<string, T>,
  cname: (t: T) => string,
  mismatch: string,
): T | undefined {
  const { appid, taskId } = TaskParams.parse(req.params);
  req.logRef = { ...req.logRef, sid: taskId };
  const tokenName = queryParam(req, 'builderToken');
  if (!tokenName) {
    fail(reply, 400, 'builderToken is required');
    return undefined;
  }
  const task = tasks.get(taskId);
  if (!task || task.appId !== appid) {
    fail(reply, 404, 'task not found');
    return undefined;
  }
  req.logRef.cname = cname(task);
  if (task.tokenName !== tokenName) {
    fail(reply, 400, mismatch);
    return undefined;
  }
  return task;
}

/** What every task/agent records when it ends. */
export interface Ending<R extends string> {
  running: boolean;
  endedAt?: number;
  endReason?: R;
}

/** Marks a running task ended now for `reason`; false when it had ended already (nothing to do). */
export function markEnded<R extends string>(t: Ending<R>, reason: R, now: number): boolean {
  if (!t.running) return false;
  t.running = false;
  t.endedAt = now;
  t.endReason = reason;
  return true;
}

/** Agora's error body for these products: `{message}` (agora.md §3 "On error, the body has a message"). */
export function fail(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ message });
}

/** Parses `schema` or answers 400 `{message}`; undefined when it answered. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, reply: FastifyReply, what = 'invalid request'): z.infer<S> | undefined {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  fail(reply, 400, `${what}: ${describeIssues(r.error, 'body')}`);
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

  /**
   * A new sequenceId runs `apply` and becomes the last applied one; an exact repeat changes nothing;
   * a stale one answers 400 `{message}` and returns false.
   */
  accept(reply: FastifyReply, sequenceId: number, body: unknown, apply: () => void): boolean {
    if (this.last === undefined || sequenceId > this.last) {
      apply();
      this.last = sequenceId;
      this.lastKey = canonical(body);
      return true;
    }
    if (sequenceId === this.last && canonical(body) === this.lastKey) return true;
    fail(reply, 400, `sequenceId ${sequenceId} is stale: the last applied update had sequenceId ${this.last}`);
    return false;
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
