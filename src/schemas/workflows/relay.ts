/**
 * The input, carried state and result of the Media Push relay session (a channel pushed to a CDN by an
 * Agora RTMP converter, agora.md §6, §14.5). The input is strict and carries references (profile
 * names), never the converter's RTC token; the carried state is the workflow's own second argument
 * across continue-as-new, never a caller's input.
 */
import { z } from 'zod';
import { AgoraRegion, AudioOptions, ChannelName, RtcStreamUid, RtmpUrl, VideoOptions } from '../agora/media-push';
import { rejectCredentials } from '../hygiene';
import { carriedControls, desiredSlotOf, ncsControls, ProfileName, sessionControls } from './common';

/**
 * A transcoded push's options (transcodeOptions minus `rtcChannel`, which is the session's channel, and
 * `token`, which the worker builds). Both absent: video only; an A/V push needs both (`audioOptions` may be `{}`).
 */
export const RelayTranscoding = z.strictObject({
  audioOptions: AudioOptions.optional(),
  videoOptions: VideoOptions.optional(),
});
export type RelayTranscoding = z.infer<typeof RelayTranscoding>;

/** What a relay keeps applied to its converter mid-session: where it pushes and, transcoded, how. */
export const RelayConfig = z.object({
  rtmpUrl: RtmpUrl,
  transcoding: RelayTranscoding.optional(),
});
export type RelayConfig = z.infer<typeof RelayConfig>;

/** What a caller may change mid-session (each given field replaces the current one as a whole). */
export const RelayChange = z
  .strictObject({
    /** a new CDN address: the converter connects again */
    rtmpUrl: RtmpUrl.optional(),
    /** the whole new transcoding (layout, canvas, bitrate, audio mix...) */
    transcoding: RelayTranscoding.optional(),
  })
  .refine((c) => c.rtmpUrl !== undefined || c.transcoding !== undefined, 'nothing to change')
  .superRefine((c, ctx) => rejectCredentials(c, ctx));
export type RelayChange = z.infer<typeof RelayChange>;

const Ipv4 = z.string().refine((v) => /^(\d{1,3})(\.\d{1,3}){3}$/.test(v) && v.split('.').every((p) => Number(p) <= 255), 'regionHintIp must be an IPv4 address');

export const RelayInput = z
  .strictObject({
    /** Agora project profile (App ID + credentials), resolved by the worker */
    profile: ProfileName.default('default'),
    channel: ChannelName,
    /** lower-case region of the CDN origin (cn, ap, na, eu); every call on the converter uses it */
    region: AgoraRegion,
    /** the CDN push address (rtmp:// or rtmps://, ≤ 1024 characters; it carries the CDN's stream key) */
    rtmpUrl: RtmpUrl,
    /** a transcoded push (layout, canvas, audio mix); exactly one of transcoding and raw */
    transcoding: RelayTranscoding.optional(),
    /** a raw (non-transcoded, H.264) push of one user's stream */
    raw: z.strictObject({ rtcStreamUid: RtcStreamUid }).optional(),
    /** seconds every source user may be gone before Agora destroys the converter (the session then ends) */
    idleTimeout: z.number().int().positive().optional(),
    jitterBufferSizeMs: z.number().int().min(0).max(1_000).optional(),
    /** IPv4 of the CDN origin */
    regionHintIp: Ipv4.optional(),
    /** create a new converter when this one fails or the service destroys it (never after an idle timeout) */
    restartOnFailure: z.boolean().default(false),
    maxRestarts: z.number().int().min(0).max(100).default(3),
    /** how often the converter is read while it runs (NCS events wake the session earlier) */
    pollIntervalMs: z.number().int().min(100).max(3_600_000).default(30_000),
    ...sessionControls,
    ...ncsControls,
  })
  .superRefine((input, ctx) => {
    if ((input.transcoding === undefined) === (input.raw === undefined))
      ctx.addIssue({ code: 'custom', path: ['transcoding'], message: 'give exactly one of transcoding and raw' });
    rejectCredentials(input, ctx);
  });
export type RelayInput = z.input<typeof RelayInput>;
export type RelayParams = z.output<typeof RelayInput>;

/** One converter of a session: more than one after re-creations. */
export const RelayConverter = z.object({
  id: z.string(),
  /** the create's idempotency key */
  name: z.string(),
  /** found by name (409 or an ambiguous create), not answered by this session's create */
  adopted: z.boolean(),
  createdAt: z.string(),
  endedAt: z.string().optional(),
  endReason: z.string().optional(),
  /** the last state Agora reported */
  lastState: z.string().optional(),
  /** updates sent to it */
  updates: z.number().int(),
});
export type RelayConverter = z.infer<typeof RelayConverter>;

export const UnstoppedConverter = z.object({ id: z.string(), error: z.string() });

export const RelayCarried = z.object({
  /** how many converters this session has created (the name suffix) */
  generation: z.number().int(),
  converterName: z.string().optional(),
  converterId: z.string().optional(),
  /** the last state Agora reported for the current converter */
  converterState: z.string().optional(),
  /** NCS event 4's destroyReason for the current converter */
  destroyReason: z.string().optional(),
  /** the last `sequence` sent to the current converter (absent: none yet); only grows, across runs too */
  sequence: z.number().int().optional(),
  /** the first sequence of the current converter (0, or above an earlier holder's for an adopted one) */
  sequenceBase: z.number().int(),
  /** epoch ms of the last update sent (Media Push takes 2 per second per converter) */
  lastUpdateAt: z.number().optional(),
  config: desiredSlotOf(RelayConfig),
  converters: z.array(RelayConverter),
  restarts: z.number().int(),
  unstopped: z.array(UnstoppedConverter),
  updates: z.number().int(),
  ...carriedControls,
});
export type RelayState = z.infer<typeof RelayCarried>;

export type RelayOutcome = 'stopped' | 'ended' | 'failed';

export interface RelayResult {
  workflowId: string;
  channel: string;
  region: string;
  /** stopped: by request or max duration; ended: idle timeout or deleted elsewhere; failed: the converter failed and was not (or no longer) re-created */
  outcome: RelayOutcome;
  reason: string;
  startedAt?: string;
  endedAt: string;
  /** from the first converter's creation to the end */
  lifetimeMs: number;
  /** the last state Agora reported for the last converter */
  finalState?: string;
  converters: RelayConverter[];
  /** what was pushed last: the CDN address and the transcoding */
  config?: RelayConfig;
  updates: number;
  restarts: number;
  unstopped: Array<z.infer<typeof UnstoppedConverter>>;
}
