/**
 * The input, carried state and result of the Media Pull session (a cloud player pulling a stream URL
 * into a channel). The input is strict and carries references (profile names), never the player's RTC
 * token; the carried state is the workflow's own second argument across continue-as-new.
 */
import { z } from 'zod';
import { carriedControls, desiredSlotOf, ncsControls, ProfileName, sessionControls } from './common';
import { AgoraRegion, ChannelName, PlayerAudioOptions, PlayerVideoOptions, StreamUrl } from '../agora/media-pull';

/** The player's uid in the channel: an integer 1 … 2^32-1 (its RTC token is built for it). */
export const PullUid = z.number().int('uid must be an integer').min(1, 'uid must be 1 … 2^32-1').max(4294967295, 'uid must be 1 … 2^32-1');

/** What a caller may change while the player plays (Media Pull Update). */
export const PullChange = z
  .strictObject({
    /** play another stream (rtmp/http/https) */
    streamUrl: StreamUrl.optional(),
    /** pause (true) or resume (false); a paused player is idle and idles out after idleTimeout */
    isPause: z.boolean().optional(),
    /** 0 … 200, default 100 */
    volume: z.number().int('volume must be an integer').min(0, 'volume range is 0 … 200').max(200, 'volume range is 0 … 200').optional(),
    /** VOD: jump to this offset in seconds (sent once) */
    seekPosition: z.number().min(0, 'seekPosition must be >= 0').optional(),
  })
  .refine((c) => c.streamUrl !== undefined || c.isPause !== undefined || c.volume !== undefined || c.seekPosition !== undefined, 'nothing to change');
export type PullChange = z.infer<typeof PullChange>;

/**
 * The desired playback, kept whole. A seek is an act, not a state: `seeks` counts the seeks asked for,
 * and `seekPosition` (the last one asked) is sent only when the player has not had that seek yet.
 */
export const PullPlayback = z.object({
  streamUrl: z.string(),
  isPause: z.boolean(),
  volume: z.number().int(),
  seekPosition: z.number().optional(),
  seeks: z.number().int(),
});
export type PullPlayback = z.infer<typeof PullPlayback>;

export const PullInput = z
  .strictObject({
    /** Agora project profile (App ID + credentials), resolved by the worker */
    profile: ProfileName.default('default'),
    channel: ChannelName,
    /** where the stream originates; every call on the player uses it */
    region: AgoraRegion,
    /** the stream to pull: rtmp/http/https (FLV, MP4, MPEG-TS, MKV, HLS; a JPEG/PNG becomes video) */
    streamUrl: StreamUrl,
    /** the player's uid in the channel; chosen from the player range when absent */
    uid: PullUid.optional(),
    /** IPv4 of the stream's origin server, when the host name resolves elsewhere */
    streamIp: z.ipv4('streamIp must be an IPv4 address').optional(),
    /** seconds without playing (paused, failed, VOD finished) before Agora destroys the player: 5 … 600 (Agora's default 300) */
    idleTimeout: z.number().int().min(5, 'idleTimeout range is 5 … 600 seconds').max(600, 'idleTimeout range is 5 … 600 seconds').optional(),
    /** VOD only: 1 once (default), -1 loop, N times */
    repeatTime: z
      .number()
      .int()
      .min(-1)
      .refine((n) => n !== 0, 'repeatTime cannot be 0')
      .optional(),
    /** VOD: start at this offset (seconds) */
    seekPosition: z.number().min(0).optional(),
    /** audio transcoding profile 0 … 5 (absent: none) */
    audioOptions: PlayerAudioOptions.optional(),
    /** video transcoding (absent: none) */
    videoOptions: PlayerVideoOptions.optional(),
    /** a player that fails (or that Agora deletes after a server error) is deleted and created again, resuming with playTs */
    restartOnFailure: z.boolean().default(false),
    /** how many times a failed player is re-created at most */
    maxRestarts: z.number().int().min(1).max(10).default(3),
    /** how often the player is looked up in the List while it plays (List allows 15 calls a minute per project) */
    pollIntervalMs: z.number().int().min(100).max(3_600_000).default(60_000),
    /** how long after a create List may still not show the player (documented: about 10 s) */
    listDelayMs: z.number().int().min(100).max(120_000).default(15_000),
    ...sessionControls,
    ...ncsControls,
    /** while connecting, how often List is asked (mind its 15 calls a minute per project) */
    confirmPollMs: z.number().int().min(100).max(60_000).default(5_000),
  })
  .superRefine((input, ctx) => {
    if (input.confirmTimeoutMs <= input.listDelayMs) {
      ctx.addIssue({ code: 'custom', path: ['confirmTimeoutMs'], message: 'confirmTimeoutMs must exceed listDelayMs (List shows a new player only after it)' });
    }
  });
export type PullInput = z.input<typeof PullInput>;
export type PullParams = z.output<typeof PullInput>;

/** One player of a session: more than one after re-creations. */
export const PullPlayer = z.object({
  id: z.string(),
  name: z.string(),
  /** Agora's createTs (Unix s), when it said */
  createTs: z.number().optional(),
  /** playTs it was created with (a resume) */
  playTs: z.number().optional(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  endReason: z.string().optional(),
  /** the last status Agora reported */
  lastStatus: z.string().optional(),
  /** adopted after a 409 or found by the List after an unanswered create */
  adopted: z.boolean().optional(),
});
export type PullPlayer = z.infer<typeof PullPlayer>;

export const UnstoppedPlayer = z.object({ id: z.string(), error: z.string() });

export const PullCarried = z.object({
  /** how many players this session has created (the name suffix) */
  generation: z.number().int(),
  uid: z.number().int(),
  playerName: z.string().optional(),
  /** the player held now */
  playerId: z.string().optional(),
  /** epoch ms (session clock) the current player was created */
  heldSince: z.number().optional(),
  /** the current player has been seen in a List (from then on, its absence means it is gone) */
  listed: z.boolean(),
  lastStatus: z.string().optional(),
  /** the first player's start (Agora's createTs, Unix s) and when that was by the session's clock: a resume's playTs */
  firstStartTs: z.number().optional(),
  firstStartedAt: z.number().optional(),
  /** the last sequence sent with an update: every update (and every run) goes higher */
  sequence: z.number().int(),
  playback: desiredSlotOf(PullPlayback),
  players: z.array(PullPlayer),
  unstopped: z.array(UnstoppedPlayer),
  updates: z.number().int(),
  restarts: z.number().int(),
  ...carriedControls,
});
export type PullState = z.infer<typeof PullCarried>;

export type PullOutcome = 'stopped' | 'ended' | 'failed';

export interface PullResult {
  workflowId: string;
  channel: string;
  region: string;
  uid: number;
  /** stopped: on request or max duration; ended: the player went on its own (idle timeout, deleted); failed: it could not play */
  outcome: PullOutcome;
  reason: string;
  startedAt?: string;
  endedAt: string;
  /** from the first player's start to the end */
  lifetimeMs: number;
  /** the last status Agora reported for the last player */
  finalStatus?: string;
  players: PullPlayer[];
  /** the playback wanted at the end */
  playback: PullPlayback;
  updates: number;
  restarts: number;
  unstopped: Array<z.infer<typeof UnstoppedPlayer>>;
}
