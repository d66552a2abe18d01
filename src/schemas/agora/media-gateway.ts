/**
 * Agora Media Gateway payloads (agora.md §5): stream keys, stream configuration templates, online
 * streams, and the NCS events of product 10. Pure zod, no Node imports. Request schemas are strict about
 * the documented ranges; response schemas are loose (unknown fields kept, optional fields optional).
 *
 * The region path segment shared by Media Gateway, Media Push and Media Pull (agora.md §1.1) lives here
 * too; the Push and Pull schemas import it.
 */
import { z } from 'zod';
import { ChannelName } from './cloud-recording';

export { ChannelName };

/** `{region}` path segment: lower-case, and every later call on a resource uses the region it was created in. */
export const AGORA_REGIONS = ['cn', 'ap', 'na', 'eu'] as const;
export const AgoraRegion = z.enum(AGORA_REGIONS, { error: 'region must be one of cn, ap, na, eu (lower-case)' });
export type AgoraRegion = z.infer<typeof AgoraRegion>;

/** The 89 characters Agora allows in channel names and string user accounts (agora.md §1.5). */
export const RTC_NAME_CHARSET = /^[a-zA-Z0-9 !#$%&()+\-:;<=.>?@[\]^_{}|~,]+$/;

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

/** A string user account: 1 … 255 bytes of the channel-name charset. */
export const RtcAccount = z
  .string()
  .min(1, 'account must not be empty')
  .refine((s) => utf8Length(s) <= 255, 'account must be at most 255 bytes')
  .refine((s) => RTC_NAME_CHARSET.test(s), 'account may contain only the channel-name characters');

/** Is this string the decimal form of an integer UID 1 … 2^32-1? */
export function isIntegerUid(s: string): boolean {
  return /^[1-9][0-9]{0,9}$/.test(s) && Number(s) <= 4294967295;
}

/**
 * Media Gateway host `uid`: always a String, either an integer UID 1 … 2^32-1 ("100") or a string
 * account; never "" or null (agora.md §5.1).
 */
export const GatewayUid = z
  .string()
  .min(1, 'uid must not be empty')
  .refine((s) => (/^[0-9]+$/.test(s) ? isIntegerUid(s) : RtcAccount.safeParse(s).success), 'uid must be an integer 1 … 2^32-1 or a string account of at most 255 bytes');

/** Stream configuration template ID: `[a-zA-Z0-9_-]`, at most 12 bytes. */
export const TemplateId = z.string().regex(/^[A-Za-z0-9_-]{1,12}$/, 'templateId may contain only a-z A-Z 0-9 _ - and at most 12 bytes');

// ---- stream keys (§5.1) ----

export const StreamKeySettings = z.strictObject({
  channel: ChannelName,
  uid: GatewayUid,
  /** seconds of validity from creation; 0 = never expires */
  expiresAfter: z.number().int('expiresAfter is whole seconds').min(0, 'expiresAfter must be >= 0 (0 = never expires)'),
  /** binds a template to this key, overriding the App-wide default ([general]: the seeds do not name the field) */
  templateId: TemplateId.optional(),
});
export type StreamKeySettings = z.infer<typeof StreamKeySettings>;

export const CreateStreamKeyRequest = z.strictObject({ settings: StreamKeySettings });
export type CreateStreamKeyRequest = z.infer<typeof CreateStreamKeyRequest>;

/** `createdAt` is a string of Unix seconds in the vendor's examples; accept a number too. */
const UnixSecondsText = z.union([z.string(), z.number()]).transform((v) => Number(v));

export const StreamKeyInfo = z.looseObject({
  streamKey: z.string().min(1),
  channel: z.string().optional(),
  uid: z.string().optional(),
  expiresAfter: z.number().optional(),
  createdAt: UnixSecondsText.optional(),
});
export type StreamKeyInfo = z.infer<typeof StreamKeyInfo>;

export const StreamKeyResponse = z.looseObject({ status: z.string().optional(), data: StreamKeyInfo });
export type StreamKeyResponse = z.infer<typeof StreamKeyResponse>;

/** `{"status":"success"}`, the answer of every call that returns no data. */
export const GatewayStatusResponse = z.looseObject({ status: z.string().optional() });

// ---- stream configuration templates (§5.2) ----

const Dimension = z.number().int().min(2, 'width/height range is 2 … 1920').max(1920, 'width/height range is 2 … 1920');
const Fps = z.number().int().min(1, 'fps range is 1 … 60').max(60, 'fps range is 1 … 60');

export const SimulcastStream = z.strictObject({
  enabled: z.boolean().optional(),
  width: Dimension.optional(),
  height: Dimension.optional(),
  fps: Fps.optional(),
  bitrate: z.number().int().min(0).optional(),
});

export const TemplateVideo = z.strictObject({
  enabled: z.boolean(),
  codec: z.enum(['H.264', 'VP8']).optional(),
  width: Dimension.optional(),
  height: Dimension.optional(),
  fps: Fps.optional(),
  bitrate: z.number().int().min(0, 'bitrate range is 0 … 14000 kbps').max(14000, 'bitrate range is 0 … 14000 kbps').optional(),
  simulcastStream: SimulcastStream.optional(),
});

export const TemplateAudio = z.strictObject({
  enabled: z.boolean(),
  profile: z.number().int().min(0).optional(),
  bitrate: z.number().int().min(64, 'audio bitrate range is 64 … 320 kbps').max(320, 'audio bitrate range is 64 … 320 kbps').optional(),
});

export const JitterBuffer = z
  .strictObject({ size: z.number().int().min(0).optional(), maxSize: z.number().int().min(0).optional() })
  .refine((j) => j.maxSize === undefined || j.maxSize > (j.size ?? 500), 'jitterBuffer.maxSize must be greater than jitterBuffer.size (default 500)');

export const StreamTemplateSettings = z
  .strictObject({
    transcoding: z.strictObject({ video: TemplateVideo.optional(), audio: TemplateAudio.optional() }).optional(),
    jitterBuffer: JitterBuffer.optional(),
    /** the seed shows it both inside `transcoding.video` and here */
    simulcastStream: SimulcastStream.optional(),
  })
  .superRefine((s, ctx) => {
    const simulcast = s.transcoding?.video?.simulcastStream ?? s.simulcastStream;
    if (simulcast?.enabled && !s.transcoding?.video?.enabled) {
      ctx.addIssue({ code: 'custom', path: ['simulcastStream'], message: 'simulcastStream needs video transcoding enabled' });
    }
  });
export type StreamTemplateSettings = z.infer<typeof StreamTemplateSettings>;

/** PUT (create or reset: full replace) and PATCH (each of video, audio, jitterBuffer replaced whole). */
export const StreamTemplateRequest = z.strictObject({ settings: StreamTemplateSettings });
export type StreamTemplateRequest = z.infer<typeof StreamTemplateRequest>;

export const AppConfigRequest = z.strictObject({ settings: z.strictObject({ defaultStreamTemplate: TemplateId }) });
export type AppConfigRequest = z.infer<typeof AppConfigRequest>;

/** The seeds are silent on the query shape; the emulator answers `data: {templateId, transcoding, jitterBuffer}`. */
export const StreamTemplate = z.looseObject({
  templateId: z.string().optional(),
  transcoding: z.looseObject({}).optional(),
  jitterBuffer: z.looseObject({}).optional(),
});
export type StreamTemplate = z.infer<typeof StreamTemplate>;

export const GetStreamTemplateResponse = z.looseObject({ status: z.string().optional(), data: StreamTemplate.optional() });
export const ListStreamTemplatesResponse = z.looseObject({
  status: z.string().optional(),
  data: z
    .array(StreamTemplate)
    .nullish()
    .transform((d) => d ?? []),
});

// ---- online streams (§5.3) ----

export const OnlineStream = z.looseObject({
  sid: z.string().min(1),
  channel: z.string().optional(),
  uid: z.string().optional(),
  url: z.string().optional(),
  /** "Running"; `video`/`audio` are present only then */
  status: z.string().optional(),
  beginAt: UnixSecondsText.optional(),
  bitrate: z.number().optional(),
  video: z.looseObject({ width: z.number().optional(), height: z.number().optional(), fps: z.number().optional() }).optional(),
  audio: z.looseObject({ channels: z.number().optional(), sampleRate: z.number().optional() }).optional(),
});
export type OnlineStream = z.infer<typeof OnlineStream>;

export const ListOnlineStreamsResponse = z.looseObject({
  status: z.string().optional(),
  data: z
    .array(OnlineStream)
    .nullish()
    .transform((d) => d ?? []),
});
export const GetOnlineStreamResponse = z.looseObject({ status: z.string().optional(), data: OnlineStream });

/** Both booleans are required; mute is asynchronous (~1 s) and applies to the current sid only. */
export const MuteRequest = z.strictObject({ settings: z.strictObject({ videoMuted: z.boolean(), audioMuted: z.boolean() }) });
export type MuteRequest = z.infer<typeof MuteRequest>;

// ---- NCS events (webhooks.md §1, [public] Media Gateway event types) ----

export const MEDIA_GATEWAY_NCS_PRODUCT_ID = 10;
export const MEDIA_GATEWAY_EVENT = {
  1: 'live_stream_connected',
  2: 'live_stream_disconnected',
  3: 'live_stream_aborted',
  4: 'live_profile_updated',
} as const;

/** `live_stream_aborted.errorCode` ([public]). 2 = the key expired or was destroyed: create a new key. */
export const LIVE_STREAM_ABORTED_CODE = {
  1: 'illegal streamKey',
  2: 'invalid streamKey (expired or deleted)',
  3: 'no permission to use this streamKey',
  4: 'too many concurrent streams',
  5: 'conflict (pushing to the same channel at the same time)',
  6: 'stream attribute exceeds the limit (bitrate)',
  7: 'no audio or video data for more than 10 seconds',
  8: 'failed to join the channel',
  9: 'disconnected from the main network',
  10: 'unknown internal error',
} as const;

export const GatewayEventPayload = z.looseObject({
  sid: z.string().optional(),
  region: z.string().optional(),
  domain: z.string().optional(),
  /** masked by the vendor ("7B***Qbs") */
  streamKey: z.string().optional(),
  rtcInfo: z.looseObject({ channel: z.string().optional(), uid: z.union([z.string(), z.number()]).optional() }).optional(),
  transcoding: z.looseObject({}).optional(),
  streamStats: z.looseObject({}).optional(),
  beginAt: z.string().optional(),
  endAt: z.string().optional(),
  errorCode: z.number().optional(),
  reason: z.string().optional(),
});
export type GatewayEventPayload = z.infer<typeof GatewayEventPayload>;

export const GatewayNcsEvent = z.looseObject({
  noticeId: z.string(),
  productId: z.literal(MEDIA_GATEWAY_NCS_PRODUCT_ID),
  eventType: z.number(),
  notifyMs: z.number(),
  sid: z.string().optional(),
  payload: GatewayEventPayload,
});
export type GatewayNcsEvent = z.infer<typeof GatewayNcsEvent>;
