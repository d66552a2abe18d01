/**
 * Agora Signaling (formerly RTM) REST payloads (agora.md §10). Pure zod, no Node imports. Request
 * schemas are strict; response schemas are loose (the vendor may add fields).
 *
 * Limits from the seed: `user_id`, `destination` and `channel_name` are non-empty, at most 64 characters
 * of printable ASCII (the seed's list is letters, digits, space and punctuation; a space is allowed but
 * breaks SDK interop); `payload` is non-empty and at most 32 KB.
 */
import { z } from 'zod';

/** Printable ASCII (0x20–0x7e): the seed's character list, whatever its garbled copy shows. */
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;
export const MAX_SIGNALING_ID = 64;
/** "Must not be an empty string and not exceed 32 KB in length" */
export const MAX_SIGNALING_PAYLOAD_BYTES = 32 * 1024;

const signalingId = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(MAX_SIGNALING_ID, `${what} must be at most ${MAX_SIGNALING_ID} characters`)
    .regex(PRINTABLE_ASCII, `${what} may contain only printable ASCII characters`);

export const SignalingUserId = signalingId('user_id');
export const SignalingDestination = signalingId('destination');
export const SignalingChannelName = signalingId('channel_name');

const utf8Length = (s: string) => new TextEncoder().encode(s).length;
export const SignalingPayload = z
  .string()
  .min(1, 'payload must not be empty')
  .refine((s) => utf8Length(s) <= MAX_SIGNALING_PAYLOAD_BYTES, `payload must be at most ${MAX_SIGNALING_PAYLOAD_BYTES} bytes (32 KB)`);

/** A message ID the client puts inside the payload so receivers can drop a redelivered copy. */
export const SignalingMessageId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'messageId may contain only A-Z a-z 0-9 . _ : -');

export const PeerMessageRequest = z.strictObject({
  destination: SignalingDestination,
  payload: SignalingPayload,
  /** deprecated by the vendor (≤ 200 stored per receiver) */
  enable_offline_messaging: z.boolean().optional(),
  enable_historical_messaging: z.boolean().optional(),
});
export type PeerMessageRequest = z.infer<typeof PeerMessageRequest>;

export const ChannelMessageRequest = z.strictObject({
  channel_name: SignalingChannelName,
  payload: SignalingPayload,
  enable_historical_messaging: z.boolean().optional(),
});
export type ChannelMessageRequest = z.infer<typeof ChannelMessageRequest>;

export const MESSAGE_CODES = ['message_sent', 'message_delivered', 'message_offline'] as const;
export const MessageResponse = z.looseObject({
  result: z.string().optional(),
  request_id: z.union([z.string(), z.number()]).optional(),
  code: z.string(),
});

export const UserEvent = z.looseObject({ user_id: z.string(), type: z.string(), ms: z.number() });
export type UserEvent = z.infer<typeof UserEvent>;
export const ChannelEvent = z.looseObject({ group_id: z.string(), user_id: z.string(), type: z.string(), ms: z.number() });
export type ChannelEvent = z.infer<typeof ChannelEvent>;

export const UserEventsResponse = z.looseObject({
  result: z.string().optional(),
  request_id: z.union([z.string(), z.number()]).optional(),
  events: z.array(UserEvent).default([]),
});
export const ChannelEventsResponse = z.looseObject({
  result: z.string().optional(),
  request_id: z.union([z.string(), z.number()]).optional(),
  events: z.array(ChannelEvent).default([]),
});

/**
 * Signaling stores events by geographical region ("Agora only synchronize events within a geographical
 * region"). The emulator serves each under a `/{region}` prefix like the other region-scoped products; a
 * real deployment reaches a region through its regional host ([public] api-<region>.agora.io).
 */
export const SIGNALING_REGIONS = ['na', 'eu', 'ap', 'cn'] as const;
export const SignalingRegion = z.enum(SIGNALING_REGIONS, { error: 'region must be one of na, eu, ap, cn (lower-case)' });
export type SignalingRegion = z.infer<typeof SignalingRegion>;
