/**
 * Agora Flexible Classroom calls (agora.md §12) under `/{region}/edu/apps/{appId}/v2/rooms/{roomUuid}`,
 * each through agoraCall; input is checked with the schemas first (InvalidInputError, nothing sent).
 *
 * Auth is a Signaling token only (`x-agora-token` + `x-agora-uid`): classroomContext mints it from the
 * profile's App ID/certificate (in an activity or the CLI, never in a workflow). The seed is silent on
 * codes and errors: statuses go through the one Agora table (src/agora/errors.ts: 408/429/5xx
 * retryable), a 2xx whose body `code` is not 0 is a final VendorError, and a create that finds the room
 * (409) answers `exists` so a repeated create is harmless.
 */
import { z } from 'zod';
import { VendorError } from '../http/errors';
import { parseInput } from '../schemas/parse';
import {
  AgoraRegion,
  ClassroomId,
  CreateRoomRequest,
  DeletePropertiesRequest,
  Envelope,
  ExtAppPropertiesRequest,
  KickRequest,
  Page,
  PropertiesRequest,
  Recording,
  RecordingState,
  RoomSequence,
  RoomState,
  SetRecordingRequest,
} from '../schemas/agora/classroom';
import { agoraCall, type AgoraContext, type AgoraResult } from './http';
import { signalingContext } from './signaling';

const PRODUCT = 'flexible-classroom';
const site = (operation: string, idempotent: boolean) => ({ product: PRODUCT, operation, idempotent });
const RoomUuid = ClassroomId('roomUuid');
const UserUuid = ClassroomId('userUuid');
const ExtAppUuid = ClassroomId('extAppUuid');
const NextId = z.union([z.string().max(256), z.number().int().min(0)]).optional();
const Count = z.number().int().min(1).max(1000).optional();
const AnyData = Envelope(z.unknown());

/** The context for classroom calls: a Signaling token minted for `uid` from the profile's certificate. */
export function classroomContext(ctx: AgoraContext, opts: { uid: string; appCertificate?: string; ttlSeconds?: number }): AgoraContext {
  return signalingContext(ctx, { auth: 'token', ...opts });
}

export interface RoomRef {
  region: AgoraRegion;
  roomUuid: string;
  requestId?: string;
}

const roomPath = (ctx: AgoraContext, r: RoomRef) =>
  `/${parseInput(AgoraRegion, r.region, 'region')}/edu/apps/${encodeURIComponent(ctx.appId)}/v2/rooms/${encodeURIComponent(parseInput(RoomUuid, r.roomUuid, 'roomUuid'))}`;

function checkCode<T extends { code?: number; msg?: string }>(res: AgoraResult<T>, operation: string): AgoraResult<T> {
  const code = res.body.code;
  if (code !== undefined && code !== 0) {
    throw new VendorError({
      vendor: 'agora',
      product: PRODUCT,
      operation,
      httpStatus: res.status,
      code,
      reason: res.body.msg ?? `code ${code}`,
      requestId: res.requestId,
      retryable: false,
      ambiguous: false,
    });
  }
  return res;
}

async function call<S extends z.ZodType<{ code?: number; msg?: string }>>(
  ctx: AgoraContext,
  operation: string,
  idempotent: boolean,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  response: S,
  json?: unknown,
  requestId?: string,
): Promise<AgoraResult<z.infer<S>>> {
  return checkCode(await agoraCall(ctx, { method, path, json, site: site(operation, idempotent), response, requestId }), operation);
}

export interface CreateRoomInput extends RoomRef {
  room: CreateRoomRequest;
}

/** Creates a room (with its schedule); `exists` when a room with this UUID is there already. */
export async function createRoom(ctx: AgoraContext, input: CreateRoomInput): Promise<{ outcome: 'created' | 'exists'; requestId: string }> {
  const path = roomPath(ctx, input);
  const json = parseInput(CreateRoomRequest, input.room, 'room');
  try {
    const res = await call(ctx, 'createRoom', false, 'POST', path, AnyData, json, input.requestId);
    return { outcome: 'created', requestId: res.requestId };
  } catch (err) {
    if (err instanceof VendorError && err.info.httpStatus === 409) return { outcome: 'exists', requestId: err.info.requestId ?? '' };
    throw err;
  }
}

/** Sets the room state: 0 not started, 1 started, 2 ended. */
export async function setRoomState(ctx: AgoraContext, input: RoomRef & { state: 0 | 1 | 2 }): Promise<{ requestId: string }> {
  const state = parseInput(RoomState, input.state, 'state');
  const res = await call(ctx, 'setRoomState', true, 'PUT', `${roomPath(ctx, input)}/states/${state}`, AnyData, undefined, input.requestId);
  return { requestId: res.requestId };
}

export interface RecordingStateInput extends RoomRef {
  /** 1 start (or update the running recording's config), 0 stop */
  state: 0 | 1;
  config?: SetRecordingRequest;
}

const RecordingAnswer = Envelope(z.looseObject({ recordId: z.string().optional(), sid: z.string().optional() }).nullable());

/** Sets the recording state; with state 1 on a running recording it updates its config (e.g. `onhold`). */
export async function setRecordingState(ctx: AgoraContext, input: RecordingStateInput): Promise<{ recordId?: string; sid?: string; requestId: string }> {
  const state = parseInput(RecordingState, input.state, 'state');
  const json = input.config === undefined ? {} : parseInput(SetRecordingRequest, input.config, 'recording config');
  const res = await call(
    ctx,
    state === 1 ? 'startRecording' : 'stopRecording',
    true,
    'PUT',
    `${roomPath(ctx, input)}/records/states/${state}`,
    RecordingAnswer,
    json,
    input.requestId,
  );
  const d = res.body.data ?? undefined;
  return { ...(d?.recordId ? { recordId: d.recordId } : {}), ...(d?.sid ? { sid: d.sid } : {}), requestId: res.requestId };
}

/** Starts the web recording of the class (the seed's body: mode web, webRecordConfig, retryTimeout). */
export const startRecording = (ctx: AgoraContext, input: RoomRef & { config: SetRecordingRequest }) => setRecordingState(ctx, { ...input, state: 1 });
/** Pauses (`onhold: true`) or resumes the running recording. */
export const holdRecording = (ctx: AgoraContext, input: RoomRef & { onhold: boolean }) =>
  setRecordingState(ctx, { ...input, state: 1, config: { webRecordConfig: { onhold: input.onhold } } });
/** Stops the recording; harmless when none is running. */
export const stopRecording = (ctx: AgoraContext, input: RoomRef) => setRecordingState(ctx, { ...input, state: 0 });

export interface PageInput {
  /** where to continue (the previous page's nextId); absent: from the start */
  nextId?: string | number;
  count?: number;
}
const pageQuery = (p: PageInput) => {
  const nextId = parseInput(NextId, p.nextId, 'nextId');
  const count = parseInput(Count, p.count, 'count');
  const q = [...(nextId !== undefined ? [`nextId=${encodeURIComponent(String(nextId))}`] : []), ...(count !== undefined ? [`count=${count}`] : [])];
  return q.length ? `?${q.join('&')}` : '';
};

export interface PageResult<T> {
  list: T[];
  total?: number;
  /** pass it back to continue; null/undefined: nothing more now */
  nextId?: string | null;
}

const normaliseNext = (n: string | number | null | undefined) => (n === undefined || n === null ? n : String(n));

/** One page of the room's recordings. */
export async function listRecordings(ctx: AgoraContext, input: RoomRef & PageInput): Promise<PageResult<Recording>> {
  const res = await call(ctx, 'listRecordings', true, 'GET', `${roomPath(ctx, input)}/records${pageQuery(input)}`, Envelope(Page(Recording)), undefined, input.requestId);
  const d = res.body.data;
  return { list: d?.list ?? [], total: d?.total, nextId: normaliseNext(d?.nextId) };
}

/** Every recording of the room (follows nextId, at most 50 pages). */
export async function listAllRecordings(ctx: AgoraContext, input: RoomRef): Promise<Recording[]> {
  const all: Recording[] = [];
  let nextId: string | undefined;
  for (let i = 0; i < 50; i++) {
    const page = await listRecordings(ctx, { ...input, nextId });
    all.push(...page.list);
    if (!page.nextId || page.nextId === nextId || page.list.length === 0) break;
    nextId = page.nextId;
  }
  return all;
}

/** Kicks a user out; `dirty: {state: 1, duration}` keeps them out for `duration` seconds. */
export async function kickUser(ctx: AgoraContext, input: RoomRef & { userUuid: string; dirty?: { state: number; duration: number } }): Promise<{ requestId: string }> {
  const user = parseInput(UserUuid, input.userUuid, 'userUuid');
  const json = parseInput(KickRequest, input.dirty === undefined ? {} : { dirty: input.dirty }, 'kick');
  const res = await call(ctx, 'kickUser', true, 'POST', `${roomPath(ctx, input)}/users/${encodeURIComponent(user)}/exit`, AnyData, json, input.requestId);
  return { requestId: res.requestId };
}

export type PropertyTarget = { kind: 'room' } | { kind: 'user'; userUuid: string } | { kind: 'extApp'; extAppUuid: string };

const propertiesPath = (ctx: AgoraContext, input: RoomRef, t: PropertyTarget) => {
  const room = roomPath(ctx, input);
  if (t.kind === 'room') return `${room}/properties`;
  if (t.kind === 'user') return `${room}/users/${encodeURIComponent(parseInput(UserUuid, t.userUuid, 'userUuid'))}/properties`;
  return `${room}/extApps/${encodeURIComponent(parseInput(ExtAppUuid, t.extAppUuid, 'extAppUuid'))}/properties`;
};

/** Sets (merges) custom properties of the room, a user or an extApp; `cause` travels with the change event. */
export async function setProperties(
  ctx: AgoraContext,
  input: RoomRef & { target: PropertyTarget; properties: Record<string, unknown>; cause?: Record<string, unknown>; common?: { state?: number } },
): Promise<{ requestId: string }> {
  const schema = input.target.kind === 'extApp' ? ExtAppPropertiesRequest : PropertiesRequest;
  const json = parseInput(schema, { properties: input.properties, cause: input.cause ?? {}, ...(input.common ? { common: input.common } : {}) }, 'properties');
  const res = await call(ctx, `set${cap(input.target.kind)}Properties`, true, 'PUT', propertiesPath(ctx, input, input.target), AnyData, json, input.requestId);
  return { requestId: res.requestId };
}

/** Deletes custom properties by key path (an array of paths, or an object whose keys are the paths). */
export async function deleteProperties(
  ctx: AgoraContext,
  input: RoomRef & { target: PropertyTarget; properties: string[] | Record<string, unknown>; cause?: Record<string, unknown> },
): Promise<{ requestId: string }> {
  const json = parseInput(DeletePropertiesRequest, { properties: input.properties, cause: input.cause ?? {} }, 'properties');
  const res = await call(ctx, `delete${cap(input.target.kind)}Properties`, true, 'DELETE', propertiesPath(ctx, input, input.target), AnyData, json, input.requestId);
  return { requestId: res.requestId };
}

const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/**
 * One page of the App ID's room events in a region (`sequences`), from `nextId` (absent: from the start).
 * Reading does not consume: keep the answer's nextId and pass it back to get only what came after.
 */
export async function getRoomSequences(ctx: AgoraContext, input: { region: AgoraRegion; requestId?: string } & PageInput): Promise<PageResult<RoomSequence>> {
  const region = parseInput(AgoraRegion, input.region, 'region');
  const res = await call(
    ctx,
    'roomSequences',
    true,
    'GET',
    `/${region}/edu/polling/apps/${encodeURIComponent(ctx.appId)}/v2/rooms/sequences${pageQuery(input)}`,
    Envelope(Page(RoomSequence)),
    undefined,
    input.requestId,
  );
  const d = res.body.data;
  return { list: d?.list ?? [], total: d?.total, nextId: normaliseNext(d?.nextId) ?? (input.nextId === undefined ? undefined : String(input.nextId)) };
}

/** The pop-up quiz or poll data of a room. */
export async function getWidgetSequences(ctx: AgoraContext, input: RoomRef & { widget: 'popupQuiz' | 'poll' } & PageInput): Promise<PageResult<unknown>> {
  const widget = parseInput(z.enum(['popupQuiz', 'poll']), input.widget, 'widget');
  const res = await call(
    ctx,
    'widgetSequences',
    true,
    'GET',
    `${roomPath(ctx, input)}/widgets/${widget}/sequences${pageQuery(input)}`,
    Envelope(Page(z.unknown())),
    undefined,
    input.requestId,
  );
  const d = res.body.data;
  return { list: d?.list ?? [], total: d?.total, nextId: normaliseNext(d?.nextId) };
}
