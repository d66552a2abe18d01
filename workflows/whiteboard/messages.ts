/** The whiteboard conversion session's messages: its phases, status query, and stop. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ConversionProgress, WhiteboardConversionResult } from '../../src/schemas/workflows/whiteboard';
import type { SessionStatusBase, StopRequest } from '../lib/session';

export type { StopRequest };

/**
 * The phases of a conversion, in order: creating the projector task, queued (Waiting), converting,
 * stopping (deleting it on a stop request, max duration or cancellation), completed (converted or
 * cancelled) or failed (the projector said Fail).
 */
export const WHITEBOARD_PHASES = ['creating', 'queued', 'converting', 'stopping', 'completed', 'failed'] as const;
export type WhiteboardPhase = (typeof WHITEBOARD_PHASES)[number];

export interface WhiteboardStatus extends SessionStatusBase<WhiteboardPhase> {
  resource: string;
  type: 'static' | 'dynamic';
  /** the projector task held now (or the last one, once it ended) */
  taskUuid?: string;
  adopted?: boolean;
  /** the last status the projector reported (Waiting, Converting, Finished, Fail) */
  lastStatus?: string;
  lastQueryAt?: string;
  /** percentage 0 … 100, pages converted so far and the page count once known */
  progress: ConversionProgress;
  priority?: string;
  priorityApplied: boolean;
  polls: number;
}

export const whiteboardStatusQuery = defineQuery<WhiteboardStatus>('status');

/** Fire-and-forget cancel: the task is deleted; the workflow's result tells how it ended. */
export const whiteboardStopSignal = defineSignal<[StopRequest?]>('stop');
/** Delete the task (unless it already ended) and wait: returns the session's result. */
export const whiteboardStopUpdate = defineUpdate<WhiteboardConversionResult, [StopRequest]>('stop');
/** The application's progress webhook arrived (or anything else worth a look): read the task now. */
export const whiteboardPokeSignal = defineSignal<[]>('poke');
