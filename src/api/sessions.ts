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
import { z } from 'zod';
import { parsePublicInput } from '../schemas/parse';
import { PUBLIC_INPUT_POLICY } from '../schemas/policy';
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
      return { id: idOf(req.params), ...((await kind.stop(idOf(req.params), stopReasonOf(req.body))) as object) };
    } catch (err) {
      return fail(reply, err, idOf(req.params));
    }
  });
}

/**
 * 403 when a start names a profile the caller's key may not use (`profile` absent means "default"). A
 * profile that is not a string is left to the input's validation (400).
 */
export function forbidden(req: FastifyRequest, reply: FastifyReply, defaulted: readonly string[] = ['profile']): boolean {
  const denied = profilesNamedIn(req.body, defaulted).find((p) => !req.principal?.mayUse(p));
  if (denied === undefined) return false;
  void reply.code(403).send({ error: 'forbidden', message: `this API key may not use profile "${denied}"` });
  return true;
}

/**
 * Every profile a start body names: each string field called `profile` or `…Profile` anywhere in it
 * (`storageProfile`, `captions.storageProfile`…), and `default` for each top-level field in `defaulted`
 * that the body leaves out (the schema's default). Values that are not strings are left to validation.
 */
export function profilesNamedIn(body: unknown, defaulted: readonly string[]): string[] {
  const found = new Set<string>();
  const walk = (v: unknown, depth: number): void => {
    if (!v || typeof v !== 'object' || depth > 32) return;
    for (const [k, child] of Object.entries(v)) {
      if (/^(.*Profile|profile)$/.test(k) && typeof child === 'string') found.add(child);
      else walk(child, depth + 1);
    }
  };
  walk(body, 0);
  const top = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  for (const field of defaulted) if (top[field] === undefined) found.add('default');
  return [...found];
}

/** A stop request's body: an optional short reason (it goes into history, results and events). */
const StopBody = z.strictObject({ reason: z.string().max(256).optional() }).optional();

/** The reason of a stop request, or InvalidInputError (unknown keys, a long reason, a credential in it). */
export function stopReasonOf(body: unknown): string | undefined {
  return parsePublicInput(StopBody, body ?? undefined, 'stop request', PUBLIC_INPUT_POLICY)?.reason;
}
