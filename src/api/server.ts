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
 * before anything reaches Temporal or a vendor. Every /v1 route needs `Authorization: Bearer <API key>`
 * (./auth.ts): 401 without a valid key; a key may start sessions only for its profiles (else 403) and
 * sees only their sessions (another tenant's answers 404). The answers to errors are in ./errors.ts.
 *
 * GET /v1/sessions[?product&vendor&channel&phase&status&pageSize&nextPageToken] — sessions of every kind the
 * key may see, paged (./session-list.ts); GET /v1/sessions/:id — any session as the Temporal UI shows it.
 * GET /v1/webhooks/stats — what the webhook receivers refused and routed, by reason.
 * GET /v1/usage?from&to&profile — the sessions' cost ledger beside the Agora Console usage (./usage.ts).
 *
 * POST /webhooks/agora/ncs — an Agora NCS event: the signature is checked on the raw body (no built-in
 * secret: without AGORA_NCS_SECRET the receiver answers 503), notifyMs must be within 5 minutes of now,
 * and the event is signalled once (./routing.ts: the server drops a repeat of the same noticeId, also after
 * a receiver restart) to the running sessions that registered the identifier it names (sid, agent,
 * converter, player; the channel for Media Gateway). Agora needs a 200 within 10 s; a routing failure
 * answers 503 and NCS resends.
 *
 * POST /webhooks/sparkrtc/:profile — a SparkRTC record callback (./sparkrtc-callbacks.ts): X-Rtc-Signature
 * checked with the profile's auth_key, stale and replayed deliveries dropped, signalled to the owning session.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Client } from '@temporalio/client';
import { RtcflowClient } from '../client';
import type { KnownProfiles } from '../client/sessions';
import { PUBLIC_INPUT_POLICY, TEST_INPUT_POLICY, type InputPolicy } from '../schemas/policy';
import { knownProfiles, sparkRtcCallbackKeys, type Config } from '../config';
import { forbidden, idOf, sessionRoutes, stopReasonOf } from './sessions';
import { sessionListRoutes } from './session-list';
import { usageRoutes } from './usage';
import { ncsEventSignal } from '../../workflows/agora-ncs';
import { NcsEvent } from '../schemas/agora/ncs';
import { ncsFresh, ncsRouteQueries, verifyNcsSignature } from './ncs';
import { registerSparkRtcCallbacks } from './sparkrtc-callbacks';
import { profileOfSessionId, type ApiKeyring } from './auth';
import { failWith, parseJsonBody, TemporalProbe, unavailable } from './errors';
import { signalMatching } from './routing';
import { WebhookStats } from './webhook-stats';
import { registerOpenApi } from './openapi';

export interface ApiServerOptions {
  client: Client;
  /** task queue the API starts sessions on */
  taskQueue?: string;
  /** who may call the /v1 routes (an empty keyring answers 401 to everyone) */
  apiKeys: ApiKeyring;
  /** PUBLIC_INPUT_POLICY unless given (tests against the emulator pass TEST_INPUT_POLICY) */
  inputPolicy?: InputPolicy;
  /** the profiles the worker has: a start naming another is refused with 400 before anything starts */
  profiles?: KnownProfiles;
  /** the NCS secret configured in Agora Console */
  agoraNcsSecret?: string;
  /** SparkRTC profile name → its record callback's auth_key (src/config `callbackAuthKey`) */
  sparkrtcCallbackKeys?: Record<string, string>;
  logger?: (line: string) => void;
  /** where the webhook receivers count what they accept and refuse (api.ts exposes it as Prometheus text); a fresh one if absent */
  webhookStats?: WebhookStats;
  /** how long `close()` lets requests in flight finish before it cuts their connections (CLOSE_GRACE_MS) */
  closeGraceMs?: number;
  /** the Agora profiles' credentials GET /v1/usage asks the Console with (absent: it answers 503) */
  config?: Config;
}

/** The deepest JSON a /v1 body may nest (inputs are a few levels deep). */
const MAX_JSON_DEPTH = 32;
/** An NCS event is a few KB. */
const NCS_BODY_LIMIT = 64 * 1024;

/**
 * A closing server's grace for requests in flight: under the 30 s a container orchestrator commonly waits
 * between SIGTERM and SIGKILL. A request still running then loses its answer, not its effect: a stop that
 * waits for its session's drain (up to drainTimeoutMs) goes on in the workflow, and asking again is safe.
 */
export const CLOSE_GRACE_MS = 25_000;

/**
 * `close()` ends as soon as the requests in flight have been answered. Node's `server.close()` closes only the
 * connections idle at that moment: one whose request was in flight (an NCS webhook being routed, a stop
 * waiting for its session) stayed open for the whole keep-alive timeout (72 s in Fastify), and so did the
 * process. While closing, each answer says `Connection: close`, connections are closed as soon as they are
 * idle, and after `graceMs` any still open are cut. (A host name that resolves to several addresses, e.g.
 * localhost, gets Fastify's secondary listeners, which Node's `close()` alone closes.)
 */
function drainOnClose(app: FastifyInstance, graceMs: number): void {
  let closing = false;
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.addHook('preClose', (done) => {
    closing = true;
    const server = app.server;
    if (!server.listening) return done();
    const reap = setInterval(() => server.closeIdleConnections(), 100).unref();
    const cut = setTimeout(() => server.closeAllConnections(), graceMs).unref();
    server.once('close', () => {
      clearInterval(reap);
      clearTimeout(cut);
    });
    done();
  });
}

export function buildApiServer(opts: ApiServerOptions): FastifyInstance {
  const root = Fastify({ logger: false, bodyLimit: 1 << 20 });
  drainOnClose(root, opts.closeGraceMs ?? CLOSE_GRACE_MS);
  const log = opts.logger ?? (() => undefined);
  const stats = opts.webhookStats ?? new WebhookStats();
  const probe = new TemporalProbe(opts.client);

  root.register(async (hooks) => {
    // the signature covers the exact bytes: keep the body as received, whatever its declared type, and
    // no bigger than an NCS event can be
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser('*', { parseAs: 'string', bodyLimit: NCS_BODY_LIMIT }, (_req, body, done) => done(null, body));
    hooks.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
      if (err.statusCode === 413) stats.count('agora', 'oversized');
      const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
      return reply.code(status).send({ error: status === 413 ? 'too large' : status >= 500 ? 'internal error' : err.message });
    });

    hooks.post('/webhooks/agora/ncs', async (req, reply) => {
      const raw = typeof req.body === 'string' ? req.body : '';
      if (!opts.agoraNcsSecret) return reply.code(503).send({ error: 'NCS receiver not configured (AGORA_NCS_SECRET)' });
      if (!req.headers['agora-signature-v2'] && !req.headers['agora-signature']) {
        stats.count('agora', 'unsigned');
        return reply.code(401).send({ error: 'unsigned' });
      }
      if (!verifyNcsSignature(opts.agoraNcsSecret, raw, req.headers)) {
        stats.count('agora', 'bad_signature');
        return reply.code(401).send({ error: 'bad signature' });
      }
      let event: NcsEvent;
      try {
        event = NcsEvent.parse(JSON.parse(raw));
      } catch {
        stats.count('agora', 'malformed');
        return reply.code(400).send({ error: 'not an NCS event' });
      }
      if (!ncsFresh(event.notifyMs)) {
        stats.count('agora', 'stale');
        return reply.code(400).send({ error: 'stale', message: 'notifyMs is more than 5 minutes from now' });
      }
      try {
        let routed = 0;
        for (const query of ncsRouteQueries(event)) {
          routed = await signalMatching(opts.client, query, ncsEventSignal, [event], `ncs:${event.noticeId}`);
          if (routed) break;
        }
        stats.count('agora', routed ? 'routed' : 'unrouted');
        log(`ncs ${event.productId}/${event.eventType} sid=${event.payload.sid ?? '-'} → ${routed} workflow(s)`);
        return { ok: true, routed };
      } catch (err) {
        log(`ncs routing failed: ${(err as Error).message}`);
        return reply.code(503).send({ error: 'temporarily unable to route the event' });
      }
    });
  });

  registerSparkRtcCallbacks(root, { client: opts.client, authKeys: opts.sparkrtcCallbackKeys ?? {}, log, stats });

  root.get('/healthz', async () => ({ ok: true }));
  registerOpenApi(root); // GET /openapi.json, no key needed (./openapi.ts)

  root.register(async (app) => {
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody(MAX_JSON_DEPTH));
    app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
      const status = err.statusCode ?? 500;
      if (status >= 500) {
        log(`api error: ${err.message}`);
        return reply.code(500).send({ error: 'internal', message: 'internal error' });
      }
      return reply.code(status).send({ error: status === 400 ? 'invalid_input' : (err.code ?? 'bad_request'), message: err.message });
    });

    // who is calling (401), whether Temporal answers (503), whether the session is theirs (404)
    app.addHook('onRequest', async (req, reply) => {
      const principal = opts.apiKeys.authenticate(req.headers.authorization);
      if (!principal) {
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="rtcflow"')
          .send({ error: 'unauthorized', message: 'a valid API key is required: Authorization: Bearer <key>' });
      }
      req.principal = principal;
      const id = (req.params as { id?: string } | undefined)?.id;
      if (id !== undefined && !principal.mayUse(profileOfSessionId(id) ?? '')) return reply.code(404).send({ error: 'not_found', message: 'no such session' });
      if (!(await probe.reachable())) return unavailable(reply);
    });

    const rtc = new RtcflowClient(opts.client, opts.taskQueue ?? 'rtcflow', { inputPolicy: opts.inputPolicy, profiles: opts.profiles });
    const fail = failWith(opts.client, log);

    // the receivers serve every tenant: their counters are for keys of every profile
    app.get('/v1/webhooks/stats', async (req, reply) =>
      req.principal?.allProfiles ? stats.snapshot() : reply.code(403).send({ error: 'forbidden', message: 'the webhook counters need a key for every profile ("*")' }),
    );

    app.post('/v1/recordings', async (req, reply) => {
      // an Agora recording also names a storage profile (default: "default"): the key must be allowed both
      const sparkrtc = (req.body as { vendor?: unknown } | undefined)?.vendor === 'sparkrtc';
      if (forbidden(req, reply, sparkrtc ? ['profile'] : ['profile', 'storageProfile'])) return reply;
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
        return fail(reply, err, idOf(req.params));
      }
    });
    app.put('/v1/recordings/:id/layout', async (req, reply) => {
      try {
        return { id: idOf(req.params), layout: await rtc.updateLayout(idOf(req.params), req.body as never) };
      } catch (err) {
        return fail(reply, err, idOf(req.params));
      }
    });
    app.patch('/v1/recordings/:id', async (req, reply) => {
      try {
        return { id: idOf(req.params), applied: await rtc.updateRecording(idOf(req.params), (req.body ?? {}) as never) };
      } catch (err) {
        return fail(reply, err, idOf(req.params));
      }
    });
    app.post('/v1/recordings/:id/stop', async (req, reply) => {
      try {
        return { id: idOf(req.params), ...(await rtc.stopRecording(idOf(req.params), stopReasonOf(req.body))) };
      } catch (err) {
        return fail(reply, err, idOf(req.params));
      }
    });

    sessionRoutes(app, '/v1/transcriptions', rtc.transcriptions, fail, { changeKey: 'config' });
    sessionRoutes(app, '/v1/relays', rtc.relays, fail, { changeKey: 'config' });
    sessionRoutes(app, '/v1/ingests', rtc.ingests, fail, { changeKey: 'mute' });
    sessionRoutes(app, '/v1/pulls', rtc.pulls, fail, { changeKey: 'playback' });
    sessionRoutes(app, '/v1/transcoders', rtc.transcoders, fail, { changeKey: 'config' });
    sessionRoutes(app, '/v1/bans', rtc.bans, fail, { changeKey: 'term' });
    sessionListRoutes(app, rtc, fail);
    usageRoutes(app, rtc, fail, opts.config);
  });

  return root;
}

/**
 * The API as a deployment's configuration describes it (api.ts in production, dev.ts for `npm start`):
 * its task queue, input policy, profiles and webhook secrets; `parts` adds the connection and keys.
 */
export function apiServerOptions(config: Config, parts: Pick<ApiServerOptions, 'client' | 'apiKeys'> & Partial<ApiServerOptions>): ApiServerOptions {
  return {
    taskQueue: config.temporal.taskQueue,
    inputPolicy: config.testHooks ? TEST_INPUT_POLICY : PUBLIC_INPUT_POLICY,
    profiles: knownProfiles(config),
    agoraNcsSecret: config.webhooks.agoraNcsSecret,
    sparkrtcCallbackKeys: sparkRtcCallbackKeys(config),
    config,
    ...parts,
  };
}
