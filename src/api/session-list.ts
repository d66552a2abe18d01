/**
 * Sessions of every kind over HTTP, scoped to the caller's tenants:
 *
 *   GET /v1/sessions?product=&vendor=&channel=&phase=&status=running|closed|all&pageSize=&nextPageToken=
 *        → {sessions: [{id, profile, product, vendor, channel, phase, sid, status, startedAt, closedAt?}],
 *           nextPageToken?}   (newest first; status defaults to running; pageSize 1–1000, default 100)
 *   GET /v1/sessions/:id  → {id, ..., status (Temporal's), summary, details, currentDetails, session: its status query}
 *
 * A key sees only sessions of the profiles it may use (the second segment of the id; another tenant's
 * session answers 404 and is left out of listings). Filter values reach the visibility query only as
 * literals (src/client/session-list.ts through `visibilityLiteral`); anything else answers 400.
 */
import type { FastifyInstance } from 'fastify';
import type { RtcflowClient } from '../client';
import { profileOfSessionId } from './auth';
import { idOf, type Fail } from './sessions';

export function sessionListRoutes(app: FastifyInstance, rtc: RtcflowClient, fail: Fail): void {
  app.get('/v1/sessions', async (req, reply) => {
    const principal = req.principal!;
    try {
      return await rtc.sessions.list(req.query as never, { visible: (s) => principal.mayUse(profileOfSessionId(s.id) ?? '') });
    } catch (err) {
      return fail(reply, err);
    }
  });
  app.get('/v1/sessions/:id', async (req, reply) => {
    const id = idOf(req.params);
    try {
      const described = await rtc.sessions.describe(id);
      const status = await rtc.sessions.status(id).catch(() => undefined);
      return { ...described, ...(status ? { session: status } : {}) };
    } catch (err) {
      return fail(reply, err);
    }
  });
}
