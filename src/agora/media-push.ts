/**
 * Agora Media Push calls (agora.md §6, §13.1, §14.5): RTMP converters. One function per REST call, each
 * through agoraCall; requests are validated with the schemas first (InvalidInputError).
 *
 * Media Push documents Basic auth only, so these calls use Basic even when the profile prefers HMAC.
 * The converter ID comes from the body or from X-Resource-ID. A 409 on create (the name exists) carries
 * no ID: createOrAdoptConverter reconciles by listing the channel's converters and adopts the one with
 * that name. Update is idempotent for a given `sequence` (the caller persists the last one used and
 * increments it); 404 on delete means already gone.
 */
import { z } from 'zod';
import { InvalidInputError } from '../errors';
import { VendorError } from '../http/errors';
import {
  AgoraRegion,
  ConverterName,
  ConverterResponse,
  CreateConverterRequest,
  GetConverterResponse,
  ListConvertersResponse,
  Sequence,
  UpdateConverterRequest,
  converterChannel,
  type ConverterConfig,
  type ConverterDetail,
  type ConverterListMember,
  type ConverterPatch,
} from '../schemas/agora/media-push';
import { ChannelName } from '../schemas/agora/media-gateway';
import { parseInput } from '../schemas/parse';
import { agoraCall, withBasicAuth, type AgoraContext } from './http';
import { collectPages, createdId, doneOrGone, nullIfGone } from './media-common';

const PRODUCT = 'media-push';
const MAX_LIST_PAGES = 1_000;

const project = (ctx: AgoraContext) => `/v1/projects/${encodeURIComponent(ctx.appId)}`;
const regional = (ctx: AgoraContext, region: AgoraRegion) => `/${parseInput(AgoraRegion, region, 'region')}${project(ctx)}/rtmp-converters`;
const site = (operation: string, idempotent: boolean) => ({ product: PRODUCT, operation, idempotent });

export interface RegionInput {
  /** lower-case, where the CDN origin is; every later call on the converter uses the same region */
  region: AgoraRegion;
  /** sent as X-Request-ID (a fresh UUID when absent) */
  requestId?: string;
}

export interface ConverterState {
  converterId: string;
  state?: string;
  createTs?: number;
  updateTs?: number;
  requestId: string;
}

export interface CreateConverterInput extends RegionInput {
  converter: ConverterConfig;
  /** IPv4 of the CDN origin */
  regionHintIp?: string;
}

/** Creates a converter. Not idempotent: give it a `name` so a repeat answers 409 instead of pushing twice. */
export async function createConverter(ctx: AgoraContext, input: CreateConverterInput): Promise<ConverterState> {
  const json = parseInput(CreateConverterRequest, { converter: input.converter }, 'converter');
  let query = '';
  if (input.regionHintIp !== undefined) {
    if (!/^(\d{1,3})(\.\d{1,3}){3}$/.test(input.regionHintIp) || input.regionHintIp.split('.').some((p) => Number(p) > 255)) {
      throw new InvalidInputError('invalid regionHintIp', ['regionHintIp must be an IPv4 address']);
    }
    query = `?regionHintIp=${encodeURIComponent(input.regionHintIp)}`;
  }
  const res = await agoraCall(withBasicAuth(ctx), {
    method: 'POST',
    path: `${regional(ctx, input.region)}${query}`,
    json,
    site: site('create', false),
    response: ConverterResponse,
    requestId: input.requestId,
  });
  const c = res.body.converter;
  return { converterId: createdId(PRODUCT, 'converter', res, c.id), state: c.state, createTs: c.createTs, updateTs: c.updateTs, requestId: res.requestId };
}

export type CreateOrAdoptResult = ConverterState & { adopted: boolean };

/**
 * Creates a named converter, or adopts the live one with that name (409): the list of the converter's
 * channel is searched by name, then the project's. A converter of that name in another channel is not
 * ours to adopt (final error); one that vanished between the 409 and the list may simply be created again
 * (retryable error).
 */
export async function createOrAdoptConverter(ctx: AgoraContext, input: CreateConverterInput): Promise<CreateOrAdoptResult> {
  const name = input.converter.name;
  if (!name) throw new InvalidInputError('invalid converter', ['name: createOrAdoptConverter needs a name (the idempotency key)']);
  parseInput(ConverterName, name, 'converter name');
  try {
    return { ...(await createConverter(ctx, input)), adopted: false };
  } catch (err) {
    if (!(err instanceof VendorError && err.info.httpStatus === 409)) throw err;
    const channel = converterChannel(input.converter);
    const found = await findConverterByName(ctx, { name, channel, requestId: input.requestId });
    if (found && found.rtcChannel !== undefined && found.rtcChannel !== channel) {
      throw new VendorError({
        ...err.info,
        code: 'NAME_IN_USE',
        reason: `converter name ${name} is used by converter ${found.converterId} in channel ${found.rtcChannel}`,
        retryable: false,
        ambiguous: false,
      });
    }
    if (!found) {
      throw new VendorError({
        ...err.info,
        code: 'ADOPT_VANISHED',
        reason: `converter ${name} answered 409 but is not listed any more: create it again`,
        retryable: true,
        ambiguous: false,
      });
    }
    return { converterId: found.converterId, state: found.state, createTs: found.create, updateTs: found.updateTs, requestId: err.info.requestId ?? '', adopted: true };
  }
}

export interface ConverterRef extends RegionInput {
  converterId: string;
}

/** The converter's configuration and state; null when it does not exist (deleted, idle-destroyed, failed). */
export async function getConverter(ctx: AgoraContext, input: ConverterRef): Promise<(ConverterDetail & { requestId: string }) | null> {
  return nullIfGone(async () => {
    const res = await agoraCall(withBasicAuth(ctx), {
      method: 'GET',
      path: `${regional(ctx, input.region)}/${encodeURIComponent(input.converterId)}`,
      site: site('get', true),
      response: GetConverterResponse,
      requestId: input.requestId,
    });
    return { ...res.body, requestId: res.requestId };
  });
}

export interface UpdateConverterInput extends ConverterRef {
  /** strictly greater than the last sequence used for this converter; start at 0 */
  sequence: number;
  converter: ConverterPatch;
  /** FieldMask paths of what changes, e.g. ["transcodeOptions.videoOptions.layout"] */
  fields: string[];
}

/** Updates a converter. Repeating the same sequence is harmless, so it is retried like a read. */
export async function updateConverter(ctx: AgoraContext, input: UpdateConverterInput): Promise<ConverterState> {
  const sequence = parseInput(Sequence, input.sequence, 'sequence');
  const body = parseInput(UpdateConverterRequest, { converter: input.converter, fields: input.fields }, 'converter update');
  const res = await agoraCall(withBasicAuth(ctx), {
    method: 'PATCH',
    path: `${regional(ctx, input.region)}/${encodeURIComponent(input.converterId)}?sequence=${sequence}`,
    json: { converter: body.converter, fields: body.fields.join(',') },
    site: site('update', true),
    response: ConverterResponse,
    requestId: input.requestId,
  });
  const c = res.body.converter;
  return { converterId: c.id ?? input.converterId, state: c.state, createTs: c.createTs, updateTs: c.updateTs, requestId: res.requestId };
}

/** Deletes a converter; 404 = already gone (deleted before, or destroyed by the service). */
export async function deleteConverter(ctx: AgoraContext, input: ConverterRef): Promise<{ outcome: 'deleted' | 'already_gone'; requestId: string }> {
  return doneOrGone(
    'deleted',
    agoraCall(withBasicAuth(ctx), {
      method: 'DELETE',
      path: `${regional(ctx, input.region)}/${encodeURIComponent(input.converterId)}`,
      site: site('delete', true),
      response: EmptyBody,
      requestId: input.requestId,
    }),
  );
}

/** Delete answers an empty body (whatever it carries is not used). */
const EmptyBody = z.unknown();

export interface ListConvertersInput {
  /** the channel's converters; the whole project's when absent */
  channel?: string;
  /** from the previous page; absent for the first */
  cursor?: string;
  requestId?: string;
}

export interface ConverterPage {
  members: ConverterListMember[];
  /** "0" when this was the last page */
  cursor: string;
  totalCount?: number;
  requestId: string;
}

/** One page (≤ 500) of the project's or a channel's converters (List has no region segment). */
export async function listConverters(ctx: AgoraContext, input: ListConvertersInput = {}): Promise<ConverterPage> {
  const scope = input.channel === undefined ? project(ctx) : `${project(ctx)}/channels/${encodeURIComponent(parseInput(ChannelName, input.channel, 'channel'))}`;
  const query = input.cursor && input.cursor !== '0' ? `?cursor=${encodeURIComponent(input.cursor)}` : '';
  const res = await agoraCall(withBasicAuth(ctx), {
    method: 'GET',
    path: `${scope}/rtmp-converters${query}`,
    site: site(input.channel === undefined ? 'list' : 'listByChannel', true),
    response: ListConvertersResponse,
    requestId: input.requestId,
  });
  return { members: res.body.data.members, cursor: res.body.data.cursor ?? '0', totalCount: res.body.data.total_count, requestId: res.requestId };
}

/** Every page of the project's or a channel's converters. */
export async function listAllConverters(ctx: AgoraContext, input: Omit<ListConvertersInput, 'cursor'> = {}): Promise<ConverterListMember[]> {
  return collectPages(MAX_LIST_PAGES, async (cursor) => {
    const res = await listConverters(ctx, { ...input, cursor });
    // cursor "0" marks the last page
    return { items: res.members, next: res.cursor === '0' ? '' : res.cursor };
  });
}

/**
 * The live converter with this name (names are unique per project): the channel's list first when a
 * channel is given, then the project's. Reconciles a 409 or an ambiguous (504/timeout) create.
 */
export async function findConverterByName(ctx: AgoraContext, input: { name: string; channel?: string; requestId?: string }): Promise<ConverterListMember | undefined> {
  if (input.channel !== undefined) {
    const inChannel = (await listAllConverters(ctx, { channel: input.channel, requestId: input.requestId })).find((m) => m.converterName === input.name);
    if (inChannel) return inChannel;
  }
  return (await listAllConverters(ctx, { requestId: input.requestId })).find((m) => m.converterName === input.name);
}
