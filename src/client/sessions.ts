/**
 * One session kind in the typed client (`rtc.transcriptions`, `rtc.ingests`, ...): idempotent start by
 * business key, status, a validated mid-session change, stop with the result and a fire-and-forget
 * stop. Each lifecycle describes itself once (a SessionKindSpec) instead of copying these methods.
 */
import { WorkflowIdConflictPolicy, type Client } from '@temporalio/client';
import type { QueryDefinition, SignalDefinition, UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import type { StopRequest } from '../../workflows/lib/session';
import { parseInput } from '../schemas/parse';
import { stopWithResult, type StartedSession } from './stop';

export interface SessionKindSpec<In extends z.ZodType, Status, Result, Change extends z.ZodType = z.ZodNever, Applied = never> {
  /** the workflow function's name as the worker registers it */
  workflowType: string;
  /** names the input in errors ("STT request") */
  what: string;
  input: In;
  /** the business key: one running session per key (a repeated start joins it) */
  idOf: (params: z.output<In>) => string;
  status: QueryDefinition<Status>;
  stop: UpdateDefinition<Result, [StopRequest]>;
  stopSignal: SignalDefinition<[StopRequest?]>;
  /** the mid-session change, when the kind has one */
  change?: { schema: Change; update: UpdateDefinition<Applied, [z.output<Change>]>; what: string };
}

/** The input as the workflow gets it (defaults filled in), or InvalidInputError with every issue. */
export function parseSessionInput<In extends z.ZodType>(spec: { input: In; what: string }, input: z.input<In>): z.output<In> {
  return parseInput(spec.input, input, spec.what);
}

/** A mid-session change, or InvalidInputError with every issue. */
export function parseSessionChange<Change extends z.ZodType>(spec: { workflowType: string; change?: { schema: Change; what: string } }, change: z.input<Change>): z.output<Change> {
  const c = spec.change;
  if (!c) throw new Error(`${spec.workflowType} sessions take no changes`);
  return parseInput(c.schema, change, c.what, '(change)');
}

export class SessionKind<In extends z.ZodType, Status, Result, Change extends z.ZodType = z.ZodNever, Applied = never> {
  constructor(
    protected readonly temporal: Client,
    protected readonly taskQueue: string,
    readonly spec: SessionKindSpec<In, Status, Result, Change, Applied>,
  ) {}

  /**
   * Starts a session, or returns the one already running for the same business key (a retried request
   * never starts a second vendor resource; the running session keeps its own input).
   */
  async start(input: z.input<In>): Promise<StartedSession> {
    const params = parseSessionInput(this.spec, input);
    const id = this.spec.idOf(params);
    const handle = await this.temporal.workflow.start(this.spec.workflowType, {
      taskQueue: this.taskQueue,
      workflowId: id,
      args: [params],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
    return { id, runId: handle.firstExecutionRunId };
  }

  async status(id: string): Promise<Status> {
    return this.temporal.workflow.getHandle(id).query(this.spec.status);
  }

  /** Sends a validated change; returns what the session applied once the vendor has it. */
  async update(id: string, change: z.input<Change>): Promise<Applied> {
    const parsed = parseSessionChange(this.spec, change);
    return this.temporal.workflow.getHandle(id).executeUpdate(this.spec.change!.update, { args: [parsed] });
  }

  /** Stops the session and returns its result; a session that already ended returns its result too. */
  async stop(id: string, reason?: string): Promise<Result> {
    return stopWithResult(this.temporal.workflow.getHandle(id), this.spec.stop, reason);
  }

  /** Fire-and-forget stop: returns once the request is recorded in the session's history. */
  async requestStop(id: string, reason?: string): Promise<void> {
    await this.temporal.workflow.getHandle(id).signal(this.spec.stopSignal, { reason });
  }
}
