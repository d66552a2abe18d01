/**
 * Agora Interactive Whiteboard calls (agora.md §12): the netless REST API at
 * `https://api.netless.link/v5`, authenticated with a `token` header (an SDK, room or task token) and a
 * `region` header, never with Basic auth (the Postman folder's Basic auth is not what the service
 * checks). One function per REST call, each through the one HTTP layer and the Agora error taxonomy;
 * requests are validated with the schemas first (InvalidInputError).
 *
 * Tokens are minted locally (mintWhiteboardToken, the public netless-token algorithm: HMAC-SHA256 of
 * the sorted fields with the secret access key) or through the tokens API (createSdkToken, …). Either
 * way they are built in activities or by the application, never in workflow history.
 *
 * The projector create has no idempotency key: an unanswered create is reconciled by listing the
 * tasks (findConversion, by resource and type, created no earlier than the attempt).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { HttpClient } from '../http/client';
import { parseVendorResponse } from '../http/response';
import { parseInput } from '../schemas/parse';
import {
  AddScenesRequest,
  BanRoomRequest,
  ConversionPriority,
  ConversionTask,
  ConversionTaskList,
  CreateConversionRequest,
  CreateRoomRequest,
  Room,
  ScenePath,
  ScenePaths,
  SceneStateRequest,
  ScopedTokenRequest,
  Screenshot,
  ScreenshotList,
  ScreenshotRequest,
  SdkTokenRequest,
  TokenResponse,
  WhiteboardRegion,
  WhiteboardUuid,
  type ConversionType,
  type WhiteboardRole,
} from '../schemas/agora/whiteboard';
import { agoraError } from './errors';
import { doneOrGone } from './media-common';

export const WHITEBOARD_PRODUCT = 'whiteboard';
export const NETLESS_BASE_URL = 'https://api.netless.link/v5';

/** Everything a call needs: the HTTP layer, the base URL (…/v5), the region header and the token header. */
export interface WhiteboardContext {
  http: HttpClient;
  /** `https://api.netless.link/v5`, or the emulator's `<url>/v5` */
  baseUrl: string;
  region: string;
  /** SDK, room or task token; the SDK-token call itself sends none */
  token?: string;
}

export interface WhiteboardKeys {
  accessKey: string;
  secretAccessKey: string;
}

// ---- tokens ----

export type WhiteboardTokenKind = 'sdk' | 'room' | 'task';
export const TOKEN_PREFIX: Record<WhiteboardTokenKind, string> = { sdk: 'NETLESSSDK_', room: 'NETLESSROOM_', task: 'NETLESSTASK_' };
export const ROLE_CODE: Record<WhiteboardRole, string> = { admin: '0', writer: '1', reader: '2' };

const sortedEntries = (o: Record<string, string>) => Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const base64url = (s: string) => Buffer.from(s, 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** The signature over a token's fields (every field but `sig`, sorted by name, as JSON). */
export function whiteboardTokenSignature(fields: Record<string, string>, secretAccessKey: string): string {
  const { sig: _sig, ...rest } = fields;
  return createHmac('sha256', secretAccessKey)
    .update(JSON.stringify(Object.fromEntries(sortedEntries(rest))))
    .digest('hex');
}

export interface MintOptions {
  role: WhiteboardRole;
  /** ms; 0 = never expires */
  lifespanMs: number;
  /** the room or task the token is for (room and task tokens) */
  uuid?: string;
  /** epoch ms the lifespan counts from (default now) */
  now?: number;
}

/** A token minted locally: prefix + base64url of the signed, sorted query string. */
export function mintWhiteboardToken(kind: WhiteboardTokenKind, keys: WhiteboardKeys, opts: MintOptions): string {
  if (kind !== 'sdk' && !opts.uuid) throw new Error(`a ${kind} token needs the ${kind}'s uuid`);
  const fields: Record<string, string> = { ak: keys.accessKey, nonce: randomUUID(), role: ROLE_CODE[opts.role] };
  if (opts.uuid) fields.uuid = opts.uuid;
  if (opts.lifespanMs > 0) fields.expireAt = String((opts.now ?? Date.now()) + opts.lifespanMs);
  fields.sig = whiteboardTokenSignature(fields, keys.secretAccessKey);
  return TOKEN_PREFIX[kind] + base64url(new URLSearchParams(sortedEntries(fields)).toString());
}

/** A token's kind and fields (unverified), or undefined when it is not a netless token. */
export function readWhiteboardToken(token: string): { kind: WhiteboardTokenKind; fields: Record<string, string> } | undefined {
  const kind = (Object.keys(TOKEN_PREFIX) as WhiteboardTokenKind[]).find((k) => token.startsWith(TOKEN_PREFIX[k]));
  if (!kind) return undefined;
  const body = token.slice(TOKEN_PREFIX[kind].length);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) return undefined;
  const fields = Object.fromEntries(new URLSearchParams(Buffer.from(body.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')));
  return typeof fields.ak === 'string' && typeof fields.sig === 'string' ? { kind, fields } : undefined;
}

// ---- the call ----

interface WbCall<S extends z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  json?: unknown;
  operation: string;
  idempotent: boolean;
  response: S;
  requestId?: string;
}

async function wbCall<S extends z.ZodType>(ctx: WhiteboardContext, call: WbCall<S>): Promise<{ body: z.infer<S>; requestId: string; status: number }> {
  const site = { vendor: 'agora' as const, product: WHITEBOARD_PRODUCT, operation: call.operation, idempotent: call.idempotent };
  const region = parseInput(WhiteboardRegion, ctx.region, 'region');
  const headers: Record<string, string> = { region };
  if (ctx.token) headers.token = ctx.token;
  const res = await ctx.http.send({
    method: call.method,
    url: ctx.baseUrl.replace(/\/+$/, '') + call.path,
    headers,
    ...(call.json !== undefined ? { json: call.json } : {}),
    site,
    requestId: call.requestId,
  });
  if (res.status < 200 || res.status >= 300) throw agoraError(site, res);
  return { body: parseVendorResponse(call.response, res.body ?? {}, site, res.status, res.requestId), requestId: res.requestId, status: res.status };
}

const uuidPath = (uuid: string, what: string) => encodeURIComponent(parseInput(WhiteboardUuid, uuid, what));
const Anything = z.unknown();

/** `POST /tokens/teams`: an SDK token from the access key pair (the call itself carries no token). */
export async function createSdkToken(ctx: WhiteboardContext, input: z.input<typeof SdkTokenRequest>): Promise<string> {
  const json = parseInput(SdkTokenRequest, input, 'SDK token request');
  return (await wbCall({ ...ctx, token: undefined }, { method: 'POST', path: '/tokens/teams', json, operation: 'token-sdk', idempotent: true, response: TokenResponse })).body;
}

/** `POST /tokens/rooms/{uuid}` (SDK token): a room token. */
export async function createRoomToken(ctx: WhiteboardContext, uuid: string, input: z.input<typeof ScopedTokenRequest>): Promise<string> {
  const json = parseInput(ScopedTokenRequest, input, 'room token request');
  return (await wbCall(ctx, { method: 'POST', path: `/tokens/rooms/${uuidPath(uuid, 'room uuid')}`, json, operation: 'token-room', idempotent: true, response: TokenResponse }))
    .body;
}

/** `POST /tokens/tasks/{uuid}` (SDK token): a task token (e.g. for a client to read a conversion's progress). */
export async function createTaskToken(ctx: WhiteboardContext, uuid: string, input: z.input<typeof ScopedTokenRequest>): Promise<string> {
  const json = parseInput(ScopedTokenRequest, input, 'task token request');
  return (await wbCall(ctx, { method: 'POST', path: `/tokens/tasks/${uuidPath(uuid, 'task uuid')}`, json, operation: 'token-task', idempotent: true, response: TokenResponse }))
    .body;
}

// ---- rooms ----

/** `POST /rooms` (SDK token): a new room. Not idempotent. */
export async function createRoom(ctx: WhiteboardContext, input: z.input<typeof CreateRoomRequest> = {}): Promise<Room> {
  const json = parseInput(CreateRoomRequest, input, 'room');
  return (await wbCall(ctx, { method: 'POST', path: '/rooms', json, operation: 'room-create', idempotent: false, response: Room })).body;
}

/** `GET /rooms/{uuid}` (SDK token or the room's token). */
export async function getRoom(ctx: WhiteboardContext, uuid: string): Promise<Room> {
  return (await wbCall(ctx, { method: 'GET', path: `/rooms/${uuidPath(uuid, 'room uuid')}`, operation: 'room-get', idempotent: true, response: Room })).body;
}

/** `PATCH /rooms/{uuid}` `{isBan}` (SDK token): ban (disable) or unban a room. */
export async function setRoomBan(ctx: WhiteboardContext, uuid: string, isBan: boolean): Promise<Room> {
  const json = parseInput(BanRoomRequest, { isBan }, 'room ban');
  return (await wbCall(ctx, { method: 'PATCH', path: `/rooms/${uuidPath(uuid, 'room uuid')}`, json, operation: 'room-ban', idempotent: true, response: Room })).body;
}

// ---- scenes and screenshots ----

/** `GET /rooms/{uuid}/scenes`: the room's scene paths. */
export async function listScenes(ctx: WhiteboardContext, uuid: string): Promise<string[]> {
  return (await wbCall(ctx, { method: 'GET', path: `/rooms/${uuidPath(uuid, 'room uuid')}/scenes`, operation: 'scenes-list', idempotent: true, response: ScenePaths })).body;
}

/** `POST /rooms/{uuid}/scenes` `{scenes, path}`: adds scenes under a directory. */
export async function addScenes(ctx: WhiteboardContext, uuid: string, input: z.input<typeof AddScenesRequest>): Promise<unknown> {
  const json = parseInput(AddScenesRequest, input, 'scenes');
  return (await wbCall(ctx, { method: 'POST', path: `/rooms/${uuidPath(uuid, 'room uuid')}/scenes`, json, operation: 'scenes-add', idempotent: false, response: Anything })).body;
}

/** `PATCH /rooms/{uuid}/scene-state` `{scenePath}`: switches the room's current scene. */
export async function switchScene(ctx: WhiteboardContext, uuid: string, scenePath: string): Promise<unknown> {
  const json = parseInput(SceneStateRequest, { scenePath: parseInput(ScenePath, scenePath, 'scenePath') }, 'scene state');
  return (await wbCall(ctx, { method: 'PATCH', path: `/rooms/${uuidPath(uuid, 'room uuid')}/scene-state`, json, operation: 'scene-state', idempotent: true, response: Anything }))
    .body;
}

/** `POST /rooms/{uuid}/screenshots` `{width, height, path}`: one scene as an image. */
export async function screenshot(ctx: WhiteboardContext, uuid: string, input: z.input<typeof ScreenshotRequest>): Promise<Screenshot> {
  const json = parseInput(ScreenshotRequest, input, 'screenshot');
  return (await wbCall(ctx, { method: 'POST', path: `/rooms/${uuidPath(uuid, 'room uuid')}/screenshots`, json, operation: 'screenshot', idempotent: true, response: Screenshot }))
    .body;
}

/** `POST /rooms/{uuid}/screenshot-list` `{width, height, path}`: every scene of a directory as images. */
export async function screenshotList(ctx: WhiteboardContext, uuid: string, input: z.input<typeof ScreenshotRequest>): Promise<Screenshot[]> {
  const json = parseInput(ScreenshotRequest, input, 'screenshot list');
  return (
    await wbCall(ctx, {
      method: 'POST',
      path: `/rooms/${uuidPath(uuid, 'room uuid')}/screenshot-list`,
      json,
      operation: 'screenshot-list',
      idempotent: true,
      response: ScreenshotList,
    })
  ).body;
}

// ---- projector: file conversion ----

/** `POST /projector/tasks` (SDK token): starts a conversion. Not idempotent: reconcile with findConversion. */
export async function createConversion(ctx: WhiteboardContext, input: z.input<typeof CreateConversionRequest>, requestId?: string): Promise<ConversionTask> {
  const json = parseInput(CreateConversionRequest, input, 'conversion');
  return (await wbCall(ctx, { method: 'POST', path: '/projector/tasks', json, operation: 'conversion-create', idempotent: false, response: ConversionTask, requestId })).body;
}

/** `GET /projector/tasks/{uuid}` (SDK token or the task's token): progress and, once Finished, the pages. */
export async function getConversion(ctx: WhiteboardContext, uuid: string): Promise<ConversionTask> {
  return (await wbCall(ctx, { method: 'GET', path: `/projector/tasks/${uuidPath(uuid, 'task uuid')}`, operation: 'conversion-get', idempotent: true, response: ConversionTask }))
    .body;
}

/** `GET /projector/tasks` (SDK token): the team's tasks. */
export async function listConversions(ctx: WhiteboardContext): Promise<ConversionTask[]> {
  return (await wbCall(ctx, { method: 'GET', path: '/projector/tasks', operation: 'conversion-list', idempotent: true, response: ConversionTaskList })).body;
}

/** `DELETE /projector/tasks/{uuid}` (SDK token): cancels a task; 404 = already gone. */
export async function deleteConversion(ctx: WhiteboardContext, uuid: string): Promise<{ outcome: 'deleted' | 'already_gone' }> {
  const call = wbCall(ctx, { method: 'DELETE', path: `/projector/tasks/${uuidPath(uuid, 'task uuid')}`, operation: 'conversion-delete', idempotent: true, response: Anything });
  const r = await doneOrGone(
    'deleted',
    call.then((x) => ({ status: x.status, body: x.body, requestId: x.requestId, headers: {}, baseUrl: ctx.baseUrl })),
  );
  return { outcome: r.outcome };
}

/** `PUT /projector/tasks/{uuid}` `{priority}` (SDK token): moves a queued task (the seed's example: "highest"). */
export async function setConversionPriority(ctx: WhiteboardContext, uuid: string, priority: string): Promise<unknown> {
  const json = { priority: parseInput(ConversionPriority, priority, 'priority') };
  return (
    await wbCall(ctx, { method: 'PUT', path: `/projector/tasks/${uuidPath(uuid, 'task uuid')}`, json, operation: 'conversion-priority', idempotent: true, response: Anything })
  ).body;
}

/**
 * The task an unanswered create may have started: the newest listed task of this resource and type,
 * created at or after `since` (epoch ms) and not one of `known`. Undefined: it started none.
 */
export async function findConversion(
  ctx: WhiteboardContext,
  input: { resource: string; type: ConversionType; since?: number; known?: readonly string[] },
): Promise<ConversionTask | undefined> {
  const tasks = await listConversions(ctx);
  const since = input.since ?? 0;
  return tasks
    .filter((t) => t.resource === input.resource && (t.type === undefined || t.type === input.type) && !input.known?.includes(t.uuid))
    .filter((t) => t.createdAt === undefined || Date.parse(t.createdAt) >= since - 60_000)
    .sort((a, b) => Date.parse(b.createdAt ?? '0') - Date.parse(a.createdAt ?? '0'))[0];
}
