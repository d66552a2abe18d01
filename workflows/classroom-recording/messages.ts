/** The class recording session's messages: its phases, status query, stop signal/update and hold. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SessionStatusBase, StopRequest } from '../lib/session';
import type { ClassRecordingHold, ClassRecordingResult } from './input';

export type { StopRequest };

export const CLASS_RECORDING_PHASES = ['starting', 'recording', 'stopping', 'completed', 'failed'] as const;
export type ClassRecordingPhase = (typeof CLASS_RECORDING_PHASES)[number];

export interface ClassRecordingStatus extends SessionStatusBase<ClassRecordingPhase> {
  region: string;
  roomUuid: string;
  recordId?: string;
  /** the hold state wanted, and whether the service has it */
  onhold: boolean;
  onholdApplied: boolean;
  lastQueryAt?: string;
}

export const classRecordingStatusQuery = defineQuery<ClassRecordingStatus>('status');
/** Fire-and-forget stop; the workflow's result tells how it ended. */
export const classRecordingStopSignal = defineSignal<[StopRequest?]>('stop');
/** Set the recording state to stopped and wait: returns the session's result. */
export const classRecordingStopUpdate = defineUpdate<ClassRecordingResult, [StopRequest]>('stop');
/** Pause or resume the running recording (webRecordConfig.onhold). */
export const classRecordingHoldSignal = defineSignal<[ClassRecordingHold]>('hold');
