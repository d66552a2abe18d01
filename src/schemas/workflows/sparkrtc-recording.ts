/**
 * The input, carried state and result of the SparkRTC recording session (single-stream and mixed-stream
 * jobs, sparkrtc.md §7, §8, §16, §17), shaped like Agora Cloud Recording's so both sit behind one
 * recording interface. The input is strict and carries the profile NAME: AK/SK, IAM passwords and
 * tokens and the callback auth_key stay in the worker and the API server (src/config). The carried state
 * is the workflow's own second argument across continue-as-new, never a caller's input.
 */
import { z } from 'zod';
import { carriedControls, desiredSlotOf, ProfileName, sessionControls, type UsageEntry } from './common';
import {
  AUDIO_ONLY,
  checkMixLayout,
  ENCODE_TEMPLATES,
  isKnownEncodeTemplate,
  LAYOUT_TEMPLATES,
  MaxIdleTime,
  MixLayoutPane,
  MixUserBackgroundImage,
  normaliseEncodeTemplate,
  S3Uri,
  STREAM_TYPES,
} from '../sparkrtc/jobs';

export const SPARKRTC_RECORDING_KINDS = ['single', 'mix'] as const;
export type SparkRtcRecordingKind = (typeof SPARKRTC_RECORDING_KINDS)[number];

/** Room, user and rule IDs: what SparkRTC takes, minus "/" and blanks (they are path and workflow-ID segments). */
const Id = (what: string) =>
  z
    .string()
    .min(1, `${what} is empty`)
    .max(128, `${what} is at most 128 characters`)
    .regex(/^[^\s/]+$/, `${what} must not contain "/" or blanks`);

/** record_param.record_rule_id (a rule of the profile's app, `rtcflow sparkrtc rules`). */
export const RecordRuleId = Id('recordRuleId');

/** A single job's video: camera, screen share, or '' (audio only) (§7.1, §18.2: always sent explicitly). */
export const SingleVideoType = z.enum(['CAMERASTREAM', 'SCREENSTREAM', '']);
export type SingleVideoType = z.infer<typeof SingleVideoType>;

/** The workflow-ID segment of a single job's video type. */
export const videoTypeSegment = (t: SingleVideoType): string => (t === 'CAMERASTREAM' ? 'camera' : t === 'SCREENSTREAM' ? 'screen' : 'audio');

/**
 * A mixed job's layout, in SparkRTC's own field names (§8.1, §8.2): the template, the whole pane list and
 * the backgrounds. Checked before anything is sent: screen-share layouts need pane 1 with a
 * filling_policy, custom panes need geometry that stays on the canvas, ids are unique, and the
 * documented window counts hold. A change replaces the whole layout (§8.4: send the complete state).
 */
export const SparkRtcLayout = z
  .strictObject({
    layout_template: z.enum(LAYOUT_TEMPLATES),
    layout_panes: z.array(MixLayoutPane).optional(),
    background_image: S3Uri.optional(),
    default_user_background_image: S3Uri.optional(),
    screen_background_image: S3Uri.optional(),
    user_background_images: z.array(MixUserBackgroundImage).max(100).optional(),
  })
  // any video template: the checks that depend on the template being video apply
  .superRefine((l, ctx) => checkMixLayout({ encode_template: ENCODE_TEMPLATES[0], ...l }, ctx));
export type SparkRtcLayout = z.infer<typeof SparkRtcLayout>;

const { tokenTtlSeconds: _noBotTokens, ...controls } = sessionControls;

export const SparkRtcRecordingInput = z
  .strictObject({
    vendor: z.literal('sparkrtc'),
    /** SparkRTC profile (project, app, AK/SK or IAM user), resolved by the worker */
    profile: ProfileName.default('default'),
    /** the SparkRTC room_id */
    channel: Id('channel (the room_id)'),
    /** one user's stream (single) or the room mixed into one output (mix) */
    kind: z.enum(SPARKRTC_RECORDING_KINDS),
    /** record_param.record_rule_id: where and how files are written (`rtcflow sparkrtc rules`) */
    recordRuleId: RecordRuleId,
    /** single: the user whose stream is recorded */
    userId: Id('userId').optional(),
    /** single: CAMERASTREAM (default), SCREENSTREAM or '' (audio only) */
    videoType: SingleVideoType.optional(),
    /** single: record the user's audio too (default true) */
    recordAudio: z.boolean().optional(),
    /** single: the resolution tier pulled (default FHD) */
    streamType: z.enum(STREAM_TYPES).optional(),
    /** mix: WIDTH*HEIGHT_FPS_KBPS (the `x` form is accepted) or audio_only */
    encodeTemplate: z.string().refine(isKnownEncodeTemplate, 'unknown encodeTemplate (e.g. 1280*720_15_2260 or audio_only)').optional(),
    /** mix: the layout to start with (required unless audio_only) */
    layout: SparkRtcLayout.optional(),
    /** SparkRTC ends the job after this long (s) without a publisher: 5..43200 */
    maxIdleTime: MaxIdleTime.default(30),
    /** how often the job is queried (callbacks only wake it earlier, sparkrtc.md §17.7) */
    pollIntervalMs: z.number().int().min(100).max(3_600_000).default(30_000),
    /** after a start whose answer was lost, how long to wait for a callback naming its job (§17.2) */
    reconcileTimeoutMs: z.number().int().min(1_000).max(600_000).default(60_000),
    /** after the stop, how long to wait for the last RECORD_FILE_COMPLETE before completing with needsReview */
    drainTimeoutMs: z.number().int().min(0).max(86_400_000).default(900_000),
    ...controls,
  })
  .superRefine((input, ctx) => {
    const refuse = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
    if (input.kind === 'single') {
      if (!input.userId) refuse('userId', 'a single-stream recording needs the userId to record');
      for (const f of ['encodeTemplate', 'layout'] as const) if (input[f] !== undefined) refuse(f, `${f} applies to mixed-stream recordings`);
      return;
    }
    for (const f of ['userId', 'videoType', 'recordAudio', 'streamType'] as const) if (input[f] !== undefined) refuse(f, `${f} applies to single-stream recordings`);
    if (!input.encodeTemplate) return refuse('encodeTemplate', 'a mixed-stream recording needs an encodeTemplate (e.g. 1280*720_15_2260 or audio_only)');
    if (normaliseEncodeTemplate(input.encodeTemplate) === AUDIO_ONLY) {
      if (input.layout) refuse('layout', 'an audio_only mix has no layout');
    } else if (!input.layout) refuse('layout', 'a video mix needs a layout (e.g. {"layout_template":"nine_grids_view"})');
  });
export type SparkRtcRecordingInput = z.input<typeof SparkRtcRecordingInput>;
export type SparkRtcRecordingParams = z.output<typeof SparkRtcRecordingInput>;

/** One file SparkRTC reported (RECORD_FILE_COMPLETE, §5.3, §9). `fileName` is the OBS object, as Agora's files are named. */
export const SparkRtcFile = z.object({
  fileName: z.string(),
  jobId: z.string(),
  format: z.string().optional(),
  /** bytes (file_size) */
  size: z.number().optional(),
  /** seconds (record_duration) */
  durationS: z.number().optional(),
  bucket: z.string().optional(),
  location: z.string().optional(),
  downloadUrl: z.string().optional(),
  startTime: z.string().optional(),
  endTime: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
});
export type SparkRtcFile = z.infer<typeof SparkRtcFile>;

/** One job of a session (Agora's "segment"). */
export const SparkRtcJobRecord = z.object({
  jobId: z.string(),
  streamName: z.string().optional(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  endReason: z.string().optional(),
  /** SparkRTC's stop_reason (TENANT_STOP, EXCEED_MAX_IDLE_TIME, INTERNAL_ERROR) */
  stopReason: z.string().optional(),
  files: z.array(SparkRtcFile),
});
export type SparkRtcJobRecord = z.infer<typeof SparkRtcJobRecord>;

export const UnstoppedJob = z.object({ jobId: z.string(), error: z.string() });
export type UnstoppedJob = z.infer<typeof UnstoppedJob>;

export const SparkRtcRecordingCarried = z.object({
  /** the job the session holds (RtcSid) */
  jobId: z.string().optional(),
  streamName: z.string().optional(),
  /** the profile's app (callbacks of other apps are not ours) */
  appId: z.string().optional(),
  /** epoch ms of the first start request: a job found by reconcile must be younger */
  startRequestedAt: z.number().optional(),
  /** the last state the job query answered (INIT, RUNNING, STOPPED) */
  jobState: z.string().optional(),
  /** SparkRTC's stop_reason once STOPPED */
  jobStopReason: z.string().optional(),
  jobDescription: z.string().optional(),
  startedAt: z.string().optional(),
  /** files of the current job (RECORD_FILE_COMPLETE) */
  files: z.array(SparkRtcFile),
  /** OBS objects of the current job started and not completed yet (RECORD_NEW_FILE_START) */
  openFiles: z.array(z.string()),
  /** the end-of-job callback of the current job arrived */
  jobOver: z.boolean(),
  layout: desiredSlotOf(SparkRtcLayout),
  recordRule: desiredSlotOf(z.string()),
  jobs: z.array(SparkRtcJobRecord),
  unstopped: z.array(UnstoppedJob),
  /** updates sent to the job (layouts, rule changes) */
  updates: z.number().int(),
  ...carriedControls,
});
export type SparkRtcRecordingState = z.infer<typeof SparkRtcRecordingCarried>;

export type SparkRtcRecordingOutcome =
  /** stopped on request (signal, update, max duration, cancellation) */
  | 'stopped'
  /** the job ended on its own (idle timeout, recorder failure, gone) */
  | 'ended'
  /** it never started or could not be controlled */
  | 'failed';

export interface SparkRtcRecordingResult {
  /** billable time by usage class (workflows/lib/usage.ts) */
  usage: UsageEntry[];
  vendor: 'sparkrtc';
  workflowId: string;
  /** the room */
  channel: string;
  kind: SparkRtcRecordingKind;
  /** the job ID (as Agora's sid) */
  sid?: string;
  streamName?: string;
  outcome: SparkRtcRecordingOutcome;
  reason: string;
  /** SparkRTC's stop_reason of the last job */
  jobStopReason?: string;
  /** every file of every job, oldest first */
  files: SparkRtcFile[];
  /** 'uploaded' once the last RECORD_FILE_COMPLETE (or the end-of-job callback) came; 'unknown' otherwise */
  uploadingStatus: 'uploaded' | 'unknown';
  /** the last file was not confirmed within drainTimeoutMs: check the bucket (the OBS listing) */
  needsReview: boolean;
  segments: SparkRtcJobRecord[];
  /** jobs that could not be stopped: check them (empty when everything was stopped) */
  unstopped: UnstoppedJob[];
  updates: number;
  layout?: SparkRtcLayout;
  startedAt?: string;
  endedAt: string;
}
