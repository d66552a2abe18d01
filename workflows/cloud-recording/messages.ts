/** The cloud recording session's messages: its phases, status query, signals and updates. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Layout, RecordedFile, RecordingMode, StreamSubscribe } from '../../src/schemas/agora/cloud-recording';
import type { CloudRecordingResult, RecordingSegment, RtmpOutputsChange, RtmpPublishControl, WebRecordingControl } from '../../src/schemas/workflows/cloud-recording';
import type { SessionStatusBase, StopRequest } from '../lib/session';
import type { UsageEntry } from '../lib/usage';

export type { StopRequest };
export { ncsEventSignal, type NcsEvent } from '../agora-ncs';

/** The phases of a cloud recording session, in order (see ./workflow.ts). */
export const CLOUD_RECORDING_PHASES = ['acquiring', 'starting', 'confirming', 'recording', 'stopping', 'draining', 'completed', 'failed'] as const;
export type CloudRecordingPhase = (typeof CLOUD_RECORDING_PHASES)[number];
/** steps on the way to "recording": reported by status, not written to RtcPhase (see ../lib/phase.ts) */
export const CLOUD_RECORDING_TRANSIENT_PHASES: readonly CloudRecordingPhase[] = ['starting', 'confirming'];

/**
 * One mid-session control as the status shows it: what the session wants, what the recorder has
 * (its start configuration until a change was applied; undefined when that is not known), and
 * whether a change is still on its way (queued, or waiting for the recorder after a failover).
 */
export interface ControlStatus<T> {
  desired?: T;
  applied?: T;
  pending: boolean;
}

/** The controls a recording's mode takes (mix: layout + subscriptions, individual: subscriptions, web: webRecording + rtmpPublish). */
export interface RecordingControls {
  layout?: ControlStatus<Layout>;
  subscriptions?: ControlStatus<StreamSubscribe>;
  webRecording?: ControlStatus<WebRecordingControl>;
  rtmpPublish?: ControlStatus<RtmpPublishControl>;
}

export interface CloudRecordingStatus extends SessionStatusBase<CloudRecordingPhase> {
  channel: string;
  mode: RecordingMode;
  recorderUid: string;
  resourceId?: string;
  sid?: string;
  /** last recorder status reported by query (agora.md §2.6) */
  recorderStatus?: number;
  lastQueryAt?: string;
  /** set while query answers 404: when the grace window started */
  suspectSince?: string;
  files: RecordedFile[];
  layout?: Layout;
  layoutApplied: boolean;
  subscriptions?: StreamSubscribe;
  /** every control of this mode: desired and applied value */
  controls: RecordingControls;
  /** earlier recordings of this session (after restarts) */
  segments: RecordingSegment[];
  /** billable time so far by usage class (an open interval counted up to now) */
  usage: UsageEntry[];
}

export const recordingStatusQuery = defineQuery<CloudRecordingStatus>('status');

/** Fire-and-forget stop; the workflow's result holds the files. */
export const stopSignal = defineSignal<[StopRequest?]>('stop');
/** Stop and wait: returns the session's result. */
export const stopUpdate = defineUpdate<CloudRecordingResult, [StopRequest]>('stop');

/** Replace the whole layout (mix and web): validated before it is accepted, returns once Agora has it. */
export const updateLayoutUpdate = defineUpdate<Layout, [Layout]>('updateLayout');
export const updateLayoutSignal = defineSignal<[Layout]>('updateLayout');

/** Replace subscription lists (individual and mix): each list given replaces that list; returns all of them once Agora has them. */
export const updateSubscriptionsUpdate = defineUpdate<StreamSubscribe, [StreamSubscribe]>('updateSubscriptions');
export const updateSubscriptionsSignal = defineSignal<[StreamSubscribe]>('updateSubscriptions');

/** Pause (`onhold: true`) or resume a web recording; returns once the recorder has it. */
export const updateWebRecordingUpdate = defineUpdate<WebRecordingControl, [WebRecordingControl]>('updateWebRecording');
export const updateWebRecordingSignal = defineSignal<[WebRecordingControl]>('updateWebRecording');

/** Change the CDN push of a web recording (whole list, or add/remove); returns the whole list once the recorder has it. */
export const updateRtmpOutputsUpdate = defineUpdate<RtmpPublishControl, [RtmpOutputsChange]>('updateRtmpOutputs');
export const updateRtmpOutputsSignal = defineSignal<[RtmpOutputsChange]>('updateRtmpOutputs');
