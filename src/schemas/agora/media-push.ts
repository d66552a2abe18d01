/**
 * Agora Media Push payloads (agora.md §6): RTMP converters that push a channel's media to a CDN. Pure
 * zod, no Node imports. Request schemas are strict; response schemas are loose.
 *
 * Seed defects handled here (agora.md §13.5 #7): the seed spells the idle timeout both `idleTimeOut` and
 * `idleTimeout` (we send `idleTimeout`, as the spec recommends), quotes `rtcStreamUid` once although it
 * is a Number (we send Numbers), and misspells H.265 as "H.256".
 */
import { z } from 'zod';
import { HttpUrl } from '../hygiene';
import { AgoraRegion, ChannelName } from './media-gateway';

export { AgoraRegion, ChannelName };

/** `name`: at most 64 characters of `[A-Za-z0-9_-]`; unique per project (409 on a duplicate), the idempotency key. */
export const ConverterName = z
  .string()
  .max(64, 'name must be at most 64 characters')
  .regex(/^[A-Za-z0-9_-]*$/, 'name may contain only a-z A-Z 0-9 _ -');

/** Integer UID 1 … 2^32-1 (a Number in Media Push bodies). */
export const RtcStreamUid = z.number().int('rtcStreamUid must be an integer').min(1, 'rtcStreamUid must not be 0').max(4294967295, 'rtcStreamUid must be at most 2^32-1');

/** A valid RTMP address of at most 1024 characters. */
export const RtmpUrl = z
  .string()
  .max(1024, 'rtmpUrl must be at most 1024 characters')
  .regex(/^rtmps?:\/\/[^\s/]+(\/\S*)?$/i, 'rtmpUrl must be an rtmp:// or rtmps:// address');

const Pixels = z.number().int().min(0);
export const LayoutRegion = z.strictObject({
  xPos: Pixels,
  yPos: Pixels,
  zIndex: z.number().int().min(0).optional(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
const FillMode = z.enum(['fill', 'fit']);

/** A user's video on the canvas. */
export const RtcStreamView = z.strictObject({
  rtcStreamUid: RtcStreamUid,
  region: LayoutRegion,
  fillMode: FillMode.optional(),
  placeholderImageUrl: HttpUrl.optional(),
});
/** An image (watermark) on the canvas. */
export const ImageView = z.strictObject({ imageUrl: HttpUrl, region: LayoutRegion, fillMode: FillMode.optional() });
export const LayoutElement = z.union([RtcStreamView, ImageView]);

export const Canvas = z.strictObject({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  color: z.number().int().min(0).max(0xffffff).optional(),
});

export const VerticalLayout = z.strictObject({
  maxResolutionUid: RtcStreamUid,
  fillMode: FillMode.optional(),
  refreshIntervalSec: z.number().int().min(0).optional(),
});

export const SeiOptions = z.strictObject({
  source: z
    .strictObject({
      metadata: z.boolean().optional(),
      datastream: z.boolean().optional(),
      customized: z.strictObject({ payload: z.string() }).optional(),
    })
    .optional(),
  sink: z.strictObject({ type: z.number().int() }).optional(),
});

/** `high` (default), `baseline`, `main`; the seed's examples capitalise it ("High"). */
const CodecProfile = z.string().refine((v) => ['high', 'baseline', 'main'].includes(v.toLowerCase()), 'codecProfile must be high, baseline or main');

const videoOptionFields = {
  canvas: Canvas,
  /** 0 or absent: custom `layout`; 1: vertical (set `vertical`) */
  layoutType: z.union([z.literal(0), z.literal(1)]).optional(),
  layout: z.array(LayoutElement).optional(),
  vertical: VerticalLayout.optional(),
  defaultPlaceholderImageUrl: HttpUrl.optional(),
  bitrate: z.number().int().min(1, 'videoOptions.bitrate range is 1 … 10000 kbps').max(10000, 'videoOptions.bitrate range is 1 … 10000 kbps'),
  frameRate: z.number().int().min(1, 'frameRate range is 1 … 30').max(30, 'frameRate range is 1 … 30').optional(),
  gop: z.number().int().positive().optional(),
  codec: z.enum(['H.264', 'H.265']).optional(),
  codecProfile: CodecProfile.optional(),
  seiOptions: SeiOptions.optional(),
};

type VideoOptionsShape = { layoutType?: 0 | 1; layout?: unknown[]; vertical?: unknown; codec?: string; codecProfile?: string };
function checkVideoOptions(v: VideoOptionsShape, ctx: z.RefinementCtx, partial: boolean): void {
  if (v.layoutType === 1 && !v.vertical && !partial) ctx.addIssue({ code: 'custom', path: ['vertical'], message: 'layoutType 1 (vertical) needs `vertical`' });
  if ((v.layoutType ?? 0) === 0 && !partial && !v.layout?.length)
    ctx.addIssue({ code: 'custom', path: ['layout'], message: 'a custom layout (layoutType 0) needs a non-empty `layout`' });
  if (v.codec === 'H.265' && v.codecProfile && v.codecProfile.toLowerCase() !== 'main') {
    ctx.addIssue({ code: 'custom', path: ['codecProfile'], message: 'with H.265 the codecProfile is always main' });
  }
}

export const VideoOptions = z.strictObject(videoOptionFields).superRefine((v, ctx) => checkVideoOptions(v, ctx, false));
export type VideoOptions = z.infer<typeof VideoOptions>;

export const AudioOptions = z.strictObject({
  codecProfile: z.enum(['LC-AAC', 'HE-AAC']).optional(),
  sampleRate: z.union([z.literal(16000), z.literal(32000), z.literal(44100), z.literal(48000)]).optional(),
  bitrate: z.number().int().positive().optional(),
  audioChannels: z.union([z.literal(1), z.literal(2)]).optional(),
  /** without it all users' audio is mixed */
  rtcStreamUids: z.array(RtcStreamUid).optional(),
});
export type AudioOptions = z.infer<typeof AudioOptions>;

/** Transcoded push. Both options absent: video only; an A/V push needs `audioOptions` (may be `{}`) and `videoOptions`. */
export const TranscodeOptions = z.strictObject({
  rtcChannel: ChannelName,
  /** needed only when the project has App Certificate enabled */
  token: z.string().min(1).optional(),
  audioOptions: AudioOptions.optional(),
  videoOptions: VideoOptions.optional(),
});

/** Non-transcoded push of one user's stream (H.264 only). */
export const RawOptions = z.strictObject({
  rtcChannel: ChannelName,
  rtcStreamUid: RtcStreamUid,
  token: z.string().min(1).optional(),
});

const IdleTimeout = z.number().int('idleTimeout is whole seconds').positive('idleTimeout must be positive');
const JitterBufferSizeMs = z.number().int().min(0, 'jitterBufferSizeMs range is 0 … 1000').max(1000, 'jitterBufferSizeMs range is 0 … 1000');

export const ConverterConfig = z
  .strictObject({
    name: ConverterName.optional(),
    transcodeOptions: TranscodeOptions.optional(),
    rawOptions: RawOptions.optional(),
    rtmpUrl: RtmpUrl,
    /** seconds all source users may be gone before the converter destroys itself */
    idleTimeout: IdleTimeout.optional(),
    jitterBufferSizeMs: JitterBufferSizeMs.optional(),
  })
  .refine((c) => (c.transcodeOptions === undefined) !== (c.rawOptions === undefined), 'exactly one of transcodeOptions and rawOptions');
export type ConverterConfig = z.infer<typeof ConverterConfig>;

export const CreateConverterRequest = z.strictObject({ converter: ConverterConfig });
export type CreateConverterRequest = z.infer<typeof CreateConverterRequest>;

/** The channel a converter reads from. */
export function converterChannel(c: { transcodeOptions?: { rtcChannel?: string }; rawOptions?: { rtcChannel?: string } }): string | undefined {
  return c.transcodeOptions?.rtcChannel ?? c.rawOptions?.rtcChannel;
}

// ---- update ----

export const VideoOptionsPatch = z
  .strictObject(videoOptionFields)
  .partial()
  .superRefine((v, ctx) => checkVideoOptions(v, ctx, true));

/** What an update may carry; `fields` (a FieldMask) says which of these paths change. */
export const ConverterPatch = z.strictObject({
  transcodeOptions: z
    .strictObject({
      /** may be repeated, must not change */
      rtcChannel: ChannelName.optional(),
      token: z.string().min(1).optional(),
      audioOptions: AudioOptions.optional(),
      videoOptions: VideoOptionsPatch.optional(),
    })
    .optional(),
  rawOptions: z.strictObject({ rtcChannel: ChannelName.optional(), rtcStreamUid: RtcStreamUid.optional(), token: z.string().min(1).optional() }).optional(),
  rtmpUrl: RtmpUrl.optional(),
  idleTimeout: IdleTimeout.optional(),
  jitterBufferSizeMs: JitterBufferSizeMs.optional(),
});
export type ConverterPatch = z.infer<typeof ConverterPatch>;

/** A FieldMask path: dotted field names. */
export const FieldPath = z.string().regex(/^[A-Za-z]+(\.[A-Za-z]+)*$/, 'a field path is dotted field names');

export const UpdateConverterRequest = z
  .strictObject({ converter: ConverterPatch, fields: z.array(FieldPath).min(1, 'name at least one field to update') })
  .superRefine((u, ctx) => {
    for (const path of u.fields) {
      if (valueAt(u.converter, path) === undefined) ctx.addIssue({ code: 'custom', path: ['fields'], message: `field ${path} is not in the converter body` });
    }
  });
export type UpdateConverterRequest = z.infer<typeof UpdateConverterRequest>;

/** The value at a dotted path of an object (undefined when absent). */
export function valueAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** `?sequence=`: >= 0 and strictly increasing per converter; the largest wins. */
export const Sequence = z.number().int('sequence must be an integer').min(0, 'sequence must be >= 0');

// ---- responses (tolerant) ----

export const CONVERTER_STATES = ['idle', 'connecting', 'running', 'failed'] as const;

const Ts = z.union([z.number(), z.string()]).transform((v) => Number(v));

export const ConverterSummary = z.looseObject({
  /** X-Resource-ID carries it too */
  id: z.string().min(1).optional(),
  createTs: Ts.optional(),
  updateTs: Ts.optional(),
  state: z.string().optional(),
});
export type ConverterSummary = z.infer<typeof ConverterSummary>;

/** Create and Update: `{converter: {id, createTs, updateTs, state}, fields}`. */
export const ConverterResponse = z.looseObject({ converter: ConverterSummary, fields: z.string().optional() });

export const ConverterDetail = z.looseObject({
  id: z.string().optional(),
  name: z.string().optional(),
  transcodeOptions: z.looseObject({ rtcChannel: z.string().optional() }).optional(),
  rawOptions: z.looseObject({ rtcChannel: z.string().optional(), rtcStreamUid: z.union([z.number(), z.string()]).optional() }).optional(),
  rtmpUrl: z.string().optional(),
  idleTimeout: Ts.optional(),
  idleTimeOut: Ts.optional(),
  createTs: Ts.optional(),
  updateTs: Ts.optional(),
  state: z.string().optional(),
});
export type ConverterDetail = z.infer<typeof ConverterDetail>;

/**
 * Get: the seed's field table and two of its examples answer the configuration at the top level, one
 * example wraps it in `converter`. Both shapes are accepted and normalised to the detail.
 */
export const GetConverterResponse = z
  .union([z.looseObject({ converter: ConverterDetail }), ConverterDetail])
  .transform((b) => ('converter' in b && b.converter && typeof b.converter === 'object' ? (b.converter as ConverterDetail) : (b as ConverterDetail)));

/** List members: the seed's example carries the numbers as strings. */
export const ConverterListMember = z.looseObject({
  converterId: z.string().min(1),
  converterName: z.string().optional(),
  rtcChannel: z.string().optional(),
  rtmpUrl: z.string().optional(),
  appId: z.string().optional(),
  state: z.string().optional(),
  status: z.string().optional(),
  ip: z.string().optional(),
  idleTimeout: Ts.optional(),
  create: Ts.optional(),
  updateTs: Ts.optional(),
});
export type ConverterListMember = z.infer<typeof ConverterListMember>;

export const ListConvertersResponse = z.looseObject({
  success: z.boolean().optional(),
  data: z.looseObject({
    total_count: Ts.optional(),
    /** "0" (or 0) when every page has been read */
    cursor: z
      .union([z.number(), z.string()])
      .transform((v) => String(v))
      .optional(),
    members: z
      .array(ConverterListMember)
      .nullish()
      .transform((m) => m ?? []),
  }),
});
export type ListConvertersResponse = z.infer<typeof ListConvertersResponse>;

// ---- NCS events ([public] Media Push events; productId 5) ----

export const MEDIA_PUSH_NCS_PRODUCT_ID = 5;
export const MEDIA_PUSH_EVENT = {
  1: 'converter_created',
  2: 'converter_configuration_changed',
  3: 'converter_state_changed',
  4: 'converter_destroyed',
} as const;
/** `converter.destroyReason` of event 4. "Internal Error": the service destroyed it; create a new one. */
export const CONVERTER_DESTROY_REASONS = ['Delete Request', 'Idle Timeout', 'Internal Error'] as const;

export const PushEventPayload = z.looseObject({
  converter: ConverterDetail.extend({ destroyReason: z.string().optional() }),
  lts: z.number().optional(),
  xRequestId: z.string().optional(),
});
export type PushEventPayload = z.infer<typeof PushEventPayload>;
