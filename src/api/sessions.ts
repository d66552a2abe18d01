/**
 * The HTTP routes every session kind has, from its typed-client kind (src/client/sessions.ts):
 *
 *   POST  <base>              start (or join the running) session           → 201 {id, runId}
 *   GET   <base>/:id          status
 *   PATCH <base>/:id          a mid-session change → {id, [changeKey]: what was applied}
 *                             (409 when the workflow or the vendor refuses it)
 *   POST  <base>/:id/stop     stop and return the result
 *
 * and the one mapping of client errors to HTTP answers.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { InvalidInputError } from '../errors';

/** What a kind of session offers the routes (a SessionKind satisfies it). */
export interface SessionRoutesKind {
  start(input: never): Promise<unknown>;
  status(id: string): Promise<unknown>;
  update?(id: string, change: never): Promise<unknown>;
  stop(id: string, reason?: string): Promise<unknown>;
}

export type Fail = (reply: FastifyReply, err: unknown) => FastifyReply;

/** Client errors → 400 (bad input, with issues), 404 (no such session), 409 (change refused); else 500. */
export function failWith(log: (line: string) => void): Fail {
  return (reply, err) => {
    if (err instanceof InvalidInputError) return reply.code(400).send({ error: 'invalid_input', message: err.message, issues: err.issues });
    if (err instanceof WorkflowNotFoundError) return reply.code(404).send({ error: 'not_found', message: 'no such session' });
    if (err instanceof WorkflowUpdateFailedError) return reply.code(409).send({ error: 'rejected', message: err.cause?.message ?? err.message });
    log(`api error: ${(err as Error).message}`);
    return reply.code(500).send({ error: 'internal', message: (err as Error).message });
  };
}

export const idOf = (params: unknown): string => (params as { id: string }).id;
export const reasonOf = (body: unknown): string | undefined => {
  const reason = (body as { reason?: unknown } | undefined)?.reason;
  return typeof reason === 'string' ? reason : undefined;
};

export function sessionRoutes(app: FastifyInstance, base: string, kind: SessionRoutesKind, fail: Fail, opts: { changeKey?: string } = {}): void {
  app.post(base, async (req, reply) => {
    try {
      return reply.code(201).send(await kind.start((req.body ?? {}) as never));
    } catch (err) {
      return fail(reply, err);
    }
  });
  app.get(`${base}/:id`, async (req, reply) => {
    try {
      return { id: idOf(req.params), ...((await kind.status(idOf(req.params))) as object) };
    } catch (err) {
      return fail(reply, err);
    }
  });
  const update = kind.update?.bind(kind);
  if (update) {
    app.patch(`${base}/:id`, async (req, reply) => {
      try {
        return { id: idOf(req.params), [opts.changeKey ?? 'applied']: await update(idOf(req.params), (req.body ?? {}) as never) };
      } catch (err) {
        return fail(reply, err);
      }
    });
  }
  app.post(`${base}/:id/stop`, async (req, reply) => {
    try {
      return { id: idOf(req.params), ...((await kind.stop(idOf(req.params), reasonOf(req.body))) as object) };
    } catch (err) {
      return fail(reply, err);
    }
  });
}
