/**
 * One session kind in the typed client (`rtc.transcriptions`, `rtc.ingests`, ...): idempotent start by
 * business key, status, a validated mid-session change, stop with the result and a fire-and-forget
 * stop. Each lifecycle describes itself once (a SessionKindSpec) instead of copying these methods.
 */
import { WorkflowIdConflictPolicy, type Client } from '@temporalio/client';
import type { QueryDefinition, SignalDefinition, UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import type { StopRequest } from '../../workflows/lib/session';
import { InvalidInputError } from '../errors';
import { parsePublicInput } from '../schemas/parse';
import { PUBLIC_INPUT_POLICY, type InputPolicy } from '../schemas/policy';
import { sessionMetadata } from './session-list';
import { stopWithResult, type StartedSession } from './stop';

/** The kinds of profile an input names (src/config: agora, storage, sparkrtc). */
export type ProfileKind = 'agora' | 'storage' | 'sparkrtc';
export interface ProfileRef {
  kind: ProfileKind;
  name: string;
  /** the input field that names it */
  field: string;
}
/** The profile names a deployment has (src/config `knownProfiles`). */
export type KnownProfiles = Readonly<Record<ProfileKind, readonly string[]>>;

/** How a client judges public input (see src/schemas/policy.ts) and which profiles exist. */
export interface InputChecks {
  /** PUBLIC_INPUT_POLICY unless a test or a trusted caller says otherwise */
  inputPolicy?: InputPolicy;
  /** when given, a start naming a profile the worker does not have is refused before it starts */
  profiles?: KnownProfiles;
}

const PROFILE_LABEL: Record<ProfileKind, string> = { agora: 'Agora', storage: 'storage', sparkrtc: 'SparkRTC' };

/** InvalidInputError when `refs` name a profile that `known` does not have (nothing is started). */
export function checkProfiles(refs: readonly ProfileRef[], known: KnownProfiles | undefined, what: string): void {
  if (!known) return;
  const issues = refs.filter((r) => !known[r.kind].includes(r.name)).map((r) => `${r.field}: no ${PROFILE_LABEL[r.kind]} profile named "${r.name}" is configured`);
  if (issues.length) throw new InvalidInputError(`invalid ${what}`, issues);
}

/** A public start input under `checks`: schema, policy and profiles, before anything is started. */
export function parseStartInput<S extends z.ZodType>(schema: S, input: unknown, what: string, checks: InputChecks, profilesOf: (params: z.output<S>) => ProfileRef[]): z.output<S> {
  const params = parsePublicInput(schema, input, what, checks.inputPolicy ?? PUBLIC_INPUT_POLICY);
  checkProfiles(profilesOf(params), checks.profiles, what);
  return params;
}

/** Most inputs name one Agora project profile in `profile`. */
const agoraProfileOf = (params: unknown): ProfileRef[] => [{ kind: 'agora', name: (params as { profile: string }).profile, field: 'profile' }];

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
  /** the profiles an input names (checked at start when the client knows the configured ones); `profile` (Agora) by default */
  profilesOf?: (params: z.output<In>) => ProfileRef[];
  /** the mid-session change, when the kind has one */
  change?: { schema: Change; update: UpdateDefinition<Applied, [z.output<Change>]>; what: string };
}

/**
 * The input as the workflow gets it (defaults filled in), or InvalidInputError with every issue: the
 * schema's, the input policy's (credentials, test hooks, interval floors) and unknown profiles.
 */
export function parseSessionInput<In extends z.ZodType>(
  spec: { input: In; what: string; profilesOf?: (params: z.output<In>) => ProfileRef[] },
  input: z.input<In>,
  checks: InputChecks = {},
): z.output<In> {
  return parseStartInput(spec.input, input, spec.what, checks, spec.profilesOf ?? agoraProfileOf);
}

/** A mid-session change, or InvalidInputError with every issue. */
export function parseSessionChange<Change extends z.ZodType>(spec: { workflowType: string; change?: { schema: Change; what: string } }, change: z.input<Change>): z.output<Change> {
  const c = spec.change;
  if (!c) throw new Error(`${spec.workflowType} sessions take no changes`);
  return parsePublicInput(c.schema, change, c.what, PUBLIC_INPUT_POLICY, '(change)');
}

/**
 * The one start of a session workflow: joins the running one of the same id (USE_EXISTING) and gives it
 * the summary and details the Temporal UI shows (./session-list.ts `sessionMetadata`).
 */
export async function startSession(temporal: Client, taskQueue: string, workflowType: string, id: string, params: unknown): Promise<StartedSession> {
  const handle = await temporal.workflow.start(workflowType, {
    taskQueue,
    workflowId: id,
    args: [params],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    ...sessionMetadata(workflowType, id, params),
  });
  return { id, runId: handle.firstExecutionRunId };
}

export class SessionKind<In extends z.ZodType, Status, Result, Change extends z.ZodType = z.ZodNever, Applied = never> {
  constructor(
    protected readonly temporal: Client,
    protected readonly taskQueue: string,
    readonly spec: SessionKindSpec<In, Status, Result, Change, Applied>,
    protected readonly checks: InputChecks = {},
  ) {}

  /**
   * Starts a session, or returns the one already running for the same business key (a retried request
   * never starts a second vendor resource; the running session keeps its own input).
   */
  async start(input: z.input<In>): Promise<StartedSession> {
    const params = parseSessionInput(this.spec, input, this.checks);
    return startSession(this.temporal, this.taskQueue, this.spec.workflowType, this.spec.idOf(params), params);
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
