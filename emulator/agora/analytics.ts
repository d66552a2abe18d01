/**
 * Emulated Agora Analytics (agora.md §12, paid), Basic auth, every route GET:
 *
 *   Call Search   /beta/analytics/call/lists | sessions | metrics | statistics | statistics/time and
 *                 /beta/analytics/call/freeze/bucxket (the seed's path, misspelled; only it is served, as
 *                 the only documented one: the client's fallback to /freeze/bucket is for a fixed service)
 *   Data Insights /beta/insight/quality/by_time, /beta/insight/usage/by_time
 *   Realtime      /beta/realtime/quality/by_time_20sec, /beta/realtime/usage/by_time_20sec
 *
 * The seeds give no response schemas; the answers here are plausible and derived from what the emulator
 * holds: a call is a channel of the App ID that has users now or had Cloud Recordings (created at the
 * first join or recording start, destroyed at the last activity, or "now" while people are in it); its
 * sessions are the users in it now (platform from the control API) and its recorders; user counts come
 * from the users present at each time. Quality values are steady pseudo-random numbers per channel and
 * user (the same query answers the same), in ranges a healthy call has. Shapes: Call Search answers
 * `call_lists`, `call_info` (the keys the seed's scripts read), `metrics`, `statistics`, `buckets`;
 * series answer `{data: [{ts, value}]}`.
 *
 * 400 `{message}` for a missing or malformed parameter, an unknown App ID, an unknown metric or
 * dimension, or a window of more than 10 000 points; 404 for an unknown call_id. No rate limit is
 * documented, none is enforced.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CALL_STATISTICS_DIMENSIONS, CALL_TIME_METRICS, FREEZE_METRICS, INSIGHT_QUALITY_METRICS, PRODUCT_TYPES, REALTIME_USAGE_METRICS } from '../../src/schemas/agora/analytics';
import type { EmulatorContext } from '../context';
import type { VendorTask, World } from '../world';
import { agoraBasicAuth } from './auth';

const PRODUCT = 'analytics';
const MAX_POINTS = 10_000;
const PLATFORMS: Record<number, string> = { 1: 'Android', 2: 'iOS', 5: 'Windows', 6: 'Linux', 7: 'Web', 8: 'macOS', 0: 'Other' };

/** A steady number in [0, 1) for a key. */
export function steady(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

interface Member {
  uid: string;
  bot: boolean;
  joinTs: number;
  leaveTs: number;
  platform?: number;
}
interface Call {
  callId: string;
  cname: string;
  created: number;
  destroyed: number;
  ongoing: boolean;
  members: Member[];
}

/** The calls of an App ID, from the world's channels and its Cloud Recording ledger (seconds). */
export function callsOf(world: World, appId: string): Call[] {
  const now = Math.floor(world.now() / 1000);
  const recs = new Map<string, VendorTask[]>();
  for (const t of world.listTasks({ product: 'cloud-recording' })) {
    if (t.appId !== appId || t.cname === undefined) continue;
    recs.set(t.cname, [...(recs.get(t.cname) ?? []), t]);
  }
  const calls: Call[] = [];
  for (const ch of world.listChannels()) {
    if (ch.appId !== appId) continue;
    const members: Member[] = [...ch.users.values()]
      .filter((u) => !u.bot)
      .map((u) => ({ uid: u.uid, bot: false, joinTs: Math.floor(u.joinedAt / 1000), leaveTs: now, platform: u.platform }));
    for (const t of recs.get(ch.cname) ?? []) {
      members.push({ uid: `recorder-${t.id.slice(0, 8)}`, bot: true, joinTs: Math.floor(t.startedAt / 1000), leaveTs: Math.floor((t.endedAt ?? world.now()) / 1000) });
    }
    if (members.length === 0) continue;
    const ongoing = members.some((m) => !m.bot);
    const created = Math.min(...members.map((m) => m.joinTs));
    const destroyed = ongoing ? now : Math.max(Math.floor(ch.lastOccupiedAt / 1000), ...members.map((m) => m.leaveTs));
    const callId = createHash('sha256').update(`${appId}/${ch.cname}/${created}`).digest('hex').slice(0, 32);
    calls.push({ callId, cname: ch.cname, created, destroyed, ongoing, members });
  }
  return calls.sort((a, b) => a.created - b.created);
}

const sidOf = (call: Call, m: Member) => createHash('sha256').update(`${call.callId}/${m.uid}/${m.joinTs}`).digest('hex').slice(0, 32).toUpperCase();

/** A plausible value of a quality metric for a key (a channel, a user), steady per key and time bucket. */
export function qualityValue(metric: string, key: string): number {
  const r = steady(`${metric}/${key}`);
  switch (metric) {
    case 'networkDelay':
      return Math.round(40 + r * 80); // ms
    case 'joinSuccessRate':
      return round4(0.985 + r * 0.015);
    case 'joinSuccessIn5sRate':
      return round4(0.95 + r * 0.045);
    case 'audioFreezeRate':
    case 'audio_freeze_rate':
      return round4(r * 0.01);
    case 'videoFreezeRate':
    case 'video_freeze_rate':
      return round4(r * 0.03);
    default:
      return round4(r);
  }
}
const round4 = (v: number) => Math.round(v * 10_000) / 10_000;

export function registerAgoraAnalytics(app: FastifyInstance, ctx: EmulatorContext): void {
  const { world } = ctx;
  const auth = agoraBasicAuth(world);
  const route = (operation: string) => ({ config: { labels: { vendor: 'agora' as const, product: PRODUCT, operation } }, preHandler: [auth] });
  const bad = (reply: FastifyReply, message: string) => reply.code(400).send({ message });

  /** The query's App ID (must be the account's) and window; answers 400 and returns undefined otherwise. */
  const common = (req: FastifyRequest, reply: FastifyReply, names: { start: string; end: string }) => {
    const q = req.query as Record<string, string | undefined>;
    const appid = q.appid;
    if (!appid) return void bad(reply, 'appid is required');
    if (!(appid in req.agoraAccount!.apps)) return void bad(reply, 'appid is invalid');
    const start = Number(q[names.start]);
    const end = Number(q[names.end]);
    if (!q[names.start] || !q[names.end] || !Number.isInteger(start) || !Number.isInteger(end)) return void bad(reply, `${names.start} and ${names.end} are required Unix seconds`);
    if (start >= end) return void bad(reply, `${names.end} must be after ${names.start}`);
    return { q, appid, start, end };
  };
  const oneOf = (reply: FastifyReply, name: string, value: string | undefined, allowed: readonly string[]): boolean => {
    if (value !== undefined && allowed.includes(value)) return true;
    bad(reply, `${name} must be one of ${allowed.join(', ')}`);
    return false;
  };
  const callOf = (reply: FastifyReply, appid: string, callId: string | undefined): Call | undefined => {
    if (!callId) return void bad(reply, 'call_id is required');
    const call = callsOf(world, appid).find((c) => c.callId === callId);
    if (!call) reply.code(404).send({ message: `call ${callId} not found` });
    return call;
  };
  /** time buckets of `step` seconds covering [start, end), none after now (no data from the future) */
  const buckets = (reply: FastifyReply, start: number, end: number, step: number): number[] | undefined => {
    const first = Math.floor(start / step) * step;
    const n = Math.ceil((end - first) / step);
    if (n > MAX_POINTS) return void bad(reply, `the window holds more than ${MAX_POINTS} points: narrow it`);
    const now = world.now() / 1000;
    return Array.from({ length: n }, (_, i) => first + i * step).filter((t) => t <= now);
  };
  const humansAt = (members: Member[], t: number, step: number) => members.filter((m) => !m.bot && m.joinTs < t + step && m.leaveTs >= t);
  const stepOf = (g: string | undefined, fallback: number): number | undefined => {
    const m = /^(\d+)([mhd])$/.exec(g ?? '');
    if (!g) return fallback;
    if (!m || Number(m[1]) < 1) return undefined;
    return Number(m[1]) * { m: 60, h: 3600, d: 86_400 }[m[2] as 'm' | 'h' | 'd'];
  };

  // ---- Call Search ----

  app.get('/beta/analytics/call/lists', route('callLists'), async (req, reply) => {
    const c = common(req, reply, { start: 'start_ts', end: 'end_ts' });
    if (!c) return reply;
    const calls = callsOf(world, c.appid).filter((k) => k.created <= c.end && k.destroyed >= c.start);
    return { call_lists: calls.map((k) => ({ call_id: k.callId, cname: k.cname, created_ts: k.created, destroyed_ts: k.destroyed, ongoing: k.ongoing })) };
  });

  app.get('/beta/analytics/call/sessions', route('callSessions'), async (req, reply) => {
    const c = common(req, reply, { start: 'start_ts', end: 'end_ts' });
    if (!c) return reply;
    const call = callOf(reply, c.appid, c.q.call_id);
    if (!call) return reply;
    return {
      call_info: call.members.map((m) => ({
        sid: sidOf(call, m),
        uid: m.uid,
        cname: call.cname,
        join_ts: m.joinTs,
        leave_ts: m.leaveTs,
        os: m.bot ? 'Linux' : (PLATFORMS[m.platform ?? 0] ?? 'Other'),
        sdk_version: m.bot ? 'cloud-recording' : '4.23.0',
        net: m.bot ? 'wired' : steady(`${m.uid}/net`) < 0.7 ? 'wifi' : '4g',
        country: 'US',
        region: 'CA',
        device: m.bot ? 'server' : steady(`${m.uid}/device`) < 0.5 ? 'phone' : 'desktop',
      })),
    };
  });

  app.get('/beta/analytics/call/metrics', route('callMetrics'), async (req, reply) => {
    const c = common(req, reply, { start: 'start_ts', end: 'end_ts' });
    if (!c) return reply;
    const call = callOf(reply, c.appid, c.q.call_id);
    if (!call) return reply;
    const sids = (c.q.sids ?? '').split(',').filter(Boolean);
    if (sids.length === 0) return bad(reply, 'sids is required');
    const bySid = new Map(call.members.map((m) => [sidOf(call, m), m]));
    const metrics = sids.flatMap((sid) => {
      const m = bySid.get(sid);
      if (!m) return [];
      const from = Math.max(m.joinTs, c.start);
      const to = Math.min(m.leaveTs, c.end);
      const points = to > from ? Array.from({ length: Math.min(MAX_POINTS, Math.ceil((to - from) / 60)) }, (_, i) => from + i * 60) : [];
      const series = (metric: string) => points.map((ts) => ({ ts, value: qualityValue(metric, `${sid}/${ts}`) }));
      return [{ sid, uid: m.uid, network_delay: series('networkDelay'), audio_freeze_rate: series('audio_freeze_rate'), video_freeze_rate: series('video_freeze_rate') }];
    });
    return { metrics };
  });

  app.get('/beta/analytics/call/statistics', route('callStatistics'), async (req, reply) => {
    const c = common(req, reply, { start: 'start_ts', end: 'end_ts' });
    if (!c) return reply;
    if (!oneOf(reply, 'dimension', c.q.dimension, CALL_STATISTICS_DIMENSIONS) || !oneOf(reply, 'metric', c.q.metric, FREEZE_METRICS)) return reply;
    const call = callOf(reply, c.appid, c.q.call_id);
    if (!call) return reply;
    const groups = new Map<string, Member[]>();
    for (const m of call.members.filter((x) => !x.bot)) {
      const key =
        c.q.dimension === 'os'
          ? (PLATFORMS[m.platform ?? 0] ?? 'Other')
          : c.q.dimension === 'net'
            ? steady(`${m.uid}/net`) < 0.7
              ? 'wifi'
              : '4g'
            : c.q.dimension === 'device'
              ? steady(`${m.uid}/device`) < 0.5
                ? 'phone'
                : 'desktop'
              : c.q.dimension === 'sdk'
                ? '4.23.0'
                : c.q.dimension === 'country'
                  ? 'US'
                  : 'CA';
      groups.set(key, [...(groups.get(key) ?? []), m]);
    }
    const statistics = [...groups.entries()].map(([name, ms]) => ({
      [c.q.dimension!]: name,
      user_count: ms.length,
      [c.q.metric!]: round4(ms.reduce((s, m) => s + qualityValue(c.q.metric!, `${call.callId}/${m.uid}`), 0) / ms.length),
    }));
    return { dimension: c.q.dimension, metric: c.q.metric, statistics };
  });

  app.get('/beta/analytics/call/freeze/bucxket', route('callFreezeBucket'), async (req, reply) => {
    const c = common(req, reply, { start: 'start_ts', end: 'end_ts' });
    if (!c) return reply;
    if (!oneOf(reply, 'metric', c.q.metric, FREEZE_METRICS)) return reply;
    const call = callOf(reply, c.appid, c.q.call_id);
    if (!call) return reply;
    const edges = [0, 0.01, 0.03, 0.05, 0.1, 1];
    const counts = edges.slice(0, -1).map(() => 0);
    for (const m of call.members.filter((x) => !x.bot)) {
      const v = qualityValue(c.q.metric!, `${call.callId}/${m.uid}`);
      const i = edges.findIndex((e, k) => k < edges.length - 1 && v >= e && v < edges[k + 1]!);
      counts[i < 0 ? counts.length - 1 : i]!++;
    }
    return { metric: c.q.metric, buckets: counts.map((user_count, i) => ({ range: `${edges[i]! * 100}-${edges[i + 1]! * 100}%`, user_count })) };
  });

  app.get('/beta/analytics/call/statistics/time', route('callStatisticsTime'), async (req, reply) => {
    const c = common(req, reply, { start: 'start_ts', end: 'end_ts' });
    if (!c) return reply;
    if (!oneOf(reply, 'metric', c.q.metric, CALL_TIME_METRICS)) return reply;
    const call = callOf(reply, c.appid, c.q.call_id);
    if (!call) return reply;
    const ts = buckets(reply, Math.max(c.start, call.created), Math.max(Math.min(c.end, call.destroyed), Math.max(c.start, call.created) + 1), 60);
    if (!ts) return reply;
    const metric = c.q.metric!;
    const data = ts.map((t) => {
      const here = humansAt(call.members, t, 60);
      if (metric === 'user_count') return { ts: t, value: here.length };
      const rate = metric.replace('_user_count', '_rate');
      const frozen = here.filter((m) => qualityValue(rate, `${call.callId}/${m.uid}`) >= 0.01);
      if (metric.endsWith('_user_count')) return { ts: t, value: frozen.length };
      return { ts: t, value: here.length ? round4(here.reduce((s, m) => s + qualityValue(rate, `${call.callId}/${m.uid}/${t}`), 0) / here.length) : null };
    });
    return { metric, data };
  });

  // ---- Data Insights and Realtime ----

  /** Users of the App ID (optionally one channel) over time, from its calls. */
  const series = (appid: string, cname: string | undefined, ts: number[], step: number, value: (t: number, present: Array<{ call: Call; m: Member }>) => number | null) => {
    const calls = callsOf(world, appid).filter((k) => !cname || k.cname === cname);
    return ts.map((t) => {
      const present = calls.flatMap((call) => humansAt(call.members, t, step).map((m) => ({ call, m })));
      return { ts: t, value: value(t, present) };
    });
  };
  const quality = (metric: string, productType: string) => (t: number, present: Array<{ call: Call; m: Member }>) => {
    const users = present.filter(({ m }) => (productType === 'WebRTC') === (m.platform === 7));
    if (users.length === 0) return null;
    return round4(users.reduce((s, { call, m }) => s + qualityValue(metric, `${call.callId}/${m.uid}/${t}`), 0) / users.length);
  };

  app.get('/beta/insight/quality/by_time', route('insightQuality'), async (req, reply) => {
    const c = common(req, reply, { start: 'startTs', end: 'endTs' });
    if (!c) return reply;
    if (!oneOf(reply, 'metric', c.q.metric, INSIGHT_QUALITY_METRICS) || !oneOf(reply, 'productType', c.q.productType, PRODUCT_TYPES)) return reply;
    const step = stepOf(c.q.aggregateGranularity, 3600);
    if (!step) return bad(reply, 'aggregateGranularity must be like 1h or 1d');
    const ts = buckets(reply, c.start, c.end, step);
    if (!ts) return reply;
    return {
      metric: c.q.metric,
      productType: c.q.productType,
      aggregateGranularity: c.q.aggregateGranularity ?? '1h',
      data: series(c.appid, undefined, ts, step, quality(c.q.metric!, c.q.productType!)),
    };
  });

  app.get('/beta/insight/usage/by_time', route('insightUsage'), async (req, reply) => {
    const c = common(req, reply, { start: 'startTs', end: 'endTs' });
    if (!c) return reply;
    if (!oneOf(reply, 'metric', c.q.metric ?? 'userCount', ['userCount'])) return reply;
    const step = stepOf(c.q.aggregateGranularity, 86_400);
    if (!step) return bad(reply, 'aggregateGranularity must be like 1h or 1d');
    const ts = buckets(reply, c.start, c.end, step);
    if (!ts) return reply;
    return {
      metric: 'userCount',
      aggregateGranularity: c.q.aggregateGranularity ?? '1d',
      data: series(c.appid, undefined, ts, step, (_t, p) => new Set(p.map(({ m }) => m.uid)).size),
    };
  });

  app.get('/beta/realtime/quality/by_time_20sec', route('realtimeQuality'), async (req, reply) => {
    const c = common(req, reply, { start: 'startTs', end: 'endTs' });
    if (!c) return reply;
    if (!oneOf(reply, 'metric', c.q.metric, INSIGHT_QUALITY_METRICS) || !oneOf(reply, 'productType', c.q.productType, PRODUCT_TYPES)) return reply;
    const ts = buckets(reply, c.start, c.end, 20);
    if (!ts) return reply;
    return { metric: c.q.metric, productType: c.q.productType, data: series(c.appid, c.q.cname, ts, 20, quality(c.q.metric!, c.q.productType!)) };
  });

  app.get('/beta/realtime/usage/by_time_20sec', route('realtimeUsage'), async (req, reply) => {
    const c = common(req, reply, { start: 'startTs', end: 'endTs' });
    if (!c) return reply;
    if (!oneOf(reply, 'metric', c.q.metric, REALTIME_USAGE_METRICS)) return reply;
    const ts = buckets(reply, c.start, c.end, 20);
    if (!ts) return reply;
    const count =
      c.q.metric === 'channelCount' ? (_t: number, p: Array<{ call: Call }>) => new Set(p.map(({ call }) => call.cname)).size : (_t: number, p: Array<{ m: Member }>) => p.length;
    return { metric: c.q.metric, data: series(c.appid, c.q.cname, ts, 20, count) };
  });
}
