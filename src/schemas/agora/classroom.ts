/**
 * Agora Flexible Classroom payloads (agora.md §12). Pure zod, no Node imports. The seed gives the paths
 * and request bodies only and is silent on state codes, errors and responses: request schemas hold what
 * the seed shows (strict where the seed is explicit, open objects where it says "custom"), response
 * schemas are loose ([public] `{msg, code, ts, data}`).
 *
 * [public] room states: 0 not started, 1 started, 2 ended; recording states: 1 started, 0 stopped; room
 * types: 0 one-to-one, 2 lecture hall, 4 small classroom.
 */
import { z } from 'zod';
import { AgoraRegion as Region } from './media-gateway';
import { HttpUrl } from '../hygiene';
import { ProfileName } from '../workflows/common';

export { AgoraRegion } from './media-gateway';

/** A room or user UUID in a path: 1–64 characters of `[A-Za-z0-9_-]` (Signaling id rules, path-safe). */
export const ClassroomId = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(64, `${what} must be at most 64 characters`)
    .regex(/^[A-Za-z0-9_-]+$/, `${what} may contain only A-Z a-z 0-9 _ -`);

export const ROOM_STATES = { notStarted: 0, started: 1, ended: 2 } as const;
export const RoomState = z.union([z.literal(0), z.literal(1), z.literal(2)], { error: 'room state is 0 (not started), 1 (started) or 2 (ended)' });
export const RECORDING_STATES = { stopped: 0, started: 1 } as const;
export const RecordingState = z.union([z.literal(0), z.literal(1)], { error: 'recording state is 1 (start) or 0 (stop)' });

export const Schedule = z.strictObject({
  /** ms since the epoch */
  startTime: z.number().int().min(0),
  /** seconds */
  duration: z.number().int().positive(),
  /** seconds the room stays open after the duration */
  closeDelay: z.number().int().min(0).optional(),
});

export const CreateRoomRequest = z.strictObject({
  roomName: z.string().min(1, 'roomName must not be empty').max(64, 'roomName must be at most 64 characters'),
  roomType: z.number().int().min(0),
  roomProperties: z
    .looseObject({
      schedule: Schedule.optional(),
      processes: z.looseObject({ handsUp: z.looseObject({ maxAccept: z.number().int().min(0).optional() }).optional() }).optional(),
      hostingScene: z.looseObject({ videoURL: z.url({ protocol: /^https?$/ }).optional(), finishType: z.number().int().optional() }).optional(),
    })
    .optional(),
});
export type CreateRoomRequest = z.infer<typeof CreateRoomRequest>;

export const WebRecordConfig = z.looseObject({
  /** the classroom page the recorder opens */
  url: z.url({ protocol: /^https?$/ }).optional(),
  rootUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** pause (true) or resume (false) the running recording */
  onhold: z.boolean().optional(),
});

export const SetRecordingRequest = z.strictObject({
  mode: z.string().min(1).optional(),
  webRecordConfig: WebRecordConfig.optional(),
  /** seconds the service keeps retrying to start */
  retryTimeout: z.number().int().min(0).optional(),
});
export type SetRecordingRequest = z.infer<typeof SetRecordingRequest>;

export const KickRequest = z.strictObject({
  dirty: z.strictObject({ state: z.number().int().min(0).max(1), duration: z.number().int().min(0) }).optional(),
});

export const PropertiesRequest = z.strictObject({
  properties: z.record(z.string().min(1), z.unknown()),
  cause: z.record(z.string(), z.unknown()).optional(),
});
export const ExtAppPropertiesRequest = PropertiesRequest.extend({ common: z.looseObject({ state: z.number().int().optional() }).optional() });
/** DELETE names the key paths; the seed shows both an object (room/user) and an array (extApp) */
export const DeletePropertiesRequest = z.strictObject({
  properties: z.union([z.array(z.string().min(1)).min(1), z.record(z.string().min(1), z.unknown())]),
  cause: z.record(z.string(), z.unknown()).optional(),
});

export const Envelope = <T extends z.ZodType>(data: T) =>
  z.looseObject({ msg: z.string().optional(), code: z.number().optional(), ts: z.number().optional(), data: data.optional() });

export const Page = <T extends z.ZodType>(item: T) =>
  z.looseObject({ total: z.number().optional(), list: z.array(item).default([]), count: z.number().optional(), nextId: z.union([z.string(), z.number(), z.null()]).optional() });

export const Recording = z.looseObject({
  recordId: z.string().optional(),
  roomUuid: z.string().optional(),
  sid: z.string().optional(),
  startTime: z.number().optional(),
  endTime: z.number().optional(),
  /** 1 recording, 2 ended */
  status: z.number().optional(),
});
export type Recording = z.infer<typeof Recording>;

export const RoomSequence = z.looseObject({ roomUuid: z.string(), cmd: z.union([z.string(), z.number()]), sequence: z.number(), data: z.unknown().optional() });
export type RoomSequence = z.infer<typeof RoomSequence>;

// ---- the class recording session (workflows/classroom-recording): its public input ----

/** 1-64 of A-Z a-z 0-9 _ - (a room UUID, the token's uid: path segments) */
const PathId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ -');

export const ClassRecordingInput = z.strictObject({
  profile: ProfileName.default('default'),
  region: Region,
  roomUuid: PathId,
  /** the uid the Signaling token is minted for */
  uid: PathId.default('rtcflow-recorder'),
  /** the web recording's page (the classroom URL the recorder opens) and its root */
  webRecordConfig: z.strictObject({ url: HttpUrl, rootUrl: HttpUrl.optional(), onhold: z.boolean().optional() }),
  /** seconds the service keeps trying to start */
  retryTimeout: z.number().int().min(0).max(3600).default(60),
  /** how often the records list is read while recording */
  pollIntervalMs: z.number().int().min(200).max(600_000).default(30_000),
  /** how long the records list has to show the recording after the start */
  confirmTimeoutMs: z.number().int().min(1_000).max(600_000).default(120_000),
  confirmPollMs: z.number().int().min(100).max(60_000).default(2_000),
  /** the recording is stopped after this long, whatever happens */
  maxDurationMs: z
    .number()
    .int()
    .min(1_000)
    .max(7 * 86_400_000)
    .default(6 * 3_600_000),
});
export type ClassRecordingInput = z.input<typeof ClassRecordingInput>;
export type ClassRecordingParams = z.output<typeof ClassRecordingInput>;

/** Pause (true) or resume (false) the running recording. */
export const ClassRecordingHold = z.strictObject({ onhold: z.boolean() });
export type ClassRecordingHold = z.infer<typeof ClassRecordingHold>;
