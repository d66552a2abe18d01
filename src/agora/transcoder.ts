/**
 * Agora Cloud Transcoder calls (agora.md §8, §14.7): acquireBuilderToken → createTask → queryTask /
 * updateTask → deleteTask, all with the builderToken of the task. One function per REST call.
 *
 *   - create within 2 s of acquire; a builderToken starts one task.
 *   - 409 on create = the task of this builderToken was already started: a result, not an error.
 *   - 206 on create = request timed out: a retryable VendorError (back off 3/6/9 s with the same
 *     builderToken, then a new output uid and a new builderToken: the workflow decides).
 *   - 202 on create = accepted, not finished: query before proceeding.
 *   - 404 on delete = already gone (agora.md §13.2).
 *   - the task of a builderToken can be read without its taskId (`GET …/tasks/?builderToken=`, the
 *     seed's saved query example): how a 409 or an unanswered create learns the taskId (§14.7).
 */
import { VendorError } from '../http/errors';
import {
  BuilderTokenResponse,
  CodecId,
  CodecTemplate,
  CodecTemplateList,
  CreateTaskRequest,
  InstanceId,
  SequenceId,
  TASK_ENDED,
  TaskResponse,
  TRANSCODER_UPDATE_MASK,
} from '../schemas/agora/transcoder';
import { z } from 'zod';
import { classify } from './errors';
import { agoraCall, type AgoraContext } from './http';
import { isResourceGone, missingId, type BuilderTokenResult } from './rtsc';
import { parseInput } from '../schemas/parse';

export const TRANSCODER_PRODUCT = 'cloud-transcoder';

const enc = encodeURIComponent;
const base = (ctx: AgoraContext) => `/v1/projects/${enc(ctx.appId)}/rtsc/cloud-transcoder`;

/** `POST …/builderTokens`: a token for one task; create within 2 s (hard limit 5 min). */
export async function acquireBuilderToken(ctx: AgoraContext, input: { instanceId: string }): Promise<BuilderTokenResult> {
  const instanceId = parseInput(InstanceId, input.instanceId, 'instanceId');
  const res = await agoraCall(ctx, {
    method: 'POST',
    path: `${base(ctx)}/builderTokens`,
    json: { instanceId },
    // an unused builderToken simply expires: repeating acquire is harmless
    site: { product: TRANSCODER_PRODUCT, operation: 'acquire', idempotent: true },
    response: BuilderTokenResponse,
  });
  return { tokenName: res.body.tokenName, createTs: res.body.createTs, requestId: res.requestId };
}

export interface TaskRef {
  builderToken: string;
  taskId: string;
}

export interface TaskState {
  taskId?: string;
  /** IDLE, PREPARED, STARTING, CREATED, STARTED, IN_PROGRESS, STOPPING, STOPPED, EXIT, FAILURE_STOP */
  status?: string;
  /** services.cloudTranscoder.status (informational) */
  serviceStatus?: string;
  /** the last applied update's sequenceId as Agora reports it */
  sequenceId?: number;
  createTs?: number;
  /** STOPPED, EXIT or FAILURE_STOP: the transcoder is gone */
  ended: boolean;
  requestId: string;
}

function stateOf(body: TaskResponse, requestId: string, fallbackTaskId?: string): TaskState {
  const seq = body.sequenceId === undefined ? undefined : Number(body.sequenceId);
  return {
    taskId: body.taskId ?? fallbackTaskId,
    status: body.status,
    serviceStatus: body.services?.cloudTranscoder?.status,
    sequenceId: seq !== undefined && Number.isFinite(seq) ? seq : undefined,
    createTs: body.createTs,
    ended: body.status !== undefined && TASK_ENDED.includes(body.status),
    requestId,
  };
}

export interface CreateTaskResult extends TaskState {
  /** HTTP 409: the task of this builderToken was already started ("no retry needed"); taskId may be unknown */
  alreadyStarted: boolean;
  /** HTTP 202: accepted but not finished; query until STARTED/IN_PROGRESS */
  accepted: boolean;
}

export async function createTask(ctx: AgoraContext, input: { builderToken: string; request: CreateTaskRequest }): Promise<CreateTaskResult> {
  const request = parseInput(CreateTaskRequest, input.request, 'Cloud Transcoder create request');
  const site = { vendor: 'agora' as const, product: TRANSCODER_PRODUCT, operation: 'create', idempotent: false };
  let res;
  try {
    res = await agoraCall(ctx, {
      method: 'POST',
      path: `${base(ctx)}/tasks?builderToken=${enc(input.builderToken)}`,
      json: request,
      site,
      response: TaskResponse,
    });
  } catch (err) {
    if (err instanceof VendorError && err.info.httpStatus === 409) {
      return { alreadyStarted: true, accepted: false, ended: false, requestId: err.info.requestId ?? '' };
    }
    throw err;
  }
  if (res.status === 206) {
    // "request timed out" (agora.md §8): nothing was created; the classification table says retry
    throw new VendorError({
      vendor: 'agora',
      product: TRANSCODER_PRODUCT,
      operation: 'create',
      httpStatus: 206,
      reason: res.body.message ?? 'request timed out',
      requestId: res.requestId,
      ...classify(site, 206, undefined),
    });
  }
  const state = stateOf(res.body, res.requestId);
  if (res.status === 202) return { ...state, alreadyStarted: false, accepted: true };
  if (!state.taskId) throw missingId(TRANSCODER_PRODUCT, 'create', res.status, res.requestId, 'a taskId');
  return { ...state, alreadyStarted: false, accepted: false };
}

export async function queryTask(ctx: AgoraContext, ref: TaskRef): Promise<TaskState> {
  const res = await agoraCall(ctx, {
    method: 'GET',
    path: `${base(ctx)}/tasks/${enc(ref.taskId)}?builderToken=${enc(ref.builderToken)}`,
    site: { product: TRANSCODER_PRODUCT, operation: 'query', idempotent: true },
    response: TaskResponse,
  });
  return stateOf(res.body, res.requestId, ref.taskId);
}

/**
 * The task a builderToken started, read by the token alone: `GET …/tasks/?builderToken=` — the seed's
 * query request (and its saved 200 example) names no taskId; one builderToken = one task. The reconcile
 * read after a 409 or an unanswered create (agora.md §14.7 "409 … / query to get taskId"). undefined: the
 * token started no task (404).
 */
export async function findTaskByBuilderToken(ctx: AgoraContext, builderToken: string): Promise<TaskState | undefined> {
  try {
    const res = await agoraCall(ctx, {
      method: 'GET',
      path: `${base(ctx)}/tasks/?builderToken=${enc(builderToken)}`,
      site: { product: TRANSCODER_PRODUCT, operation: 'queryByToken', idempotent: true },
      response: TaskResponse,
    });
    const state = stateOf(res.body, res.requestId);
    if (!state.taskId) throw missingId(TRANSCODER_PRODUCT, 'queryByToken', res.status, res.requestId, 'a taskId');
    return state;
  } catch (err) {
    if (isResourceGone(err)) return undefined;
    throw err;
  }
}

export interface UpdateTaskInput {
  /** ≥ 0 and larger than the previous update's (the first may be 0); repeat it when retrying */
  sequenceId: number;
  /** the whole create body with the changes (only inputs, video regions, output audio/video options) */
  request: CreateTaskRequest;
}

/** `PATCH …/tasks/{taskId}?builderToken=&sequenceId=&updateMask=services.cloudTranscoder.config`. */
export async function updateTask(ctx: AgoraContext, ref: TaskRef, input: UpdateTaskInput): Promise<TaskState> {
  const sequenceId = parseInput(SequenceId, input.sequenceId, 'sequenceId');
  const request = parseInput(CreateTaskRequest, input.request, 'Cloud Transcoder update request');
  const res = await agoraCall(ctx, {
    method: 'PATCH',
    path: `${base(ctx)}/tasks/${enc(ref.taskId)}?builderToken=${enc(ref.builderToken)}&sequenceId=${sequenceId}&updateMask=${TRANSCODER_UPDATE_MASK}`,
    json: request,
    // guarded by sequenceId: repeating the same update is harmless
    site: { product: TRANSCODER_PRODUCT, operation: 'update', idempotent: true },
    // the doc says the body is empty; the saved example returns the task
    response: TaskResponse,
  });
  return stateOf(res.body, res.requestId, ref.taskId);
}

export type DeleteOutcome = 'deleted' | 'already_deleted';

export async function deleteTask(ctx: AgoraContext, ref: TaskRef): Promise<TaskState & { outcome: DeleteOutcome }> {
  try {
    const res = await agoraCall(ctx, {
      method: 'DELETE',
      path: `${base(ctx)}/tasks/${enc(ref.taskId)}?builderToken=${enc(ref.builderToken)}`,
      site: { product: TRANSCODER_PRODUCT, operation: 'delete', idempotent: true },
      response: TaskResponse,
    });
    return { ...stateOf(res.body, res.requestId, ref.taskId), outcome: 'deleted' };
  } catch (err) {
    if (isResourceGone(err)) return { taskId: ref.taskId, ended: true, outcome: 'already_deleted', requestId: err.info.requestId ?? '' };
    throw err;
  }
}

// ---- transcoding templates (agora.md §8) ----

const codecs = (ctx: AgoraContext) => `/v1/projects/${enc(ctx.appId)}/rtls/abr/config/codecs`;

/** `POST …/rtls/abr/config/codecs/{codecId}`: creates the template, or resets the one with that id. */
export async function setCodecTemplate(ctx: AgoraContext, input: { codecId: string; template: CodecTemplate }): Promise<{ requestId: string }> {
  const codecId = parseInput(CodecId, input.codecId, 'codecId');
  const template = parseInput(CodecTemplate, input.template, 'transcoding template');
  const res = await agoraCall(ctx, {
    method: 'POST',
    path: `${codecs(ctx)}/${enc(codecId)}`,
    json: template,
    // create *or reset*: repeating it leaves the same template
    site: { product: TRANSCODER_PRODUCT, operation: 'templateSet', idempotent: true },
    response: z.unknown(),
  });
  return { requestId: res.requestId };
}

export interface CodecTemplates {
  enabled?: boolean;
  codecs: Array<{ id: string; enabled?: boolean; video?: Record<string, unknown> }>;
  requestId: string;
}

/** `GET …/rtls/abr/config/codecs`: every template and its configuration. */
export async function listCodecTemplates(ctx: AgoraContext): Promise<CodecTemplates> {
  const res = await agoraCall(ctx, {
    method: 'GET',
    path: codecs(ctx),
    site: { product: TRANSCODER_PRODUCT, operation: 'templateList', idempotent: true },
    response: CodecTemplateList,
  });
  return { enabled: res.body.data?.enabled, codecs: res.body.data?.codecs ?? [], requestId: res.requestId };
}
