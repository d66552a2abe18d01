/** Signal, query and update definitions shared by workflows and their callers. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Layout, RecordedFile, RecordingMode, StreamSubscribe, UploadingStatus } from '../src/schemas/agora/cloud-recording';
import type { CloudRecordingResult } from '../src/schemas/workflows/cloud-recording';

/** The phases of a cloud recording session, in order (see workflows/cloud-recording.ts). */
export const CLOUD_RECORDING_PHASES = ['acquiring', 'starting', 'confirming', 'recording', 'stopping', 'draining', 'completed', 'failed'] as const;
export type CloudRecordingPhase = (typeof CLOUD_RECORDING_PHASES)[number];

export interface RecordingSegment {
  resourceId: string;
  sid: string;
  recorderUid: string;
  startedAt: string;
  endedAt?: string;
  endReason?: string;
  files: RecordedFile[];
  uploadingStatus?: UploadingStatus;
}

export interface CloudRecordingStatus {
  phase: CloudRecordingPhase;
  reason?: string;
  since: string;
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
  stopRequested: boolean;
  /** earlier recordings of this session (after restarts) */
  segments: RecordingSegment[];
  deadline?: string;
  /** how many runs this session has continued across */
  continuedAsNew: number;
}

export interface StopRequest {
  reason?: string;
}

/** An Agora NCS event forwarded by the webhook receiver (webhooks.md §1). */
export interface NcsEvent {
  noticeId: string;
  productId: number;
  eventType: number;
  notifyMs?: number;
  payload: { sid?: string; cname?: string; uid?: string; sequence?: number; details?: Record<string, unknown> & { msgName?: string } };
}

export const recordingStatusQuery = defineQuery<CloudRecordingStatus>('status');

/** Fire-and-forget stop; the workflow's result holds the files. */
export const stopSignal = defineSignal<[StopRequest?]>('stop');
/** Stop and wait: returns the session's result. */
export const stopUpdate = defineUpdate<CloudRecordingResult, [StopRequest]>('stop');

/** Replace the whole layout (mix and web): validated before it is accepted, returns once Agora has it. */
export const updateLayoutUpdate = defineUpdate<Layout, [Layout]>('updateLayout');
export const updateLayoutSignal = defineSignal<[Layout]>('updateLayout');

/** Replace the subscription lists (individual and mix). */
export const updateSubscriptionsUpdate = defineUpdate<StreamSubscribe, [StreamSubscribe]>('updateSubscriptions');
export const updateSubscriptionsSignal = defineSignal<[StreamSubscribe]>('updateSubscriptions');

/** Webhook events wake the workflow early; queries stay the source of truth. */
export const ncsEventSignal = defineSignal<[NcsEvent]>('ncsEvent');
