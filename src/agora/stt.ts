/**
 * Agora Real-Time STT calls (agora.md §3, §4). Each function is one REST call through agoraCall; what a
 * response means lives here, the decisions (re-acquire, re-join, reconcile) live in the workflow.
 *
 *   6.x: acquireBuilderToken → startTask → queryTask / updateTask → stopTask, all with the same
 *        builderToken. 201 on start = a task already started with this token (not an error).
 *   7.x: joinAgent → queryAgent / updateAgent → leaveAgent; listAgents to reconcile by channel.
 *        409 on join = an agent with this name is running (not an error; find it with listAgents).
 *   404 on stop/leave = already ended (agora.md §13.2), unless it is the gateway's unknown-route 404.
 *
 * Requests are validated with the schemas before anything is sent (InvalidInputError).
 */
import { InvalidInputError } from '../errors';
import { VendorError } from '../http/errors';
import {
  BuilderTokenResponse,
  EmptyResponse,
  InstanceId,
  missingMaskedFields,
  SequenceId,
  Stt6StartRequest,
  Stt6TaskResponse,
  Stt7AgentResponse,
  Stt7JoinRequest,
  Stt7ListQuery,
  Stt7ListResponse,
  STT6_ENDED,
  STT7_ENDED,
  STT7_STATES,
  SttUpdateBody,
  SttUpdateMask,
  stt7StateCode,
  type Stt7ListItem,
  type SttUpdatePath,
} from '../schemas/agora/stt';
import { agoraCall, type AgoraContext } from './http';
import { isResourceGone, missingId, type BuilderTokenResult } from './rtsc';
import { parseInput } from '../schemas/parse';

export type { BuilderTokenResult };

export const STT6_PRODUCT = 'stt6';
export const STT7_PRODUCT = 'stt7';

const enc = encodeURIComponent;
const base6 = (ctx: AgoraContext) => `/v1/projects/${enc(ctx.appId)}/rtsc/speech-to-text`;
const base7 = (ctx: AgoraContext) => `/api/speech-to-text/v1/projects/${enc(ctx.appId)}`;

/** The update mask as the schema reads it, and the masked fields present in the body. */
function checkMask(mask: readonly string[], body: SttUpdateBody): SttUpdatePath[] {
  const paths = parseInput(SttUpdateMask, mask.join(','), 'updateMask');
  const missing = missingMaskedFields(body, paths);
  if (missing.length) throw new InvalidInputError('invalid update', missing);
  return paths;
}

// =============================== 6.x ===============================

/** `POST …/builderTokens`: a token to start one task within 5 minutes. */
export async function acquireBuilderToken(ctx: AgoraContext, input: { instanceId: string }): Promise<BuilderTokenResult> {
  const instanceId = parseInput(InstanceId, input.instanceId, 'instanceId');
  const res = await agoraCall(ctx, {
    method: 'POST',
    path: `${base6(ctx)}/builderTokens`,
    json: { instanceId },
    // an unused builderToken simply expires: repeating acquire is harmless
    site: { product: STT6_PRODUCT, operation: 'acquire', idempotent: true },
    response: BuilderTokenResponse,
  });
  return { tokenName: res.body.tokenName, createTs: res.body.createTs, requestId: res.requestId };
}

export interface StartTaskInput {
  builderToken: string;
  /** the whole start body, bot tokens included */
  request: Stt6StartRequest;
}

export interface StartTaskResult {
  /** absent when Agora answered 201 without it */
  taskId?: string;
  status?: string;
  createTs?: number;
  /** HTTP 201: a task was already started with this builderToken (agora.md §3): do not start again */
  alreadyStarted: boolean;
  requestId: string;
}

export async function startTask(ctx: AgoraContext, input: StartTaskInput): Promise<StartTaskResult> {
  const request = parseInput(Stt6StartRequest, input.request, 'STT 6.x start request');
  const res = await agoraCall(ctx, {
    method: 'POST',
    path: `${base6(ctx)}/tasks?builderToken=${enc(input.builderToken)}`,
    json: request,
    site: { product: STT6_PRODUCT, operation: 'start', idempotent: false },
    response: Stt6TaskResponse,
  });
  if (res.status === 201) return { taskId: res.body.taskId, status: res.body.status, createTs: res.body.createTs, alreadyStarted: true, requestId: res.requestId };
  if (!res.body.taskId) throw missingId(STT6_PRODUCT, 'start', res.status, res.requestId, 'a taskId');
  return { taskId: res.body.taskId, status: res.body.status, createTs: res.body.createTs, alreadyStarted: false, requestId: res.requestId };
}

export interface TaskRef {
  builderToken: string;
  taskId: string;
}

export interface QueryTaskResult {
  taskId: string;
  /** IDLE, PREPARING, STARTED, IN_PROGRESS, STOPPING, STOPPED, RECONNECTING */
  status?: string;
  createTs?: number;
  /** STOPPED or IDLE: the task is over */
  ended: boolean;
  requestId: string;
}

export async function queryTask(ctx: AgoraContext, ref: TaskRef): Promise<QueryTaskResult> {
  const res = await agoraCall(ctx, {
    method: 'GET',
    path: `${base6(ctx)}/tasks/${enc(ref.taskId)}?builderToken=${enc(ref.builderToken)}`,
    site: { product: STT6_PRODUCT, operation: 'query', idempotent: true },
    response: Stt6TaskResponse,
  });
  const status = res.body.status;
  return { taskId: res.body.taskId ?? ref.taskId, status, createTs: res.body.createTs, ended: status !== undefined && STT6_ENDED.includes(status), requestId: res.requestId };
}

export interface UpdateInput {
  /** larger than the previous update's; repeat the same one when retrying a failed update */
  sequenceId: number;
  /** dotted paths, e.g. ['languages', 'rtcConfig.subscribeAudioUids'] */
  updateMask: readonly SttUpdatePath[];
  /** the masked fields only */
  body: SttUpdateBody;
}

export interface UpdateResult {
  status?: string;
  requestId: string;
}

/** 6.x `PATCH …/tasks/{taskId}` (the seed's saved example; the taskId segment is [general]). */
export async function updateTask(ctx: AgoraContext, ref: TaskRef, input: UpdateInput): Promise<UpdateResult> {
  const sequenceId = parseInput(SequenceId, input.sequenceId, 'sequenceId');
  const body = parseInput(SttUpdateBody, input.body, 'update body');
  const mask = checkMask(input.updateMask, body);
  const res = await agoraCall(ctx, {
    method: 'PATCH',
    path: `${base6(ctx)}/tasks/${enc(ref.taskId)}?builderToken=${enc(ref.builderToken)}&sequenceId=${sequenceId}&updateMask=${mask.join(',')}`,
    json: body,
    // guarded by sequenceId: repeating the same update is harmless
    site: { product: STT6_PRODUCT, operation: 'update', idempotent: true },
    response: Stt6TaskResponse,
  });
  return { status: res.body.status, requestId: res.requestId };
}

export type StopOutcome =
  /** stopped now */
  | 'stopped'
  /** stopped now; HTTP 206: no host published a stream during the transcription */
  | 'stopped_no_audio'
  /** 404: it had already ended (idle exit, an earlier stop) */
  | 'already_stopped';

export async function stopTask(ctx: AgoraContext, ref: TaskRef): Promise<{ outcome: StopOutcome; requestId: string }> {
  try {
    const res = await agoraCall(ctx, {
      method: 'DELETE',
      path: `${base6(ctx)}/tasks/${enc(ref.taskId)}?builderToken=${enc(ref.builderToken)}`,
      site: { product: STT6_PRODUCT, operation: 'stop', idempotent: true },
      response: EmptyResponse,
    });
    return { outcome: res.status === 206 ? 'stopped_no_audio' : 'stopped', requestId: res.requestId };
  } catch (err) {
    if (isResourceGone(err)) return { outcome: 'already_stopped', requestId: err.info.requestId ?? '' };
    throw err;
  }
}

// =============================== 7.x ===============================

export interface JoinAgentResult {
  /** absent when Agora answered 409 (an agent with this name is running): find it with listAgents */
  agentId?: string;
  status?: string;
  createTs?: number;
  /** HTTP 409: an agent with this `name` is already running in the project */
  alreadyRunning: boolean;
  requestId: string;
}

/** `POST …/join`. `name` is the idempotency key: use a deterministic one. */
export async function joinAgent(ctx: AgoraContext, request: Stt7JoinRequest): Promise<JoinAgentResult> {
  const body = parseInput(Stt7JoinRequest, request, 'STT 7.x join request');
  try {
    const res = await agoraCall(ctx, {
      method: 'POST',
      path: `${base7(ctx)}/join`,
      json: body,
      site: { product: STT7_PRODUCT, operation: 'join', idempotent: false },
      response: Stt7AgentResponse,
    });
    const agentId = res.body.agent_id ?? res.body.taskId;
    if (!agentId) throw missingId(STT7_PRODUCT, 'join', res.status, res.requestId, 'an agent_id');
    return { agentId, status: res.body.status, createTs: res.body.createTs ?? res.body.create_ts, alreadyRunning: false, requestId: res.requestId };
  } catch (err) {
    if (err instanceof VendorError && err.info.httpStatus === 409) return { alreadyRunning: true, requestId: err.info.requestId ?? '' };
    throw err;
  }
}

export interface QueryAgentResult {
  agentId: string;
  /** IDLE, STARTING, RUNNING, STOPPING, STOPPED, RECOVERING, FAILED (the join answer may say STARTED) */
  status?: string;
  /** Unix seconds; `createTs` (seed) or `create_ts` ([public]) */
  createTs?: number;
  message?: string;
  /** STOPPED or FAILED: the agent is over */
  ended: boolean;
  requestId: string;
}

export async function queryAgent(ctx: AgoraContext, agentId: string): Promise<QueryAgentResult> {
  const res = await agoraCall(ctx, {
    method: 'GET',
    path: `${base7(ctx)}/agents/${enc(agentId)}`,
    site: { product: STT7_PRODUCT, operation: 'query', idempotent: true },
    response: Stt7AgentResponse,
  });
  const status = res.body.status;
  return {
    agentId: res.body.agent_id ?? agentId,
    status,
    createTs: res.body.createTs ?? res.body.create_ts,
    message: res.body.message,
    ended: status !== undefined && STT7_ENDED.includes(status),
    requestId: res.requestId,
  };
}

/** `POST …/agents/{agentId}/update?sequenceId=&updateMask=`. */
export async function updateAgent(ctx: AgoraContext, agentId: string, input: UpdateInput): Promise<UpdateResult> {
  const sequenceId = parseInput(SequenceId, input.sequenceId, 'sequenceId');
  const body = parseInput(SttUpdateBody, input.body, 'update body');
  const mask = checkMask(input.updateMask, body);
  const res = await agoraCall(ctx, {
    method: 'POST',
    path: `${base7(ctx)}/agents/${enc(agentId)}/update?sequenceId=${sequenceId}&updateMask=${mask.join(',')}`,
    json: body,
    site: { product: STT7_PRODUCT, operation: 'update', idempotent: true },
    response: Stt7AgentResponse,
  });
  return { status: res.body.status, requestId: res.requestId };
}

export type LeaveOutcome = 'left' | 'left_no_audio' | 'already_left';

export async function leaveAgent(ctx: AgoraContext, agentId: string): Promise<{ outcome: LeaveOutcome; requestId: string }> {
  try {
    const res = await agoraCall(ctx, {
      method: 'POST',
      path: `${base7(ctx)}/agents/${enc(agentId)}/leave`,
      site: { product: STT7_PRODUCT, operation: 'leave', idempotent: true },
      response: EmptyResponse,
    });
    return { outcome: res.status === 206 ? 'left_no_audio' : 'left', requestId: res.requestId };
  } catch (err) {
    if (isResourceGone(err)) return { outcome: 'already_left', requestId: err.info.requestId ?? '' };
    throw err;
  }
}

export interface ListAgentsResult {
  agents: Stt7ListItem[];
  /** pass as `cursor` for the next page; absent on the last page */
  nextCursor?: string;
  requestId: string;
}

/**
 * `GET …/agents?channel=&from_time=&to_time=&state=&limit=&cursor=` ([public]). Agora lists RUNNING
 * agents unless `state` says otherwise; items carry no `name`, so reconcile by channel and state.
 */
export async function listAgents(ctx: AgoraContext, query: Stt7ListQuery = {}): Promise<ListAgentsResult> {
  const q = parseInput(Stt7ListQuery, query, 'list query');
  const params = new URLSearchParams();
  if (q.channel !== undefined) params.set('channel', q.channel);
  if (q.fromTime !== undefined) params.set('from_time', String(q.fromTime));
  if (q.toTime !== undefined) params.set('to_time', String(q.toTime));
  if (q.state !== undefined) params.set('state', String(typeof q.state === 'number' ? q.state : stt7StateCode(q.state)));
  if (q.limit !== undefined) params.set('limit', String(q.limit));
  if (q.cursor !== undefined) params.set('cursor', q.cursor);
  const qs = params.toString();
  const res = await agoraCall(ctx, {
    method: 'GET',
    path: `${base7(ctx)}/agents${qs ? `?${qs}` : ''}`,
    site: { product: STT7_PRODUCT, operation: 'list', idempotent: true },
    response: Stt7ListResponse,
  });
  const agents = res.body.data.list;
  const full = agents.length > 0 && agents.length === (q.limit ?? 20);
  return { agents, nextCursor: full ? agents[agents.length - 1]!.agent_id : undefined, requestId: res.requestId };
}

export { STT7_STATES };
