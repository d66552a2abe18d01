/**
 * The SparkRTC recording session's messages. The status query, the stop signal/update and the layout
 * update carry the SAME names as Agora Cloud Recording's (`status`, `stop`, `updateLayout`), so the one
 * recording interface (rtc.recordingStatus, stopRecording, requestStop, updateLayout) drives either vendor.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  SingleVideoType,
  SparkRtcFile,
  SparkRtcJobRecord,
  SparkRtcLayout,
  SparkRtcRecordingKind,
  SparkRtcRecordingResult,
} from '../../src/schemas/workflows/sparkrtc-recording';
import type { SessionStatusBase, StopRequest } from '../lib/session';
import type { UsageEntry } from '../lib/usage';

export type { StopRequest };

/**
 * The RtcProduct search attribute of these sessions. Not Agora's `cloud-recording`: the NCS receiver signals
 * Agora events to every `cloud-recording` session of a channel, and a SparkRTC room may share its name.
 * All recordings of either vendor: `RtcProduct IN ("cloud-recording", "sparkrtc-recording")`.
 */
export const SPARKRTC_RECORDING_PRODUCT = 'sparkrtc-recording';

/** The phases, named as Agora's where they mean the same (no `acquiring`: SparkRTC has no resource step). */
export const SPARKRTC_RECORDING_PHASES = ['starting', 'confirming', 'recording', 'stopping', 'draining', 'completed', 'failed'] as const;
export type SparkRtcRecordingPhase = (typeof SPARKRTC_RECORDING_PHASES)[number];

export interface SparkRtcRecordingStatus extends SessionStatusBase<SparkRtcRecordingPhase> {
  /** billable time so far (workflows/lib/usage.ts) */
  usage: UsageEntry[];
  vendor: 'sparkrtc';
  /** the room */
  channel: string;
  kind: SparkRtcRecordingKind;
  userId?: string;
  videoType?: SingleVideoType;
  /** the job ID (as Agora's sid) */
  sid?: string;
  streamName?: string;
  /** the last state the job query answered: INIT, RUNNING or STOPPED */
  jobState?: string;
  jobStopReason?: string;
  lastQueryAt?: string;
  /** true while a start whose answer was lost is being reconciled through callbacks */
  reconciling: boolean;
  /** files SparkRTC reported complete (RECORD_FILE_COMPLETE) */
  files: SparkRtcFile[];
  /** files started and not complete yet */
  openFiles: number;
  /** the layout wanted now (mix), and whether the job has it */
  layout?: SparkRtcLayout;
  layoutApplied: boolean;
  /** the layout the job has (the last one SparkRTC accepted) */
  appliedLayout?: SparkRtcLayout;
  /** the record rule wanted now (single jobs can change it), and whether the job has it */
  recordRuleId: string;
  recordRuleApplied: boolean;
  segments: SparkRtcJobRecord[];
  updates: number;
}

/**
 * A SparkRTC record callback as the receiver forwards it (signature checked, replays dropped): the
 * documented fields only (sparkrtc.md §5.3). Callbacks wake the session; the job query stays the source
 * of truth for state, the callbacks for files.
 */
export interface SparkRtcCallback {
  job_id?: string;
  stream_name?: string;
  app_id?: string;
  room_id?: string;
  event_type?: string;
  record_format?: string;
  download_url?: string;
  record_duration?: number;
  width?: number;
  height?: number;
  start_time?: string;
  end_time?: string;
  obs_location?: string;
  obs_bucket?: string;
  obs_object?: string;
  file_size?: number;
  detail_message?: string;
}

export const sparkRtcStatusQuery = defineQuery<SparkRtcRecordingStatus>('status');

/** Fire-and-forget stop; the workflow's result holds the files. */
export const sparkRtcStopSignal = defineSignal<[StopRequest?]>('stop');
/** Stop and wait: returns the session's result once the last file is in (or the drain timed out). */
export const sparkRtcStopUpdate = defineUpdate<SparkRtcRecordingResult, [StopRequest]>('stop');

/** Replace the whole layout of a mixed job: validated before it is accepted, returns once SparkRTC has it. */
export const sparkRtcLayoutUpdate = defineUpdate<SparkRtcLayout, [SparkRtcLayout]>('updateLayout');
export const sparkRtcLayoutSignal = defineSignal<[SparkRtcLayout]>('updateLayout');

/** Change the record rule a single job writes new files with (its only mutable field). */
export const sparkRtcRecordRuleUpdate = defineUpdate<string, [string]>('updateRecordRule');
export const sparkRtcRecordRuleSignal = defineSignal<[string]>('updateRecordRule');

/** A verified SparkRTC callback, signalled by the receiver (src/api/sparkrtc-callbacks.ts). */
export const sparkRtcCallbackSignal = defineSignal<[SparkRtcCallback]>('sparkrtcCallback');
