/**
 * Emulated Agora Channel Management (agora.md §9) over the simulated world's channels:
 *
 *   banning user privileges  POST/GET/PUT/DELETE /dev/v1/kicking-rule
 *     A `join_channel` rule kicks the matching users out of the simulated channels at once and keeps
 *     them out (the control API answers 403 BANNED_BY_SERVER) until it expires by the emulator clock
 *     or is deleted. A rule banning both `publish_audio` and `publish_video` mutes the matching users
 *     (the world has one publishing flag) while it lasts. `time`/`time_in_seconds` are clamped as
 *     documented; 0 kicks the matching users once and creates no rule; neither means 60 minutes.
 *   online statistics        GET /dev/v1/channel/{appid}, /dev/v1/channel/user/{appid}/{channelName}
 *     (and /hosts_only), /dev/v1/channel/user/property/{appid}/{uid}/{channelName}
 *     reporting the world's channels and users: hosts and audience in live broadcasting channels (the
 *     default profile), plain users in communication channels; vendor bots count as audience.
 *
 * The request log names the rule id as `resourceId` (create, update, delete).
 *
 * Rate limits are per Agora account and per API: 20 QPS for each statistics API, 10 QPS for each
 * kicking-rule API (429 with Retry-After). Errors are `{message}` with the documented statuses
 * (400, 401, 404, 415, 429). get-ncs-ip is served alongside (./ncs.ts).
 */
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { describeIssues } from '../../src/schemas/issues';
import { BAN_PRIVILEGES, ChannelName, DEFAULT_BAN_SECONDS, type BanPrivilege } from '../../src/schemas/agora/channel';
import type { EmulatorContext } from '../context';
import type { Channel, ChannelUser } from '../world';
import { agoraBasicAuth } from './auth';
import { registerAgoraNcsIp } from './ncs';

const PRODUCT = 'channel-management';
/** per account, per API (agora.md §1.4) */
export const STATS_QPS = 20;
export const RULE_QPS = 10;
const MAX_UID = 4294967295;
/** the user list returns the first 10 000 audience members */
const AUDIENCE_LIST_LIMIT = 10_000;

interface BanRule {
  id: number;
  appId: string;
  cname?: string;
  uid?: number;
  ip?: string;
  privileges: BanPrivilege[];
  opid: number;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
}

const Duration = z.number().min(0).nullish();
/** What the vendor accepts: unknown fields ignored, nulls treated as absent, ranges clamped later. */
const CreateBody = z.looseObject({
  appid: z.string().min(1),
  cname: z.string().nullish(),
  uid: z.number({ error: 'uid must be a Number (string user accounts are not supported)' }).nullish(),
  ip: z.string().nullish(),
  time: Duration,
  time_in_seconds: Duration,
  privileges: z.array(z.string()),
});
const UpdateBody = z.looseObject({ appid: z.string().min(1), id: z.number().int(), time: Duration, time_in_seconds: Duration });
const DeleteBody = z.looseObject({ appid: z.string().min(1), id: z.number().int() });

const iso = (ms: number) => new Date(ms).toISOString();

/** The integer uid of a world user, or undefined for a string account. */
function intUid(uid: string): number | undefined {
  if (!/^\d{1,10}$/.test(uid)) return undefined;
  const n = Number(uid);
  return n >= 1 && n <= MAX_UID ? n : undefined;
}

/** Ban duration in seconds, as the vendor applies it (agora.md §9.1). */
export function banSeconds(b: { time?: number | null; time_in_seconds?: number | null }): number {
  if (b.time_in_seconds != null) return b.time_in_seconds === 0 ? 0 : Math.min(86_430, Math.max(10, b.time_in_seconds));
  if (b.time != null) return b.time === 0 ? 0 : Math.min(1440, Math.max(1, b.time)) * 60;
  return DEFAULT_BAN_SECONDS;
}

export function registerAgoraChannelManagement(app: FastifyInstance, ctx: EmulatorContext): void {
  const { world, limits } = ctx;
  const auth = agoraBasicAuth(world);
  const labels = (operation: string) => ({ labels: { vendor: 'agora' as const, product: PRODUCT, operation } });
  /** 429 once this account used up its calls of this API in the current second */
  const limit = (operation: string, qps: number) => async (req: FastifyRequest, reply: FastifyReply) => {
    if (limits.refuse(reply, `agora/${req.agoraAccount!.customerId}/${PRODUCT}/${operation}`, qps)) return reply;
  };
  const route = (operation: string, qps: number) => ({ config: labels(operation), preHandler: [auth, limit(operation, qps)] });

  const rules = new Map<number, BanRule>();
  let nextId = 1001;
  let nextOpid = 1;
  /** users a publish ban switched off, to switch back on when no ban covers them any more */
  const muted = new Map<ChannelUser, Channel>();

  const active = (r: BanRule) => r.expiresAt > world.now();
  const matches = (r: BanRule, appId: string, cname: string, user: { uid: string; ip?: string }) =>
    r.appId === appId && (r.cname === undefined || r.cname === cname) && (r.uid === undefined || intUid(user.uid) === r.uid) && (r.ip === undefined || user.ip === r.ip);
  const silences = (r: { privileges: BanPrivilege[] }) => r.privileges.includes('publish_audio') && r.privileges.includes('publish_video');
  const silenced = (ch: Channel, user: ChannelUser) => [...rules.values()].some((r) => active(r) && silences(r) && matches(r, ch.appId, ch.cname, user));

  /** The humans of the app's channels a rule (or a kick) targets. Vendor bots are left alone. */
  const targets = (r: BanRule) => {
    const hit: Array<{ ch: Channel; user: ChannelUser }> = [];
    for (const ch of world.listChannels()) {
      if (ch.appId !== r.appId) continue;
      for (const user of ch.users.values()) if (!user.bot && matches(r, ch.appId, ch.cname, user)) hit.push({ ch, user });
    }
    return hit;
  };
  const kick = (r: BanRule) => {
    for (const { ch, user } of targets(r)) {
      muted.delete(user);
      world.userLeaves(ch.appId, ch.cname, user.uid);
    }
  };
  const mute = (ch: Channel, user: ChannelUser) => {
    if (!user.publishing) return;
    user.publishing = false;
    muted.set(user, ch);
  };
  /** Users whose publish ban is gone publish again (if they are still in the channel). */
  const release = () => {
    for (const [user, ch] of muted) {
      if (ch.users.get(user.uid) !== user) muted.delete(user);
      else if (!silenced(ch, user)) {
        user.publishing = true;
        ch.everPublished.add(user.uid);
        muted.delete(user);
      }
    }
  };
  /** A rule takes effect: kick for join_channel, mute for a full publish ban. */
  const enforce = (r: BanRule) => {
    if (r.privileges.includes('join_channel')) kick(r);
    else if (silences(r)) for (const { ch, user } of targets(r)) mute(ch, user);
  };
  const endRule = (r: BanRule) => {
    rules.delete(r.id);
    release();
  };

  world.addJoinGuard((appId, cname, candidate) => {
    const r = [...rules.values()].find((x) => active(x) && x.privileges.includes('join_channel') && matches(x, appId, cname, candidate));
    return r ? `uid ${candidate.uid} is banned from joining ${cname} by kicking rule ${r.id} until ${iso(r.expiresAt)}` : undefined;
  });
  world.onUserJoin((ch, user) => {
    if (!user.bot && silenced(ch, user)) mute(ch, user);
  });
  world.onTick(() => {
    for (const r of [...rules.values()]) if (!active(r)) endRule(r);
  });

  // ---- request helpers ----

  const bad = (reply: FastifyReply, message: string) => reply.code(400).send({ message });
  /** Body-carrying calls need Content-Type application/json (415 otherwise, as documented). */
  const jsonBody = (req: FastifyRequest, reply: FastifyReply): Record<string, unknown> | undefined => {
    const ct = req.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(ct)) {
      reply.code(415).send({ message: 'Unsupported Media Type: set Content-Type to application/json' });
      return undefined;
    }
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      bad(reply, 'the request body must be a JSON object');
      return undefined;
    }
    return req.body as Record<string, unknown>;
  };
  /** The App ID in a body or query must belong to the authenticated account. */
  const ownsApp = (req: FastifyRequest, reply: FastifyReply, appid: string): boolean => {
    if (appid in (req.agoraAccount?.apps ?? {})) return true;
    reply.code(400).send({ message: 'invalid appid' });
    return false;
  };
  const ruleJson = (r: BanRule) => ({
    id: r.id,
    appid: r.appId,
    ...(r.uid !== undefined ? { uid: r.uid } : {}),
    opid: r.opid,
    ...(r.cname !== undefined ? { cname: r.cname } : {}),
    ...(r.ip !== undefined ? { ip: r.ip } : {}),
    ts: iso(r.expiresAt),
    privileges: [...r.privileges],
    createAt: iso(r.createdAt),
    updateAt: iso(r.updatedAt),
  });
  const findRule = (req: FastifyRequest, reply: FastifyReply, appid: string, id: number): BanRule | undefined => {
    const r = rules.get(id);
    if (!r || r.appId !== appid || !active(r)) {
      reply.code(404).send({ message: `kicking rule ${id} not found` });
      return undefined;
    }
    if (r.cname) req.logRef = { ...req.logRef, cname: r.cname };
    return r;
  };

  // ---- banning user privileges ----

  app.post('/dev/v1/kicking-rule', route('createRule', RULE_QPS), async (req, reply) => {
    const raw = jsonBody(req, reply);
    if (!raw) return reply;
    const parsed = CreateBody.safeParse(raw);
    if (!parsed.success) return bad(reply, `invalid parameter: ${describeIssues(parsed.error, 'body')}`);
    const b = parsed.data;
    if (!ownsApp(req, reply, b.appid)) return reply;
    const cname = b.cname ?? undefined;
    const uid = b.uid ?? undefined;
    const ip = b.ip ?? undefined;
    if (cname !== undefined) {
      const c = ChannelName.safeParse(cname);
      if (!c.success) return bad(reply, `invalid parameter: cname: ${c.error.issues[0]!.message}`);
    }
    if (uid !== undefined && (!Number.isInteger(uid) || uid < 1 || uid > MAX_UID)) {
      return bad(reply, 'invalid parameter: uid must be an integer from 1 to 2^32-1 (do not set it to 0)');
    }
    if (ip !== undefined && (ip === '0' || isIP(ip) === 0)) return bad(reply, 'invalid parameter: ip must be an IP address (do not set it to 0)');
    if (cname === undefined && uid === undefined && ip === undefined) return bad(reply, 'invalid parameter: set cname, uid or ip');
    const unknown = b.privileges.filter((p) => !(BAN_PRIVILEGES as readonly string[]).includes(p));
    if (b.privileges.length === 0 || unknown.length > 0) {
      return bad(reply, `invalid parameter: privileges must be a non-empty subset of ${BAN_PRIVILEGES.join(', ')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
    }
    const now = world.now();
    const seconds = banSeconds(b);
    const rule: BanRule = {
      id: nextId++,
      appId: b.appid,
      cname,
      uid,
      ip,
      privileges: [...new Set(b.privileges as BanPrivilege[])],
      opid: nextOpid++,
      createdAt: now,
      updatedAt: now,
      expiresAt: now + seconds * 1000,
    };
    req.logRef = { ...req.logRef, resourceId: String(rule.id) };
    if (seconds === 0) {
      // "the banning rule does not take effect": the matching users go offline once and may rejoin
      kick(rule);
    } else {
      rules.set(rule.id, rule);
      enforce(rule);
    }
    return { status: 'success', id: rule.id };
  });

  app.get('/dev/v1/kicking-rule', route('listRules', RULE_QPS), async (req, reply) => {
    const appid = (req.query as Record<string, unknown>).appid;
    if (typeof appid !== 'string' || !appid) return bad(reply, 'invalid parameter: appid is required');
    if (!ownsApp(req, reply, appid)) return reply;
    const list = [...rules.values()].filter((r) => r.appId === appid && active(r)).sort((a, b) => a.id - b.id);
    return { status: 'success', rules: list.map(ruleJson) };
  });

  app.put('/dev/v1/kicking-rule', route('updateRule', RULE_QPS), async (req, reply) => {
    const raw = jsonBody(req, reply);
    if (!raw) return reply;
    const parsed = UpdateBody.safeParse(raw);
    if (!parsed.success) return bad(reply, `invalid parameter: ${describeIssues(parsed.error, 'body')}`);
    const b = parsed.data;
    if (!ownsApp(req, reply, b.appid)) return reply;
    req.logRef = { ...req.logRef, resourceId: String(b.id) };
    const rule = findRule(req, reply, b.appid, b.id);
    if (!rule) return reply;
    const now = world.now();
    const seconds = banSeconds(b);
    rule.updatedAt = now;
    rule.opid = nextOpid++;
    rule.expiresAt = now + seconds * 1000;
    if (seconds === 0) {
      // the rule stops; the matching users are set offline once and may rejoin
      endRule(rule);
      kick(rule);
    }
    return { status: 'success', result: { id: rule.id, ts: iso(rule.expiresAt) } };
  });

  app.delete('/dev/v1/kicking-rule', route('deleteRule', RULE_QPS), async (req, reply) => {
    const raw = jsonBody(req, reply);
    if (!raw) return reply;
    const parsed = DeleteBody.safeParse(raw);
    if (!parsed.success) return bad(reply, `invalid parameter: ${describeIssues(parsed.error, 'body')}`);
    const b = parsed.data;
    if (!ownsApp(req, reply, b.appid)) return reply;
    req.logRef = { ...req.logRef, resourceId: String(b.id) };
    const rule = findRule(req, reply, b.appid, b.id);
    if (!rule) return reply;
    endRule(rule);
    return { status: 'success', id: rule.id };
  });

  // ---- online channel statistics ----

  /** The world's channel, without creating one; undefined when nobody is in it. */
  const online = (appId: string, cname: string): Channel | undefined => {
    const ch = world.listChannels().find((c) => c.appId === appId && c.cname === cname);
    return ch && ch.users.size > 0 ? ch : undefined;
  };
  const isLive = (ch: Channel) => ch.profile !== 'communication';
  const isHost = (u: ChannelUser) => !u.bot && (u.role ?? (u.publishing ? 'host' : 'audience')) === 'host';
  const ids = (users: ChannelUser[]) => users.map((u) => intUid(u.uid)).filter((n): n is number => n !== undefined);

  const userList = (ch: Channel | undefined, hostsOnly: boolean) => {
    if (!ch) return { channel_exist: false };
    const users = [...ch.users.values()];
    if (!isLive(ch)) return hostsOnly ? { channel_exist: true, mode: 1 } : { channel_exist: true, mode: 1, total: users.length, users: ids(users) };
    const broadcasters = ids(users.filter(isHost));
    if (hostsOnly) return { channel_exist: true, mode: 2, broadcasters };
    const audience = users.filter((u) => !isHost(u));
    return { channel_exist: true, mode: 2, broadcasters, audience: ids(audience).slice(0, AUDIENCE_LIST_LIMIT), audience_total: audience.length };
  };

  const channelParams = (req: FastifyRequest) => {
    const p = req.params as { appid: string; channelName: string };
    req.logRef = { ...req.logRef, cname: p.channelName };
    return p;
  };

  app.get('/dev/v1/channel/user/property/:appid/:uid/:channelName', route('userStatus', STATS_QPS), async (req, reply) => {
    const { appid, channelName } = channelParams(req);
    const raw = (req.params as { uid: string }).uid;
    const uid = intUid(raw);
    if (uid === undefined) return bad(reply, 'invalid parameter: uid must be an integer user ID from 1 to 2^32-1; string user accounts are not supported');
    const ch = online(appid, channelName);
    const user = ch && [...ch.users.values()].find((u) => intUid(u.uid) === uid);
    if (!ch || !user) return { success: true, data: { in_channel: false } };
    const role = !isLive(ch) ? 1 : isHost(user) ? 2 : 3;
    return {
      success: true,
      data: { join: Math.floor(user.joinedAt / 1000), uid, in_channel: true, platform: user.platform ?? (user.bot ? 6 : 0), role },
    };
  });

  app.get('/dev/v1/channel/user/:appid/:channelName', route('userList', STATS_QPS), async (req) => {
    const { appid, channelName } = channelParams(req);
    const hostsOnly = Object.prototype.hasOwnProperty.call(req.query ?? {}, 'hosts_only');
    return { success: true, data: userList(online(appid, channelName), hostsOnly) };
  });

  app.get('/dev/v1/channel/user/:appid/:channelName/hosts_only', route('hostList', STATS_QPS), async (req) => {
    const { appid, channelName } = channelParams(req);
    return { success: true, data: userList(online(appid, channelName), true) };
  });

  const channelList = async (req: FastifyRequest, reply: FastifyReply) => {
    const { appid } = req.params as { appid: string };
    const q = req.query as Record<string, unknown>;
    const num = (v: unknown) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN);
    const pageNo = q.page_no === undefined ? 0 : num(q.page_no);
    const pageSize = q.page_size === undefined ? 100 : num(q.page_size);
    if (!(pageNo >= 0)) return bad(reply, 'invalid parameter: page_no must be an integer ≥ 0');
    if (!(pageSize >= 1 && pageSize <= 500)) return bad(reply, 'invalid parameter: page_size must be an integer from 1 to 500');
    const all = world.listChannels().filter((c) => c.appId === appid && c.users.size > 0);
    const page = all.slice(pageNo * pageSize, (pageNo + 1) * pageSize);
    return { success: true, data: { channels: page.map((c) => ({ channel_name: c.cname, user_count: c.users.size })), total_size: all.length } };
  };
  app.get('/dev/v1/channel/:appid', route('channelList', STATS_QPS), channelList);
  app.get('/dev/v1/channel/:appid/', route('channelList', STATS_QPS), channelList);

  // get-ncs-ip lives with the other RTC management routes (one PRODUCTS entry)
  registerAgoraNcsIp(app, ctx);
}
