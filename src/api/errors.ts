/**
 * What the HTTP API answers when something goes wrong, in one place:
 *
 *   400 invalid_input     malformed, too deep or invalid input (with the issues), before anything starts
 *   401 unauthorized      no or an unknown API key            403 forbidden   a profile the key may not use
 *   404 not_found         no such session (or one of another tenant)
 *   409 rejected          a change the session or the vendor refused
 *   409 ended             the session already ended (with its status and outcome)
 *   503 unavailable       Temporal cannot be reached (Retry-After: 2)
 *   500 internal          anything else (a bug: logged)
 */
import { isGrpcServiceError, ServiceError, WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { FastifyReply } from 'fastify';
import { InvalidInputError } from '../errors';

export type Fail = (reply: FastifyReply, err: unknown, id?: string) => Promise<FastifyReply>;

/** gRPC codes that mean "the server is not there right now": UNAVAILABLE, DEADLINE_EXCEEDED. */
const UNREACHABLE_CODES = new Set([14, 4]);

export function isTemporalUnreachable(err: unknown): boolean {
  for (let e: unknown = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    if (isGrpcServiceError(e) && UNREACHABLE_CODES.has(e.code)) return true;
    if (e instanceof ServiceError && /UNAVAILABLE|DEADLINE_EXCEEDED|Failed to connect/i.test(e.message)) return true;
  }
  return false;
}

export const unavailable = (reply: FastifyReply): FastifyReply =>
  reply.code(503).header('retry-after', '2').send({ error: 'unavailable', message: 'Temporal cannot be reached; try again shortly' });

/**
 * Client errors → their answers. A WorkflowNotFoundError for an ID that exists but has ended (an update
 * to a finished session) is a 409 with the session's status and outcome, not a 404.
 */
export function failWith(client: Client, log: (line: string) => void): Fail {
  return async (reply, err, id) => {
    if (err instanceof InvalidInputError) return reply.code(400).send({ error: 'invalid_input', message: err.message, issues: err.issues });
    if (err instanceof WorkflowUpdateFailedError) return reply.code(409).send({ error: 'rejected', message: err.cause?.message ?? err.message });
    if (isTemporalUnreachable(err)) return unavailable(reply);
    // the stop of a session that failed, was cancelled or terminated: it has no result to give
    if (err instanceof WorkflowFailedError) {
      return reply.code(409).send({ error: 'ended', message: 'the session ended without a result (failed, cancelled or terminated)', status: 'FAILED' });
    }
    // a request Temporal refuses as malformed (e.g. a listing's page token that was tampered with)
    if (isGrpcServiceError(err) && err.code === 3) return reply.code(400).send({ error: 'invalid_input', message: 'the request was refused as invalid' });
    if (err instanceof WorkflowNotFoundError) {
      const ended = id ? await endedSession(client, id).catch(() => undefined) : undefined;
      if (ended) return reply.code(409).send({ error: 'ended', message: `the session already ended (${ended.status})`, ...ended });
      return reply.code(404).send({ error: 'not_found', message: 'no such session' });
    }
    log(`api error: ${(err as Error).message}`);
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  };
}

/** The status of a session that exists but no longer runs, with the result's outcome when it completed. */
async function endedSession(client: Client, id: string): Promise<{ status: string; outcome?: string; reason?: string } | undefined> {
  const handle = client.workflow.getHandle(id);
  const d = await handle.describe();
  if (d.status.name === 'RUNNING') return undefined;
  if (d.status.name !== 'COMPLETED') return { status: d.status.name };
  const result = (await handle.result()) as { outcome?: unknown; reason?: unknown } | undefined;
  return {
    status: d.status.name,
    ...(typeof result?.outcome === 'string' ? { outcome: result.outcome } : {}),
    ...(typeof result?.reason === 'string' ? { reason: result.reason } : {}),
  };
}

/**
 * Whether Temporal answers, asked at most every `ttlMs` while it does, each time bounded by `timeoutMs`:
 * a request is answered 503 within about 2 s when the server is down, instead of hanging on the client's
 * own retries.
 */
export class TemporalProbe {
  private okUntil = 0;
  private inflight?: Promise<boolean>;
  constructor(
    private readonly client: Client,
    private readonly ttlMs = 2_000,
    private readonly timeoutMs = 1_500,
  ) {}

  reachable(): Promise<boolean> {
    if (Date.now() < this.okUntil) return Promise.resolve(true);
    this.inflight ??= this.probe().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async probe(): Promise<boolean> {
    try {
      await this.client.connection.withDeadline(Date.now() + this.timeoutMs, () => this.client.workflowService.getSystemInfo({}));
      this.okUntil = Date.now() + this.ttlMs;
      return true;
    } catch {
      return false;
    }
  }
}

/** True when `text` nests objects/arrays deeper than `max` (a linear scan that skips strings). */
export function jsonDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** A JSON body parser for fastify that answers 400 to malformed or too deeply nested bodies. */
export function parseJsonBody(maxDepth: number) {
  return (_req: unknown, body: string | Buffer, done: (err: Error | null, value?: unknown) => void): void => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    const bad = (message: string) => done(Object.assign(new Error(message), { statusCode: 400, code: 'invalid_json' }));
    if (text.trim() === '') return done(null, undefined);
    if (jsonDeeperThan(text, maxDepth)) return bad(`JSON nested deeper than ${maxDepth} levels`);
    try {
      done(null, JSON.parse(text));
    } catch {
      bad('malformed JSON');
    }
  };
}
