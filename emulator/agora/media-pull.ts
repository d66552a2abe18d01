/**
 * Emulated Agora Media Pull (agora.md §7, §14.6): cloud players that pull an online stream into a
 * channel, where they publish as a user.
 *
 *   create   `POST /{region}/v1/projects/{appId}/cloud-player/players[?streamIp=]`: streamUrl,
 *            channelName, exactly one of uid (0 = assigned) / account (neither: 400), idleTimeout clamped
 *            to 5 … 600 (default 300), playTs within [createTs − 86400, createTs + 300] (a future one
 *            schedules the start), name unique per project: 409 with X-Resource-ID = the existing player's
 *            ID; at most 20 live players per project (002's quota; the seed says 50): 429
 *   delete   empty 200 with X-Resource-ID; 404 once gone
 *   update   `PATCH …/players/{id}?sequence=n` (002): streamUrl, isPause, audioOptions.volume,
 *            seekPosition; the same sequence-rule as Media Push (repeat: no-op, smaller: 400)
 *   list     `GET /v1/projects/{appId}/cloud-player/players[?filter=channelName eq X&pageSize=&pageToken=]`,
 *            sorted by createTs; a player shows up 10 s (emulated) after its creation
 *   lifetime connecting (2 s) → running: the player joins its channel as a publishing user; idle while
 *            not playing (paused, failed, VOD finished) and destroyed after idleTimeout (NCS 3,
 *            "Idle Timeout"); a streamUrl whose host ends in `.invalid` fails, so does a player without a
 *            token in a project with App Certificate, or one whose uid/account is already in the channel
 *   limits   create 2/s per name (50/s without a name), delete 100/s, list 2/s + 15/min with a filter and
 *            10/s + 20/min without (429 + Retry-After)
 *
 * Every player is a task in the world ledger until it is deleted or destroyed. NCS productId 4:
 * 1 created, 3 destroyed ([public]), 4 status changed ([general]).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorContext } from '../context';
import type { VendorTask } from '../world';
import { ncsEnvelope } from '../webhooks';
import { agoraBasicAuth } from './auth';
import {
  endDestroyedTask,
  intIn,
  isAccount,
  isChannelName,
  isIpv4,
  isObject,
  regionalResource,
  regionalScope,
  requestIdOf,
  requireRegion,
  resourceId,
  unixSeconds,
  unreachable,
  type DestroyReason,
} from './media-common';

const PRODUCT = 'media-pull';
const NCS_PRODUCT_ID = 4;

export const PULL_TIMING = {
  /** connecting (probing the stream) → running */
  connectMs: 2_000,
  /** "wait about 10 seconds before using the List method" */
  listVisibleAfterMs: 10_000,
} as const;
/** concurrent players per project: 20 per 002, 50 per the seed (agora.md §13.5 #8); the stricter one */
export const MAX_PLAYERS_PER_PROJECT = 20;
const MAX_UID = 4294967295;
const ENCRYPT_MODES = new Set(['aes-128-xts', 'aes-256-xts', 'aes-128-ecb', 'sm4-128-ecb', 'aes-128-gcm', 'aes-256-gcm', 'aes-128-gcm2', 'aes-256-gcm2']);
const SALTED = new Set(['aes-128-gcm2', 'aes-256-gcm2']);

const MSG = {
  notFound: 'Resource is not found and destroyed.',
  conflict: 'Resource with the same name already exists.',
  quota: 'Resources quota limit exceeded.',
  rate: 'Request rate limit exceeded.',
  streamUrl: "Parameter 'streamUrl' is invalid formatted.",
  channelName: 'Parameter channelName is invalid. Fix it in your request and retry.',
} as const;
const invalid = (field: string) => ({ message: `Parameter '${field}' is invalid.` });
/** rtmp(s) or http(s), at most 1024 bytes */
const isStreamUrl = (u: unknown): u is string => typeof u === 'string' && Buffer.byteLength(u, 'utf8') <= 1024 && /^(rtmps?|https?):\/\/[^\s/]+(\/\S*)?$/i.test(u);

type Status = 'idle' | 'connecting' | 'running' | 'failed';

interface Player {
  id: string;
  seq: number;
  appId: string;
  region: string;
  name?: string;
  channel: string;
  uid?: number;
  account?: string;
  /** the channel user it publishes as */
  rtcUser: string;
  streamUrl: string;
  token?: string;
  certRequired: boolean;
  idleTimeout: number;
  playAt: number;
  createdAt: number;
  connectAt: number;
  status: Status;
  paused: boolean;
  volume: number;
  seekPosition: number;
  finished: boolean;
  failReason?: string;
  joined: boolean;
  lastPlayingAt: number;
  sequence?: number;
  destroyed?: { at: number; reason: string };
  config: Record<string, unknown>;
  task: VendorTask;
}

type Checked =
  { message: string } | { config: Record<string, unknown>; streamUrl: string; channel: string; uid?: number; account?: string; idleTimeout: number; playTs: number; name?: string };

/** Validates a player body as 002 documents it; the normalised config or the vendor's 400 body. */
function validatePlayer(p: Record<string, unknown>, nowMs: number): Checked {
  if (!isStreamUrl(p.streamUrl)) return { message: MSG.streamUrl };
  if (!isChannelName(p.channelName)) return { message: MSG.channelName };
  const hasUid = p.uid !== undefined && p.uid !== null;
  const hasAccount = p.account !== undefined && p.account !== null;
  if (!hasUid && !hasAccount) return { message: "You must set the cloud player's uid or account." };
  if (hasUid && hasAccount) return { message: 'Set only one of uid and account.' };
  let uid: number | undefined;
  if (hasUid) {
    uid = intIn(p.uid, 0, MAX_UID);
    if (uid === undefined) return invalid('uid');
  }
  if (hasAccount && !isAccount(p.account)) return invalid('account');
  let idleTimeout = 300;
  if (p.idleTimeout !== undefined && p.idleTimeout !== null) {
    if (typeof p.idleTimeout !== 'number' || !Number.isFinite(p.idleTimeout)) return invalid('idleTimeout');
    // out-of-range values are adjusted, not refused
    idleTimeout = Math.min(600, Math.max(5, Math.round(p.idleTimeout)));
  }
  let playTs = 0;
  if (p.playTs !== undefined && p.playTs !== null && p.playTs !== 0) {
    const createTs = Math.floor(nowMs / 1000);
    const ts = intIn(p.playTs, createTs - 86_400, createTs + 300);
    if (ts === undefined) return invalid('playTs');
    playTs = ts;
  }
  let name: string | undefined;
  if (p.name !== undefined && p.name !== null && p.name !== '') {
    if (typeof p.name !== 'string' || Buffer.byteLength(p.name, 'utf8') > 64 || !/^[A-Za-z0-9_-]+$/.test(p.name)) return invalid('name');
    name = p.name;
  }
  if (p.token !== undefined && (typeof p.token !== 'string' || p.token === '')) return invalid('token');
  if (p.encryptMode !== undefined) {
    if (typeof p.encryptMode !== 'string' || !ENCRYPT_MODES.has(p.encryptMode)) return invalid('encryptMode');
    if (typeof p.encryptKey !== 'string' || p.encryptKey === '') return invalid('encryptKey');
    if (SALTED.has(p.encryptMode) && (typeof p.encryptKdfSalt !== 'string' || p.encryptKdfSalt === '')) return invalid('encryptKdfSalt');
  }
  if (p.encryptKdfSalt !== undefined && !(typeof p.encryptMode === 'string' && SALTED.has(p.encryptMode))) return invalid('encryptKdfSalt');
  if (p.repeatTime !== undefined && (intIn(p.repeatTime, -1, Number.MAX_SAFE_INTEGER) === undefined || p.repeatTime === 0)) return invalid('repeatTime');
  if (p.seekPosition !== undefined && !(typeof p.seekPosition === 'number' && p.seekPosition >= 0)) return invalid('seekPosition');
  if (p.dataStreamOptions !== undefined && !(isObject(p.dataStreamOptions) && typeof p.dataStreamOptions.enable === 'boolean')) return invalid('dataStreamOptions');
  if (p.audioOptions !== undefined) {
    if (!isObject(p.audioOptions)) return invalid('audioOptions');
    if (p.audioOptions.profile !== undefined && intIn(p.audioOptions.profile, 0, 5) === undefined) return invalid('audioOptions.profile');
  }
  if (p.videoOptions !== undefined) {
    const v = p.videoOptions;
    if (!isObject(v)) return invalid('videoOptions');
    const ranges: Array<[string, number, number]> = [
      ['width', 66, 1920],
      ['height', 66, 1080],
      ['frameRate', 1, 30],
      ['bitrate', 1, 10_000],
    ];
    for (const [k, min, max] of ranges) if (v[k] !== undefined && intIn(v[k], min, max) === undefined) return invalid(`videoOptions.${k}`);
    if (v.fillMode !== undefined && v.fillMode !== 'fit' && v.fillMode !== 'fill') return invalid('videoOptions.fillMode');
    // "If set to other value, the default is H.264": any codec string is accepted
    if (v.codec !== undefined && typeof v.codec !== 'string') return invalid('videoOptions.codec');
  }
  return {
    config: { ...p, idleTimeout, ...(name ? { name } : {}) },
    streamUrl: p.streamUrl,
    channel: p.channelName,
    uid,
    account: hasAccount ? (p.account as string) : undefined,
    idleTimeout,
    playTs,
    name,
  };
}

export function registerAgoraMediaPull(app: FastifyInstance, ctx: EmulatorContext): void {
  const { world, webhooks, limits } = ctx;
  const players = new Map<string, Player>();
  let nextSeq = 1;
  const auth = agoraBasicAuth(world);
  const labels = (operation: string) => ({ labels: { vendor: 'agora' as const, product: PRODUCT, operation } });
  const base = '/:region/v1/projects/:appid/cloud-player/players';
  const pre = [requireRegion, auth];

  /** the players not destroyed, in creation order: what ticks and listings walk (never the destroyed ones) */
  const alive = new Map<string, Player>();
  const live = () => [...alive.values()];

  const identity = (p: Player) => (p.account !== undefined ? { account: p.account } : { uid: p.uid });

  const eventPlayer = (p: Player, extra: Record<string, unknown> = {}) => ({
    id: p.id,
    ...(p.name ? { name: p.name } : {}),
    channelName: p.channel,
    streamUrl: p.streamUrl,
    ...identity(p),
    ...(p.token ? { token: p.token } : {}),
    idleTimeout: p.idleTimeout,
    playTs: unixSeconds(p.playAt),
    createTs: unixSeconds(p.createdAt),
    status: p.status,
    ...extra,
  });

  const notify = (p: Player, eventType: number, xRequestId: string, extra: Record<string, unknown> = {}) => {
    webhooks.emit('agora', p.appId, {
      label: `media-pull ${eventType} ${p.id}`,
      body: ncsEnvelope(NCS_PRODUCT_ID, eventType, { player: eventPlayer(p, extra), lts: world.now(), xRequestId }, world.now()),
    });
  };

  const leaveChannel = (p: Player) => {
    if (!p.joined) return;
    p.joined = false;
    world.userLeaves(p.appId, p.channel, p.rtcUser);
  };

  const destroy = (p: Player, reason: DestroyReason, xRequestId = '') => {
    if (p.destroyed) return;
    p.destroyed = { at: world.now(), reason };
    alive.delete(p.id);
    leaveChannel(p);
    endDestroyedTask(world, PRODUCT, p.id, reason);
    notify(p, 3, xRequestId, { destroyReason: reason });
  };

  /** Why the player cannot play now, if anything stops it. */
  const failureOf = (p: Player): string | undefined => {
    if (p.failReason) return p.failReason;
    if (unreachable(p.streamUrl)) return 'cannot connect to the stream';
    if (p.certRequired && !p.token) return 'cannot join the channel: the project has App Certificate enabled and no token was given';
    const taken = world.channel(p.appId, p.channel).users.get(p.rtcUser);
    if (!p.joined && taken) return `cannot join the channel: ${p.account !== undefined ? 'account' : 'uid'} ${p.rtcUser} is already in it`;
    return undefined;
  };

  world.onTick((now) => {
    for (const p of live()) {
      let status: Status;
      if (now < p.playAt) status = 'idle';
      else if (now < p.connectAt) status = 'connecting';
      else {
        const failure = failureOf(p);
        if (failure) {
          p.failReason = failure;
          status = 'failed';
        } else status = p.finished ? 'idle' : 'running';
      }
      if (status === 'running') {
        if (!p.joined) {
          p.joined = true;
          world.userJoins(p.appId, p.channel, p.rtcUser, !p.paused);
        }
        const user = world.channel(p.appId, p.channel).users.get(p.rtcUser);
        if (user) user.publishing = !p.paused;
      } else {
        leaveChannel(p);
      }
      if (status !== p.status) {
        p.status = status;
        p.task.state = status;
        notify(p, 4, '');
      }
      const playing = status === 'running' && !p.paused;
      if (playing) p.lastPlayingAt = now;
      else if (now - p.lastPlayingAt >= p.idleTimeout * 1000) destroy(p, 'Idle Timeout');
    }
  });

  /** The live player a request names (in the region it was created in), or the 404 sent. */
  const playerFor = (req: FastifyRequest, reply: FastifyReply) => regionalResource(req, reply, players, 'id', { message: MSG.notFound });

  const rate = (reply: FastifyReply, key: string, limit: number, windowMs = 1_000) => limits.refuse(reply, key, limit, windowMs, { message: MSG.rate });

  /** A uid nobody in the channel (nor another live player there) uses. */
  const assignUid = (appId: string, channel: string): number => {
    const used = new Set([
      ...world.channel(appId, channel).users.keys(),
      ...live()
        .filter((p) => p.appId === appId && p.channel === channel)
        .map((p) => p.rtcUser),
    ]);
    for (;;) {
      const uid = 100_000 + Math.floor(Math.random() * 4_000_000_000);
      if (!used.has(String(uid))) return uid;
    }
  };

  regionalScope(app, (r) => {
    r.post(base, { config: labels('create'), preHandler: pre }, async (req, reply) => {
      const { appid, region } = req.params as { appid: string; region: string };
      const body = isObject(req.body) ? req.body.player : undefined;
      const rawName = isObject(body) && typeof body.name === 'string' && body.name ? body.name : undefined;
      if (rawName ? rate(reply, `${PRODUCT}:create:${appid}:${rawName}`, 2) : rate(reply, `${PRODUCT}:create:${appid}`, 50)) return reply;
      const { streamIp } = req.query as { streamIp?: string };
      if (streamIp !== undefined && !isIpv4(streamIp)) return reply.code(400).send(invalid('streamIp'));
      if (!isObject(body)) return reply.code(400).send(invalid('player'));
      const now = world.now();
      const checked = validatePlayer(body, now);
      if ('message' in checked) return reply.code(400).send(checked);
      req.logRef = { ...req.logRef, cname: checked.channel };
      if (checked.name) {
        const existing = live().find((p) => p.appId === appid && p.name === checked.name);
        if (existing) return reply.code(409).header('x-resource-id', existing.id).send({ message: MSG.conflict });
      }
      if (live().filter((p) => p.appId === appid).length >= MAX_PLAYERS_PER_PROJECT) return reply.code(429).send({ message: MSG.quota });

      const id = resourceId();
      const uid = checked.uid === 0 ? assignUid(appid, checked.channel) : checked.uid;
      const playAt = checked.playTs > unixSeconds(now) ? checked.playTs * 1000 : now;
      const task: VendorTask = { vendor: 'agora', product: PRODUCT, id, appId: appid, cname: checked.channel, state: 'connecting', billing: true, startedAt: now };
      const p: Player = {
        id,
        seq: nextSeq++,
        appId: appid,
        region,
        name: checked.name,
        channel: checked.channel,
        uid,
        account: checked.account,
        rtcUser: checked.account ?? String(uid),
        streamUrl: checked.streamUrl,
        token: typeof body.token === 'string' ? body.token : undefined,
        certRequired: !!req.agoraAccount?.apps[appid],
        idleTimeout: checked.idleTimeout,
        playAt,
        createdAt: now,
        connectAt: playAt + PULL_TIMING.connectMs,
        status: playAt > now ? 'idle' : 'connecting',
        paused: false,
        volume: 100,
        seekPosition: typeof body.seekPosition === 'number' ? body.seekPosition : 0,
        finished: false,
        joined: false,
        // a scheduled player is not idle before its start time
        lastPlayingAt: playAt,
        config: checked.config,
        task,
      };
      task.state = p.status;
      players.set(id, p);
      alive.set(id, p);
      world.putTask(task);
      req.logRef.resourceId = id;
      notify(p, 1, requestIdOf(req));
      const idField = p.account !== undefined ? 'account' : 'uid';
      return reply
        .header('x-resource-id', id)
        .send({ player: { ...identity(p), id, createTs: unixSeconds(now), status: p.status }, fields: `player.${idField},player.id,player.createTs,player.status` });
    });

    r.delete(`${base}/:id`, { config: labels('delete'), preHandler: pre }, async (req, reply) => {
      const { appid } = req.params as { appid: string };
      if (rate(reply, `${PRODUCT}:delete:${appid}`, 100)) return reply;
      const p = playerFor(req, reply);
      if (!p) return reply;
      destroy(p, 'Delete Request', requestIdOf(req));
      return reply.code(200).header('x-resource-id', p.id).send();
    });

    r.patch(`${base}/:id`, { config: labels('update'), preHandler: pre }, async (req, reply) => {
      const { sequence: seqText } = req.query as { sequence?: string };
      const sequence = intIn(seqText, 0, Number.MAX_SAFE_INTEGER);
      if (sequence === undefined) return reply.code(400).send(invalid('sequence'));
      const p = playerFor(req, reply);
      if (!p) return reply;
      if (p.sequence !== undefined && sequence < p.sequence) {
        return reply.code(400).send({ message: `Parameter 'sequence' is invalid: ${sequence} is older than the last applied update (${p.sequence}).` });
      }
      if (p.sequence === sequence) return reply.code(200).header('x-resource-id', p.id).send();
      const patch = isObject(req.body) ? req.body.player : undefined;
      if (!isObject(patch)) return reply.code(400).send(invalid('player'));
      const { streamUrl, isPause, audioOptions, seekPosition } = patch;
      const volume = isObject(audioOptions) ? audioOptions.volume : undefined;
      if (streamUrl === undefined && isPause === undefined && volume === undefined && seekPosition === undefined) return reply.code(400).send(invalid('player'));
      if (streamUrl !== undefined && !isStreamUrl(streamUrl)) return reply.code(400).send({ message: MSG.streamUrl });
      if (isPause !== undefined && typeof isPause !== 'boolean') return reply.code(400).send(invalid('isPause'));
      if (audioOptions !== undefined && (!isObject(audioOptions) || intIn(volume, 0, 200) === undefined)) return reply.code(400).send(invalid('audioOptions.volume'));
      if (seekPosition !== undefined && !(typeof seekPosition === 'number' && seekPosition >= 0)) return reply.code(400).send(invalid('seekPosition'));

      p.sequence = sequence;
      if (typeof isPause === 'boolean') p.paused = isPause;
      if (typeof volume === 'number') p.volume = volume;
      if (typeof seekPosition === 'number') {
        p.seekPosition = seekPosition;
        p.finished = false;
      }
      if (typeof streamUrl === 'string' && streamUrl !== p.streamUrl) {
        // a new source: probe it again
        p.streamUrl = streamUrl;
        p.config.streamUrl = streamUrl;
        p.finished = false;
        p.failReason = undefined;
        p.connectAt = Math.max(world.now(), p.playAt) + PULL_TIMING.connectMs;
      }
      world.tick();
      return reply.code(200).header('x-resource-id', p.id).send();
    });

    r.get('/v1/projects/:appid/cloud-player/players', { config: labels('list'), preHandler: auth }, async (req, reply) => {
      const { appid } = req.params as { appid: string };
      const q = req.query as { filter?: string; pageSize?: string; pageToken?: string };
      const filtered = q.filter !== undefined && q.filter !== '';
      const limitKey = `${PRODUCT}:list${filtered ? ':filter' : ''}:${appid}`;
      const [perSecond, perMinute] = filtered ? [2, 15] : [10, 20];
      if (rate(reply, `${limitKey}:s`, perSecond) || rate(reply, `${limitKey}:m`, perMinute, 60_000)) return reply;
      let channel: string | undefined;
      if (filtered) {
        const m = /^channelName eq (.+)$/.exec(q.filter!);
        if (!m) return reply.code(400).send(invalid('filter'));
        channel = m[1]!;
        req.logRef = { ...req.logRef, cname: channel };
      }
      const pageSize = q.pageSize === undefined ? 200 : intIn(q.pageSize, 1, 500);
      if (pageSize === undefined) return reply.code(400).send(invalid('pageSize'));
      let fromSeq = 0;
      if (q.pageToken !== undefined && q.pageToken !== '') {
        if (!/^[0-9a-f]+$/.test(q.pageToken)) return reply.code(400).send(invalid('pageToken'));
        fromSeq = parseInt(q.pageToken, 16);
      }
      const now = world.now();
      const matching = live()
        .filter((p) => p.appId === appid && (channel === undefined || p.channel === channel) && now >= p.createdAt + PULL_TIMING.listVisibleAfterMs)
        .sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
      const rest = matching.filter((p) => p.seq >= fromSeq);
      const page = rest.slice(0, pageSize);
      const following = rest[pageSize];
      return {
        totalSize: matching.length,
        players: page.map((p) => ({
          ...(p.name ? { name: p.name } : {}),
          streamUrl: p.streamUrl,
          channelName: p.channel,
          ...identity(p),
          id: p.id,
          createTs: unixSeconds(p.createdAt),
          status: p.status,
        })),
        fields: 'player.name,player.streamUrl,player.channelName,player.uid,player.id,player.createTs,player.status',
        nextPageToken: following ? following.seq.toString(16) : '',
      };
    });
  });

  // ---- control API ----

  const view = (p: Player) => ({
    id: p.id,
    appId: p.appId,
    region: p.region,
    name: p.name,
    channel: p.channel,
    ...identity(p),
    streamUrl: p.streamUrl,
    status: p.status,
    paused: p.paused,
    volume: p.volume,
    seekPosition: p.seekPosition,
    sequence: p.sequence,
    idleTimeout: p.idleTimeout,
    failReason: p.failReason,
    joined: p.joined,
    destroyed: p.destroyed,
  });
  app.get('/_emulator/agora/media-pull/players', async () => ({ players: [...players.values()].map(view) }));

  const controlled = (req: FastifyRequest, reply: FastifyReply): Player | undefined => {
    const p = players.get((req.params as { id: string }).id);
    if (!p || p.destroyed) {
      reply.code(404).send({ message: 'no such live player' });
      return undefined;
    }
    return p;
  };
  /** The VOD file has played to its end: the player stops playing (and idles out). */
  app.post('/_emulator/agora/media-pull/players/:id/finish', async (req, reply) => {
    const p = controlled(req, reply);
    if (!p) return reply;
    p.finished = true;
    world.tick();
    return view(p);
  });
  /** The source breaks: the player reports failed (and idles out). */
  app.post('/_emulator/agora/media-pull/players/:id/fail', async (req, reply) => {
    const p = controlled(req, reply);
    if (!p) return reply;
    p.failReason = 'the stream source failed';
    world.tick();
    return view(p);
  });
  /** A server error deletes the player (NCS 3 "Internal Error"). */
  app.post('/_emulator/agora/media-pull/players/:id/destroy', async (req, reply) => {
    const p = controlled(req, reply);
    if (!p) return reply;
    destroy(p, 'Internal Error');
    return view(p);
  });
}
