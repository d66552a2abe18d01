/**
 * The SparkRTC record-callback receiver (sparkrtc.md §5, §17.7): POST /webhooks/sparkrtc/:profile.
 *
 *   1. the signature: X-Rtc-Signature = HMAC-SHA256(auth_key, X-Rtc-Rand + X-Rtc-Timestamp + raw body),
 *      checked over the raw bytes in constant time with the auth_key configured for that profile
 *      (src/config: `callbackAuthKey`, or SPARKRTC_CALLBACK_AUTH_KEY for `default`); unsigned, forged and
 *      stale (timestamp more than maxSkewMs from now) deliveries answer 401 and change nothing
 *   2. replays: each event is signalled once per session run (./routing.ts `signalOnce`: the request ID
 *      is derived from the event's dedupe key — job, event, format, object), so a resend, a replayed
 *      capture or the same event after a receiver restart writes nothing to the session's history
 *   3. routing: the owning session is found by RtcSid = job_id; a job no session holds yet (a start whose
 *      answer was lost, §17.2) goes to the running SparkRTC sessions of the room, which adopt it only
 *      if it is theirs. Nobody's job (auto-record, an old job) is answered 200 and logged.
 *
 * SparkRTC's retry policy is undocumented (§5.3); a routing failure answers 503 so a resend is handled.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { callbackDedupeKey, parseCallbackEvent, verifyCallback } from '../sparkrtc/callbacks';
import type { RecordCallbackEvent } from '../schemas/sparkrtc/callbacks';
import { SPARKRTC_RECORDING_PRODUCT, sparkRtcCallbackSignal, type SparkRtcCallback } from '../../workflows/sparkrtc-recording/messages';
import { signalMatching, visibilityLiteral } from './routing';
import { SPARKRTC_RECORDING_ID_PREFIX } from '../client/recordings';
import type { WebhookStats } from './webhook-stats';

export const SPARKRTC_CALLBACK_PATH = '/webhooks/sparkrtc/:profile';
/** A record callback is a few KB. */
const CALLBACK_BODY_LIMIT = 64 * 1024;

export interface SparkRtcCallbackOptions {
  client: Client;
  /** profile name → the auth_key its app's record callback is configured with */
  authKeys: Record<string, string>;
  /** how far X-Rtc-Timestamp may be from now (default 10 minutes, sparkrtc.md §5.4) */
  maxSkewMs?: number;
  log?: (line: string) => void;
  /** counts what was refused and why */
  stats?: WebhookStats;
}

/** The documented fields only: what the session reads, nothing a sender adds. */
function forwarded(e: RecordCallbackEvent): SparkRtcCallback {
  const keys: Array<keyof SparkRtcCallback> = [
    'job_id',
    'stream_name',
    'app_id',
    'room_id',
    'event_type',
    'record_format',
    'download_url',
    'record_duration',
    'width',
    'height',
    'start_time',
    'end_time',
    'obs_location',
    'obs_bucket',
    'obs_object',
    'file_size',
    'detail_message',
  ];
  const out: Record<string, unknown> = {};
  for (const k of keys) if (e[k] !== undefined) out[k] = e[k];
  return out as SparkRtcCallback;
}

export function registerSparkRtcCallbacks(app: FastifyInstance, opts: SparkRtcCallbackOptions): void {
  const log = opts.log ?? (() => undefined);
  const stats = opts.stats;

  /**
   * Running SparkRTC sessions of `profile` (the callback's URL names it, and its auth_key signed it: a
   * tenant's callbacks reach only that tenant's sessions) whose `attribute` is `value`, each signalled
   * once; how many.
   */
  const signalAll = async (profile: string, attribute: 'RtcSid' | 'RtcChannel', value: string | undefined, event: SparkRtcCallback, dedupeKey: string): Promise<number> => {
    const literal = visibilityLiteral(value);
    const owner = visibilityLiteral(`${SPARKRTC_RECORDING_ID_PREFIX}${profile}/`);
    if (!literal || !owner) return 0;
    const query = `RtcVendor = "sparkrtc" AND RtcProduct = "${SPARKRTC_RECORDING_PRODUCT}" AND WorkflowId STARTS_WITH ${owner} AND ${attribute} = ${literal} AND ExecutionStatus = "Running"`;
    return signalMatching(opts.client, query, sparkRtcCallbackSignal, [event], dedupeKey);
  };

  app.register(async (scope) => {
    // the signature covers the exact bytes: keep the body as received, whatever its declared type
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: CALLBACK_BODY_LIMIT }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
      if (err.statusCode === 413) stats?.count('sparkrtc', 'oversized');
      const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
      return reply.code(status).send({ error: status === 413 ? 'too large' : status >= 500 ? 'internal error' : err.message });
    });

    // the service checks the address answers when it is configured (RTC.00001018)
    scope.get(SPARKRTC_CALLBACK_PATH, async () => ({ ok: true }));

    scope.post(SPARKRTC_CALLBACK_PATH, async (req, reply) => {
      const { profile } = req.params as { profile: string };
      const authKey = Object.prototype.hasOwnProperty.call(opts.authKeys, profile) ? opts.authKeys[profile] : undefined;
      if (!authKey) {
        // the same answer as a bad signature: an unauthenticated caller cannot tell which profiles exist
        stats?.count('sparkrtc', 'unknown_profile');
        return reply.code(401).send({ error: 'bad_signature' });
      }
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const verdict = verifyCallback(authKey, req.headers, raw, { maxSkewMs: opts.maxSkewMs });
      if (!verdict.ok) {
        stats?.count('sparkrtc', verdict.reason);
        log(`sparkrtc callback refused (${verdict.reason}) for profile ${profile}`);
        return reply.code(401).send({ error: verdict.reason });
      }
      const parsed = parseCallbackEvent(raw);
      if (!parsed) {
        stats?.count('sparkrtc', 'malformed');
        return reply.code(400).send({ error: 'not a SparkRTC record callback' });
      }
      const dedupe = `${profile}|${callbackDedupeKey(parsed)}`;
      const event = forwarded(parsed);
      try {
        let routed = await signalAll(profile, 'RtcSid', event.job_id, event, dedupe);
        if (routed === 0) routed = await signalAll(profile, 'RtcChannel', event.room_id, event, dedupe);
        stats?.count('sparkrtc', routed ? 'routed' : 'unrouted');
        log(`sparkrtc ${event.event_type ?? '?'} job=${event.job_id ?? '-'} room=${event.room_id ?? '-'} → ${routed} workflow(s)`);
        return { status: 1, result: 'success', routed };
      } catch (err) {
        // nothing was remembered: the resend is handled
        log(`sparkrtc callback routing failed: ${(err as Error).message}`);
        return reply.code(503).send({ error: 'temporarily unable to route the callback' });
      }
    });
  });
}
