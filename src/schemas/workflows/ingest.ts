/**
 * The input, carried state and result of the Media Gateway ingest session (stream key → push →
 * disconnect, agora.md §5, §14.4). The input is strict and carries a profile name, never credentials;
 * the stream key the session creates is the product (the caller's encoder needs it) and is shown by
 * the status query only, never in the result. The carried state is the workflow's own second argument
 * across continue-as-new, never a caller's input.
 */
import { z } from 'zod';
import { carriedControls, desiredSlotOf, ProfileName, sessionControls, type UsageEntry } from './common';
import { AgoraRegion, ChannelName, GatewayUid, TemplateId } from '../agora/media-gateway';

/** The mute state of the live push, kept whole (both booleans are sent with every mute call). */
export const MuteState = z.object({ audioMuted: z.boolean(), videoMuted: z.boolean() });
export type MuteState = z.infer<typeof MuteState>;

/** What a caller may change mid-session: each given field replaces the current one. */
export const IngestChange = z
  .strictObject({ audioMuted: z.boolean().optional(), videoMuted: z.boolean().optional() })
  .refine((c) => c.audioMuted !== undefined || c.videoMuted !== undefined, 'nothing to change');
export type IngestChange = z.infer<typeof IngestChange>;

export const IngestInput = z.strictObject({
  /** Agora project profile (App ID + credentials), resolved by the worker */
  profile: ProfileName.default('default'),
  channel: ChannelName,
  /** the host uid the gateway publishes the push as (an integer 1 … 2^32-1 or a string account) */
  uid: GatewayUid,
  /** where the key and the pushes live; the encoder must push to this region's host */
  region: AgoraRegion.default('na'),
  /** seconds the key stays valid (0 = never); default: the session's maxDurationMs and 10 minutes */
  expiresAfter: z.number().int('expiresAfter is whole seconds').min(0).max(2_592_000).optional(),
  /** a stream configuration template (transcoding) bound to the key, by its templateId */
  template: TemplateId.optional(),
  /** how long the session waits for an encoder, at first and after each drop, before it ends */
  encoderTimeoutMs: z
    .number()
    .int()
    .min(1_000)
    .max(7 * 86_400_000)
    .default(600_000),
  /** how often the key and the online streams are read (NCS events wake it earlier) */
  pollIntervalMs: z.number().int().min(100).max(3_600_000).default(15_000),
  /** a mute is taken as applied once its stream is still online this long after the call (~1 s, §5.3) */
  muteVerifyMs: z.number().int().min(100).max(30_000).default(1_500),
  /** after a force-disconnect, how long to watch for the encoder coming back before confirming nothing is online */
  reconnectWatchMs: z.number().int().min(100).max(60_000).default(3_000),
  ...sessionControls,
});
export type IngestInput = z.input<typeof IngestInput>;
export type IngestParams = z.output<typeof IngestInput>;

/** One push of the session's key: every reconnect is a new one (a new sid). */
export const IngestStream = z.object({
  sid: z.string(),
  connectedAt: z.string(),
  endedAt: z.string().optional(),
  endReason: z.string().optional(),
});
export type IngestStream = z.infer<typeof IngestStream>;

/** A key create whose answer was lost: a key may exist that nobody can name (it expires by itself). */
export const UncertainCreate = z.object({ at: z.string(), error: z.string(), expiresBy: z.string().optional() });
export type UncertainCreate = z.infer<typeof UncertainCreate>;

export const UnstoppedIngest = z.object({ kind: z.enum(['streamKey', 'stream']), id: z.string(), error: z.string() });
export type UnstoppedIngest = z.infer<typeof UnstoppedIngest>;

export const IngestCarried = z.object({
  /** the key the session holds (the product: shown by the status query) */
  streamKey: z.string().optional(),
  /** seconds of validity the key was created with (0 = never) */
  expiresAfter: z.number().int(),
  /** epoch ms (workflow clock) of the create, and when the key runs out */
  keyCreatedAt: z.number().optional(),
  keyExpiresAt: z.number().optional(),
  keyDestroyed: z.boolean(),
  /** the live push (its sid changes on every reconnect) */
  sid: z.string().optional(),
  streams: z.array(IngestStream),
  /** epoch ms since which the session waits for an encoder (unset while live) */
  waitingSince: z.number().optional(),
  /** the last abort the gateway reported for this key */
  lastAbort: z.string().optional(),
  mute: desiredSlotOf(MuteState),
  /** the sid the last mute call went to (a newer sid starts unmuted) */
  mutedSid: z.string().optional(),
  muteCalls: z.number().int(),
  uncertainCreates: z.array(UncertainCreate),
  unstopped: z.array(UnstoppedIngest),
  startedAt: z.string(),
  ...carriedControls,
});
export type IngestState = z.infer<typeof IngestCarried>;

export type IngestOutcome = 'stopped' | 'ended' | 'failed';

export interface IngestResult {
  /** billable time by usage class (workflows/lib/usage.ts) */
  usage: UsageEntry[];
  workflowId: string;
  channel: string;
  uid: string;
  region: string;
  template?: string;
  /** stopped: asked to (or max duration); ended: the key expired or no encoder came */
  outcome: IngestOutcome;
  reason: string;
  startedAt: string;
  endedAt: string;
  /** the key was destroyed (or was gone already): nothing can push with it any more */
  keyDestroyed: boolean;
  /** every push, with its sid, in order */
  streams: IngestStream[];
  /** summed duration of the pushes */
  liveMs: number;
  /** the mute state wanted last */
  mute: MuteState;
  muteCalls: number;
  uncertainCreates: UncertainCreate[];
  /** a key or a push the session could not end: check it by hand */
  unstopped: UnstoppedIngest[];
}
