/**
 * Emulated Agora Media Push (agora.md §6, §14.5): RTMP converters pushing a channel to a CDN.
 *
 *   create   `POST /{region}/v1/projects/{appId}/rtmp-converters[?regionHintIp=]`: one of
 *            transcodeOptions/rawOptions, rtmpUrl, idleTimeout (also spelt idleTimeOut), name unique per
 *            project (409 on a duplicate, no X-Resource-ID: reconcile by List), X-Resource-ID on success
 *   get      the configuration plus createTs/updateTs/state; 404 `{"reason": …}` once gone or when asked in
 *            another region than the one it was created in
 *   update   `PATCH …/{converterId}?sequence=n` with a FieldMask (`fields`); sequence must grow: a repeat of
 *            the last applied sequence is answered without change (a retried request), a smaller one is
 *            refused (400); a field named in `fields` but left out of the body is cleared (FieldMask
 *            semantics); vertical layouts update rtmpUrl only; audio-only ↔ video-only is refused
 *   delete   empty 200; 404 once gone
 *   list     per project or per channel, 500 a page, cursor "0" when done
 *   lifetime connecting (2 s emulated) → running while a source user publishes in the channel, idle
 *            while none does; destroyed after idleTimeout seconds without a source (NCS 4, "Idle Timeout");
 *            an rtmpUrl whose host ends in `.invalid` fails (state failed)
 *   limits   create/delete/get 50/s per project; update 2/s per converter (429 + Retry-After)
 *
 * The converter is a bot in its channel; every converter is a task in the world ledger until it is
 * deleted or destroyed. NCS productId 5: 1 created, 2 configuration changed, 3 state changed,
 * 4 destroyed ([public] Media Push events).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorContext } from '../context';
import type { VendorTask } from '../world';
import { ncsEnvelope } from '../webhooks';
import { agoraBasicAuth } from './auth';
import {
  endDestroyedTask,
  intIn,
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

const PRODUCT = 'media-push';
const NCS_PRODUCT_ID = 5;

export const PUSH_TIMING = {
  /** connecting → running/idle */
  connectMs: 2_000,
} as const;
/** seeds: silent on the default; Media Pull's default */
export const DEFAULT_IDLE_TIMEOUT_S = 300;
const PAGE_SIZE = 500;
const MAX_UID = 4294967295;

const MSG = {
  notFound: 'Resource is not found and destroyed.',
  conflict: 'Resource with the same name already exists. Use the existing resource; otherwise, delete it, and create a new resource.',
  rate: 'Request rate limit exceeded.',
} as const;
const invalid = (field: string) => ({ message: `Invalid parameter: ${field}. Replace it, and retry.` });

type State = 'idle' | 'connecting' | 'running' | 'failed';
type Output = 'audio' | 'video' | 'av';

interface Converter {
  id: string;
  appId: string;
  region: string;
  name: string;
  channel: string;
  /** the stored configuration, as Get returns it (idleTimeout normalised to that spelling) */
  config: Record<string, unknown>;
  output: Output;
  createdAt: number;
  updatedAt: number;
  connectAt: number;
  lastActiveAt: number;
  state: State;
  /** the CDN side failed (control API) */
  failed: boolean;
  sequence?: number;
  destroyed?: { at: number; reason: string };
  botUid: string;
  task: VendorTask;
}

const deepClone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/**
 * Validates a converter body as the service does and normalises it; the answer is the stored config
 * or the vendor's 400 body.
 */
function validateConverter(input: Record<string, unknown>): { config: Record<string, unknown>; output: Output; channel: string } | { message: string } {
  const c = deepClone(input);
  if (c.name === null || c.name === undefined) c.name = '';
  if (typeof c.name !== 'string' || c.name.length > 64 || !/^[A-Za-z0-9_-]*$/.test(c.name)) return invalid('name');
  const t = c.transcodeOptions;
  const r = c.rawOptions;
  if ((t === undefined) === (r === undefined)) return invalid('transcodeOptions/rawOptions');
  let channel: string;
  let output: Output;
  if (r !== undefined) {
    if (!isObject(r)) return invalid('rawOptions');
    if (!isChannelName(r.rtcChannel)) return invalid('rawOptions.rtcChannel');
    channel = r.rtcChannel;
    const uid = intIn(r.rtcStreamUid, 1, MAX_UID);
    if (uid === undefined) return invalid('rawOptions.rtcStreamUid');
    r.rtcStreamUid = uid;
    output = 'av';
  } else {
    if (!isObject(t)) return invalid('transcodeOptions');
    if (!isChannelName(t.rtcChannel)) return invalid('transcodeOptions.rtcChannel');
    channel = t.rtcChannel;
    const a = t.audioOptions;
    const v = t.videoOptions;
    if (a !== undefined) {
      if (!isObject(a)) return invalid('transcodeOptions.audioOptions');
      if (a.rtcStreamUids !== undefined) {
        if (!Array.isArray(a.rtcStreamUids)) return invalid('transcodeOptions.audioOptions.rtcStreamUids');
        const uids = a.rtcStreamUids.map((u) => intIn(u, 1, MAX_UID));
        if (uids.some((u) => u === undefined)) return invalid('transcodeOptions.audioOptions.rtcStreamUids');
        a.rtcStreamUids = uids;
      }
      if (a.codecProfile !== undefined && a.codecProfile !== 'LC-AAC' && a.codecProfile !== 'HE-AAC') return invalid('transcodeOptions.audioOptions.codecProfile');
    }
    if (v !== undefined) {
      if (!isObject(v) || Object.keys(v).length === 0) return invalid('transcodeOptions.videoOptions');
      const canvas = v.canvas;
      if (!isObject(canvas) || intIn(canvas.width, 1, 10_000) === undefined || intIn(canvas.height, 1, 10_000) === undefined)
        return invalid('transcodeOptions.videoOptions.canvas');
      const layoutType = v.layoutType ?? 0;
      if (layoutType !== 0 && layoutType !== 1) return invalid('transcodeOptions.videoOptions.layoutType');
      if (layoutType === 1) {
        if (!isObject(v.vertical) || intIn(v.vertical.maxResolutionUid, 1, MAX_UID) === undefined) return invalid('transcodeOptions.videoOptions.vertical');
      } else if (!Array.isArray(v.layout) || v.layout.length === 0) {
        return invalid('transcodeOptions.videoOptions.layout');
      }
      if (v.layout !== undefined) {
        if (!Array.isArray(v.layout)) return invalid('transcodeOptions.videoOptions.layout');
        for (const el of v.layout) {
          if (!isObject(el) || !isObject(el.region)) return invalid('transcodeOptions.videoOptions.layout');
          if (el.imageUrl === undefined) {
            const uid = intIn(el.rtcStreamUid, 1, MAX_UID);
            if (uid === undefined) return invalid('transcodeOptions.videoOptions.layout.rtcStreamUid');
            el.rtcStreamUid = uid;
          } else if (typeof el.imageUrl !== 'string') {
            return invalid('transcodeOptions.videoOptions.layout.imageUrl');
          }
        }
      }
      if (intIn(v.bitrate, 1, 10_000) === undefined) return invalid('transcodeOptions.videoOptions.bitrate');
      if (v.frameRate !== undefined && intIn(v.frameRate, 1, 30) === undefined) return invalid('transcodeOptions.videoOptions.frameRate');
      if (v.codec !== undefined && v.codec !== 'H.264' && v.codec !== 'H.265') return invalid('transcodeOptions.videoOptions.codec');
      if (v.codecProfile !== undefined && (typeof v.codecProfile !== 'string' || !['high', 'baseline', 'main'].includes(v.codecProfile.toLowerCase()))) {
        return invalid('transcodeOptions.videoOptions.codecProfile');
      }
      if (v.codec === 'H.265') v.codecProfile = 'main';
    }
    // neither audio nor video options: the converter outputs video only (seed)
    output = a !== undefined && v !== undefined ? 'av' : a !== undefined ? 'audio' : 'video';
  }
  if (typeof c.rtmpUrl !== 'string' || c.rtmpUrl.length > 1024 || !/^rtmps?:\/\/[^\s/]+(\/\S*)?$/i.test(c.rtmpUrl)) return invalid('rtmpUrl');
  // the seed spells it both ways; it is stored and answered as idleTimeout
  const idleRaw = c.idleTimeout ?? c.idleTimeOut;
  delete c.idleTimeOut;
  if (idleRaw === undefined || idleRaw === null) c.idleTimeout = DEFAULT_IDLE_TIMEOUT_S;
  else {
    const idle = intIn(idleRaw, 1, 2_592_000);
    if (idle === undefined) return invalid('idleTimeout');
    c.idleTimeout = idle;
  }
  if (c.jitterBufferSizeMs !== undefined) {
    const j = intIn(c.jitterBufferSizeMs, 0, 1000);
    if (j === undefined) return invalid('jitterBufferSizeMs');
    c.jitterBufferSizeMs = Math.ceil(j / 100) * 100;
  }
  return { config: c, output, channel };
}

/** The uids whose presence keeps a converter busy; empty: any publisher in the channel. */
function sourceUids(config: Record<string, unknown>): string[] {
  const uids = new Set<string>();
  const raw = config.rawOptions as { rtcStreamUid?: number } | undefined;
  if (raw?.rtcStreamUid) uids.add(String(raw.rtcStreamUid));
  const t = config.transcodeOptions as
    { audioOptions?: { rtcStreamUids?: number[] }; videoOptions?: { layout?: Array<{ rtcStreamUid?: number }>; vertical?: { maxResolutionUid?: number } } } | undefined;
  for (const u of t?.audioOptions?.rtcStreamUids ?? []) uids.add(String(u));
  for (const el of t?.videoOptions?.layout ?? []) if (el.rtcStreamUid) uids.add(String(el.rtcStreamUid));
  if (t?.videoOptions?.vertical?.maxResolutionUid) uids.add(String(t.videoOptions.vertical.maxResolutionUid));
  return [...uids];
}

/** FieldMask paths an update may name. */
const UPDATABLE = [
  /^rtmpUrl$/,
  /^idleTime[oO]ut$/,
  /^jitterBufferSizeMs$/,
  /^transcodeOptions\.(audioOptions|videoOptions|token|rtcChannel)(\..+)?$/,
  /^rawOptions\.(rtcStreamUid|token|rtcChannel)$/,
];

function withoutTokens(config: Record<string, unknown>): Record<string, unknown> {
  const copy = deepClone(config);
  for (const key of ['transcodeOptions', 'rawOptions']) if (isObject(copy[key])) delete (copy[key] as Record<string, unknown>).token;
  return copy;
}

function valueAt(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const key of path.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

function deleteAt(obj: Record<string, unknown>, path: string): void {
  const keys = path.split('.');
  const parent = valueAt(obj, keys.slice(0, -1).join('.')) ?? (keys.length === 1 ? obj : undefined);
  if (isObject(parent)) delete parent[keys[keys.length - 1]!];
}

function setAt(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = obj;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(cur[key])) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]!] = deepClone(value);
}

export function registerAgoraMediaPush(app: FastifyInstance, ctx: EmulatorContext): void {
  const { world, webhooks, limits } = ctx;
  const converters = new Map<string, Converter>();
  const auth = agoraBasicAuth(world);
  const labels = (operation: string) => ({ labels: { vendor: 'agora' as const, product: PRODUCT, operation } });
  const base = '/:region/v1/projects/:appid/rtmp-converters';
  const pre = [requireRegion, auth];

  /** the converters not destroyed, in creation order: what ticks and listings walk (never the destroyed ones) */
  const alive = new Map<string, Converter>();
  const live = () => [...alive.values()];

  /** The configuration as Get and NCS show it: RTC tokens are not echoed. */
  const detail = (c: Converter) => ({
    ...withoutTokens(c.config),
    createTs: unixSeconds(c.createdAt),
    updateTs: unixSeconds(c.updatedAt),
    state: c.state,
  });
  const summary = (c: Converter) => ({
    converter: { id: c.id, createTs: unixSeconds(c.createdAt), updateTs: unixSeconds(c.updatedAt), state: c.state },
    fields: 'id,createTs,updateTs,state',
  });

  const notify = (c: Converter, eventType: number, xRequestId: string, extra: Record<string, unknown> = {}) => {
    webhooks.emit('agora', c.appId, {
      label: `media-push ${eventType} ${c.id}`,
      body: ncsEnvelope(NCS_PRODUCT_ID, eventType, { converter: { id: c.id, ...detail(c), ...extra }, lts: world.now(), xRequestId }, world.now()),
    });
  };

  const setState = (c: Converter, state: State, xRequestId = '') => {
    if (c.state === state) return;
    c.state = state;
    c.task.state = state;
    notify(c, 3, xRequestId);
  };

  const destroy = (c: Converter, reason: DestroyReason, xRequestId = '') => {
    if (c.destroyed) return;
    c.destroyed = { at: world.now(), reason };
    alive.delete(c.id);
    world.botLeaves(c.appId, c.channel, c.botUid);
    endDestroyedTask(world, PRODUCT, c.id, reason);
    notify(c, 4, xRequestId, { destroyReason: reason });
  };

  /** Is a source of the converter publishing? `publishers` caches each channel's human publishers for one tick. */
  const sourcesActive = (c: Converter, publishers: Map<string, Set<string>>): boolean => {
    const key = `${c.appId}/${c.channel}`;
    let uids = publishers.get(key);
    if (!uids) {
      uids = new Set([...world.channel(c.appId, c.channel).users.values()].filter((u) => !u.bot && u.publishing).map((u) => u.uid));
      publishers.set(key, uids);
    }
    const wanted = sourceUids(c.config);
    return wanted.length === 0 ? uids.size > 0 : wanted.some((u) => uids.has(u));
  };

  world.onTick((now) => {
    const publishers = new Map<string, Set<string>>();
    for (const c of live()) {
      const active = sourcesActive(c, publishers);
      if (active) c.lastActiveAt = now;
      const state: State = c.failed || (now >= c.connectAt && unreachable(String(c.config.rtmpUrl))) ? 'failed' : now < c.connectAt ? 'connecting' : active ? 'running' : 'idle';
      setState(c, state);
      const idleMs = Number(c.config.idleTimeout) * 1000;
      if (!active && now - c.lastActiveAt >= idleMs) destroy(c, 'Idle Timeout');
    }
  });

  /** The live converter a request names; Media Push's 404 body is `{reason}`, not `{message}`. */
  const converterFor = (req: FastifyRequest, reply: FastifyReply) => regionalResource(req, reply, converters, 'converterId', { reason: MSG.notFound });

  const rate = (reply: FastifyReply, key: string, limit: number) => limits.refuse(reply, key, limit, 1_000, { message: MSG.rate });

  regionalScope(
    app,
    (r) => {
      r.post(base, { config: labels('create'), preHandler: pre }, async (req, reply) => {
        const { appid, region } = req.params as { appid: string; region: string };
        if (rate(reply, `${PRODUCT}:create:${appid}`, 50)) return reply;
        const { regionHintIp } = req.query as { regionHintIp?: string };
        if (regionHintIp !== undefined && !isIpv4(regionHintIp)) return reply.code(400).send(invalid('regionHintIp'));
        const body = isObject(req.body) ? req.body.converter : undefined;
        if (!isObject(body)) return reply.code(400).send(invalid('converter'));
        const checked = validateConverter(body);
        if ('message' in checked) return reply.code(400).send(checked);
        req.logRef = { ...req.logRef, cname: checked.channel };
        const name = String(checked.config.name);
        if (name && live().some((c) => c.appId === appid && c.name === name)) return reply.code(409).send({ message: MSG.conflict });

        const now = world.now();
        const id = resourceId();
        const task: VendorTask = { vendor: 'agora', product: PRODUCT, id, appId: appid, cname: checked.channel, state: 'connecting', billing: true, startedAt: now };
        const c: Converter = {
          id,
          appId: appid,
          region,
          name,
          channel: checked.channel,
          config: checked.config,
          output: checked.output,
          createdAt: now,
          updatedAt: now,
          connectAt: now + PUSH_TIMING.connectMs,
          lastActiveAt: now,
          state: 'connecting',
          failed: false,
          botUid: `rtmp-converter-${id}`,
          task,
        };
        converters.set(id, c);
        alive.set(id, c);
        world.putTask(task);
        world.botJoins(appid, c.channel, c.botUid);
        req.logRef.resourceId = id;
        notify(c, 1, requestIdOf(req));
        return reply.header('x-resource-id', id).send(summary(c));
      });

      r.get(`${base}/:converterId`, { config: labels('get'), preHandler: pre }, async (req, reply) => {
        const { appid } = req.params as { appid: string };
        if (rate(reply, `${PRODUCT}:get:${appid}`, 50)) return reply;
        const c = converterFor(req, reply);
        if (!c) return reply;
        return reply.header('x-resource-id', c.id).send(detail(c));
      });

      r.delete(`${base}/:converterId`, { config: labels('delete'), preHandler: pre }, async (req, reply) => {
        const { appid } = req.params as { appid: string };
        if (rate(reply, `${PRODUCT}:delete:${appid}`, 50)) return reply;
        const c = converterFor(req, reply);
        if (!c) return reply;
        destroy(c, 'Delete Request', requestIdOf(req));
        return reply.code(200).header('x-resource-id', c.id).send();
      });

      r.patch(`${base}/:converterId`, { config: labels('update'), preHandler: pre }, async (req, reply) => {
        const { appid, converterId } = req.params as { appid: string; converterId: string };
        if (rate(reply, `${PRODUCT}:update:${appid}:${converterId}`, 2)) return reply;
        const { sequence: seqText } = req.query as { sequence?: string };
        const sequence = intIn(seqText, 0, Number.MAX_SAFE_INTEGER);
        if (sequence === undefined) return reply.code(400).send(invalid('sequence'));
        const c = converterFor(req, reply);
        if (!c) return reply;
        if (c.sequence !== undefined && sequence < c.sequence) {
          return reply.code(400).send({ message: `Invalid parameter: sequence. ${sequence} is older than the last applied update (${c.sequence}); use a larger sequence.` });
        }
        // a repeat of the applied sequence is the same request again: nothing changes
        if (c.sequence === sequence) return reply.header('x-resource-id', c.id).send(summary(c));
        const body = isObject(req.body) ? req.body : {};
        const patch = body.converter;
        if (!isObject(patch)) return reply.code(400).send(invalid('converter'));
        if (typeof body.fields !== 'string' || body.fields.trim() === '') return reply.code(400).send(invalid('fields'));
        const paths = body.fields
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean);
        const vertical = (valueAt(c.config, 'transcodeOptions.videoOptions.layoutType') ?? 0) === 1;
        const next = deepClone(c.config);
        for (const path of paths) {
          if (!UPDATABLE.some((re) => re.test(path))) return reply.code(400).send(invalid(`fields (${path} cannot be updated)`));
          if (vertical && path !== 'rtmpUrl') return reply.code(400).send(invalid(`fields (a vertical layout updates rtmpUrl only, not ${path})`));
          const value = valueAt(patch, path);
          const target = path === 'idleTimeOut' ? 'idleTimeout' : path;
          if (/\.rtcChannel$/.test(path) && value !== c.channel) return reply.code(400).send(invalid(path));
          // FieldMask semantics: a named field the body leaves out is cleared
          if (value === undefined) deleteAt(next, target);
          else setAt(next, target, value);
        }
        const checked = validateConverter(next);
        if ('message' in checked) return reply.code(400).send(checked);
        const switched = (c.output === 'audio' && checked.output === 'video') || (c.output === 'video' && checked.output === 'audio');
        if (switched) return reply.code(400).send({ message: 'Invalid parameter: transcodeOptions. An audio-only converter cannot become video-only, nor the reverse.' });
        const urlChanged = checked.config.rtmpUrl !== c.config.rtmpUrl;
        c.config = checked.config;
        c.output = checked.output;
        c.sequence = sequence;
        c.updatedAt = world.now();
        notify(c, 2, requestIdOf(req));
        if (urlChanged) {
          // a new CDN address: the converter connects again
          c.connectAt = world.now() + PUSH_TIMING.connectMs;
          setState(c, 'connecting', requestIdOf(req));
        }
        return reply.header('x-resource-id', c.id).send(summary(c));
      });

      const list = async (req: FastifyRequest, reply: FastifyReply) => {
        const { appid, cname } = req.params as { appid: string; cname?: string };
        if (cname !== undefined) req.logRef = { ...req.logRef, cname };
        const { cursor: cursorText } = req.query as { cursor?: string };
        const offset = cursorText === undefined || cursorText === '' ? 0 : intIn(cursorText, 0, Number.MAX_SAFE_INTEGER);
        if (offset === undefined) return reply.code(400).send(invalid('cursor'));
        const all = live()
          .filter((c) => c.appId === appid && (cname === undefined || c.channel === cname))
          .sort((a, b) => a.createdAt - b.createdAt);
        const page = all.slice(offset, offset + PAGE_SIZE);
        const next = offset + PAGE_SIZE < all.length ? offset + PAGE_SIZE : 0;
        return {
          success: true,
          data: {
            total_count: all.length,
            cursor: next,
            members: page.map((c) => ({
              rtcChannel: c.channel,
              status: '200',
              converterName: c.name,
              updateTs: String(unixSeconds(c.updatedAt)),
              appId: c.appId,
              rtmpUrl: String(c.config.rtmpUrl),
              ip: '127.0.0.1',
              converterId: c.id,
              create: String(unixSeconds(c.createdAt)),
              idleTimeout: String(c.config.idleTimeout),
              state: c.state,
            })),
          },
        };
      };
      r.get('/v1/projects/:appid/rtmp-converters', { config: labels('list'), preHandler: auth }, list);
      r.get('/v1/projects/:appid/channels/:cname/rtmp-converters', { config: labels('listByChannel'), preHandler: auth }, list);
    },
    {
      // Media Push answers X-Custom-Request-ID for troubleshooting (agora.md §1.3)
      onSend: (req, reply) => {
        const rid = requestIdOf(req);
        if (rid && reply.statusCode !== 401) reply.header('x-custom-request-id', rid);
      },
    },
  );

  // ---- control API ----

  const view = (c: Converter) => ({
    id: c.id,
    appId: c.appId,
    region: c.region,
    name: c.name,
    channel: c.channel,
    state: c.state,
    output: c.output,
    sequence: c.sequence,
    sources: sourceUids(c.config),
    idleTimeout: c.config.idleTimeout,
    lastActiveAt: c.lastActiveAt,
    destroyed: c.destroyed,
  });
  app.get('/_emulator/agora/media-push/converters', async () => ({ converters: [...converters.values()].map(view) }));

  const controlled = (req: FastifyRequest, reply: FastifyReply): Converter | undefined => {
    const c = converters.get((req.params as { id: string }).id);
    if (!c || c.destroyed) reply.code(404).send({ message: 'no such live converter' });
    return c && !c.destroyed ? c : undefined;
  };
  /** The CDN side breaks: the converter reports failed until it is deleted. */
  app.post('/_emulator/agora/media-push/converters/:id/fail', async (req, reply) => {
    const c = controlled(req, reply);
    if (!c) return reply;
    c.failed = true;
    setState(c, 'failed');
    return view(c);
  });
  /** A service failure destroys the converter (NCS 4 "Internal Error"); Get answers 404 from now on. */
  app.post('/_emulator/agora/media-push/converters/:id/destroy', async (req, reply) => {
    const c = controlled(req, reply);
    if (!c) return reply;
    destroy(c, 'Internal Error');
    return view(c);
  });
}
