/**
 * Emulated Agora Media Gateway (agora.md §5, §14.4): RTMP/SRT ingest into a channel.
 *
 *   stream keys        create (expiresAfter, 0 = never), query, destroy (404 once gone), expiry on the
 *                      emulator clock, 403 for another App ID's key, 400 "Streamkey exists in region: X."
 *                      for a key used in the wrong region, 409 for concurrent creates of the same
 *                      channel+uid (the seed's "too many concurrent requests"), 100/s per project
 *   templates          ≤ 10 per App ID, PUT create/reset, PATCH (video, audio, jitterBuffer replaced
 *                      whole), DELETE, GET one/all, appconfig default; a change reaches the gateways
 *                      3 minutes (emulated) after it was made and applies to the next push only
 *   online streams     list, info, mute (asynchronous: applied ~1 s later, current sid only),
 *                      force disconnect
 *   encoders           simulated OBS instances driven through /_emulator/agora/media-gateway/encoders:
 *                      a push makes the stream key's host uid a publishing user of the channel with a
 *                      fresh sid (NCS 1); a force disconnect or a network drop ends it (NCS 2) and the
 *                      encoder reconnects 3 s later with a new, unmuted sid, unless the key was destroyed
 *                      or expired meanwhile: then NCS 3 (errorCode 2) and the encoder gives up
 *
 * Auth: Basic or HMAC (agoraAuth). Every stream key and every push is a task in the world ledger.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { describeIssues } from '../../src/schemas/issues';
import { GatewayUid, StreamTemplateSettings, TemplateId, type StreamTemplateSettings as Settings } from '../../src/schemas/agora/media-gateway';
import type { EmulatorContext } from '../context';
import type { VendorTask } from '../world';
import { ncsEnvelope } from '../webhooks';
import { agoraAuth } from './auth';
import { isChannelName, isObject, regionalScope, requireRegion, rfc3339, unixSeconds } from './media-common';

const PRODUCT = 'media-gateway';
const NCS_PRODUCT_ID = 10;

/** Emulated-time constants of the Media Gateway. */
export const GATEWAY_TIMING = {
  /** an encoder reconnects this long after its stream was cut */
  reconnectMs: 3_000,
  /** a stream-key create holds its channel+uid this long: a second create inside it answers 409 */
  createInFlightMs: 500,
  /** mute/unmute takes effect this long after the call */
  muteApplyMs: 1_000,
  /** template changes reach the gateways this long after they were made */
  templateSyncMs: 180_000,
} as const;
const MAX_TEMPLATES = 10;
/** observed RateLimit-Limit of stream-key create and mute (agora.md §1.4) */
const RATE_PER_SECOND = 100;

const MSG = {
  notFound: 'Resource is not found and destroyed.',
  otherApp: 'Stream does not belong to this app ID.',
  invalid: 'Invalid settings.',
  conflict: 'Resource with the same name already exists.',
  quota: 'Resources quota limit exceeded.',
  rate: 'Request rate limit exceeded.',
} as const;

interface StreamKey {
  key: string;
  appId: string;
  region: string;
  channel: string;
  uid: string;
  expiresAfter: number;
  createdAt: number;
  templateId?: string;
  state: 'active' | 'destroyed' | 'expired';
  task: VendorTask;
}

interface TemplateVersion {
  at: number;
  /** undefined: deleted at `at` */
  settings?: Settings;
}

interface Template {
  appId: string;
  templateId: string;
  /** what the REST API shows: the latest version */
  settings?: Settings;
  versions: TemplateVersion[];
}

interface AppConfig {
  defaultStreamTemplate?: string;
  /** the deprecated appconfig `transcoding` form; ignored once a default template is set */
  legacyTranscoding?: Record<string, unknown>;
}

interface MediaProfile {
  bitrate: number;
  video: { width: number; height: number; fps: number };
  audio: { channels: number; sampleRate: number };
}

interface Stream {
  sid: string;
  appId: string;
  region: string;
  streamKey: string;
  channel: string;
  uid: string;
  encoderId: string;
  beginAt: number;
  endAt?: number;
  profile: MediaProfile;
  muted: { video: boolean; audio: boolean };
  pendingMute?: { video: boolean; audio: boolean; at: number };
  /** the template in force when the stream connected */
  template?: { templateId?: string; transcoding: Record<string, unknown> };
  state: 'running' | 'ended';
  endReason?: string;
  task: VendorTask;
}

interface Encoder {
  id: string;
  appId: string;
  region: string;
  streamKey: string;
  profile: MediaProfile;
  state: 'pushing' | 'reconnecting' | 'stopped';
  stream?: Stream;
  reconnectAt?: number;
  sids: string[];
  lastAbort?: { errorCode: number; reason: string };
}

const EncoderBody = z.strictObject({
  streamKey: z.string().min(1),
  bitrate: z.number().int().positive().optional(),
  video: z.strictObject({ width: z.number().int().positive(), height: z.number().int().positive(), fps: z.number().int().positive() }).optional(),
  audio: z.strictObject({ channels: z.number().int().positive(), sampleRate: z.number().int().positive() }).optional(),
});

/** "7B***Qbs": NCS payloads never carry a whole stream key. */
function maskKey(key: string): string {
  return key.length <= 5 ? '***' : `${key.slice(0, 2)}***${key.slice(-3)}`;
}

export function registerAgoraMediaGateway(app: FastifyInstance, ctx: EmulatorContext): void {
  const { world, webhooks, limits } = ctx;
  const keys = new Map<string, StreamKey>();
  const templates = new Map<string, Template>();
  const appConfigs = new Map<string, AppConfig>();
  const streams = new Map<string, Stream>();
  const encoders = new Map<string, Encoder>();
  /**
   * What time or a request can still change, so a tick (one per request) walks only that, never what has
   * ended: the keys still active (expiry), the streams still running, those with a mute not applied yet,
   * and the encoders that may be waiting to reconnect (checked and dropped lazily)
   */
  const activeKeys = new Set<StreamKey>();
  const runningStreams = new Set<Stream>();
  const pendingMutes = new Set<Stream>();
  const reconnecting = new Set<Encoder>();
  /** `${appId}/${region}/${channel}/${uid}` → emulated time until which a create is in flight */
  const inFlight = new Map<string, number>();
  const auth = agoraAuth(world);
  const labels = (operation: string) => ({ labels: { vendor: 'agora' as const, product: PRODUCT, operation } });
  const base = '/:region/v1/projects/:appid/rtls/ingress';
  const pre = [requireRegion, auth];

  const domainOf = (region: string) => `rtls-ingress-prod-${region}.agoramdn.com`;

  const notify = (appId: string, eventType: number, sid: string, payload: Record<string, unknown>) => {
    webhooks.emit('agora', appId, {
      label: `media-gateway ${eventType} ${sid}`,
      body: { ...ncsEnvelope(NCS_PRODUCT_ID, eventType, payload, world.now()), sid },
    });
  };

  // ---- stream keys ----

  const expired = (k: StreamKey, now = world.now()) => k.expiresAfter > 0 && now >= k.createdAt + k.expiresAfter * 1000;

  const expireKeys = (now: number) => {
    for (const k of activeKeys) {
      if (k.state !== 'active') activeKeys.delete(k);
      else if (expired(k, now)) {
        activeKeys.delete(k);
        k.state = 'expired';
        k.task.state = 'expired';
        world.endTask('agora', PRODUCT, k.key, 'expired', 'expired');
      }
    }
  };

  /** The live key a request names, or the vendor's refusal sent. */
  const keyFor = (req: FastifyRequest, reply: FastifyReply): StreamKey | undefined => {
    const { appid, region, streamkey } = req.params as { appid: string; region: string; streamkey: string };
    expireKeys(world.now());
    const k = keys.get(streamkey);
    if (!k || k.state !== 'active') {
      reply.code(404).send({ message: MSG.notFound });
      return undefined;
    }
    req.logRef = { ...req.logRef, cname: k.channel };
    if (k.appId !== appid) {
      reply.code(403).send({ message: MSG.otherApp });
      return undefined;
    }
    if (k.region !== region) {
      reply.code(400).send({ message: `Streamkey exists in region: ${k.region}.` });
      return undefined;
    }
    return k;
  };

  const keyData = (k: StreamKey) => ({
    streamKey: k.key,
    channel: k.channel,
    uid: k.uid,
    expiresAfter: k.expiresAfter,
    createdAt: String(unixSeconds(k.createdAt)),
    ...(k.templateId ? { templateId: k.templateId } : {}),
  });

  // ---- templates ----

  const templateKey = (appId: string, templateId: string) => `${appId}/${templateId}`;
  const liveTemplates = (appId: string) => [...templates.values()].filter((t) => t.appId === appId && t.settings);

  /** The settings the gateways know for a template at `now` (changes reach them after the sync delay). */
  const syncedSettings = (appId: string, templateId: string, now: number): Settings | undefined => {
    const t = templates.get(templateKey(appId, templateId));
    if (!t) return undefined;
    let known: TemplateVersion | undefined;
    for (const v of t.versions) if (v.at + GATEWAY_TIMING.templateSyncMs <= now) known = v;
    return known?.settings;
  };

  /** Stream key's own template, else the App default, else the deprecated appconfig transcoding, else none. */
  const effectiveTemplate = (k: StreamKey, now: number): Stream['template'] => {
    const cfg = appConfigs.get(k.appId) ?? {};
    for (const id of [k.templateId, cfg.defaultStreamTemplate]) {
      if (!id) continue;
      const s = syncedSettings(k.appId, id, now);
      if (s) return { templateId: id, transcoding: { ...(s.transcoding ?? {}), ...(s.jitterBuffer ? { jitterBuffer: s.jitterBuffer } : {}) } };
    }
    if (!cfg.defaultStreamTemplate && cfg.legacyTranscoding) return { transcoding: cfg.legacyTranscoding };
    return undefined;
  };

  const parseSettings = (body: unknown): Settings | string => {
    const settings = isObject(body) ? body.settings : undefined;
    const parsed = StreamTemplateSettings.safeParse(settings);
    if (!parsed.success) return `${MSG.invalid} ${describeIssues(parsed.error, 'settings')}`;
    return parsed.data;
  };

  const templateIdOf = (req: FastifyRequest, reply: FastifyReply): string | undefined => {
    const { templateId } = req.params as { templateId: string };
    if (!TemplateId.safeParse(templateId).success) {
      reply.code(400).send({ message: "Parameter 'templateId' is invalid formatted." });
      return undefined;
    }
    return templateId;
  };

  /** The existing template a request names, or the 400 (bad ID) / 404 sent. */
  const templateFor = (req: FastifyRequest, reply: FastifyReply): (Template & { settings: Settings }) | undefined => {
    const templateId = templateIdOf(req, reply);
    if (!templateId) return undefined;
    const t = templates.get(templateKey((req.params as { appid: string }).appid, templateId));
    if (!t?.settings) {
      reply.code(404).send({ message: MSG.notFound });
      return undefined;
    }
    return t as Template & { settings: Settings };
  };

  const templateView = (t: Template) => ({ templateId: t.templateId, ...(t.settings ?? {}) });

  // ---- streams and encoders ----

  const streamView = (s: Stream) => ({
    sid: s.sid,
    channel: s.channel,
    uid: s.uid,
    url: `${domainOf(s.region)}/live/${s.streamKey}`,
    status: 'Running',
    beginAt: String(unixSeconds(s.beginAt)),
    bitrate: s.profile.bitrate,
    video: { ...s.profile.video },
    audio: { ...s.profile.audio },
  });

  const rtcInfo = (s: { channel: string; uid: string }) => ({ channel: s.channel, uid: s.uid });

  /** The encoder (re)connects: a new sid and a publishing host, or an aborted stream. */
  const connect = (enc: Encoder, now: number): Stream | undefined => {
    expireKeys(now);
    const k = keys.get(enc.streamKey);
    const abort = (errorCode: number, reason: string) => {
      const sid = randomUUID();
      enc.state = 'stopped';
      enc.stream = undefined;
      enc.reconnectAt = undefined;
      enc.lastAbort = { errorCode, reason };
      notify(enc.appId, 3, sid, {
        sid,
        region: enc.region,
        domain: domainOf(enc.region),
        streamKey: maskKey(enc.streamKey),
        rtcInfo: k ? rtcInfo(k) : {},
        beginAt: rfc3339(now),
        errorCode,
        reason,
      });
      return undefined;
    };
    if (!k || k.state !== 'active') return abort(2, `invalid streamKey: the key was ${k?.state ?? 'never created'}`);
    const busy = [...runningStreams].find((s) => s.streamKey === k.key && s.encoderId !== enc.id);
    if (busy) return abort(5, 'conflict: the stream key is already being pushed');
    const sid = randomUUID();
    const task: VendorTask = { vendor: 'agora', product: PRODUCT, id: sid, appId: k.appId, cname: k.channel, state: 'running', billing: true, startedAt: now };
    const stream: Stream = {
      sid,
      appId: k.appId,
      region: k.region,
      streamKey: k.key,
      channel: k.channel,
      uid: k.uid,
      encoderId: enc.id,
      beginAt: now,
      profile: enc.profile,
      muted: { video: false, audio: false },
      template: effectiveTemplate(k, now),
      state: 'running',
      task,
    };
    streams.set(sid, stream);
    runningStreams.add(stream);
    enc.state = 'pushing';
    enc.stream = stream;
    enc.reconnectAt = undefined;
    enc.sids.push(sid);
    world.userJoins(k.appId, k.channel, k.uid, true);
    world.putTask(task);
    notify(k.appId, 1, sid, {
      sid,
      region: k.region,
      domain: domainOf(k.region),
      streamKey: maskKey(k.key),
      rtcInfo: rtcInfo(k),
      ...(stream.template ? { transcoding: stream.template.transcoding } : {}),
      beginAt: rfc3339(now),
    });
    return stream;
  };

  /** The push ends; `reconnect` makes the encoder try again after the emulated delay. */
  const endStream = (s: Stream, reason: string, reconnect: boolean) => {
    if (s.state !== 'running') return;
    const now = world.now();
    s.state = 'ended';
    runningStreams.delete(s);
    s.endAt = now;
    s.endReason = reason;
    const stillPublishing = [...runningStreams].some((o) => o.appId === s.appId && o.channel === s.channel && o.uid === s.uid);
    if (!stillPublishing) world.userLeaves(s.appId, s.channel, s.uid);
    world.endTask('agora', PRODUCT, s.sid, 'disconnected', reason);
    const secs = Math.max(0, (now - s.beginAt) / 1000);
    const audioKbps = 128;
    const videoKbps = Math.max(0, s.profile.bitrate - audioKbps);
    const bytes = (kbps: number) => Math.round((kbps * 1000 * secs) / 8);
    notify(s.appId, 2, s.sid, {
      sid: s.sid,
      region: s.region,
      domain: domainOf(s.region),
      streamKey: maskKey(s.streamKey),
      rtcInfo: rtcInfo(s),
      streamStats: {
        inputAudioBytes: bytes(audioKbps),
        inputVideoBytes: bytes(videoKbps),
        outputAudioBytes: s.muted.audio ? 0 : bytes(audioKbps),
        outputVideoBytes: s.muted.video ? 0 : bytes(videoKbps),
      },
      beginAt: rfc3339(s.beginAt),
      endAt: rfc3339(now),
    });
    const enc = encoders.get(s.encoderId);
    if (enc && enc.stream === s) {
      enc.stream = undefined;
      if (reconnect) {
        enc.state = 'reconnecting';
        enc.reconnectAt = now + GATEWAY_TIMING.reconnectMs;
        reconnecting.add(enc);
      } else {
        enc.state = 'stopped';
      }
    }
  };

  const applyMutes = (now: number) => {
    for (const s of pendingMutes) {
      // an ended stream's mute never applies
      if (s.state !== 'running' || !s.pendingMute) pendingMutes.delete(s);
      else if (s.pendingMute.at <= now) {
        s.muted = { video: s.pendingMute.video, audio: s.pendingMute.audio };
        s.pendingMute = undefined;
        pendingMutes.delete(s);
      }
    }
  };

  world.onTick((now) => {
    expireKeys(now);
    applyMutes(now);
    for (const enc of reconnecting) {
      if (enc.state !== 'reconnecting' || enc.reconnectAt === undefined) reconnecting.delete(enc);
      else if (enc.reconnectAt <= now) {
        reconnecting.delete(enc);
        connect(enc, now);
      }
    }
    for (const [k, until] of inFlight) if (until <= now) inFlight.delete(k);
  });

  /** The running stream a request names, or the vendor's refusal sent. */
  const streamFor = (req: FastifyRequest, reply: FastifyReply): Stream | undefined => {
    const { appid, region, sid } = req.params as { appid: string; region: string; sid: string };
    req.logRef = { ...req.logRef, sid };
    const s = streams.get(sid);
    if (!s || s.state !== 'running' || s.region !== region) {
      reply.code(404).send({ message: MSG.notFound });
      return undefined;
    }
    req.logRef.cname = s.channel;
    if (s.appId !== appid) {
      reply.code(403).send({ message: MSG.otherApp });
      return undefined;
    }
    return s;
  };

  const refuseRate = (reply: FastifyReply, key: string) => limits.refuse(reply, key, RATE_PER_SECOND, 1_000, { message: MSG.rate });

  regionalScope(app, (r) => {
    // ---- stream keys ----

    r.post(`${base}/streamkeys`, { config: labels('createStreamKey'), preHandler: pre }, async (req, reply) => {
      const { appid, region } = req.params as { appid: string; region: string };
      if (refuseRate(reply, `${PRODUCT}:create:${appid}`)) return reply;
      const settings = isObject(req.body) ? req.body.settings : undefined;
      if (!isObject(settings)) return reply.code(400).send({ message: MSG.invalid });
      const { channel, uid, expiresAfter, templateId } = settings;
      if (!isChannelName(channel)) return reply.code(400).send({ message: "Parameter 'channel' is invalid formatted." });
      req.logRef = { ...req.logRef, cname: channel };
      if (typeof uid !== 'string' || !GatewayUid.safeParse(uid).success) return reply.code(400).send({ message: "Parameter 'uid' is invalid formatted." });
      if (typeof expiresAfter !== 'number' || !Number.isInteger(expiresAfter) || expiresAfter < 0) return reply.code(400).send({ message: MSG.invalid });
      if (templateId !== undefined) {
        if (typeof templateId !== 'string' || !templates.get(templateKey(appid, templateId))?.settings) return reply.code(400).send({ message: MSG.invalid });
      }
      const now = world.now();
      const lock = `${appid}/${region}/${channel}/${uid}`;
      if ((inFlight.get(lock) ?? 0) > now) return reply.code(409).send({ message: MSG.conflict });
      inFlight.set(lock, now + GATEWAY_TIMING.createInFlightMs);

      let key: string;
      do key = randomBytes(24).toString('base64url').slice(0, 31);
      while (keys.has(key));
      const task: VendorTask = { vendor: 'agora', product: PRODUCT, id: key, appId: appid, cname: channel, state: 'active', billing: true, startedAt: now };
      const k: StreamKey = { key, appId: appid, region, channel, uid, expiresAfter, createdAt: now, templateId: templateId as string | undefined, state: 'active', task };
      keys.set(key, k);
      activeKeys.add(k);
      world.putTask(task);
      return { status: 'success', data: keyData(k) };
    });

    r.get(`${base}/streamkeys/:streamkey`, { config: labels('queryStreamKey'), preHandler: pre }, async (req, reply) => {
      const k = keyFor(req, reply);
      if (!k) return reply;
      return { status: 'success', data: keyData(k) };
    });

    r.delete(`${base}/streamkeys/:streamkey`, { config: labels('destroyStreamKey'), preHandler: pre }, async (req, reply) => {
      const k = keyFor(req, reply);
      if (!k) return reply;
      // removes the key from the database only: an ongoing push goes on (disconnect its sid next)
      k.state = 'destroyed';
      activeKeys.delete(k);
      k.task.state = 'destroyed';
      world.endTask('agora', PRODUCT, k.key, 'destroyed', 'destroy');
      return { status: 'success' };
    });

    // ---- templates ----

    r.put(`${base}/stream-templates/:templateId`, { config: labels('putTemplate'), preHandler: pre }, async (req, reply) => {
      const { appid } = req.params as { appid: string };
      const templateId = templateIdOf(req, reply);
      if (!templateId) return reply;
      const settings = parseSettings(req.body);
      if (typeof settings === 'string') return reply.code(400).send({ message: settings });
      const existing = templates.get(templateKey(appid, templateId));
      if (!existing?.settings && liveTemplates(appid).length >= MAX_TEMPLATES) return reply.code(429).send({ message: MSG.quota });
      const t: Template = existing ?? { appId: appid, templateId, versions: [] };
      t.settings = settings;
      t.versions.push({ at: world.now(), settings });
      templates.set(templateKey(appid, templateId), t);
      return { status: 'success' };
    });

    r.patch(`${base}/stream-templates/:templateId`, { config: labels('patchTemplate'), preHandler: pre }, async (req, reply) => {
      const t = templateFor(req, reply);
      if (!t) return reply;
      const patch = parseSettings(req.body);
      if (typeof patch === 'string') return reply.code(400).send({ message: patch });
      // transcoding.video, transcoding.audio and jitterBuffer are replaced whole and independently
      const merged: Settings = {
        ...t.settings,
        ...(patch.jitterBuffer ? { jitterBuffer: patch.jitterBuffer } : {}),
        ...(patch.simulcastStream ? { simulcastStream: patch.simulcastStream } : {}),
        transcoding: { ...(t.settings.transcoding ?? {}), ...(patch.transcoding ?? {}) },
      };
      const checked = StreamTemplateSettings.safeParse(merged);
      if (!checked.success) return reply.code(400).send({ message: `${MSG.invalid} ${describeIssues(checked.error, 'settings')}` });
      t.settings = checked.data;
      t.versions.push({ at: world.now(), settings: checked.data });
      return { status: 'success' };
    });

    r.delete(`${base}/stream-templates/:templateId`, { config: labels('deleteTemplate'), preHandler: pre }, async (req, reply) => {
      const t: Template | undefined = templateFor(req, reply);
      if (!t) return reply;
      t.settings = undefined;
      t.versions.push({ at: world.now() });
      return { status: 'success' };
    });

    r.get(`${base}/stream-templates`, { config: labels('listTemplates'), preHandler: pre }, async (req) => {
      const { appid } = req.params as { appid: string };
      return { status: 'success', data: liveTemplates(appid).map(templateView) };
    });

    r.get(`${base}/stream-templates/:templateId`, { config: labels('getTemplate'), preHandler: pre }, async (req, reply) => {
      const t = templateFor(req, reply);
      if (!t) return reply;
      return { status: 'success', data: templateView(t) };
    });

    r.put(`${base}/appconfig`, { config: labels('setAppConfig'), preHandler: pre }, async (req, reply) => {
      const { appid } = req.params as { appid: string };
      const settings = isObject(req.body) ? req.body.settings : undefined;
      if (!isObject(settings)) return reply.code(400).send({ message: MSG.invalid });
      const cfg = appConfigs.get(appid) ?? {};
      if (settings.defaultStreamTemplate !== undefined) {
        const id = settings.defaultStreamTemplate;
        if (typeof id !== 'string' || !templates.get(templateKey(appid, id))?.settings) return reply.code(400).send({ message: MSG.invalid });
        // a default template overrides (and retires) transcoding set the deprecated way
        cfg.defaultStreamTemplate = id;
        cfg.legacyTranscoding = undefined;
      } else if (isObject(settings.transcoding) || isObject(settings.simulcastStream)) {
        cfg.legacyTranscoding = {
          ...(isObject(settings.transcoding) ? settings.transcoding : {}),
          ...(isObject(settings.simulcastStream) ? { simulcastStream: settings.simulcastStream } : {}),
        };
      } else {
        return reply.code(400).send({ message: MSG.invalid });
      }
      appConfigs.set(appid, cfg);
      return { status: 'success' };
    });

    r.get(`${base}/appconfig`, { config: labels('getAppConfig'), preHandler: pre }, async (req) => {
      const { appid } = req.params as { appid: string };
      const cfg = appConfigs.get(appid) ?? {};
      return {
        status: 'success',
        data: {
          ...(cfg.defaultStreamTemplate ? { defaultStreamTemplate: cfg.defaultStreamTemplate } : {}),
          ...(cfg.legacyTranscoding && !cfg.defaultStreamTemplate ? { transcoding: cfg.legacyTranscoding } : {}),
        },
      };
    });

    // ---- online streams ----

    r.get(`${base}/online-streams`, { config: labels('listOnlineStreams'), preHandler: pre }, async (req) => {
      const { appid, region } = req.params as { appid: string; region: string };
      applyMutes(world.now());
      const live = [...runningStreams].filter((s) => s.appId === appid && s.region === region);
      return { status: 'success', data: live.map(streamView) };
    });

    r.get(`${base}/online-streams/:sid`, { config: labels('getOnlineStream'), preHandler: pre }, async (req, reply) => {
      const s = streamFor(req, reply);
      if (!s) return reply;
      return { status: 'success', data: streamView(s) };
    });

    r.post(`${base}/online-streams/:sid/mute`, { config: labels('muteOnlineStream'), preHandler: pre }, async (req, reply) => {
      const { appid } = req.params as { appid: string };
      if (refuseRate(reply, `${PRODUCT}:mute:${appid}`)) return reply;
      const settings = isObject(req.body) ? req.body.settings : undefined;
      if (!isObject(settings) || typeof settings.videoMuted !== 'boolean' || typeof settings.audioMuted !== 'boolean') {
        return reply.code(400).send({ message: MSG.invalid });
      }
      const s = streamFor(req, reply);
      if (!s) return reply;
      // the command reached the gateway node; it takes effect about a second later
      s.pendingMute = { video: settings.videoMuted, audio: settings.audioMuted, at: world.now() + GATEWAY_TIMING.muteApplyMs };
      pendingMutes.add(s);
      return { status: 'success' };
    });

    r.delete(`${base}/online-streams/:sid`, { config: labels('disconnectOnlineStream'), preHandler: pre }, async (req, reply) => {
      const s = streamFor(req, reply);
      if (!s) return reply;
      // the encoder will reconnect with a new sid unless its key is gone by then
      endStream(s, 'force-disconnect', true);
      return { status: 'success' };
    });
  });

  // ---- control API: simulated encoders ----

  const encoderView = (e: Encoder) => ({
    id: e.id,
    appId: e.appId,
    region: e.region,
    streamKey: e.streamKey,
    state: e.state,
    sid: e.stream?.sid,
    sids: [...e.sids],
    reconnectAt: e.reconnectAt,
    muted: e.stream ? { ...e.stream.muted } : undefined,
    template: e.stream?.template,
    lastAbort: e.lastAbort,
  });

  app.get('/_emulator/agora/media-gateway/encoders', async () => ({ encoders: [...encoders.values()].map(encoderView) }));

  /** An encoder (OBS) starts pushing with a stream key. */
  app.post('/_emulator/agora/media-gateway/encoders', async (req, reply) => {
    const body = EncoderBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ message: body.error.message });
    const k = keys.get(body.data.streamKey);
    if (!k) return reply.code(404).send({ message: 'no such stream key' });
    const enc: Encoder = {
      id: randomUUID(),
      appId: k.appId,
      region: k.region,
      streamKey: k.key,
      profile: {
        bitrate: body.data.bitrate ?? 2106,
        video: body.data.video ?? { width: 1280, height: 720, fps: 30 },
        audio: body.data.audio ?? { channels: 2, sampleRate: 48000 },
      },
      state: 'stopped',
      sids: [],
    };
    encoders.set(enc.id, enc);
    const stream = connect(enc, world.now());
    if (!stream) return reply.code(409).send({ message: `the gateway refused the stream: ${enc.lastAbort?.reason}`, ...encoderView(enc) });
    return reply.code(201).send(encoderView(enc));
  });

  const encoderOf = (req: FastifyRequest, reply: FastifyReply): Encoder | undefined => {
    const e = encoders.get((req.params as { id: string }).id);
    if (!e) reply.code(404).send({ message: 'no such encoder' });
    return e;
  };

  /** The network drops: the stream ends and the encoder reconnects after the emulated delay. */
  app.post('/_emulator/agora/media-gateway/encoders/:id/drop', async (req, reply) => {
    const e = encoderOf(req, reply);
    if (!e) return reply;
    if (!e.stream) return reply.code(409).send({ message: 'the encoder is not pushing' });
    endStream(e.stream, 'network-drop', true);
    return encoderView(e);
  });

  /** The operator stops the encoder: the stream ends, no reconnect. */
  app.delete('/_emulator/agora/media-gateway/encoders/:id', async (req, reply) => {
    const e = encoderOf(req, reply);
    if (!e) return reply;
    if (e.stream) endStream(e.stream, 'encoder-stopped', false);
    e.state = 'stopped';
    e.reconnectAt = undefined;
    return reply.code(204).send();
  });
}
