/**
 * The emulated SparkRTC statistical analysis APIs (sparkrtc.md §13), derived from the emulator's rooms
 * (the shared world's channels of SparkRTC apps) and its recording jobs:
 *
 *   §13.1 GET /v1/{project_id}/rtc/rooms              a room with users now is RUNNING (from when it filled,
 *                                                     end_time "-"); a room that only has jobs left is CLOSED
 *                                                     (first job start → last job stop). limit default 10.
 *   §13.3 GET /v1/{project_id}/rtc/realtime/scale     OnlineUsers / RoomCount per minute, from the users in
 *                                                     the rooms now and when they joined
 *   §13.5 GET /v1/{project_id}/rtc/realtime/quality   per minute with users online; steady plausible rates
 *                                                     (all emulated users are native SDKs: webrtc is empty)
 *   §13.7 GET /v1/{project_id}/rtc/history/usage      seconds per UTC day: RecordDuration from every job
 *                                                     (start → stop or now), TranscodeDuration from mixed
 *                                                     jobs, CommunicationDuration from the users in the
 *                                                     rooms now; by the output's height: audio only → audio,
 *                                                     ≤ 360 → video_sd, ≤ 720 → video_hd, above → video_hdp
 *   §13.8 GET /v1/{project_id}/rtc/history/scale      daily, the last 31 days, not today, from the same
 *   §13.9 GET /v1/{project_id}/rtc/history/quality    daily, days with activity only, steady plausible values
 *
 * Behind the same gateway checks as /v2 (AK/SK or token; the path's project must be the caller's:
 * X-Project-Id is checked by the signature path), 30 requests/min per tenant (§17.5, APIG.0308). Errors:
 * 400 `DATA.100011001` "Required String parameter 'x' is not present", 400 `"400"` for a bad value or a
 * window over its limit. An app that is not the tenant's answers empty lists (the seed says nothing).
 * Users who left a room are not remembered by the world: past communication time is not counted.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  HISTORY_QUALITY_FIELDS,
  HISTORY_QUALITY_METRICS,
  HISTORY_SCALE_FIELDS,
  HISTORY_SCALE_METRICS,
  REALTIME_QUALITY_METRICS,
  REALTIME_SCALE_METRICS,
  ROOM_STATES,
  SDK_TYPES,
  USAGE_METRICS,
  statsDate,
  statsTime,
  type UsageKind,
} from '../../src/schemas/sparkrtc/statistics';
import type { EmulatorContext } from '../context';
import { authenticate, captureBody, installErrorHandler, installRequestIds } from './http';
import type { SparkState } from './state';

const PRODUCT = 'statistics';
/** §17.5: statistical analysis, 30 requests/min */
export const STATS_PER_MINUTE = 30;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

type Q = Record<string, string | undefined>;
/** a recording job as the world's ledger keeps it (state.jobs forgets a stopped job after a day) */
interface LedgerJob {
  kind: 'individual' | 'mix';
  createdAt: number;
  endedAt?: number;
  usage: UsageKind;
  userId?: string;
}

const steady = (key: string) => createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;
const r4 = (v: number) => Math.round(v * 10_000) / 10_000;

/** A plausible value of a quality metric, steady per key. Rates are fractions, times and delays ms. */
function qualityOf(metric: string, key: string): number {
  const r = steady(`${metric}/${key}`);
  if (/FreezeRate$/.test(metric)) return r4(r * (metric.startsWith('Video') ? 0.03 : 0.01));
  if (/RecvTime$/.test(metric)) return Math.round(300 + r * 500);
  if (/TransDelay$/.test(metric)) return Math.round(60 + r * 120);
  if (metric === 'JoinSuccess5SecsRate') return r4(0.95 + r * 0.045);
  return r4(0.985 + r * 0.015);
}

export function registerSparkRtcStatistics(app: FastifyInstance, state: SparkState, ctx: EmulatorContext): void {
  const { world } = state;
  const err = (reply: FastifyReply, code: string, msg: string) => reply.code(400).send({ error_code: code, error_msg: msg });
  const missing = (reply: FastifyReply, name: string) => err(reply, 'DATA.100011001', `Required String parameter '${name}' is not present`);

  const guard = async (req: FastifyRequest, reply: FastifyReply) => {
    const principal = authenticate(state, req, reply);
    if (!principal) return reply;
    const body = { error_code: 'APIG.0308', error_msg: `The throttling threshold has been reached: policy user over ratelimit,limit:${STATS_PER_MINUTE},time:1 minute` };
    if (ctx.limits.refuse(reply, `sparkrtc/${principal.account.domainId}/statistics`, STATS_PER_MINUTE, MINUTE, body)) return reply;
    const project = (req.params as { project_id: string }).project_id;
    if (project !== principal.account.projectId) return err(reply, '400', `project_id ${project} is not the caller's project`);
    req.sparkPrincipal = principal;
  };

  /** The app the query names (required) and whether it is the tenant's. */
  const appOf = (req: FastifyRequest, reply: FastifyReply, name = 'app'): { appId: string; mine: boolean } | undefined => {
    const appId = (req.query as Q)[name];
    if (!appId) return void missing(reply, name);
    return { appId, mine: req.sparkPrincipal!.account.apps.has(appId) };
  };
  const oneOf = (reply: FastifyReply, name: string, v: string | undefined, allowed: readonly string[]): boolean => {
    if (v === undefined) return (missing(reply, name), false);
    if (allowed.includes(v)) return true;
    return (err(reply, '400', `${name} must be one of ${allowed.join(', ')}`), false);
  };
  const listOf = (reply: FastifyReply, name: string, v: string | undefined, allowed: readonly string[]): string[] | undefined => {
    if (!v) return void missing(reply, name);
    const items = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const badItem = items.find((m) => !allowed.includes(m));
    if (badItem || items.length === 0) return void err(reply, '400', `${name}: ${badItem ?? '(empty)'} is not one of ${allowed.join(', ')}`);
    return items;
  };
  /** [start, end] in ms: given, or the last hour up to now; within `maxMs` */
  const window = (reply: FastifyReply, q: Q, maxMs: number): [number, number] | undefined => {
    const parse = (name: string, fallback: number) => {
      const v = q[name];
      if (v === undefined) return fallback;
      return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(v) ? Date.parse(v) : NaN;
    };
    const end = parse('end_time', world.now());
    const start = parse('start_time', end - HOUR);
    if (Number.isNaN(start) || Number.isNaN(end)) return void err(reply, '400', 'start_time and end_time are YYYY-MM-DDThh:mm:ssZ');
    if (end < start) return void err(reply, '400', 'end_time is before start_time');
    if (end - start > maxMs) return void err(reply, '400', `the time span may be at most ${maxMs / DAY} day(s)`);
    return [start, end];
  };
  /** UTC days [from, to] (ms); the history APIs keep the last 31 days and never today */
  const days = (reply: FastifyReply, q: Q, opts: { required: boolean; history: boolean }): number[] | undefined => {
    const today = Math.floor(world.now() / DAY) * DAY;
    const parse = (name: string, fallback: number) => {
      const v = q[name];
      if (v === undefined) return opts.required ? undefined : fallback;
      return /^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(`${v}T00:00:00Z`) : NaN;
    };
    let from = parse('start_date', today - 31 * DAY);
    let to = parse('end_date', today - DAY);
    if (from === undefined) return void missing(reply, 'start_date');
    if (to === undefined) return void missing(reply, 'end_date');
    if (Number.isNaN(from) || Number.isNaN(to)) return void err(reply, '400', 'start_date and end_date are YYYY-MM-DD');
    if (to < from) return void err(reply, '400', 'end_date is before start_date');
    if (opts.history) {
      from = Math.max(from, today - 31 * DAY);
      to = Math.min(to, today - DAY);
    }
    if ((to - from) / DAY > 3660) return void err(reply, '400', 'the date range is too long');
    const out: number[] = [];
    for (let d = from; d <= to; d += DAY) out.push(d);
    return out;
  };

  /** the app's rooms, users now and jobs */
  const roomsOf = (appId: string) => {
    const rooms = new Map<string, { roomId: string; users: Array<{ uid: string; joinedAt: number; video: boolean }>; jobs: LedgerJob[]; filledAt?: number }>();
    const get = (roomId: string) => {
      let r = rooms.get(roomId);
      if (!r) rooms.set(roomId, (r = { roomId, users: [], jobs: [] }));
      return r;
    };
    for (const ch of world.listChannels()) {
      if (ch.appId !== appId) continue;
      const humans = [...ch.users.values()].filter((u) => !u.bot);
      if (humans.length === 0) continue;
      const r = get(ch.cname);
      r.users = humans.map((u) => ({ uid: u.uid, joinedAt: u.joinedAt, video: !!state.streamsOf(appId, ch.cname, u.uid)?.video }));
      r.filledAt = Math.min(...humans.map((u) => u.joinedAt));
    }
    for (const t of world.listTasks()) {
      if (t.vendor !== 'sparkrtc' || t.appId !== appId || t.cname === undefined) continue;
      const kind = t.product === 'mix-stream-jobs' ? 'mix' : 'individual';
      get(t.cname).jobs.push({
        kind,
        createdAt: t.startedAt,
        endedAt: t.endedAt,
        usage: (t.usageClass as UsageKind | undefined) ?? 'video_hd',
        userId: state.jobs.get(t.id)?.userId,
      });
    }
    return [...rooms.values()];
  };
  const jobEnd = (j: LedgerJob) => j.endedAt ?? world.now();
  /** ms of [a, b) that fall in the day starting at `day` */
  const inDay = (a: number, b: number, day: number) => Math.max(0, Math.min(b, day + DAY) - Math.max(a, day));

  type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  const defs: Array<{ url: string; operation: string; handler: Handler }> = [];
  const route = (url: string, operation: string, handler: Handler) => void defs.push({ url, operation, handler });

  route('rooms', 'rooms', async (req, reply) => {
    const a = appOf(req, reply);
    if (!a) return reply;
    const q = req.query as Q;
    if (q.state !== undefined && !oneOf(reply, 'state', q.state, ROOM_STATES)) return reply;
    const w = window(reply, q, 90 * DAY);
    if (!w) return reply;
    const limit = q.limit === undefined ? 10 : Number(q.limit);
    const offset = q.offset === undefined ? 0 : Number(q.offset);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100 || !Number.isInteger(offset) || offset < 0) return err(reply, '400', 'limit is 1..100 and offset >= 0');
    const now = world.now();
    const list = (a.mine ? roomsOf(a.appId) : [])
      .filter((r) => !q.room_id || r.roomId === q.room_id)
      .flatMap((r) => {
        const running = r.users.length > 0;
        const start = running ? (state.room(a.appId, r.roomId).createdAt ?? r.filledAt!) : Math.min(...r.jobs.map((j) => j.createdAt));
        const end = running ? now : Math.max(...r.jobs.map(jobEnd));
        if (r.jobs.length === 0 && !running) return [];
        return [
          {
            domain: `${a.appId}.rtc.huawei.com`,
            app: a.appId,
            room_id: r.roomId,
            state: running ? 'RUNNING' : 'CLOSED',
            duration: Math.round((end - start) / 1000),
            start_time: statsTime(start),
            end_time: running ? '-' : statsTime(end),
            startMs: start,
            endMs: end,
          },
        ];
      })
      // the window is in whole seconds: end_time covers its whole second (a room opened at 12:00:01.500 is in a window ending 12:00:01Z)
      .filter((r) => (!q.state || r.state === q.state) && r.startMs < w[1] + 1_000 && r.endMs >= w[0])
      .sort((x, y) => x.startMs - y.startMs)
      .map(({ startMs: _s, endMs: _e, ...r }) => r);
    return { total: list.length, limit, offset, room_info_list: list.slice(offset, offset + limit) };
  });

  /** per-minute points of [start, end] */
  const minutes = (w: [number, number]) => {
    const out: number[] = [];
    for (let t = Math.floor(w[0] / MINUTE) * MINUTE; t <= w[1]; t += MINUTE) out.push(t);
    return out;
  };

  route('realtime/scale', 'realtimeScale', async (req, reply) => {
    const a = appOf(req, reply);
    if (!a) return reply;
    const q = req.query as Q;
    if (!oneOf(reply, 'metric', q.metric, REALTIME_SCALE_METRICS)) return reply;
    const w = window(reply, q, DAY);
    if (!w) return reply;
    const rooms = (a.mine ? roomsOf(a.appId) : []).filter((r) => r.users.length > 0 && (!q.room_id || r.roomId === q.room_id));
    const scale = minutes(w).map((t) => {
      const online = rooms.map((r) => r.users.filter((u) => u.joinedAt < t + MINUTE).length);
      return { time: statsTime(t), value: q.metric === 'RoomCount' ? online.filter((n) => n > 0).length : online.reduce((s, n) => s + n, 0) };
    });
    return { scale };
  });

  route('realtime/quality', 'realtimeQuality', async (req, reply) => {
    const a = appOf(req, reply);
    if (!a) return reply;
    const q = req.query as Q;
    if (!oneOf(reply, 'metric', q.metric, REALTIME_QUALITY_METRICS) || !oneOf(reply, 'sdk_type', q.sdk_type, SDK_TYPES)) return reply;
    const w = window(reply, q, DAY);
    if (!w) return reply;
    const rooms = q.sdk_type === 'native' && a.mine ? roomsOf(a.appId).filter((r) => r.users.length > 0 && (!q.room_id || r.roomId === q.room_id)) : [];
    const quality = minutes(w).flatMap((t) => {
      const online = rooms.flatMap((r) => r.users.filter((u) => u.joinedAt < t + MINUTE).map((u) => `${r.roomId}/${u.uid}/${t}`));
      if (online.length === 0) return [];
      return [{ time: statsTime(t), value: r4(online.reduce((s, k) => s + qualityOf(q.metric!, k), 0) / online.length) }];
    });
    return { quality };
  });

  route('history/usage', 'historyUsage', async (req, reply) => {
    const a = appOf(req, reply);
    if (!a) return reply;
    const q = req.query as Q;
    if (!oneOf(reply, 'metric', q.metric, USAGE_METRICS)) return reply;
    const ds = days(reply, q, { required: true, history: false });
    if (!ds) return reply;
    const rooms = a.mine ? roomsOf(a.appId) : [];
    const now = world.now();
    const spans: Array<{ a: number; b: number; kind: UsageKind }> = [];
    if (q.metric === 'CommunicationDuration') {
      for (const r of rooms) for (const u of r.users) spans.push({ a: u.joinedAt, b: now, kind: u.video ? 'video_hd' : 'audio' });
    } else {
      for (const r of rooms) for (const j of r.jobs) if (q.metric === 'RecordDuration' || j.kind === 'mix') spans.push({ a: j.createdAt, b: jobEnd(j), kind: j.usage });
    }
    const usage = ds.map((d) => {
      const sums: Record<UsageKind, number> = { video_sd: 0, video_hd: 0, video_hdp: 0, audio: 0 };
      for (const s of spans) sums[s.kind] += inDay(s.a, s.b, d);
      const secs = Object.fromEntries(Object.entries(sums).map(([k, ms]) => [k, Math.round(ms / 1000)])) as Record<UsageKind, number>;
      return { date: statsDate(d), ...secs, total_duration: secs.video_sd + secs.video_hd + secs.video_hdp + secs.audio };
    });
    return { usage };
  });

  /** the app's activity on a day: rooms, users (ids), and communication ms (video, audio) */
  const activity = (rooms: ReturnType<typeof roomsOf>, d: number) => {
    const now = world.now();
    const active = new Set<string>();
    const users = new Set<string>();
    let video = 0;
    let audio = 0;
    for (const r of rooms) {
      for (const u of r.users) {
        const ms = inDay(u.joinedAt, now, d);
        if (ms <= 0) continue;
        active.add(r.roomId);
        users.add(`${r.roomId}/${u.uid}`);
        if (u.video) video += ms;
        else audio += ms;
      }
      for (const j of r.jobs) {
        if (inDay(j.createdAt, jobEnd(j), d) <= 0) continue;
        active.add(r.roomId);
        if (j.userId) users.add(`${r.roomId}/${j.userId}`);
      }
    }
    return { rooms: active, users, video, audio };
  };

  route('history/scale', 'historyScale', async (req, reply) => {
    const a = appOf(req, reply);
    if (!a) return reply;
    const q = req.query as Q;
    const metrics = listOf(reply, 'metric', q.metric, HISTORY_SCALE_METRICS);
    if (!metrics) return reply;
    const ds = days(reply, q, { required: false, history: true });
    if (!ds) return reply;
    const rooms = a.mine ? roomsOf(a.appId) : [];
    const scale = ds.map((d) => {
      const act = activity(rooms, d);
      const all: Record<string, number> = {
        UserCount: act.users.size,
        SessionCount: act.users.size,
        RoomCount: act.rooms.size,
        MaxOnlineUserCount: act.users.size,
        MaxOnlineRoomCount: act.rooms.size,
        CommunicationDuration: Math.round((act.video + act.audio) / 1000),
        VideoCommunicationDuration: Math.round(act.video / 1000),
        AudioCommunicationDuration: Math.round(act.audio / 1000),
      };
      return { date: statsDate(d), ...Object.fromEntries(metrics.map((m) => [HISTORY_SCALE_FIELDS[m as keyof typeof HISTORY_SCALE_FIELDS], all[m]])) };
    });
    return { scale };
  });

  route('history/quality', 'historyQuality', async (req, reply) => {
    const a = appOf(req, reply);
    if (!a) return reply;
    const q = req.query as Q;
    const metrics = listOf(reply, 'metric', q.metric, HISTORY_QUALITY_METRICS);
    if (!metrics) return reply;
    const ds = days(reply, q, { required: false, history: true });
    if (!ds) return reply;
    const rooms = a.mine ? roomsOf(a.appId) : [];
    const quality = ds.flatMap((d) => {
      if (activity(rooms, d).rooms.size === 0) return [];
      return [
        { date: statsDate(d), ...Object.fromEntries(metrics.map((m) => [HISTORY_QUALITY_FIELDS[m as keyof typeof HISTORY_QUALITY_FIELDS], qualityOf(m, `${a.appId}/${d}`)])) },
      ];
    });
    return { quality };
  });

  // the routes keep the gateway's body capture, request ids and error shapes, in their own scope
  app.register(async (v1) => {
    captureBody(v1);
    installErrorHandler(v1);
    installRequestIds(v1);
    for (const d of defs) {
      v1.get(`/v1/:project_id/rtc/${d.url}`, { config: { labels: { vendor: 'sparkrtc', product: PRODUCT, operation: d.operation } }, preHandler: guard }, d.handler);
    }
  });
}
