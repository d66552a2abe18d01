/**
 * Events rtcflow sends to the application's callback URL, and how the application verifies them.
 *
 * Each delivery is an HTTP POST of one JSON event (`RtcflowEvent`) with these headers:
 *   Rtcflow-Event-Id:   the event's ID (the same on every redelivery: deduplicate on it)
 *   Rtcflow-Event-Type: the event's type
 *   Rtcflow-Signature:  t=<unix ms>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>
 * `t` is the time of that attempt (each redelivery is signed anew); the receiver recomputes the HMAC over
 * the exact bytes it received, compares in constant time, and refuses a `t` outside its tolerance.
 * Several `v1=` entries may appear (secret rotation): one matching is enough.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const RTCFLOW_EVENT_TYPES = ['session.started', 'session.updated', 'files.ready', 'session.ended', 'session.failed'] as const;
export type RtcflowEventType = (typeof RTCFLOW_EVENT_TYPES)[number];

export const EVENT_HEADERS = {
  id: 'rtcflow-event-id',
  type: 'rtcflow-event-type',
  signature: 'rtcflow-signature',
} as const;

/** One event, as sent (the body of the POST). */
export interface RtcflowEvent<D = Record<string, unknown>> {
  /** stable across redeliveries: `rtcflow-event/<session run id>/<n>` */
  id: string;
  type: RtcflowEventType;
  /** when the session emitted it (ISO 8601) */
  createdAt: string;
  session: {
    /** the session (workflow) ID, e.g. `cloud-recording/default/main/demo` */
    id: string;
    runId: string;
    /** the tenant: the profile the session runs for */
    profile?: string;
    product?: string;
    vendor?: string;
    channel?: string;
  };
  /**
   * session.started / session.updated: {phase, reason?, since}; files.ready: {files};
   * session.ended: {outcome?, reason?, phase}; session.failed: {failure, phase}
   */
  data: D;
}

/** The signature header value for `rawBody` at time `t` (unix ms). */
export function signRtcflowEvent(rawBody: string, secret: string, t: number = Date.now()): string {
  return `t=${t},v1=${hmacHex(secret, t, rawBody)}`;
}

function hmacHex(secret: string, t: number | string, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest('hex');
}

export class RtcflowEventVerificationError extends Error {
  constructor(readonly reason: 'no_signature' | 'malformed_signature' | 'stale' | 'bad_signature' | 'malformed_body' | 'id_mismatch') {
    super(`rtcflow event refused: ${reason.replace(/_/g, ' ')}`);
    this.name = 'RtcflowEventVerificationError';
  }
}

export type EventHeaders = Headers | Record<string, string | string[] | undefined>;

export interface VerifyOptions {
  /** how far `t` may be from now, either way (default 5 minutes) */
  toleranceMs?: number;
  /** the receiver's clock (tests) */
  now?: number;
}

function header(headers: EventHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const rec = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(rec).find((k) => k.toLowerCase() === name);
  const v = key === undefined ? undefined : rec[key];
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * Verifies one delivery and returns its event. `rawBody` must be the exact bytes received (not a
 * re-serialised object); `secret` is the events secret of the profile (or several, during a rotation).
 * Throws RtcflowEventVerificationError (with a `reason`) when the signature is missing, malformed,
 * wrong or outside the tolerance, or the body is not an event whose ID matches Rtcflow-Event-Id.
 */
export function verifyRtcflowEvent<D = Record<string, unknown>>(
  rawBody: string | Buffer,
  headers: EventHeaders,
  secret: string | readonly string[],
  opts: VerifyOptions = {},
): RtcflowEvent<D> {
  const sig = header(headers, EVENT_HEADERS.signature);
  if (!sig) throw new RtcflowEventVerificationError('no_signature');
  let t: string | undefined;
  const v1: string[] = [];
  for (const part of sig.split(',')) {
    const i = part.indexOf('=');
    const [k, v] = i < 0 ? [part.trim(), ''] : [part.slice(0, i).trim(), part.slice(i + 1).trim()];
    if (k === 't') t = v;
    else if (k === 'v1' && /^[0-9a-f]{64}$/i.test(v)) v1.push(v.toLowerCase());
  }
  if (!t || !/^\d{1,16}$/.test(t) || v1.length === 0) throw new RtcflowEventVerificationError('malformed_signature');
  const now = opts.now ?? Date.now();
  if (Math.abs(now - Number(t)) > (opts.toleranceMs ?? 300_000)) throw new RtcflowEventVerificationError('stale');
  const secrets = typeof secret === 'string' ? [secret] : secret;
  const matches = secrets.some((s) => {
    const expected = Buffer.from(hmacHex(s, t!, rawBody), 'hex');
    // every candidate is compared in full, in constant time
    return v1.map((given) => timingSafeEqual(expected, Buffer.from(given, 'hex'))).includes(true);
  });
  if (!matches) throw new RtcflowEventVerificationError('bad_signature');
  let event: RtcflowEvent<D>;
  try {
    event = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8')) as RtcflowEvent<D>;
  } catch {
    throw new RtcflowEventVerificationError('malformed_body');
  }
  if (!event || typeof event !== 'object' || typeof event.id !== 'string' || typeof event.type !== 'string') throw new RtcflowEventVerificationError('malformed_body');
  const id = header(headers, EVENT_HEADERS.id);
  if (id !== undefined && id !== event.id) throw new RtcflowEventVerificationError('id_mismatch');
  return event;
}
