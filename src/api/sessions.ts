/**
 * The HTTP routes every session kind has, from its typed-client kind (src/client/sessions.ts):
 *
 *   POST  <base>              start (or join the running) session           → 201 {id, runId}
 *   GET   <base>/:id          status
 *   PATCH <base>/:id          a mid-session change → {id, [changeKey]: what was applied}
 *                             (409 when the workflow or the vendor refuses it)
 *   POST  <base>/:id/stop     stop and return the result
 *
 * Authentication and the tenant check run before every route (./server.ts); errors map in ./errors.ts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiPrincipal } from './auth';
import type { Fail } from './errors';

export type { Fail };

declare module 'fastify' {
  interface FastifyRequest {
    /** who made the request (set by the /v1 authentication hook) */
    principal?: ApiPrincipal;
  }
}

/** What a kind of session offers the routes (a SessionKind satisfies it). */
export interface SessionRoutesKind {
  start(input: never): Promise<unknown>;
  status(id: string): Promise<unknown>;
  update?(id: string, change: never): Promise<unknown>;
  stop(id: string, reason?: string): Promise<unknown>;
}

export const idOf = (params: unknown): string => (params as { id: string }).id;
export const reasonOf = (body: unknown): string | undefined => {
  const reason = (body as { reason?: unknown } | undefined)?.reason;
  return typeof reason === 'string' ? reason : undefined;
};

export function sessionRoutes(app: FastifyInstance, base: string, kind: SessionRoutesKind, fail: Fail, opts: { changeKey?: string } = {}): void {
  app.post(base, async (req, reply) => {
    if (forbidden(req, reply)) return reply;
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
      return fail(reply, err, idOf(req.params));
    }
  });
  const update = kind.update?.bind(kind);
  if (update) {
    app.patch(`${base}/:id`, async (req, reply) => {
      try {
        return { id: idOf(req.params), [opts.changeKey ?? 'applied']: await update(idOf(req.params), (req.body ?? {}) as never) };
      } catch (err) {
        return fail(reply, err, idOf(req.params));
      }
    });
  }
  app.post(`${base}/:id/stop`, async (req, reply) => {
    try {
      return { id: idOf(req.params), ...((await kind.stop(idOf(req.params), reasonOf(req.body))) as object) };
    } catch (err) {
      return fail(reply, err, idOf(req.params));
    }
  });
}

/**
 * 403 when a start names a profile the caller's key may not use (`profile` absent means "default"). A
 * profile that is not a string is left to the input's validation (400).
 */
export function forbidden(req: FastifyRequest, reply: FastifyReply): boolean {
  const profile = (req.body as { profile?: unknown } | undefined)?.profile ?? 'default';
  if (typeof profile !== 'string' || req.principal?.mayUse(profile)) return false;
  void reply.code(403).send({ error: 'forbidden', message: `this API key may not use profile "${profile}"` });
  return true;
}
