/**
 * Agora Media Gateway calls (agora.md §5, §14.4): stream keys, stream configuration templates and online
 * streams, under `/{region}/v1/projects/{appId}/rtls/ingress`. One function per REST call, each through
 * agoraCall (Basic or HMAC, as the context says: Media Gateway accepts both). Requests are validated with
 * the schemas before anything is sent (InvalidInputError).
 *
 * What a response means lives here: 404 on destroy/disconnect is "already gone" (success), 404 on a
 * query is `null`. 409 on create ("too many concurrent requests") is classified retryable in
 * src/agora/errors.ts (agora.md §5.4 documents a 1 s, 3 s, 6 s backoff). Teardown order (destroy
 * the key first, then disconnect the sid, else the encoder reconnects with a new sid) is the workflow's.
 */
import type { z } from 'zod';
import {
  AgoraRegion,
  AppConfigRequest,
  CreateStreamKeyRequest,
  GatewayStatusResponse,
  GetOnlineStreamResponse,
  GetStreamTemplateResponse,
  ListOnlineStreamsResponse,
  ListStreamTemplatesResponse,
  MuteRequest,
  StreamKeyResponse,
  StreamTemplateRequest,
  TemplateId,
  type OnlineStream,
  type StreamKeySettings,
  type StreamTemplate,
  type StreamTemplateSettings,
} from '../schemas/agora/media-gateway';
import { parseInput } from '../schemas/parse';
import { agoraCall, type AgoraContext } from './http';
import { doneOrGone, nullIfGone, type GoneOutcome } from './media-common';

export { isGone, type GoneOutcome } from './media-common';

const PRODUCT = 'media-gateway';

function base(ctx: AgoraContext, region: AgoraRegion): string {
  return `/${parseInput(AgoraRegion, region, 'region')}/v1/projects/${encodeURIComponent(ctx.appId)}/rtls/ingress`;
}

const site = (operation: string, idempotent: boolean) => ({ product: PRODUCT, operation, idempotent });

export interface RegionInput {
  /** where the key and the encoder's stream live; every later call on them uses the same region */
  region: AgoraRegion;
  /** sent as X-Request-ID (a fresh UUID when absent); log it with every failure */
  requestId?: string;
}

// ---- stream keys ----

export interface StreamKeyResult {
  streamKey: string;
  channel?: string;
  uid?: string;
  /** seconds from creation; 0 = never expires */
  expiresAfter?: number;
  /** Unix seconds */
  createdAt?: number;
  /** Unix milliseconds after which the key is refused; undefined when it never expires */
  expiresAtMs?: number;
  requestId: string;
}

function keyResult(data: z.infer<typeof StreamKeyResponse>['data'], requestId: string): StreamKeyResult {
  const expiresAtMs = data.expiresAfter && data.createdAt !== undefined && Number.isFinite(data.createdAt) ? (data.createdAt + data.expiresAfter) * 1000 : undefined;
  return {
    streamKey: data.streamKey,
    channel: data.channel,
    uid: data.uid,
    expiresAfter: data.expiresAfter,
    createdAt: data.createdAt,
    expiresAtMs,
    requestId,
  };
}

export interface CreateStreamKeyInput extends RegionInput {
  settings: StreamKeySettings;
}

/** Creates a stream key for channel + host uid. Not idempotent: every call makes a new key. */
export async function createStreamKey(ctx: AgoraContext, input: CreateStreamKeyInput): Promise<StreamKeyResult> {
  const json = parseInput(CreateStreamKeyRequest, { settings: input.settings }, 'stream key settings');
  const res = await agoraCall(ctx, {
    method: 'POST',
    path: `${base(ctx, input.region)}/streamkeys`,
    json,
    site: site('createStreamKey', false),
    response: StreamKeyResponse,
    requestId: input.requestId,
  });
  return keyResult(res.body.data, res.requestId);
}

export interface StreamKeyRef extends RegionInput {
  streamKey: string;
}

/** The key's binding and validity; null when it does not exist (destroyed, expired or never created). */
export async function getStreamKey(ctx: AgoraContext, input: StreamKeyRef): Promise<StreamKeyResult | null> {
  return nullIfGone(async () => {
    const res = await agoraCall(ctx, {
      method: 'GET',
      path: `${base(ctx, input.region)}/streamkeys/${encodeURIComponent(input.streamKey)}`,
      site: site('queryStreamKey', true),
      response: StreamKeyResponse,
      requestId: input.requestId,
    });
    return keyResult(res.body.data, res.requestId);
  });
}

/** Destroys a key (it can no longer start a push; an ongoing push continues). 404 = already gone. */
export async function destroyStreamKey(ctx: AgoraContext, input: StreamKeyRef): Promise<GoneOutcome<'destroyed'>> {
  return doneOrGone(
    'destroyed',
    agoraCall(ctx, {
      method: 'DELETE',
      path: `${base(ctx, input.region)}/streamkeys/${encodeURIComponent(input.streamKey)}`,
      site: site('destroyStreamKey', true),
      response: GatewayStatusResponse,
      requestId: input.requestId,
    }),
  );
}

// ---- stream configuration templates ----

export interface TemplateInput extends RegionInput {
  templateId: string;
}

export interface TemplateSettingsInput extends TemplateInput {
  settings: StreamTemplateSettings;
}

function templatePath(ctx: AgoraContext, input: TemplateInput): string {
  return `${base(ctx, input.region)}/stream-templates/${parseInput(TemplateId, input.templateId, 'templateId')}`;
}

/** Creates the template or resets it whole (PUT). Applies to pushes that start ≥ 3 minutes later. */
export async function putStreamTemplate(ctx: AgoraContext, input: TemplateSettingsInput): Promise<{ requestId: string }> {
  const json = parseInput(StreamTemplateRequest, { settings: input.settings }, 'template settings');
  const res = await agoraCall(ctx, {
    method: 'PUT',
    path: templatePath(ctx, input),
    json,
    site: site('putTemplate', true),
    response: GatewayStatusResponse,
    requestId: input.requestId,
  });
  return { requestId: res.requestId };
}

/** Updates an existing template: each of transcoding.video, transcoding.audio, jitterBuffer is replaced whole. */
export async function updateStreamTemplate(ctx: AgoraContext, input: TemplateSettingsInput): Promise<{ requestId: string }> {
  const json = parseInput(StreamTemplateRequest, { settings: input.settings }, 'template settings');
  const res = await agoraCall(ctx, {
    method: 'PATCH',
    path: templatePath(ctx, input),
    json,
    site: site('patchTemplate', true),
    response: GatewayStatusResponse,
    requestId: input.requestId,
  });
  return { requestId: res.requestId };
}

export async function deleteStreamTemplate(ctx: AgoraContext, input: TemplateInput): Promise<GoneOutcome<'deleted'>> {
  return doneOrGone(
    'deleted',
    agoraCall(ctx, { method: 'DELETE', path: templatePath(ctx, input), site: site('deleteTemplate', true), response: GatewayStatusResponse, requestId: input.requestId }),
  );
}

export async function getStreamTemplate(ctx: AgoraContext, input: TemplateInput): Promise<StreamTemplate | null> {
  return nullIfGone(async () => {
    const res = await agoraCall(ctx, {
      method: 'GET',
      path: templatePath(ctx, input),
      site: site('getTemplate', true),
      response: GetStreamTemplateResponse,
      requestId: input.requestId,
    });
    return res.body.data ?? {};
  });
}

export async function listStreamTemplates(ctx: AgoraContext, input: RegionInput): Promise<StreamTemplate[]> {
  const res = await agoraCall(ctx, {
    method: 'GET',
    path: `${base(ctx, input.region)}/stream-templates`,
    site: site('listTemplates', true),
    response: ListStreamTemplatesResponse,
    requestId: input.requestId,
  });
  return res.body.data;
}

/** Sets the App-wide default template (it must exist); it retires transcoding set the deprecated way. */
export async function setDefaultStreamTemplate(ctx: AgoraContext, input: TemplateInput): Promise<{ requestId: string }> {
  const json = parseInput(AppConfigRequest, { settings: { defaultStreamTemplate: input.templateId } }, 'app config');
  const res = await agoraCall(ctx, {
    method: 'PUT',
    path: `${base(ctx, input.region)}/appconfig`,
    json,
    site: site('setAppConfig', true),
    response: GatewayStatusResponse,
    requestId: input.requestId,
  });
  return { requestId: res.requestId };
}

// ---- online streams ----

/** The streams being pushed in this region now (each with its current sid). */
export async function listOnlineStreams(ctx: AgoraContext, input: RegionInput): Promise<OnlineStream[]> {
  const res = await agoraCall(ctx, {
    method: 'GET',
    path: `${base(ctx, input.region)}/online-streams`,
    site: site('listOnlineStreams', true),
    response: ListOnlineStreamsResponse,
    requestId: input.requestId,
  });
  return res.body.data;
}

export interface StreamRef extends RegionInput {
  sid: string;
}

/** One push by sid; null once it has ended (a reconnect gets a new sid). */
export async function getOnlineStream(ctx: AgoraContext, input: StreamRef): Promise<OnlineStream | null> {
  return nullIfGone(async () => {
    const res = await agoraCall(ctx, {
      method: 'GET',
      path: `${base(ctx, input.region)}/online-streams/${encodeURIComponent(input.sid)}`,
      site: site('getOnlineStream', true),
      response: GetOnlineStreamResponse,
      requestId: input.requestId,
    });
    return res.body.data;
  });
}

export interface MuteInput extends StreamRef {
  videoMuted: boolean;
  audioMuted: boolean;
}

/**
 * Mutes/unmutes the current push. A 2xx only means the gateway node got the command: it takes effect
 * about a second later and only for this sid (a reconnect starts unmuted), so verify and repeat.
 */
export async function muteOnlineStream(ctx: AgoraContext, input: MuteInput): Promise<{ requestId: string }> {
  const json = parseInput(MuteRequest, { settings: { videoMuted: input.videoMuted, audioMuted: input.audioMuted } }, 'mute settings');
  const res = await agoraCall(ctx, {
    method: 'POST',
    path: `${base(ctx, input.region)}/online-streams/${encodeURIComponent(input.sid)}/mute`,
    json,
    site: site('muteOnlineStream', true),
    response: GatewayStatusResponse,
    requestId: input.requestId,
  });
  return { requestId: res.requestId };
}

/**
 * Cuts a push. Unless its key was destroyed first, the encoder reconnects at once with a new sid.
 * 404 = the push had already ended.
 */
export async function disconnectOnlineStream(ctx: AgoraContext, input: StreamRef): Promise<GoneOutcome<'disconnected'>> {
  return doneOrGone(
    'disconnected',
    agoraCall(ctx, {
      method: 'DELETE',
      path: `${base(ctx, input.region)}/online-streams/${encodeURIComponent(input.sid)}`,
      site: site('disconnectOnlineStream', true),
      response: GatewayStatusResponse,
      requestId: input.requestId,
    }),
  );
}
