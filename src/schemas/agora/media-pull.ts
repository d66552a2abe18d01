/**
 * Agora Media Pull payloads (agora.md §7): cloud players that pull an online stream into a channel.
 * Pure zod, no Node imports. Request schemas are strict; response schemas are loose.
 *
 * Seed contradictions (agora.md §13.5 #8): the seed says VP8 and 002 says VP9 for the output codec (both
 * accepted; the vendor falls back to H.264 for any other value); the concurrency quota is 50 in the seed
 * and 20 in 002 (the emulator enforces 20); Update exists only in 002, with two paths: we use
 * `/cloud-player/players/{id}?sequence=` as the spec recommends.
 */
import { z } from 'zod';
import { AgoraRegion, ChannelName, RtcAccount } from './media-gateway';

export { AgoraRegion, ChannelName, RtcAccount };

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

/** `name`: at most 64 bytes of `[A-Za-z0-9_-]`; unique per project (409 + X-Resource-ID of the existing player). */
export const PlayerName = z
  .string()
  .min(1, 'name must not be empty (leave it out instead)')
  .max(64, 'name must be at most 64 bytes')
  .regex(/^[A-Za-z0-9_-]+$/, 'name may contain only a-z A-Z 0-9 _ -');

/** RTMP/HTTP/HTTPS URL of at most 1024 bytes (a JPEG/PNG URL becomes a video). */
export const StreamUrl = z
  .string()
  .regex(/^(rtmps?|https?):\/\/[^\s/]+(\/\S*)?$/i, 'streamUrl must be an rtmp://, http:// or https:// URL')
  .refine((s) => utf8Length(s) <= 1024, 'streamUrl must be at most 1024 bytes');

/** Number 0 … 2^32-1; 0 lets the service assign one. */
export const PlayerUid = z.number().int('uid must be an integer').min(0).max(4294967295, 'uid must be at most 2^32-1');

export const ENCRYPT_MODES = ['aes-128-xts', 'aes-256-xts', 'aes-128-ecb', 'sm4-128-ecb', 'aes-128-gcm', 'aes-256-gcm', 'aes-128-gcm2', 'aes-256-gcm2'] as const;
const SALTED_MODES = new Set<string>(['aes-128-gcm2', 'aes-256-gcm2']);

export const PlayerAudioOptions = z.strictObject({
  /** 0 default … 5 MUSIC_HIGH_QUALITY_STEREO; absent: no audio transcoding */
  profile: z.number().int().min(0, 'audioOptions.profile range is 0 … 5').max(5, 'audioOptions.profile range is 0 … 5').optional(),
});

export const PlayerVideoOptions = z.strictObject({
  width: z.number().int().min(66, 'width range is 66 … 1920').max(1920, 'width range is 66 … 1920').optional(),
  height: z.number().int().min(66, 'height range is 66 … 1080').max(1080, 'height range is 66 … 1080').optional(),
  widthHeightAdaption: z.boolean().optional(),
  frameRate: z.number().int().min(1, 'frameRate range is 1 … 30').max(30, 'frameRate range is 1 … 30').optional(),
  bitrate: z.number().int().min(1, 'bitrate range is 1 … 10000 kbps').max(10000, 'bitrate range is 1 … 10000 kbps').optional(),
  codec: z.enum(['H.264', 'VP8', 'VP9']).optional(),
  fillMode: z.enum(['fit', 'fill']).optional(),
  gop: z.number().int().positive().optional(),
});

export const PlayerConfig = z
  .strictObject({
    streamUrl: StreamUrl,
    channelName: ChannelName,
    /** exactly one of uid and account (the vendor answers 400 without either) */
    uid: PlayerUid.optional(),
    account: RtcAccount.optional(),
    /** needed only when the project has App Certificate enabled; its uid/account must match the player */
    token: z.string().min(1).optional(),
    /** 5 … 600 seconds, default 300 (the vendor clamps; we refuse out-of-range values as unit mistakes) */
    idleTimeout: z.number().int().min(5, 'idleTimeout range is 5 … 600 seconds').max(600, 'idleTimeout range is 5 … 600 seconds').optional(),
    /** Unix seconds within [createTs − 86400, createTs + 300]; past + VOD resumes at that offset */
    playTs: z.number().int().min(0).optional(),
    name: PlayerName.optional(),
    encryptMode: z.enum(ENCRYPT_MODES).optional(),
    encryptKey: z.string().min(1).optional(),
    encryptKdfSalt: z.string().min(1).optional(),
    /** VOD only: 1 once (default), -1 loop, N times; never 0 */
    repeatTime: z
      .number()
      .int()
      .min(-1)
      .refine((n) => n !== 0, 'repeatTime cannot be 0')
      .optional(),
    seekPosition: z.number().min(0).optional(),
    dataStreamOptions: z.strictObject({ enable: z.boolean() }).optional(),
    audioOptions: PlayerAudioOptions.optional(),
    videoOptions: PlayerVideoOptions.optional(),
  })
  .superRefine((p, ctx) => {
    if ((p.uid === undefined) === (p.account === undefined)) ctx.addIssue({ code: 'custom', path: ['uid'], message: 'set exactly one of uid and account' });
    if (p.encryptMode && !p.encryptKey) ctx.addIssue({ code: 'custom', path: ['encryptKey'], message: 'encryptMode needs encryptKey' });
    if (p.encryptKdfSalt && !(p.encryptMode && SALTED_MODES.has(p.encryptMode))) {
      ctx.addIssue({ code: 'custom', path: ['encryptKdfSalt'], message: 'encryptKdfSalt is only for aes-128-gcm2 / aes-256-gcm2' });
    }
    if (p.encryptMode && SALTED_MODES.has(p.encryptMode) && !p.encryptKdfSalt) {
      ctx.addIssue({ code: 'custom', path: ['encryptKdfSalt'], message: `${p.encryptMode} needs encryptKdfSalt` });
    }
  });
export type PlayerConfig = z.infer<typeof PlayerConfig>;

export const CreatePlayerRequest = z.strictObject({ player: PlayerConfig });
export type CreatePlayerRequest = z.infer<typeof CreatePlayerRequest>;

/** Update (002 only): any of streamUrl, isPause, audioOptions.volume (0 … 200), seekPosition. */
export const PlayerPatch = z
  .strictObject({
    streamUrl: StreamUrl.optional(),
    isPause: z.boolean().optional(),
    audioOptions: z.strictObject({ volume: z.number().int().min(0, 'volume range is 0 … 200').max(200, 'volume range is 0 … 200') }).optional(),
    seekPosition: z.number().min(0).optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), 'an update needs at least one of streamUrl, isPause, audioOptions.volume, seekPosition');
export type PlayerPatch = z.infer<typeof PlayerPatch>;

export const UpdatePlayerRequest = z.strictObject({ player: PlayerPatch });
export type UpdatePlayerRequest = z.infer<typeof UpdatePlayerRequest>;

export const Sequence = z.number().int('sequence must be an integer').min(0, 'sequence must be >= 0');

/** List filter: only `channelName eq {cname}` exists. */
export function channelFilter(channelName: string): string {
  return `channelName eq ${channelName}`;
}

// ---- responses (tolerant) ----

export const PLAYER_STATUSES = ['idle', 'connecting', 'running', 'failed'] as const;

export const PlayerSummary = z.looseObject({
  /** X-Resource-ID carries it too */
  id: z.string().min(1).optional(),
  uid: z.number().optional(),
  account: z.string().optional(),
  createTs: z.number().optional(),
  status: z.string().optional(),
});
export type PlayerSummary = z.infer<typeof PlayerSummary>;

export const CreatePlayerResponse = z.looseObject({ player: PlayerSummary, fields: z.string().optional() });

/** List entries "might only include id, name and createTs" (agora.md §7). */
export const ListedPlayer = z.looseObject({
  id: z.string().min(1),
  name: z.string().optional(),
  createTs: z.number().optional(),
  streamUrl: z.string().optional(),
  channelName: z.string().optional(),
  uid: z.number().optional(),
  account: z.string().optional(),
  status: z.string().optional(),
});
export type ListedPlayer = z.infer<typeof ListedPlayer>;

export const ListPlayersResponse = z.looseObject({
  totalSize: z.number().optional(),
  players: z
    .array(ListedPlayer)
    .nullish()
    .transform((p) => p ?? []),
  fields: z.string().optional(),
  /** "" when there are no more pages */
  nextPageToken: z.string().optional(),
});
export type ListPlayersResponse = z.infer<typeof ListPlayersResponse>;

// ---- NCS events ([public] Media Pull events; productId 4) ----

export const MEDIA_PULL_NCS_PRODUCT_ID = 4;
/** [public] 1 and 3 are documented; 4 (status changed) is [general]: verify before relying on it. */
export const MEDIA_PULL_EVENT = {
  1: 'player_created',
  3: 'player_destroyed',
  4: 'player_status_changed',
} as const;
export const PLAYER_DESTROY_REASONS = ['Delete Request', 'Idle Timeout', 'Internal Error'] as const;

export const PullEventPayload = z.looseObject({
  player: z.looseObject({
    id: z.string(),
    name: z.string().optional(),
    channelName: z.string().optional(),
    uid: z.number().optional(),
    account: z.string().optional(),
    status: z.string().optional(),
    destroyReason: z.string().optional(),
  }),
  lts: z.number().optional(),
  xRequestId: z.string().optional(),
});
export type PullEventPayload = z.infer<typeof PullEventPayload>;
