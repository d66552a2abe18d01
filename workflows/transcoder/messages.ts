/** The Cloud Transcoder session's messages: its phases, status query, signals and updates. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { TranscoderChange, TranscoderLayout, TranscoderResult, TranscoderTask } from '../../src/schemas/workflows/transcoder';
import type { SessionStatusBase, StopRequest } from '../lib/session';
import type { UsageEntry } from '../lib/usage';

export type { StopRequest };

/**
 * The phases of a transcoder session, in order: acquiring a builderToken, creating the task with it,
 * starting until Agora reports it started, running; replacing swaps the task for a canvas/watermark change.
 */
export const TRANSCODER_PHASES = ['acquiring', 'creating', 'starting', 'running', 'replacing', 'stopping', 'completed', 'failed'] as const;
export type TranscoderPhase = (typeof TRANSCODER_PHASES)[number];

export interface TranscoderStatus extends SessionStatusBase<TranscoderPhase> {
  /** billable time so far (workflows/lib/usage.ts) */
  usage: UsageEntry[];
  channel: string;
  taskId?: string;
  /** the last task status Agora reported (STARTED, IN_PROGRESS, ...) */
  lastStatus?: string;
  lastQueryAt?: string;
  /** the transcoder's uid in each output channel */
  outputUids: number[];
  /** the layout wanted now, and whether the task has it */
  config?: TranscoderLayout;
  configApplied: boolean;
  /** the last update sequenceId sent */
  sequenceId?: number;
  tasks: TranscoderTask[];
  updates: number;
  renewals: number;
  replacements: number;
}

export const transcoderStatusQuery = defineQuery<TranscoderStatus>('status');

/** Fire-and-forget stop; the workflow's result tells how it ended. */
export const transcoderStopSignal = defineSignal<[StopRequest?]>('stop');
/** Delete the task and wait: returns the session's result. */
export const transcoderStopUpdate = defineUpdate<TranscoderResult, [StopRequest]>('stop');

/** Change inputs, layout or the outputs' encoding; returns the whole layout once the task has it. */
export const transcoderUpdate = defineUpdate<TranscoderLayout, [TranscoderChange]>('updateTranscoder');
export const transcoderUpdateSignal = defineSignal<[TranscoderChange]>('updateTranscoder');
