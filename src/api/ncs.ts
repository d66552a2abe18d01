/**
 * Agora NCS webhook verification (webhooks.md §2): HMAC over the raw body bytes with the NCS secret;
 * Agora-Signature-V2 (SHA-256) preferred, Agora-Signature (SHA-1) accepted; constant-time comparison,
 * hex case-insensitive.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { NCS_PRODUCT_CLOUD_RECORDING } from '../agora/meanings/cloud-recording';
import { NCS_PRODUCT_STT } from '../agora/meanings/stt';
import { NCS_PRODUCT_MEDIA_GATEWAY } from '../agora/meanings/media-gateway';
import { MEDIA_PUSH_NCS_PRODUCT_ID } from '../agora/meanings/media-push';
import { MEDIA_PULL_NCS_PRODUCT_ID } from '../agora/meanings/media-pull';
import type { NcsEvent } from '../schemas/agora/ncs';
import { visibilityLiteral } from './routing';

export interface NcsRoute {
  /** the RtcProduct search attribute of the sessions that want these events */
  product: string;
  /** the identifier of the vendor resource the event is about, which its session registers as RtcSid */
  idOf: (payload: NcsEvent['payload']) => string | undefined;
  /** the RTC channel the payload names (RtcChannel) */
  channelOf: (payload: NcsEvent['payload']) => string | undefined;
}

/** NCS productId → the running sessions its events are signalled to (webhooks.md §1). */
export const NCS_ROUTES: Record<number, NcsRoute> = {
  [NCS_PRODUCT_CLOUD_RECORDING]: { product: 'cloud-recording', idOf: (p) => p.sid, channelOf: (p) => p.cname },
  [NCS_PRODUCT_STT]: { product: 'stt', idOf: (p) => p.agent_id, channelOf: (p) => p.channel },
  // a push changes sid on every reconnect: its sessions are found by channel (and keep their own uid/key's events)
  [NCS_PRODUCT_MEDIA_GATEWAY]: { product: 'media-gateway', idOf: () => undefined, channelOf: (p) => p.rtcInfo?.channel },
  [MEDIA_PUSH_NCS_PRODUCT_ID]: {
    product: 'media-push',
    idOf: (p) => p.converter?.id,
    channelOf: (p) => p.converter?.transcodeOptions?.rtcChannel ?? p.converter?.rawOptions?.rtcChannel,
  },
  [MEDIA_PULL_NCS_PRODUCT_ID]: { product: 'media-pull', idOf: (p) => p.player?.id, channelOf: (p) => p.player?.channelName },
};

/**
 * The visibility queries for the running sessions an event belongs to, most specific first: the session
 * that registered the resource's ID (RtcSid), then — for an event that comes before its session has
 * registered the ID (a recorder's first events race the start's answer) — the sessions of the product on
 * the channel, each of which keeps only the events of its own resource. Values go through
 * `visibilityLiteral`: one that could not be an ID or a channel name routes nowhere.
 */
export function ncsRouteQueries(event: Pick<NcsEvent, 'productId' | 'payload'>): string[] {
  const route = NCS_ROUTES[event.productId];
  if (!route) return [];
  const running = `RtcProduct = "${route.product}" AND ExecutionStatus = "Running"`;
  const id = visibilityLiteral(route.idOf(event.payload));
  const channel = visibilityLiteral(route.channelOf(event.payload));
  return [...(id ? [`${running} AND RtcSid = ${id}`] : []), ...(channel ? [`${running} AND RtcChannel = ${channel}`] : [])];
}

/** How far `notifyMs` may be from the receiver's clock (NCS sets it anew on every resend). */
export const NCS_MAX_SKEW_MS = 5 * 60_000;

/** True when the event's notifyMs is within the window (a missing one is stale). */
export function ncsFresh(notifyMs: number | undefined, now = Date.now(), window = NCS_MAX_SKEW_MS): boolean {
  return typeof notifyMs === 'number' && Math.abs(now - notifyMs) <= window;
}

export function verifyNcsSignature(secret: string, rawBody: string, headers: Record<string, string | string[] | undefined>): boolean {
  const pick = (name: string) => {
    const v = headers[name];
    return (Array.isArray(v) ? v[0] : v)?.trim().toLowerCase();
  };
  const v2 = pick('agora-signature-v2');
  if (v2) return safeEqualHex(v2, createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex'));
  const v1 = pick('agora-signature');
  if (v1) return safeEqualHex(v1, createHmac('sha1', secret).update(rawBody, 'utf8').digest('hex'));
  return false;
}

function safeEqualHex(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
