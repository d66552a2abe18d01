/**
 * Agora Media Pull calls (agora.md §7, §13.1, §14.6): cloud players. One function per REST call, each
 * through agoraCall; requests are validated with the schemas first (InvalidInputError).
 *
 * Media Pull documents Basic auth only, so these calls use Basic even when the profile prefers HMAC.
 * A 409 on create means a player with that name exists and X-Resource-ID names it: createPlayer answers
 * `{outcome: 'exists', playerId}` so the caller adopts it (a repeated create after a lost answer lands
 * here too). 404 on delete means already gone. There is no Get: reconcile with findPlayerByName (List
 * shows a player only ~10 s after its creation, and allows 15–20 calls a minute).
 */
import { z } from 'zod';
import { InvalidInputError } from '../errors';
import { VendorError } from '../http/errors';
import {
  AgoraRegion,
  ChannelName,
  CreatePlayerRequest,
  CreatePlayerResponse,
  ListPlayersResponse,
  PlayerName,
  Sequence,
  UpdatePlayerRequest,
  channelFilter,
  type ListedPlayer,
  type PlayerConfig,
  type PlayerPatch,
} from '../schemas/agora/media-pull';
import { parseInput } from '../schemas/parse';
import { agoraCall, withBasicAuth, type AgoraContext } from './http';
import { collectPages, createdId, doneOrGone } from './media-common';

const PRODUCT = 'media-pull';
const MAX_LIST_PAGES = 100;

const project = (ctx: AgoraContext) => `/v1/projects/${encodeURIComponent(ctx.appId)}`;
const regional = (ctx: AgoraContext, region: AgoraRegion) => `/${parseInput(AgoraRegion, region, 'region')}${project(ctx)}/cloud-player/players`;
const site = (operation: string, idempotent: boolean) => ({ product: PRODUCT, operation, idempotent });
const EmptyBody = z.unknown();

export interface RegionInput {
  /** where the media stream originates; every later call on the player uses the same region */
  region: AgoraRegion;
  /** sent as X-Request-ID (a fresh UUID when absent) */
  requestId?: string;
}

export interface CreatePlayerInput extends RegionInput {
  player: PlayerConfig;
  /** IPv4 of the stream's origin server */
  streamIp?: string;
}

export type CreatePlayerResult =
  | { outcome: 'created'; playerId: string; uid?: number; account?: string; status?: string; createTs?: number; requestId: string }
  /** 409: a player with this name already exists; adopt it */
  | { outcome: 'exists'; playerId: string; requestId: string };

/** Creates a player; a name conflict answers the existing player's ID (adopt it). Not idempotent without a name. */
export async function createPlayer(ctx: AgoraContext, input: CreatePlayerInput): Promise<CreatePlayerResult> {
  const json = parseInput(CreatePlayerRequest, { player: input.player }, 'player');
  let query = '';
  if (input.streamIp !== undefined) {
    if (!z.ipv4().safeParse(input.streamIp).success) throw new InvalidInputError('invalid streamIp', ['streamIp must be an IPv4 address']);
    query = `?streamIp=${encodeURIComponent(input.streamIp)}`;
  }
  try {
    const res = await agoraCall(withBasicAuth(ctx), {
      method: 'POST',
      path: `${regional(ctx, input.region)}${query}`,
      json,
      site: site('create', false),
      response: CreatePlayerResponse,
      requestId: input.requestId,
    });
    const p = res.body.player;
    const playerId = createdId(PRODUCT, 'player', res, p.id);
    return { outcome: 'created', playerId, uid: p.uid, account: p.account, status: p.status, createTs: p.createTs, requestId: res.requestId };
  } catch (err) {
    if (err instanceof VendorError && err.info.httpStatus === 409) {
      const existing = err.info.existingResourceId;
      if (existing) return { outcome: 'exists', playerId: existing, requestId: err.info.requestId ?? '' };
      // documented to carry the ID; without it the caller must reconcile by name
      throw new VendorError({ ...err.info, reason: `${err.info.reason} (no X-Resource-ID: find the player by name)`, retryable: false, ambiguous: true });
    }
    throw err;
  }
}

export interface PlayerRef extends RegionInput {
  playerId: string;
}

/** Deletes a player; 404 = already gone (deleted before, idle-destroyed, or deleted by the service). */
export async function deletePlayer(ctx: AgoraContext, input: PlayerRef): Promise<{ outcome: 'deleted' | 'already_gone'; requestId: string }> {
  return doneOrGone(
    'deleted',
    agoraCall(withBasicAuth(ctx), {
      method: 'DELETE',
      path: `${regional(ctx, input.region)}/${encodeURIComponent(input.playerId)}`,
      site: site('delete', true),
      response: EmptyBody,
      requestId: input.requestId,
    }),
  );
}

export interface UpdatePlayerInput extends PlayerRef {
  /** strictly greater than the last sequence used for this player; start at 0 */
  sequence: number;
  player: PlayerPatch;
}

/** Updates streamUrl / isPause / audioOptions.volume / seekPosition. Repeating a sequence is harmless. */
export async function updatePlayer(ctx: AgoraContext, input: UpdatePlayerInput): Promise<{ requestId: string }> {
  const sequence = parseInput(Sequence, input.sequence, 'sequence');
  const json = parseInput(UpdatePlayerRequest, { player: input.player }, 'player update');
  const res = await agoraCall(withBasicAuth(ctx), {
    method: 'PATCH',
    path: `${regional(ctx, input.region)}/${encodeURIComponent(input.playerId)}?sequence=${sequence}`,
    json,
    site: site('update', true),
    response: EmptyBody,
    requestId: input.requestId,
  });
  return { requestId: res.requestId };
}

export interface ListPlayersInput {
  /** `filter=channelName eq {channel}` (2/s, 15/min); without it 10/s, 20/min */
  channel?: string;
  /** 1 … 500, default 200 */
  pageSize?: number;
  pageToken?: string;
  requestId?: string;
}

export interface PlayerPage {
  players: ListedPlayer[];
  /** "" when this was the last page */
  nextPageToken: string;
  totalSize?: number;
  requestId: string;
}

/** One page of players, oldest first (List has no region segment). */
export async function listPlayers(ctx: AgoraContext, input: ListPlayersInput = {}): Promise<PlayerPage> {
  const q = new URLSearchParams();
  if (input.channel !== undefined) q.set('filter', channelFilter(parseInput(ChannelName, input.channel, 'channel')));
  if (input.pageSize !== undefined) q.set('pageSize', String(parseInput(z.number().int().min(1).max(500), input.pageSize, 'pageSize')));
  if (input.pageToken) q.set('pageToken', input.pageToken);
  // URLSearchParams writes spaces as "+"; the documented form is %20
  const query = q.size ? `?${q.toString().replace(/\+/g, '%20')}` : '';
  const res = await agoraCall(withBasicAuth(ctx), {
    method: 'GET',
    path: `${project(ctx)}/cloud-player/players${query}`,
    site: site('list', true),
    response: ListPlayersResponse,
    requestId: input.requestId,
  });
  return { players: res.body.players, nextPageToken: res.body.nextPageToken ?? '', totalSize: res.body.totalSize, requestId: res.requestId };
}

/** Every page of players (mind the per-minute List limits). */
export async function listAllPlayers(ctx: AgoraContext, input: Omit<ListPlayersInput, 'pageToken'> = {}): Promise<ListedPlayer[]> {
  return collectPages(MAX_LIST_PAGES, async (pageToken) => {
    const res = await listPlayers(ctx, { ...input, pageSize: input.pageSize ?? 500, pageToken });
    return { items: res.players, next: res.nextPageToken };
  });
}

/**
 * The player with this name (names are unique per project), to reconcile after a 504 or a timeout on
 * create or delete. Call it ≥ 10 s after the create: List does not show younger players.
 */
export async function findPlayerByName(ctx: AgoraContext, input: { name: string; channel?: string; requestId?: string }): Promise<ListedPlayer | undefined> {
  parseInput(PlayerName, input.name, 'player name');
  return (await listAllPlayers(ctx, { channel: input.channel, requestId: input.requestId })).find((p) => p.name === input.name);
}
