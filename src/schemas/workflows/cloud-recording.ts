/**
 * The input and result of the cloud-recording workflow. Validated by every entry point (typed client,
 * HTTP API, CLI) before a workflow starts, and again by the workflow itself before any vendor call.
 * Inputs carry profile references, never credentials or storage keys.
 */
import { z } from 'zod';
import { carriedControls, desiredSlotOf, ProfileName, sessionControls, UsageEntry } from './common';
import { rejectCredentials } from '../hygiene';
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
import { RtmpUrl } from '../agora/media-push';

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
    // credential-like fields in any case or spelling (secretKey, SecretKey, extensionParams.sts_token...)
    rejectCredentials(input.clientRequest, ctx, ['clientRequest']);
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

// ---- mid-session controls (agora.md §2.5): each one a desired-state slot of the session ----

/** Pause/resume of a web recording: the whole value of the `webRecording` control. */
export const WebRecordingControl = z.strictObject({ onhold: z.boolean() });
export type WebRecordingControl = z.infer<typeof WebRecordingControl>;

const RtmpUrls = z.array(RtmpUrl).refine((urls) => new Set(urls).size === urls.length, 'an rtmp address is listed twice');

/** The CDN push of a web recording: every address it pushes to (`update` replaces the whole list). */
export const RtmpPublishControl = z.strictObject({ outputs: RtmpUrls });
export type RtmpPublishControl = z.infer<typeof RtmpPublishControl>;

/**
 * A change of the CDN push: the whole list (`outputs`), or addresses added to and/or removed from the
 * list the session wants at the moment the change is applied (adding one already there or removing
 * one not there changes nothing, so a repeated change is harmless).
 */
export const RtmpOutputsChange = z.strictObject({ outputs: RtmpUrls.optional(), add: RtmpUrls.optional(), remove: RtmpUrls.optional() }).superRefine((c, ctx) => {
  if (c.outputs === undefined && c.add === undefined && c.remove === undefined) ctx.addIssue({ code: 'custom', message: 'give outputs (the whole list), add or remove' });
  if (c.outputs !== undefined && (c.add !== undefined || c.remove !== undefined))
    ctx.addIssue({ code: 'custom', path: ['outputs'], message: 'outputs replaces the whole list: not with add/remove' });
  for (const url of c.add ?? []) if (c.remove?.includes(url)) ctx.addIssue({ code: 'custom', path: ['remove'], message: `${url} is both added and removed` });
});
export type RtmpOutputsChange = z.infer<typeof RtmpOutputsChange>;

/** The outputs wanted after `change`, from the outputs wanted before it (order kept, additions last). */
export function nextRtmpOutputs(current: readonly string[], change: RtmpOutputsChange): string[] {
  if (change.outputs) return [...change.outputs];
  const kept = current.filter((url) => !change.remove?.includes(url));
  return [...kept, ...(change.add ?? []).filter((url) => !kept.includes(url))];
}

/** Subscription lists after a change: each media type's list given replaces that list; one not given is kept. */
export function nextSubscriptions(current: StreamSubscribe | undefined, change: StreamSubscribe): StreamSubscribe {
  return { ...current, ...change };
}

/**
 * One change of a running cloud recording through the typed client, the HTTP API (PATCH
 * /v1/recordings/:id) and the CLI (`rtcflow record update`): any of the controls, applied in this
 * order (each by its own Update, once the previous one is in the recorder). Which controls a mode
 * takes: src/agora/meanings/cloud-recording.ts (`controlRefusal`).
 */
export const RecordingChange = z
  .strictObject({
    /** the whole layout (mix) */
    layout: Layout.optional(),
    /** subscription lists (individual, mix): each list given replaces that list */
    subscriptions: StreamSubscribe.optional(),
    /** pause (true) or resume (false) a web recording */
    onhold: z.boolean().optional(),
    /** the CDN push of a web recording */
    rtmpOutputs: RtmpOutputsChange.optional(),
  })
  .refine((c) => Object.values(c).some((v) => v !== undefined), 'nothing to change: give layout, subscriptions, onhold and/or rtmpOutputs');
export type RecordingChange = z.input<typeof RecordingChange>;
export type RecordingChangeParams = z.output<typeof RecordingChange>;

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
  /** web recordings: pause/resume (absent in states carried by runs older than this control) */
  webRecording: desiredSlotOf(WebRecordingControl).optional(),
  /** web recordings: the CDN push outputs (absent in states carried by runs older than this control) */
  rtmpPublish: desiredSlotOf(RtmpPublishControl).optional(),
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
  /** billable time by usage class, from the session's own phases (workflows/lib/usage.ts) */
  usage: UsageEntry[];
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
