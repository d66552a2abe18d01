/**
 * The SparkRTC record-callback receiver (sparkrtc.md §5, §17.7): POST /webhooks/sparkrtc/:profile.
 *
 *   1. the signature: X-Rtc-Signature = HMAC-SHA256(auth_key, X-Rtc-Rand + X-Rtc-Timestamp + raw body),
 *      checked over the raw bytes in constant time with the auth_key configured for that profile
 *      (src/config: `callbackAuthKey`, or SPARKRTC_CALLBACK_AUTH_KEY for `default`); unsigned, forged and
 *      stale (timestamp more than maxSkewMs from now) deliveries answer 401 and change nothing
 *   2. replays: a delivery whose signature was seen, or an event whose dedupe key (job, event, format,
 *      object) was seen, answers 200 and is dropped. The memory is this process's (bounded): after a
 *      restart, or behind several API replicas, a replay inside the timestamp window is signalled again —
 *      which the session absorbs (files are keyed by OBS object, states come from the job query)
 *   3. routing: the owning session is found by RtcSid = job_id; a job no session holds yet (a start whose
 *      answer was lost, §17.2) goes to the running SparkRTC sessions of the room, which adopt it only
 *      if it is theirs. Nobody's job (auto-record, an old job) is answered 200 and logged.
 *
 * SparkRTC's retry policy is undocumented (§5.3); a routing failure answers 503 so a resend is handled.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { callbackDedupeKey, CALLBACK_HEADERS, parseCallbackEvent, verifyCallback } from '../sparkrtc/callbacks';
import type { RecordCallbackEvent } from '../schemas/sparkrtc/callbacks';
import { SPARKRTC_RECORDING_PRODUCT, sparkRtcCallbackSignal, type SparkRtcCallback } from '../../workflows/sparkrtc-recording/messages';
import { RecentIds } from './ncs';

export const SPARKRTC_CALLBACK_PATH = '/webhooks/sparkrtc/:profile';

export interface SparkRtcCallbackOptions {
  client: Client;
  /** profile name → the auth_key its app's record callback is configured with */
  authKeys: Record<string, string>;
  /** how far X-Rtc-Timestamp may be from now (default 10 minutes, sparkrtc.md §5.4) */
  maxSkewMs?: number;
  log?: (line: string) => void;
}

/** A value inside a visibility query's double quotes. */
export function quoteVisibility(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
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
  const signatures = new RecentIds();
  const events = new RecentIds();

  /** Running SparkRTC sessions matching `where`, signalled; how many. */
  const signalAll = async (where: string, event: SparkRtcCallback): Promise<number> => {
    let routed = 0;
    const query = `RtcVendor = "sparkrtc" AND RtcProduct = "${SPARKRTC_RECORDING_PRODUCT}" AND ${where} AND ExecutionStatus = "Running"`;
    for await (const wf of opts.client.workflow.list({ query, pageSize: 100 })) {
      try {
        // by workflow ID: the run listed may have continued as new since
        await opts.client.workflow.getHandle(wf.workflowId).signal(sparkRtcCallbackSignal, event);
        routed++;
      } catch (err) {
        // it ended between the listing and the signal: nothing to tell it
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
    return routed;
  };

  app.register(async (scope) => {
    // the signature covers the exact bytes: keep the body as received, whatever its declared type
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

    // the service checks the address answers when it is configured (RTC.00001018)
    scope.get(SPARKRTC_CALLBACK_PATH, async () => ({ ok: true }));

    scope.post(SPARKRTC_CALLBACK_PATH, async (req, reply) => {
      const { profile } = req.params as { profile: string };
      const authKey = Object.prototype.hasOwnProperty.call(opts.authKeys, profile) ? opts.authKeys[profile] : undefined;
      if (!authKey) return reply.code(404).send({ error: `no SparkRTC callback auth_key is configured for profile "${profile}"` });
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const verdict = verifyCallback(authKey, req.headers, raw, { maxSkewMs: opts.maxSkewMs });
      if (!verdict.ok) {
        log(`sparkrtc callback refused (${verdict.reason}) for profile ${profile}`);
        return reply.code(401).send({ error: verdict.reason });
      }
      const signature = String(req.headers[CALLBACK_HEADERS.signature]).trim().toLowerCase();
      if (!signatures.add(`${profile}|${signature}`)) return { status: 1, result: 'success', duplicate: true };
      const parsed = parseCallbackEvent(raw);
      if (!parsed) return reply.code(400).send({ error: 'not a SparkRTC record callback' });
      const dedupe = `${profile}|${callbackDedupeKey(parsed)}`;
      if (!events.add(dedupe)) return { status: 1, result: 'success', duplicate: true };
      const event = forwarded(parsed);
      try {
        let routed = event.job_id ? await signalAll(`RtcSid = ${quoteVisibility(event.job_id)}`, event) : 0;
        if (routed === 0 && event.room_id) routed = await signalAll(`RtcChannel = ${quoteVisibility(event.room_id)}`, event);
        log(`sparkrtc ${event.event_type ?? '?'} job=${event.job_id ?? '-'} room=${event.room_id ?? '-'} → ${routed} workflow(s)`);
        return { status: 1, result: 'success', routed };
      } catch (err) {
        // forget it so the resend is handled
        signatures.forget(`${profile}|${signature}`);
        events.forget(dedupe);
        log(`sparkrtc callback routing failed: ${(err as Error).message}`);
        return reply.code(503).send({ error: 'temporarily unable to route the callback' });
      }
    });
  });
}
