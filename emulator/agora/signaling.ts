/**
 * Emulated Agora Signaling (formerly RTM) REST (agora.md §10), by the seed's rules:
 *
 *   auth      Basic (Customer ID/Secret; any sender) or a Signaling token: `x-agora-token` (or the
 *             Postman form `Authorization: agora token=…`) plus `x-agora-uid`; the token must be an
 *             AccessToken2 with the RTM service for that uid, signed with the App ID's certificate and not
 *             expired (emulator clock). With a token, messages are sent only as its uid (else 401).
 *   messages  `POST /dev/v2/project/{appId}/rtm/users/{user_id}/peer_messages[?wait_for_ack=true]` and
 *             `…/channel_messages`: ids non-empty, ≤ 64 printable ASCII characters; payload non-empty,
 *             ≤ 32 KB (else 400); ≤ 500 calls/s per App ID for both together (429). A peer message to an
 *             online user is `message_sent`, or `message_delivered` with wait_for_ack; to an offline user
 *             with wait_for_ack `message_offline`. Every accepted message is kept in the receiver's inbox
 *             (the control API shows it): a repeated send is a second delivery, as with the vendor.
 *   events    `GET /dev/v2/project/{appId}/rtm/vendor/user_events` and `…/channel_events`. Events are
 *             stored per geographical region: `/{region}/dev/v2/…` (region na, eu, ap, cn; the
 *             unprefixed path is `na`) stands for a regional host. A read consumes what it returns from
 *             that region only, at most 1000 per call, oldest first; a region keeps at most 2000 per kind
 *             (the newest overwrite the oldest); ≤ 10 requests/s per App ID (429). One user or channel
 *             action lands in every region by default, so reading a second region returns it again.
 *
 * Control API (the emulator's stand-in for SDK clients):
 *   POST /_emulator/agora/signaling/:appId/users/:uid   {online, regions?}: Login/Logout event, online state
 *   POST /_emulator/agora/signaling/:appId/channels/:channel/users/:uid   {joined, regions?}: Join/Leave
 *   POST /_emulator/agora/signaling/:appId/events   {kind, events[{user_id, type, ms?, group_id?}], regions?}
 *   GET  /_emulator/agora/signaling/:appId/inbox?to=&channel=   messages delivered
 *   GET  /_emulator/agora/signaling/:appId/events?region=&kind=   what a region still holds (not consumed)
 * 408 (server timeout) is injected with the fault API (product `signaling`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { MAX_SIGNALING_PAYLOAD_BYTES, SIGNALING_REGIONS } from '../../src/schemas/agora/signaling';
import type { EmulatorContext } from '../context';
import type { AgoraAccount, World } from '../world';
import { agoraBasicAuth } from './auth';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { AccessToken2, kRtmServiceType } = require('agora-token/src/AccessToken2') as {
  AccessToken2: new () => {
    appId: string | Buffer;
    issueTs: number;
    expire: number;
    from_string(t: string): boolean;
    verifySignature(cert: string): boolean;
    getServices(type: number): Array<{ __user_id?: string | Buffer }>;
  };
  kRtmServiceType: number;
};

const PRODUCT = 'signaling';
export const EVENTS_QPS = 10;
export const MESSAGES_QPS = 500;
export const MAX_EVENTS_KEPT = 2000;
export const MAX_EVENTS_PER_READ = 1000;
const DEFAULT_REGION = 'na';
const REGIONS = new Set<string>(SIGNALING_REGIONS);
const PRINTABLE = /^[\x20-\x7e]{1,64}$/;

declare module 'fastify' {
  interface FastifyRequest {
    /** the uid a Signaling token proved (token auth); undefined with Basic auth */
    signalingUid?: string;
  }
}

/** The App Certificate of `appId` in any account: undefined = not found, null = no certificate. */
function appCertificate(world: World, appId: string): { account: AgoraAccount; certificate: string | undefined } | undefined {
  for (const account of world.agoraAccounts) if (appId in account.apps) return { account, certificate: account.apps[appId] };
  return undefined;
}

/** Why a Signaling token is refused for `appId`/`uid`, or undefined when it is good. */
export function checkSignalingToken(world: World, appId: string, token: string, uid: string): string | undefined {
  const app = appCertificate(world, appId);
  if (!app) return 'appid is invalid';
  // a project without App Certificate: the service cannot verify a token and accepts the App ID as one
  if (!app.certificate) return token === '' ? 'token is required' : undefined;
  const t = new AccessToken2();
  if (!t.from_string(token)) return 'token cannot be parsed';
  if (String(t.appId) !== appId || !t.verifySignature(app.certificate)) return 'token signature does not match this App ID';
  const rtm = t.getServices(kRtmServiceType)[0];
  if (!rtm) return 'token carries no Signaling (RTM) privilege';
  if (String(rtm.__user_id ?? '') !== uid) return 'token was issued for another uid';
  if (t.expire > 0 && t.issueTs + t.expire < Math.floor(world.now() / 1000)) return 'token expired';
  return undefined;
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * preHandler: a Signaling token (`x-agora-token` or `Authorization: agora token=…`, with `x-agora-uid`),
 * else Basic auth. `basic: false` refuses Basic (Flexible Classroom documents token auth only).
 */
export function signalingAuth(world: World, opts: { basic?: boolean } = {}) {
  const basic = agoraBasicAuth(world);
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const authz = header(req, 'authorization') ?? '';
    const postman = /^agora\s+token=(.*)$/i.exec(authz);
    const token = header(req, 'x-agora-token') ?? postman?.[1];
    if (token === undefined) {
      if (opts.basic === false) return reply.code(401).send({ message: 'Unauthorized: x-agora-token and x-agora-uid are required' });
      return basic(req, reply);
    }
    const uid = header(req, 'x-agora-uid');
    if (!uid) return reply.code(401).send({ message: 'Unauthorized: x-agora-uid is required with x-agora-token' });
    const appId = (req.params as { appid?: string }).appid ?? '';
    const refusal = checkSignalingToken(world, appId, token.trim(), uid);
    if (refusal) return reply.code(401).send({ message: `Unauthorized: ${refusal}` });
    req.signalingUid = uid;
  };
}

type Kind = 'user' | 'channel';
interface StoredEvent {
  user_id: string;
  type: string;
  ms: number;
  group_id?: string;
}
interface Message {
  appId: string;
  seq: number;
  at: number;
  kind: 'peer' | 'channel';
  from: string;
  to: string;
  payload: string;
  code: string;
}

const RegionsBody = z.array(z.enum(SIGNALING_REGIONS)).min(1).optional();
const OnlineBody = z.strictObject({ online: z.boolean(), regions: RegionsBody });
const JoinedBody = z.strictObject({ joined: z.boolean(), regions: RegionsBody });
const EventsBody = z.strictObject({
  kind: z.enum(['user', 'channel']),
  events: z.array(z.strictObject({ user_id: z.string(), type: z.string(), ms: z.number().int().optional(), group_id: z.string().optional() })).max(10_000),
  regions: RegionsBody,
});

export function registerAgoraSignaling(app: FastifyInstance, ctx: EmulatorContext): void {
  const { world, limits } = ctx;
  const auth = signalingAuth(world);
  const labels = (operation: string) => ({ labels: { vendor: 'agora' as const, product: PRODUCT, operation } });
  /** appId → region → kind → events (oldest first) */
  const stores = new Map<string, StoredEvent[]>();
  const store = (appId: string, region: string, kind: Kind) => {
    const key = `${appId}\u0000${region}\u0000${kind}`;
    let s = stores.get(key);
    if (!s) stores.set(key, (s = []));
    return s;
  };
  const online = new Set<string>();
  const inbox: Message[] = [];
  let nextSeq = 1;

  const addEvent = (appId: string, kind: Kind, e: StoredEvent, regions: readonly string[] = SIGNALING_REGIONS) => {
    for (const r of regions) {
      const s = store(appId, r, kind);
      s.push({ ...e });
      // "the latest event replaces the oldest event"
      if (s.length > MAX_EVENTS_KEPT) s.splice(0, s.length - MAX_EVENTS_KEPT);
    }
  };

  const regionOf = (req: FastifyRequest, reply: FastifyReply): string | undefined => {
    const r = (req.params as { region?: string }).region ?? DEFAULT_REGION;
    if (!REGIONS.has(r)) {
      reply.code(404).send({ message: 'no Route matched with those values' });
      return undefined;
    }
    return r;
  };

  const validId = (v: unknown): v is string => typeof v === 'string' && PRINTABLE.test(v);
  const badPayload = (p: unknown) => typeof p !== 'string' || p === '' || Buffer.byteLength(p, 'utf8') > MAX_SIGNALING_PAYLOAD_BYTES;
  const optionalBool = (v: unknown) => v === undefined || v === null || typeof v === 'boolean';

  // ---- events ----
  const events = (kind: Kind) => async (req: FastifyRequest, reply: FastifyReply) => {
    const region = regionOf(req, reply);
    if (!region) return reply;
    const { appid } = req.params as { appid: string };
    if (limits.refuse(reply, `signaling-events:${appid}`, EVENTS_QPS, 1_000, { result: 'failed', message: 'Too many requests' })) return reply;
    const s = store(appid, region, kind);
    const taken = s.splice(0, MAX_EVENTS_PER_READ);
    return { result: 'success', request_id: String(nextSeq++), events: taken };
  };
  for (const prefix of ['', '/:region']) {
    app.get(`${prefix}/dev/v2/project/:appid/rtm/vendor/user_events`, { config: labels('userEvents'), preHandler: [auth] }, events('user'));
    app.get(`${prefix}/dev/v2/project/:appid/rtm/vendor/channel_events`, { config: labels('channelEvents'), preHandler: [auth] }, events('channel'));
  }

  // ---- messages ----
  const message = (kind: 'peer' | 'channel') => async (req: FastifyRequest, reply: FastifyReply) => {
    const { appid, user_id } = req.params as { appid: string; user_id: string };
    const body = (req.body ?? {}) as Record<string, unknown>;
    const to = kind === 'peer' ? body.destination : body.channel_name;
    req.logRef = { ...req.logRef, cname: typeof to === 'string' ? to : undefined };
    if (req.signalingUid !== undefined && req.signalingUid !== user_id) {
      return reply.code(401).send({ result: 'failed', message: 'with token authentication messages are sent only as the uid of the token' });
    }
    if (limits.refuse(reply, `signaling-messages:${appid}`, MESSAGES_QPS, 1_000, { result: 'failed', message: 'Too many requests' })) return reply;
    if (typeof body !== 'object' || Array.isArray(body)) return reply.code(400).send({ result: 'failed', message: 'invalid request body' });
    if (!validId(user_id)) return reply.code(400).send({ result: 'failed', message: 'invalid user_id' });
    if (!validId(to)) return reply.code(400).send({ result: 'failed', message: `invalid ${kind === 'peer' ? 'destination' : 'channel_name'}` });
    if (badPayload(body.payload)) return reply.code(400).send({ result: 'failed', message: 'invalid payload: must be a non-empty string of at most 32 KB' });
    if (!optionalBool(body.enable_historical_messaging) || !optionalBool(body.enable_offline_messaging))
      return reply.code(400).send({ result: 'failed', message: 'invalid parameter' });
    let code = 'message_sent';
    if (kind === 'peer' && (req.query as { wait_for_ack?: string }).wait_for_ack === 'true') {
      code = online.has(`${appid}\u0000${to}`) ? 'message_delivered' : 'message_offline';
    }
    inbox.push({ appId: appid, seq: nextSeq, at: world.now(), kind, from: user_id, to: to as string, payload: body.payload as string, code });
    if (inbox.length > 10_000) inbox.splice(0, inbox.length - 10_000);
    const requestId = String(nextSeq++);
    return code === 'message_offline' ? { request_id: requestId, code } : { result: 'success', request_id: requestId, code };
  };
  app.post('/dev/v2/project/:appid/rtm/users/:user_id/peer_messages', { config: labels('peerMessage'), preHandler: [auth] }, message('peer'));
  app.post('/dev/v2/project/:appid/rtm/users/:user_id/channel_messages', { config: labels('channelMessage'), preHandler: [auth] }, message('channel'));

  // ---- control ----
  const base = '/_emulator/agora/signaling/:appId';
  app.post(`${base}/users/:uid`, async (req, reply) => {
    const { appId, uid } = req.params as { appId: string; uid: string };
    const body = OnlineBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ message: body.error.message });
    const key = `${appId}\u0000${uid}`;
    if (body.data.online) online.add(key);
    else online.delete(key);
    const event = { user_id: uid, type: body.data.online ? 'Login' : 'Logout', ms: Math.floor(world.now()) };
    addEvent(appId, 'user', event, body.data.regions);
    return reply.code(201).send(event);
  });
  app.post(`${base}/channels/:channel/users/:uid`, async (req, reply) => {
    const { appId, channel, uid } = req.params as { appId: string; channel: string; uid: string };
    const body = JoinedBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ message: body.error.message });
    const event = { group_id: channel, user_id: uid, type: body.data.joined ? 'Join' : 'Leave', ms: Math.floor(world.now()) };
    addEvent(appId, 'channel', event, body.data.regions);
    return reply.code(201).send(event);
  });
  app.post(`${base}/events`, async (req, reply) => {
    const { appId } = req.params as { appId: string };
    const body = EventsBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ message: body.error.message });
    for (const e of body.data.events) addEvent(appId, body.data.kind, { ...e, ms: e.ms ?? Math.floor(world.now()) }, body.data.regions);
    return reply.code(201).send({ added: body.data.events.length });
  });
  app.get(`${base}/events`, async (req) => {
    const { appId } = req.params as { appId: string };
    const q = req.query as { region?: string; kind?: string };
    return { events: [...store(appId, q.region ?? DEFAULT_REGION, q.kind === 'channel' ? 'channel' : 'user')] };
  });
  app.get(`${base}/inbox`, async (req) => {
    const { appId } = req.params as { appId: string };
    const q = req.query as { to?: string };
    return { messages: inbox.filter((m) => m.appId === appId && (q.to === undefined || m.to === q.to)) };
  });
}
