/**
 * The input and result of the cloud-recording workflow. Validated by every entry point (typed client,
 * HTTP API, CLI) before a workflow starts, and again by the workflow itself before any vendor call.
 * Inputs carry profile references, never credentials or storage keys.
 */
import { z } from 'zod';
import { carriedControls, desiredSlotOf, ProfileName, sessionControls } from './common';
import {
  AcquireClientRequest,
  ChannelName,
  Layout,
  RecordedFile,
  RecorderUid,
  RecordingMode,
  StartClientRequest,
  StreamSubscribe,
  UploadingStatus,
} from '../agora/cloud-recording';

/** Keys that carry credentials: they come from profiles inside the worker, never from the caller. */
const FORBIDDEN_KEYS = ['token', 'storageConfig', 'accessKey', 'secretKey'];

export const CloudRecordingInput = z
  .strictObject({
    /** Agora project profile (App ID + credentials), resolved by the worker */
    profile: ProfileName.default('default'),
    /** storage profile (vendor, bucket, keys), resolved by the worker */
    storageProfile: ProfileName.default('default'),
    channel: ChannelName,
    mode: RecordingMode.default('mix'),
    /** the recorder's uid in the channel; chosen from the bot range when absent */
    recorderUid: RecorderUid.optional(),
    acquire: AcquireClientRequest.optional(),
    /** start's clientRequest minus token and storageConfig */
    clientRequest: StartClientRequest.default({}),
    /** how often to query the recorder while recording */
    pollIntervalMs: z.number().int().min(100).max(3_600_000).default(120_000),
    /** a query 404 is an HA failover until this long has passed without recovery (agora.md §2.9) */
    notFoundGraceMs: z.number().int().min(1_000).max(3_600_000).default(120_000),
    /** how long to wait for the upload to finish after stop before completing with needsReview */
    drainTimeoutMs: z.number().int().min(0).max(86_400_000).default(900_000),
    /** start a new recording when this one ends unexpectedly (idle timeout, recorder gone) */
    restartOnFailure: z.boolean().default(false),
    maxRestarts: z.number().int().min(0).max(100).default(3),
    /** refresh expiring (STS) storage credentials this long before they lapse */
    storageRefreshMarginMs: z.number().int().min(1_000).max(86_400_000).default(300_000),
    ...sessionControls,
  })
  .superRefine((input, ctx) => {
    const walk = (v: unknown, path: (string | number)[]) => {
      if (!v || typeof v !== 'object') return;
      for (const [k, child] of Object.entries(v)) {
        if (FORBIDDEN_KEYS.includes(k)) {
          ctx.addIssue({ code: 'custom', path: [...path, k], message: `"${k}" must not be passed in: the worker adds it from the storage/Agora profile` });
        } else walk(child, [...path, k]);
      }
    };
    walk(input.clientRequest, ['clientRequest']);
    const hours = input.acquire?.resourceExpiredHour;
    if (hours !== undefined && input.maxDurationMs > hours * 3_600_000) {
      ctx.addIssue({
        code: 'custom',
        path: ['acquire', 'resourceExpiredHour'],
        message: `REST control (${hours} h) would end before maxDurationMs: the recording could not be stopped`,
      });
    }
    if (input.mode === 'web' && !input.clientRequest.extensionServiceConfig) {
      ctx.addIssue({ code: 'custom', path: ['clientRequest', 'extensionServiceConfig'], message: 'web mode needs extensionServiceConfig with a web_recorder_service url' });
    }
  });
export type CloudRecordingInput = z.input<typeof CloudRecordingInput>;
export type CloudRecordingParams = z.output<typeof CloudRecordingInput>;

/** Which recording a call addresses (what the activities need besides credentials). */
export const RecordingRef = z.object({
  profile: z.string(),
  resourceId: z.string(),
  sid: z.string(),
  mode: RecordingMode,
  cname: z.string(),
  uid: z.string(),
  /** the Agora host the session is pinned to */
  baseUrl: z.string().optional(),
});
export type RecordingRef = z.infer<typeof RecordingRef>;

/** One recording of a session (more than one after restarts). */
export const RecordingSegment = z.object({
  resourceId: z.string(),
  sid: z.string(),
  recorderUid: z.string(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  endReason: z.string().optional(),
  files: z.array(RecordedFile),
  uploadingStatus: UploadingStatus.optional(),
});
export type RecordingSegment = z.infer<typeof RecordingSegment>;

/** A recorder that could not be stopped: reported in the result, never dropped silently. */
export const UnstoppedRecording = z.object({ resourceId: z.string(), sid: z.string(), recorderUid: z.string(), error: z.string() });
export type UnstoppedRecording = z.infer<typeof UnstoppedRecording>;

/**
 * Everything a running session remembers, carried whole across continue-as-new. It is the workflow's
 * own second argument, never part of what a caller passes (CloudRecordingInput is strict). Plain
 * JSON, no secrets.
 */
export const CloudRecordingCarried = z.object({
  uid: z.string(),
  resourceId: z.string().optional(),
  sid: z.string().optional(),
  baseUrl: z.string().optional(),
  /** the current recording's start (ISO) */
  startedAt: z.string().optional(),
  files: z.array(RecordedFile),
  segments: z.array(RecordingSegment),
  recorderStatus: z.number().optional(),
  /** set while the recorder answers 404: when the grace window opened (epoch ms) */
  suspectSince: z.number().optional(),
  layout: desiredSlotOf(Layout),
  subscriptions: desiredSlotOf(StreamSubscribe),
  storageExpiresAt: z.number().optional(),
  /** no storage refresh before this (ms): refreshes are rate-limited and failed ones retried later */
  storageRefreshAfter: z.number().optional(),
  unstopped: z.array(UnstoppedRecording),
  excludeResourceIds: z.array(z.string()),
  restarts: z.number().int(),
  ...carriedControls,
});
export type CloudRecordingState = z.infer<typeof CloudRecordingCarried>;

export type CloudRecordingOutcome =
  /** stopped on request (signal, update or max duration) */
  | 'stopped'
  /** the recording ended on its own (idle timeout, recorder gone) */
  | 'ended'
  /** it never started or could not be controlled */
  | 'failed';

export interface CloudRecordingResult {
  /** every recording of this session, oldest first (more than one after restarts) */
  segments: RecordingSegment[];
  /** the upload was not confirmed within drainTimeoutMs: check the bucket */
  needsReview: boolean;
  /** screenshots (snapshotConfig) rather than audio/video */
  screenshots: boolean;
  restarts: number;
  /** recorders that could not be stopped: check them (empty when everything was stopped) */
  unstopped: UnstoppedRecording[];
  workflowId: string;
  channel: string;
  mode: RecordingMode;
  recorderUid: string;
  resourceId?: string;
  sid?: string;
  outcome: CloudRecordingOutcome;
  reason: string;
  files: RecordedFile[];
  uploadingStatus: UploadingStatus;
  startedAt?: string;
  endedAt: string;
}
