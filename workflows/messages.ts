/** Signal, query and update definitions shared by workflows and their callers. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { RecordedFile, RecordingMode } from '../src/schemas/agora/cloud-recording';

export type CloudRecordingPhase =
  | 'acquiring'
  | 'starting'
  | 'confirming'
  | 'recording'
  | 'stopping'
  | 'draining'
  | 'completed'
  | 'failed';

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
  files: RecordedFile[];
  stopRequested: boolean;
}

export interface StopRequest {
  reason?: string;
}

export const recordingStatusQuery = defineQuery<CloudRecordingStatus>('status');
export const stopSignal = defineSignal<[StopRequest?]>('stop');
