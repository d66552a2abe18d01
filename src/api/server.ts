/**
 * rtcflow's HTTP server: vendor webhook receivers (and, as it grows, the HTTP API).
 *
 * POST /webhooks/agora/ncs — an Agora NCS event: the signature is checked on the raw body, duplicates
 * (same noticeId) are answered 200 and dropped, and the event is signalled to every running workflow
 * of that product on that channel; each workflow keeps only the events of its own sid/uid. Agora needs
 * a 200 within 10 s, so signalling is bounded; a failure answers 503 and NCS resends.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { ncsEventSignal, type NcsEvent } from '../../workflows/messages';
import { RecentIds, verifyNcsSignature } from './ncs';

/** NCS productId → the workflows that want its events (webhooks.md §1). */
const NCS_PRODUCTS: Record<number, string> = { 3: 'cloud-recording' };

const NcsBody = z.looseObject({
  noticeId: z.string().min(1),
  productId: z.number().int(),
  eventType: z.number().int(),
  notifyMs: z.number().optional(),
  payload: z.looseObject({ cname: z.string().optional(), sid: z.string().optional(), uid: z.string().optional() }),
});

export interface ApiServerOptions {
  client: Client;
  /** the NCS secret configured in Agora Console */
  agoraNcsSecret?: string;
  logger?: (line: string) => void;
}

export function buildApiServer(opts: ApiServerOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1 << 20 });
  const recent = new RecentIds();
  const log = opts.logger ?? (() => undefined);

  app.register(async (hooks) => {
    // the signature covers the exact bytes: keep the body as received
    hooks.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    hooks.post('/webhooks/agora/ncs', async (req, reply) => {
      const raw = typeof req.body === 'string' ? req.body : '';
      if (!opts.agoraNcsSecret) return reply.code(503).send({ error: 'NCS receiver not configured (AGORA_NCS_SECRET)' });
      if (!verifyNcsSignature(opts.agoraNcsSecret, raw, req.headers)) return reply.code(401).send({ error: 'bad signature' });
      let event: NcsEvent;
      try {
        event = NcsBody.parse(JSON.parse(raw)) as NcsEvent;
      } catch {
        return reply.code(400).send({ error: 'not an NCS event' });
      }
      if (!recent.add(event.noticeId)) return { ok: true, duplicate: true };
      const product = NCS_PRODUCTS[event.productId];
      const cname = event.payload.cname;
      if (!product || !cname) return { ok: true, routed: 0 };
      try {
        const query = `RtcProduct = "${product}" AND RtcChannel = "${cname.replace(/"/g, '\\"')}" AND ExecutionStatus = "Running"`;
        let routed = 0;
        for await (const wf of opts.client.workflow.list({ query, pageSize: 100 })) {
          await opts.client.workflow.getHandle(wf.workflowId, wf.runId).signal(ncsEventSignal, event).catch(() => undefined);
          routed++;
        }
        log(`ncs ${event.eventType} ${cname} sid=${event.payload.sid ?? '-'} → ${routed} workflow(s)`);
        return { ok: true, routed };
      } catch (err) {
        // forget the id so the resend is handled
        recent.forget(event.noticeId);
        log(`ncs routing failed: ${(err as Error).message}`);
        return reply.code(503).send({ error: 'temporarily unable to route the event' });
      }
    });
  });

  app.get('/healthz', async () => ({ ok: true }));
  return app;
}
