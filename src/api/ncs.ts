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

export interface NcsRoute {
  /** the RtcProduct search attribute of the sessions that want these events */
  product: string;
  /** where this product's payload names the RTC channel */
  channelOf: (payload: NcsEvent['payload']) => string | undefined;
}

/** NCS productId → the running sessions its events are signalled to (webhooks.md §1). */
export const NCS_ROUTES: Record<number, NcsRoute> = {
  [NCS_PRODUCT_CLOUD_RECORDING]: { product: 'cloud-recording', channelOf: (p) => p.cname },
  [NCS_PRODUCT_STT]: { product: 'stt', channelOf: (p) => p.channel },
  [NCS_PRODUCT_MEDIA_GATEWAY]: { product: 'media-gateway', channelOf: (p) => p.rtcInfo?.channel },
  [MEDIA_PUSH_NCS_PRODUCT_ID]: { product: 'media-push', channelOf: (p) => p.converter?.transcodeOptions?.rtcChannel ?? p.converter?.rawOptions?.rtcChannel },
  [MEDIA_PULL_NCS_PRODUCT_ID]: { product: 'media-pull', channelOf: (p) => p.player?.channelName },
};

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

/** Remembers recently seen notice IDs so duplicate and resent deliveries are handled once. */
export class RecentIds {
  private readonly seen = new Map<string, number>();
  constructor(private readonly capacity = 10_000) {}

  /** true the first time an id is seen */
  add(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.set(id, Date.now());
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.keys().next().value as string);
    return true;
  }

  /** Forgets an id whose handling failed, so the vendor's resend is handled. */
  forget(id: string): void {
    this.seen.delete(id);
  }
}
