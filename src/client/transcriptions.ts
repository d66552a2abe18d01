/**
 * Real-Time STT sessions through the typed client (`rtc.transcriptions`): the same surface as cloud
 * recording — idempotent start by business key, status, validated updates, stop with the result.
 */
import { WorkflowIdConflictPolicy, type Client } from '@temporalio/client';
import { parseInput } from '../schemas/parse';
import { SttChange, SttInput, type SttConfig, type SttParams, type SttResult } from '../schemas/workflows/stt';
import { sttStatusQuery, sttStopSignal, sttStopUpdate, sttUpdate, type SttStatus } from '../../workflows/stt/messages';
import type { stt } from '../../workflows/stt';
import { stopWithResult, type StartedSession } from './stop';

/** One transcription per (profile, channel, role): the business key that makes start idempotent. */
export function transcriptionWorkflowId(input: { profile: string; channel: string; role: string }): string {
  return `stt/${input.profile}/${input.role}/${input.channel}`;
}

/** The input as the workflow gets it (defaults filled in), or InvalidInputError with every issue. */
export function parseSttInput(input: SttInput): SttParams {
  return parseInput(SttInput, input, 'STT request');
}

/** A mid-session change, or InvalidInputError with every issue. */
export function parseSttChange(change: SttChange): SttChange {
  return parseInput(SttChange, change, 'STT change', '(change)');
}

export class Transcriptions {
  constructor(
    private readonly temporal: Client,
    private readonly taskQueue: string,
  ) {}

  /**
   * Starts a Real-Time STT session (7.x agent or 6.x task), or returns the one already running for the
   * same profile, channel and role (a retried request never starts a second agent; the running
   * session keeps its own input).
   */
  async start(input: SttInput): Promise<StartedSession> {
    const params = parseSttInput(input);
    const id = transcriptionWorkflowId(params);
    const handle = await this.temporal.workflow.start<typeof stt>('stt', {
      taskQueue: this.taskQueue,
      workflowId: id,
      args: [params],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
    return { id, runId: handle.firstExecutionRunId };
  }

  async status(id: string): Promise<SttStatus> {
    return this.temporal.workflow.getHandle(id).query(sttStatusQuery);
  }

  /**
   * Changes languages, transcribed audio uids and/or translation targets (each given field replaces
   * the current one); returns the whole configuration once the agent has it.
   */
  async update(id: string, change: SttChange): Promise<SttConfig> {
    const parsed = parseSttChange(change);
    return this.temporal.workflow.getHandle<typeof stt>(id).executeUpdate(sttUpdate, { args: [parsed] });
  }

  /** Leaves (7.x) / stops (6.x) the transcription and returns the result; an ended session returns its result too. */
  async stop(id: string, reason?: string): Promise<SttResult> {
    return stopWithResult(this.temporal.workflow.getHandle<typeof stt>(id), sttStopUpdate, reason);
  }

  /** Fire-and-forget stop: returns once the request is recorded in the session's history. */
  async requestStop(id: string, reason?: string): Promise<void> {
    await this.temporal.workflow.getHandle(id).signal(sttStopSignal, { reason });
  }
}

export type { SttChange, SttConfig, SttInput, SttResult, SttStatus };
