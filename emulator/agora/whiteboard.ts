/**
 * Emulated Agora Interactive Whiteboard (netless, agora.md §12) under `/v5`: tokens, rooms, scenes,
 * screenshots and projector file-conversion tasks. The seeds are silent on errors, lifespans and limits,
 * so nothing is refused beyond what the calls need to mean anything (no rate limits, no quotas).
 *
 *   auth      every call but `POST /tokens/teams` carries a `token` header: a netless token
 *             (NETLESSSDK_/ROOM_/TASK_ + base64url of the signed fields) signed with the account's secret
 *             access key and not expired (by the wall clock: the minter's clock); otherwise 401. A `region` header is sent with
 *             every call in the seed: a call without one answers 400. Which token a call takes: an SDK
 *             token everywhere; a room token for its own room's reads, scenes and screenshots; a task token
 *             to read its own task. A reader token only reads (403 on writes).
 *   tokens    `POST /tokens/teams` {accessKey, secretAccessKey, lifespan, role} → a bare JSON string;
 *             `POST /tokens/rooms|tasks/{uuid}` {ak?, lifespan, role} (SDK token) → a bare JSON string
 *   rooms     create (201, uuid), get, PATCH {isBan}; 404 for another team's or an unknown room. A room
 *             starts with the scene `/init`; scenes add under a directory, scene-state switches (a path
 *             that does not exist: 400), screenshots answer an image URL per scene (a directory: each)
 *   projector create (201 {uuid, type, status: Waiting}) queues a task: Waiting for 2 s (emulated), then
 *             Converting one page per second, then Finished with its pages (static: `images` + `previews`;
 *             dynamic: `prefix` + `previews` when `preview`); a resource whose host ends in `.invalid`
 *             fails to download (Fail, errorCode `DownloadFail`) and a dynamic conversion of anything but a
 *             .pptx fails (Fail, `FileTypeUnsupported`). The page count comes from a `pages=N` query
 *             parameter of the resource URL, else from a hash of it (3 … 12). A task converts only while
 *             fewer than 2 of the team's tasks convert; the queue goes by priority ("highest" first), then
 *             age. DELETE cancels (404 once gone); PUT {priority} moves a task that still waits. Each
 *             status change is POSTed to the task's `webhookEndpoint` (the task's query shape), retried
 *             `webhookRetry` times (default 0) on a non-2xx or no answer.
 *
 * The request log's `cname` of a projector call is the task's resource URL (of a room call, the room's
 * uuid); every conversion is a task in the world ledger while it waits or converts.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { request } from 'undici';
import { readWhiteboardToken, ROLE_CODE, TOKEN_PREFIX, whiteboardTokenSignature, mintWhiteboardToken, type WhiteboardTokenKind } from '../../src/agora/whiteboard';
import type { EmulatorContext } from '../context';
import { EMULATOR_WHITEBOARD } from '../defaults';
import type { VendorTask } from '../world';
import { captureRawJsonBody } from './auth';
import { isObject, unreachable } from './media-common';

const PRODUCT = 'whiteboard';

export const WHITEBOARD_TIMING = {
  /** a new task waits in the queue this long at least */
  queueMs: 2_000,
  /** converting takes this long per page */
  pageMs: 1_000,
  /** tasks of one team converting at the same time */
  parallel: 2,
} as const;

/** The key pairs the emulator knows: access key → secret access key. */
const KEYS = new Map<string, string>([[EMULATOR_WHITEBOARD.accessKey, EMULATOR_WHITEBOARD.secretAccessKey]]);
const ROLE_BY_CODE = new Map(Object.entries(ROLE_CODE).map(([role, code]) => [code, role]));
const ROLES = new Set(Object.keys(ROLE_CODE));

interface Caller {
  kind: WhiteboardTokenKind;
  team: string;
  role: string;
  uuid?: string;
}

interface SceneDir {
  /** full scene path → its scene */
  scenes: Map<string, Record<string, unknown>>;
}

interface RoomState {
  uuid: string;
  team: string;
  isRecord: boolean;
  isBan: boolean;
  limit: number;
  createdAt: string;
  scenes: SceneDir['scenes'];
  scenePath: string;
}

type TaskStatus = 'Waiting' | 'Converting' | 'Finished' | 'Fail';

interface ConversionState {
  uuid: string;
  team: string;
  seq: number;
  resource: string;
  type: 'dynamic' | 'static';
  preview: boolean;
  scale?: number;
  outputFormat: string;
  webhookEndpoint?: string;
  webhookRetry: number;
  priority: string;
  createdAt: number;
  pageCount: number;
  status: TaskStatus;
  /** emulated ms the conversion began (it left the queue) */
  startedAt?: number;
  pagesDone: number;
  failure?: { code: string; message: string };
  deleted?: number;
  task: VendorTask;
}

export interface WhiteboardWebhookDelivery {
  task: string;
  url: string;
  status: TaskStatus;
  attempts: number;
  httpStatus?: number;
  outcome: 'pending' | 'delivered' | 'failed';
}

const safeEqual = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Pages of a resource: `pages=N` in its query, else 3 … 12 from a hash of the URL. */
export function pagesOf(resource: string): number {
  const m = /[?&]pages=(\d{1,3})(?:&|$)/.exec(resource);
  if (m) return Math.max(1, Math.min(500, Number(m[1])));
  return 3 + (createHash('sha256').update(resource).digest()[0]! % 10);
}

const isHttpUrl = (u: unknown): u is string => typeof u === 'string' && u.length <= 2048 && /^https?:\/\/[^\s/]+(\/\S*)?$/i.test(u);
const PRIORITY_RANK: Record<string, number> = { highest: 0, high: 1, normal: 2, low: 3, lowest: 4 };
const rank = (p: string) => PRIORITY_RANK[p.toLowerCase()] ?? 2;

export function registerAgoraWhiteboard(app: FastifyInstance, ctx: EmulatorContext): void {
  const { world } = ctx;
  const rooms = new Map<string, RoomState>();
  const tasks = new Map<string, ConversionState>();
  const live = new Set<ConversionState>();
  const deliveries: WhiteboardWebhookDelivery[] = [];
  let nextSeq = 1;
  const labels = (operation: string) => ({ labels: { vendor: 'agora' as const, product: PRODUCT, operation } });
  const host = (req: FastifyRequest) => `${req.protocol}://${req.headers.host ?? '127.0.0.1'}`;

  // ---- auth ----

  /** The verified token of a request, or the 401 sent. */
  const callerOf = (req: FastifyRequest, reply: FastifyReply): Caller | undefined => {
    const token = typeof req.headers.token === 'string' ? req.headers.token : '';
    const read = token ? readWhiteboardToken(token) : undefined;
    const secret = read ? KEYS.get(read.fields.ak!) : undefined;
    const f = read?.fields;
    const valid = !!f && !!secret && safeEqual(whiteboardTokenSignature(f, secret), f.sig!) && ROLE_BY_CODE.has(f.role ?? '') && (read!.kind === 'sdk' || !!f.uuid);
    if (!valid) {
      reply.code(401).send({ message: token ? 'invalid token' : 'token is missing' });
      return undefined;
    }
    // expiry is judged by the wall clock, as the minter's (an emulator running fast would expire every token)
    if (f!.expireAt !== undefined && Number(f!.expireAt) < Date.now()) {
      reply.code(401).send({ message: 'token expired' });
      return undefined;
    }
    return { kind: read!.kind, team: f!.ak!, role: ROLE_BY_CODE.get(f!.role!)!, uuid: f!.uuid };
  };

  /**
   * preHandler factory: the region header, then a token of one of `kinds` (a room or task token only for
   * the `:uuid` of the path), writers only for writes.
   */
  const guard =
    (kinds: WhiteboardTokenKind[], write: boolean) =>
    async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const region = req.headers.region;
      if (typeof region !== 'string' || region.trim() === '') return reply.code(400).send({ message: 'region header is missing' });
      const caller = callerOf(req, reply);
      if (!caller) return reply;
      const uuid = (req.params as { uuid?: string }).uuid;
      if (!kinds.includes(caller.kind) || (caller.kind !== 'sdk' && caller.uuid !== uuid)) {
        return reply.code(401).send({ message: `this call takes ${kinds.map((k) => TOKEN_PREFIX[k]).join(' or ')} token${caller.kind !== 'sdk' ? ' of this uuid' : ''}` });
      }
      if (write && caller.role === 'reader') return reply.code(403).send({ message: 'a reader token cannot change anything' });
      req.wbCaller = caller;
      return undefined;
    };

  // ---- projector time ----

  const view = (t: ConversionState, withResource = false) => {
    const done = t.status === 'Finished';
    const percentage = done ? 100 : t.status === 'Converting' ? Math.floor((t.pagesDone / t.pageCount) * 100) : 0;
    const base = `https://conversion.emulator.invalid/${t.type}Convert/${t.uuid}`;
    const ext = t.outputFormat === 'jpeg' ? 'jpg' : t.outputFormat;
    const pages = Array.from({ length: t.pageCount }, (_, i) => i + 1);
    return {
      uuid: t.uuid,
      type: t.type,
      status: t.status,
      ...(withResource ? { resource: t.resource, createdAt: new Date(t.createdAt).toISOString(), priority: t.priority } : {}),
      convertedPercentage: percentage,
      ...(t.failure ? { errorCode: t.failure.code, errorMessage: t.failure.message } : {}),
      ...(t.status === 'Converting' || done ? { pageCount: t.pageCount } : {}),
      ...(done
        ? {
            prefix: `${base}/`,
            ...(t.type === 'static' || t.preview ? { previews: Object.fromEntries(pages.map((n) => [String(n), `${base}/preview/${n}.png`])) } : {}),
            ...(t.type === 'static'
              ? {
                  images: Object.fromEntries(
                    pages.map((n) => [String(n), { width: Math.round(1280 * (t.scale ?? 1)), height: Math.round(720 * (t.scale ?? 1)), url: `${base}/${n}.${ext}` }]),
                  ),
                }
              : {}),
            note: {},
          }
        : {}),
    };
  };

  const notify = (t: ConversionState) => {
    if (!t.webhookEndpoint) return;
    const d: WhiteboardWebhookDelivery = { task: t.uuid, url: t.webhookEndpoint, status: t.status, attempts: 0, outcome: 'pending' };
    deliveries.push(d);
    if (deliveries.length > 5_000) deliveries.shift();
    const body = JSON.stringify(view(t, true));
    const url = t.webhookEndpoint;
    const retries = t.webhookRetry;
    void (async () => {
      for (let attempt = 0; attempt <= retries; attempt++) {
        d.attempts++;
        try {
          const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, headersTimeout: 10_000, bodyTimeout: 10_000 });
          await res.body.dump();
          d.httpStatus = res.statusCode;
          if (res.statusCode >= 200 && res.statusCode < 300) {
            d.outcome = 'delivered';
            return;
          }
        } catch {
          d.httpStatus = undefined;
        }
        if (attempt < retries) await new Promise((r) => setTimeout(r, 500).unref?.());
      }
      d.outcome = 'failed';
    })();
  };

  const setStatus = (t: ConversionState, status: TaskStatus, now: number) => {
    if (t.status === status) return;
    t.status = status;
    t.task.state = status;
    if (status === 'Finished' || status === 'Fail') {
      live.delete(t);
      world.endTask('agora', PRODUCT, t.uuid, status, status === 'Fail' ? (t.failure?.message ?? 'failed') : 'converted');
    }
    void now;
    notify(t);
  };

  /** Why the task cannot convert, once it is looked at. */
  const failureOf = (t: ConversionState): ConversionState['failure'] => {
    if (unreachable(t.resource)) return { code: 'DownloadFail', message: `cannot download the resource ${t.resource}` };
    const path = /^[a-z]+:\/\/[^/]+([^?#]*)/i.exec(t.resource)?.[1] ?? '';
    if (t.type === 'dynamic' && !/\.pptx$/i.test(path)) return { code: 'FileTypeUnsupported', message: 'a dynamic conversion takes a .pptx file' };
    return undefined;
  };

  world.onTick((now) => {
    const byTeam = new Map<string, ConversionState[]>();
    for (const t of live) byTeam.set(t.team, [...(byTeam.get(t.team) ?? []), t]);
    for (const list of byTeam.values()) {
      for (const t of list) {
        if (t.status !== 'Converting' || t.startedAt === undefined) continue;
        t.pagesDone = Math.min(t.pageCount, Math.floor((now - t.startedAt) / WHITEBOARD_TIMING.pageMs));
        if (t.pagesDone >= t.pageCount) setStatus(t, 'Finished', now);
      }
      const queue = list
        .filter((t) => t.status === 'Waiting' && now >= t.createdAt + WHITEBOARD_TIMING.queueMs)
        .sort((a, b) => rank(a.priority) - rank(b.priority) || a.seq - b.seq);
      let converting = list.filter((t) => t.status === 'Converting').length;
      for (const t of queue) {
        if (converting >= WHITEBOARD_TIMING.parallel) break;
        const failure = failureOf(t);
        if (failure) {
          t.failure = failure;
          setStatus(t, 'Fail', now);
          continue;
        }
        // a free slot since the queue time: it began then; else a slot has just been freed
        t.startedAt = converting === 0 ? t.createdAt + WHITEBOARD_TIMING.queueMs : now;
        setStatus(t, 'Converting', now);
        t.pagesDone = Math.min(t.pageCount, Math.floor((now - t.startedAt) / WHITEBOARD_TIMING.pageMs));
        if (t.pagesDone >= t.pageCount) setStatus(t, 'Finished', now);
        else converting++;
      }
    }
  });

  const sdkOnly = guard(['sdk'], false);
  const sdkWrite = guard(['sdk'], true);
  const roomRead = guard(['sdk', 'room'], false);
  const roomWrite = guard(['sdk', 'room'], true);
  const taskRead = guard(['sdk', 'task'], false);

  const roomFor = (req: FastifyRequest, reply: FastifyReply): RoomState | undefined => {
    const { uuid } = req.params as { uuid: string };
    req.logRef = { ...req.logRef, cname: uuid, resourceId: uuid };
    const r = rooms.get(uuid);
    if (!r || r.team !== req.wbCaller!.team) {
      reply.code(404).send({ message: 'room not found' });
      return undefined;
    }
    return r;
  };

  const taskFor = (req: FastifyRequest, reply: FastifyReply): ConversionState | undefined => {
    const { uuid } = req.params as { uuid: string };
    const t = tasks.get(uuid);
    req.logRef = { ...req.logRef, resourceId: uuid, ...(t ? { cname: t.resource } : {}) };
    if (!t || t.deleted !== undefined || t.team !== req.wbCaller!.team) {
      reply.code(404).send({ message: 'task not found' });
      return undefined;
    }
    return t;
  };

  const roomView = (r: RoomState) => ({ uuid: r.uuid, teamUUID: r.team, appUUID: r.team, isRecord: r.isRecord, isBan: r.isBan, createdAt: r.createdAt, limit: r.limit });
  const dimension = (v: unknown): number | undefined => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^[1-9][0-9]*$/.test(v) ? Number(v) : NaN;
    return Number.isInteger(n) && n > 0 ? n : undefined;
  };
  const join = (dir: string, name: string) => `${dir.replace(/\/+$/, '')}/${name}`;
  const shotOf = (req: FastifyRequest, r: RoomState, path: string, w: number, h: number) => {
    const key = `screenshots/${r.uuid}${path}-${w}x${h}.png`;
    return { url: `${host(req)}/_emulator/agora/whiteboard/files/${encodeURIComponent(key)}`, key, bucket: 'whiteboard-emulator', region: 'us-sv' };
  };

  app.register(async (r) => {
    captureRawJsonBody(r);

    // ---- tokens ----

    r.post('/v5/tokens/teams', { config: labels('token-sdk') }, async (req, reply) => {
      const b = isObject(req.body) ? req.body : {};
      if (typeof req.headers.region !== 'string' || req.headers.region.trim() === '') return reply.code(400).send({ message: 'region header is missing' });
      const secret = typeof b.accessKey === 'string' ? KEYS.get(b.accessKey) : undefined;
      if (!secret || typeof b.secretAccessKey !== 'string' || !safeEqual(secret, b.secretAccessKey))
        return reply.code(401).send({ message: 'invalid accessKey or secretAccessKey' });
      if (typeof b.role !== 'string' || !ROLES.has(b.role)) return reply.code(400).send({ message: 'role must be admin, writer or reader' });
      if (typeof b.lifespan !== 'number' || !Number.isInteger(b.lifespan) || b.lifespan < 0) return reply.code(400).send({ message: 'lifespan must be an integer >= 0 (ms)' });
      const token = mintWhiteboardToken('sdk', { accessKey: b.accessKey as string, secretAccessKey: secret }, { role: b.role as 'admin', lifespanMs: b.lifespan });
      return reply.code(201).type('application/json').send(JSON.stringify(token));
    });

    for (const kind of ['rooms', 'tasks'] as const) {
      r.post(`/v5/tokens/${kind}/:uuid`, { config: labels(kind === 'rooms' ? 'token-room' : 'token-task'), preHandler: sdkOnly }, async (req, reply) => {
        const b = isObject(req.body) ? req.body : {};
        const caller = req.wbCaller!;
        const { uuid } = req.params as { uuid: string };
        req.logRef = { ...req.logRef, resourceId: uuid, cname: kind === 'tasks' ? tasks.get(uuid)?.resource : uuid };
        if (b.ak !== undefined && b.ak !== caller.team) return reply.code(400).send({ message: 'ak does not match the token' });
        if (typeof b.role !== 'string' || !ROLES.has(b.role)) return reply.code(400).send({ message: 'role must be admin, writer or reader' });
        if (typeof b.lifespan !== 'number' || !Number.isInteger(b.lifespan) || b.lifespan < 0) return reply.code(400).send({ message: 'lifespan must be an integer >= 0 (ms)' });
        const token = mintWhiteboardToken(
          kind === 'rooms' ? 'room' : 'task',
          { accessKey: caller.team, secretAccessKey: KEYS.get(caller.team)! },
          { role: b.role as 'admin', lifespanMs: b.lifespan, uuid },
        );
        return reply.code(201).type('application/json').send(JSON.stringify(token));
      });
    }

    // ---- rooms ----

    r.post('/v5/rooms', { config: labels('room-create'), preHandler: sdkWrite }, async (req, reply) => {
      const b = isObject(req.body) ? req.body : {};
      if (b.isRecord !== undefined && typeof b.isRecord !== 'boolean') return reply.code(400).send({ message: 'isRecord must be a boolean' });
      if (b.limit !== undefined && !(typeof b.limit === 'number' && Number.isInteger(b.limit) && b.limit >= 0))
        return reply.code(400).send({ message: 'limit must be an integer >= 0' });
      const uuid = randomUUID().replace(/-/g, '');
      const room: RoomState = {
        uuid,
        team: req.wbCaller!.team,
        isRecord: b.isRecord === true,
        isBan: false,
        limit: typeof b.limit === 'number' ? b.limit : 0,
        createdAt: new Date(world.now()).toISOString(),
        scenes: new Map([['/init', { name: 'init' }]]),
        scenePath: '/init',
      };
      rooms.set(uuid, room);
      req.logRef = { ...req.logRef, cname: uuid, resourceId: uuid };
      return reply.code(201).send(roomView(room));
    });

    r.get('/v5/rooms/:uuid', { config: labels('room-get'), preHandler: roomRead }, async (req, reply) => {
      const room = roomFor(req, reply);
      return room ? roomView(room) : reply;
    });

    r.patch('/v5/rooms/:uuid', { config: labels('room-ban'), preHandler: sdkWrite }, async (req, reply) => {
      const room = roomFor(req, reply);
      if (!room) return reply;
      const b = isObject(req.body) ? req.body : {};
      if (typeof b.isBan !== 'boolean') return reply.code(400).send({ message: 'isBan must be a boolean' });
      room.isBan = b.isBan;
      return roomView(room);
    });

    r.get('/v5/rooms/:uuid/scenes', { config: labels('scenes-list'), preHandler: roomRead }, async (req, reply) => {
      const room = roomFor(req, reply);
      return room ? [...room.scenes.keys()] : reply;
    });

    r.post('/v5/rooms/:uuid/scenes', { config: labels('scenes-add'), preHandler: roomWrite }, async (req, reply) => {
      const room = roomFor(req, reply);
      if (!room) return reply;
      const b = isObject(req.body) ? req.body : {};
      if (typeof b.path !== 'string' || !b.path.startsWith('/')) return reply.code(400).send({ message: 'path must be a scene directory such as /ppt' });
      if (!Array.isArray(b.scenes) || b.scenes.length === 0) return reply.code(400).send({ message: 'scenes must be a non-empty array' });
      for (const s of b.scenes)
        if (!isObject(s) || typeof s.name !== 'string' || s.name === '' || s.name.includes('/')) return reply.code(400).send({ message: 'each scene needs a name (no /)' });
      for (const s of b.scenes as Array<Record<string, unknown>>) room.scenes.set(join(b.path, s.name as string), { ...s });
      return reply.code(201).send({});
    });

    r.patch('/v5/rooms/:uuid/scene-state', { config: labels('scene-state'), preHandler: roomWrite }, async (req, reply) => {
      const room = roomFor(req, reply);
      if (!room) return reply;
      const b = isObject(req.body) ? req.body : {};
      if (typeof b.scenePath !== 'string' || !room.scenes.has(b.scenePath)) return reply.code(400).send({ message: 'scenePath names no scene of this room' });
      room.scenePath = b.scenePath;
      return { scenePath: room.scenePath };
    });

    for (const list of [false, true]) {
      r.post(
        `/v5/rooms/:uuid/${list ? 'screenshot-list' : 'screenshots'}`,
        { config: labels(list ? 'screenshot-list' : 'screenshot'), preHandler: roomRead },
        async (req, reply) => {
          const room = roomFor(req, reply);
          if (!room) return reply;
          const b = isObject(req.body) ? req.body : {};
          const w = dimension(b.width);
          const h = dimension(b.height);
          if (w === undefined || h === undefined) return reply.code(400).send({ message: 'width and height must be positive integers' });
          if (typeof b.path !== 'string' || !b.path.startsWith('/')) return reply.code(400).send({ message: 'path must be a scene path' });
          if (!list) {
            if (!room.scenes.has(b.path)) return reply.code(400).send({ message: 'path names no scene of this room' });
            return shotOf(req, room, b.path, w, h);
          }
          const dir = `${b.path.replace(/\/+$/, '')}/`;
          return [...room.scenes.keys()].filter((p) => p.startsWith(dir) && !p.slice(dir.length).includes('/')).map((p) => shotOf(req, room, p, w, h));
        },
      );
    }

    // ---- projector ----

    r.post('/v5/projector/tasks', { config: labels('conversion-create'), preHandler: sdkWrite }, async (req, reply) => {
      const b = isObject(req.body) ? req.body : {};
      if (typeof b.resource === 'string') req.logRef = { ...req.logRef, cname: b.resource };
      if (!isHttpUrl(b.resource)) return reply.code(400).send({ message: 'resource must be an http(s) URL' });
      if (b.type !== 'dynamic' && b.type !== 'static') return reply.code(400).send({ message: 'type must be dynamic or static' });
      if (b.preview !== undefined && typeof b.preview !== 'boolean') return reply.code(400).send({ message: 'preview must be a boolean' });
      if (b.scale !== undefined && !(typeof b.scale === 'number' && b.scale > 0 && b.scale <= 3)) return reply.code(400).send({ message: 'scale must be a number in (0, 3]' });
      if (b.outputFormat !== undefined && !(typeof b.outputFormat === 'string' && ['png', 'jpg', 'jpeg', 'webp'].includes(b.outputFormat))) {
        return reply.code(400).send({ message: 'outputFormat must be png, jpg, jpeg or webp' });
      }
      // the seed sends "{{webhookEndpoint}}": an empty value means none
      const webhook = b.webhookEndpoint === undefined || b.webhookEndpoint === '' ? undefined : b.webhookEndpoint;
      if (webhook !== undefined && !isHttpUrl(webhook)) return reply.code(400).send({ message: 'webhookEndpoint must be an http(s) URL' });
      if (b.webhookRetry !== undefined && !(typeof b.webhookRetry === 'number' && Number.isInteger(b.webhookRetry) && b.webhookRetry >= 0)) {
        return reply.code(400).send({ message: 'webhookRetry must be an integer >= 0' });
      }
      const now = world.now();
      const uuid = randomUUID().replace(/-/g, '');
      const task: VendorTask = { vendor: 'agora', product: PRODUCT, id: uuid, appId: req.wbCaller!.team, cname: b.resource, state: 'Waiting', billing: true, startedAt: now };
      const t: ConversionState = {
        uuid,
        team: req.wbCaller!.team,
        seq: nextSeq++,
        resource: b.resource,
        type: b.type,
        preview: b.preview === true,
        scale: typeof b.scale === 'number' ? b.scale : undefined,
        outputFormat: typeof b.outputFormat === 'string' ? b.outputFormat : 'png',
        webhookEndpoint: webhook as string | undefined,
        webhookRetry: typeof b.webhookRetry === 'number' ? b.webhookRetry : 0,
        priority: 'normal',
        createdAt: now,
        pageCount: pagesOf(b.resource),
        status: 'Waiting',
        pagesDone: 0,
        task,
      };
      tasks.set(uuid, t);
      live.add(t);
      world.putTask(task);
      req.logRef = { ...req.logRef, resourceId: uuid };
      return reply.code(201).send({ uuid, type: t.type, status: t.status });
    });

    r.get('/v5/projector/tasks', { config: labels('conversion-list'), preHandler: sdkOnly }, async (req) => {
      const team = req.wbCaller!.team;
      return [...tasks.values()].filter((t) => t.team === team && t.deleted === undefined).map((t) => view(t, true));
    });

    r.get('/v5/projector/tasks/:uuid', { config: labels('conversion-get'), preHandler: taskRead }, async (req, reply) => {
      const t = taskFor(req, reply);
      return t ? view(t) : reply;
    });

    r.delete('/v5/projector/tasks/:uuid', { config: labels('conversion-delete'), preHandler: sdkWrite }, async (req, reply) => {
      const t = taskFor(req, reply);
      if (!t) return reply;
      t.deleted = world.now();
      live.delete(t);
      world.endTask('agora', PRODUCT, t.uuid, 'Cancelled', 'deleted');
      return {};
    });

    r.put('/v5/projector/tasks/:uuid', { config: labels('conversion-priority'), preHandler: sdkWrite }, async (req, reply) => {
      const t = taskFor(req, reply);
      if (!t) return reply;
      const b = isObject(req.body) ? req.body : {};
      if (typeof b.priority !== 'string' || b.priority === '') return reply.code(400).send({ message: 'priority must be a non-empty string' });
      t.priority = b.priority;
      world.tick();
      return { uuid: t.uuid, priority: t.priority, status: t.status };
    });
  });

  // ---- control API ----

  const controlView = (t: ConversionState) => ({ ...view(t, true), team: t.team, pagesDone: t.pagesDone, ...(t.deleted !== undefined ? { deleted: true } : {}) });
  app.get('/_emulator/agora/whiteboard/tasks', async () => ({ tasks: [...tasks.values()].map(controlView) }));
  app.get('/_emulator/agora/whiteboard/rooms', async () => ({
    rooms: [...rooms.values()].map((r) => ({ ...roomView(r), scenes: [...r.scenes.keys()], scenePath: r.scenePath })),
  }));
  app.get('/_emulator/agora/whiteboard/webhooks', async () => ({ deliveries }));
  /** The conversion breaks: the task reports Fail (`ConvertFail`). */
  app.post('/_emulator/agora/whiteboard/tasks/:uuid/fail', async (req, reply) => {
    const t = tasks.get((req.params as { uuid: string }).uuid);
    if (!t || t.deleted !== undefined || !live.has(t)) return reply.code(404).send({ message: 'no such live task' });
    t.failure = { code: 'ConvertFail', message: 'the conversion failed' };
    setStatus(t, 'Fail', world.now());
    return controlView(t);
  });
  app.get('/_emulator/agora/whiteboard/files/:key', async (req) => ({ key: (req.params as { key: string }).key }));
}

declare module 'fastify' {
  interface FastifyRequest {
    /** the verified whiteboard token of the request */
    wbCaller?: Caller;
  }
}
