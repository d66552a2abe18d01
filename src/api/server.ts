/**
 * rtcflow's HTTP server: the HTTP API for sessions and the vendor webhook receivers.
 *
 * POST /v1/recordings                 start (or join the running) recording  → 201 {id, runId}
 *                                     (Agora by default; `"vendor": "sparkrtc"` starts a SparkRTC job)
 * GET  /v1/recordings/:id             status (phase, sid, files, layout…)
 * PUT  /v1/recordings/:id/layout      replace the whole layout               → the layout applied
 * PATCH /v1/recordings/:id            mid-session controls of an Agora recording, any of
 *                                     {layout (mix), subscriptions (individual/mix; each list given
 *                                     replaces that list), onhold (web: pause/resume), rtmpOutputs (web:
 *                                     {outputs} whole list, or {add, remove})} → {id, applied: each
 *                                     control's whole value once the recorder has it}; 400 with the issues
 *                                     (schema, or a control the mode does not take) before anything is
 *                                     sent; 409 when the session or Agora refuses it
 * POST /v1/recordings/:id/stop        stop and return the result (files)
 *
 * Every other session kind has the same four routes (./sessions.ts), under its own base:
 *   POST <base> (start) · GET <base>/:id (status) · PATCH <base>/:id (change) · POST <base>/:id/stop
 *   /v1/transcriptions   Real-Time STT: PATCH changes languages / audio uids / translation → {config}
 *   /v1/relays           Media Push relay (channel → CDN): PATCH changes rtmpUrl / transcoding → {config}
 *   /v1/ingests          Media Gateway ingest: GET shows the push address and key; PATCH mutes/unmutes → {mute}
 *   /v1/pulls            Media Pull (stream URL → channel): PATCH changes streamUrl / isPause / volume / seekPosition → {playback}
 *   /v1/transcoders      Cloud Transcoder (one channel → outputs): PATCH changes inputs / layout / encoding → {config}
 *
 * Ids are workflow IDs and contain slashes: URL-encode them. Bad input answers 400 with the issues,
 * before anything reaches Temporal or a vendor.
 *
 * POST /webhooks/agora/ncs — an Agora NCS event: the signature is checked on the raw body, duplicates
 * (same noticeId) are answered 200 and dropped, and the event is signalled to every running workflow
 * of that product on that channel; each workflow keeps only the events of its own sid/uid. Agora needs
 * a 200 within 10 s, so signalling is bounded; a failure answers 503 and NCS resends.
 *
 * POST /webhooks/sparkrtc/:profile — a SparkRTC record callback (./sparkrtc-callbacks.ts): X-Rtc-Signature
 * checked with the profile's auth_key, stale and replayed deliveries dropped, signalled to the owning session.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { RtcflowClient } from '../client';
import { failWith, idOf, reasonOf, sessionRoutes } from './sessions';
import { ncsEventSignal } from '../../workflows/agora-ncs';
import { NcsEvent } from '../schemas/agora/ncs';
import { NCS_ROUTES, RecentIds, verifyNcsSignature } from './ncs';
import { registerSparkRtcCallbacks } from './sparkrtc-callbacks';

export interface ApiServerOptions {
  client: Client;
  /** task queue the API starts sessions on */
  taskQueue?: string;
  /** the NCS secret configured in Agora Console */
  agoraNcsSecret?: string;
  /** SparkRTC profile name → its record callback's auth_key (src/config `callbackAuthKey`) */
  sparkrtcCallbackKeys?: Record<string, string>;
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
        event = NcsEvent.parse(JSON.parse(raw));
      } catch {
        return reply.code(400).send({ error: 'not an NCS event' });
      }
      if (!recent.add(event.noticeId)) return { ok: true, duplicate: true };
      const route = NCS_ROUTES[event.productId];
      const cname = route?.channelOf(event.payload);
      if (!route || !cname) return { ok: true, routed: 0 };
      const product = route.product;
      try {
        const query = `RtcProduct = "${product}" AND RtcChannel = "${cname.replace(/"/g, '\\"')}" AND ExecutionStatus = "Running"`;
        let routed = 0;
        for await (const wf of opts.client.workflow.list({ query, pageSize: 100 })) {
          // by workflow ID: the run listed may have continued as new since
          try {
            await opts.client.workflow.getHandle(wf.workflowId).signal(ncsEventSignal, event);
            routed++;
          } catch (err) {
            // it ended between the listing and the signal: nothing to tell it
            if (!(err instanceof WorkflowNotFoundError)) throw err;
          }
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

  registerSparkRtcCallbacks(app, { client: opts.client, authKeys: opts.sparkrtcCallbackKeys ?? {}, log });

  const rtc = new RtcflowClient(opts.client, opts.taskQueue ?? 'rtcflow');
  const fail = failWith(log);

  app.post('/v1/recordings', async (req, reply) => {
    try {
      return reply.code(201).send(await rtc.startRecording((req.body ?? {}) as never));
    } catch (err) {
      return fail(reply, err);
    }
  });
  app.get('/v1/recordings/:id', async (req, reply) => {
    try {
      return { id: idOf(req.params), ...(await rtc.recordingStatus(idOf(req.params))) };
    } catch (err) {
      return fail(reply, err);
    }
  });
  app.put('/v1/recordings/:id/layout', async (req, reply) => {
    try {
      return { id: idOf(req.params), layout: await rtc.updateLayout(idOf(req.params), req.body as never) };
    } catch (err) {
      return fail(reply, err);
    }
  });
  app.patch('/v1/recordings/:id', async (req, reply) => {
    try {
      return { id: idOf(req.params), applied: await rtc.updateRecording(idOf(req.params), (req.body ?? {}) as never) };
    } catch (err) {
      return fail(reply, err);
    }
  });
  app.post('/v1/recordings/:id/stop', async (req, reply) => {
    try {
      return { id: idOf(req.params), ...(await rtc.stopRecording(idOf(req.params), reasonOf(req.body))) };
    } catch (err) {
      return fail(reply, err);
    }
  });

  sessionRoutes(app, '/v1/transcriptions', rtc.transcriptions, fail, { changeKey: 'config' });
  sessionRoutes(app, '/v1/relays', rtc.relays, fail, { changeKey: 'config' });
  sessionRoutes(app, '/v1/ingests', rtc.ingests, fail, { changeKey: 'mute' });
  sessionRoutes(app, '/v1/pulls', rtc.pulls, fail, { changeKey: 'playback' });
  sessionRoutes(app, '/v1/transcoders', rtc.transcoders, fail, { changeKey: 'config' });
  sessionRoutes(app, '/v1/bans', rtc.bans, fail, { changeKey: 'term' });

  app.get('/healthz', async () => ({ ok: true }));
  return app;
}
