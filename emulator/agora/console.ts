/**
 * Emulated Agora Console API (agora.md §11) over the emulator's own accounts and ledger:
 *
 *   projects      POST /dev/v1/project, GET /dev/v1/project?id&name, GET /dev/v1/projects,
 *                 POST /dev/v1/project_status, POST /dev/v1/signkey, POST /dev/v1/reset_signkey
 *     Every App ID of an account is a project (named `project-<first 8 of the App ID>`, its id derived
 *     from the App ID); a created project gets a new App ID that the other products accept at once. The
 *     primary certificate is the world's App Certificate: disabling it lets tokenless joins in (the
 *     certificate is remembered for re-enabling), resetting it makes the old tokens fail (codes 109/110).
 *     A disabled project keeps working in the other emulated products (the seed says nothing of the
 *     effect). Success is 201; 400 for a duplicate name or more than MAX_PROJECTS projects.
 *   usage         GET /dev/v3/usage?project_id&from_date&to_date&business
 *     REAL numbers, computed from what the emulator ran, split at UTC midnight:
 *       cloudRecording     every Cloud Recording of the project's App ID in the ledger, start → end (or
 *                          now while it runs), in the column its resolution bills under
 *                          (cloudRecordingUsageClass and usageClassFor in src/schemas/agora/console.ts)
 *       transcodeDuration  every Cloud Transcoder task, as durationVideoHd
 *       default (RTC)      the users in the project's channels now, from their join: publishing users as
 *                          durationVideoHd, the others as durationAudioAll (users who left are not
 *                          remembered by the world, so past RTC time is not counted)
 *       recording, miniapp 0 (the emulator runs neither)
 *     200 with `meta` and one `usages` entry per day (date as the seed's example writes it,
 *     `YYYY-MM-DDT00:00:00.000Z`). 400 for a bad date or range, 404 for an unknown project_id.
 *
 * Auth: Basic only (401). Rate limit: 10 QPS per account and API (429 with Retry-After). Errors are
 * `{message}`; a POST that is not application/json answers 415.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { describeIssues } from '../../src/schemas/issues';
import { USAGE_BUSINESSES, USAGE_CLASSES, USAGE_META, UsageDate, cloudRecordingUsageClass, type UsageClass } from '../../src/schemas/agora/console';
import type { EmulatorContext } from '../context';
import type { AgoraAccount, World } from '../world';
import { agoraBasicAuth } from './auth';

const PRODUCT = 'console';
/** per account, per API (agora.md §1.4) */
export const CONSOLE_QPS = 10;
/** projects per account before 400 "project count limit" (the real limit is undocumented) */
export const MAX_PROJECTS = 100;
const DAY_MS = 86_400_000;

interface ProjectRecord {
  id: string;
  name: string;
  appId: string;
  status: 0 | 1;
  created: number;
  /** the certificate while the primary certificate is off (the world then has none for the App ID) */
  parkedCertificate?: string;
}

/** A stable project id for an App ID: 9 characters like the seed's `7sdnf3xRH`. */
export function projectIdFor(appId: string): string {
  return createHash('sha256').update(`project:${appId}`).digest('base64url').replace(/[-_]/g, 'x').slice(0, 9);
}

/** The usage column a Cloud Recording bills under: the one mapping, in src/schemas/agora/console.ts. */
export function recordingUsageClass(mode: string, clientRequest: Record<string, unknown>): UsageClass {
  return cloudRecordingUsageClass(mode, clientRequest);
}

const CreateBody = z.looseObject({ name: z.string().min(1).max(255), enable_sign_key: z.boolean().optional() });
const StatusBody = z.looseObject({ id: z.string().min(1), status: z.union([z.literal(0), z.literal(1)]) });
const SignKeyBody = z.looseObject({ id: z.string().min(1), enable: z.boolean().optional() });
const ResetBody = z.looseObject({ id: z.string().min(1) });

const zeroUsage = (): Record<UsageClass, number> => Object.fromEntries(USAGE_CLASSES.map((c) => [c, 0])) as Record<UsageClass, number>;

/**
 * Adds the time from `from` to `to` (emulated ms) to the day buckets it crosses, in column `cls`
 * (milliseconds; the answer rounds each day's total to seconds).
 */
function addSpan(days: Map<number, Record<UsageClass, number>>, from: number, to: number, cls: UsageClass): void {
  for (let t = from; t < to;) {
    const day = Math.floor(t / DAY_MS) * DAY_MS;
    const end = Math.min(to, day + DAY_MS);
    const bucket = days.get(day);
    if (bucket) bucket[cls] += end - t;
    t = end;
  }
}

/** Per-UTC-day usage (ms by column) of one App ID, as the emulator ran it. */
export function emulatedUsage(world: World, appId: string, business: string, fromDay: number, toDay: number): Map<number, Record<UsageClass, number>> {
  const days = new Map<number, Record<UsageClass, number>>();
  for (let d = fromDay; d <= toDay; d += DAY_MS) days.set(d, zeroUsage());
  const now = world.now();
  const lo = fromDay;
  const hi = toDay + DAY_MS;
  const clip = (a: number, b: number) => [Math.max(a, lo), Math.min(b, hi)] as const;
  if (business === 'cloudRecording' || business === 'transcodeDuration') {
    const product = business === 'cloudRecording' ? 'cloud-recording' : 'cloud-transcoder';
    for (const t of world.listTasks({ product })) {
      if (t.appId !== appId) continue;
      const [a, b] = clip(t.startedAt, t.endedAt ?? now);
      if (b > a) addSpan(days, a, b, business === 'cloudRecording' ? ((t.usageClass as UsageClass | undefined) ?? 'durationVideoHd') : 'durationVideoHd');
    }
  } else if (business === 'default') {
    for (const ch of world.listChannels()) {
      if (ch.appId !== appId) continue;
      for (const u of ch.users.values()) {
        if (u.bot) continue;
        const [a, b] = clip(u.joinedAt, now);
        if (b > a) addSpan(days, a, b, u.publishing ? 'durationVideoHd' : 'durationAudioAll');
      }
    }
  }
  return days;
}

export function registerAgoraConsole(app: FastifyInstance, ctx: EmulatorContext): void {
  const { world, limits } = ctx;
  const auth = agoraBasicAuth(world);
  const limit = (operation: string) => async (req: FastifyRequest, reply: FastifyReply) => {
    if (limits.refuse(reply, `agora/${req.agoraAccount!.customerId}/${PRODUCT}/${operation}`, CONSOLE_QPS)) return reply;
  };
  /** 415 (documented): every request is application/json; checked where there is a body to read */
  const json415 = async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method !== 'POST') return;
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    if (type !== 'application/json') return reply.code(415).send({ message: "Unsupported media type: set Content-Type to 'application/json'" });
  };
  const route = (operation: string) => ({ config: { labels: { vendor: 'agora' as const, product: PRODUCT, operation } }, preHandler: [auth, limit(operation), json415] });

  /** projects by account (customer id); an account's App IDs become projects the first time it asks */
  const byAccount = new Map<string, Map<string, ProjectRecord>>();
  const projectsOf = (account: AgoraAccount): Map<string, ProjectRecord> => {
    let m = byAccount.get(account.customerId);
    if (!m) {
      m = new Map();
      byAccount.set(account.customerId, m);
    }
    // App IDs added to the account since (another tenant's config, a test) appear as projects too
    const known = new Set([...m.values()].map((p) => p.appId));
    for (const appId of Object.keys(account.apps)) {
      if (known.has(appId)) continue;
      const id = projectIdFor(appId);
      m.set(id, { id, name: `project-${appId.slice(0, 8)}`, appId, status: 1, created: Math.floor(world.now() / 1000) });
    }
    return m;
  };
  const json = (account: AgoraAccount, p: ProjectRecord) => ({
    id: p.id,
    name: p.name,
    vendor_key: p.appId,
    sign_key: account.apps[p.appId] ?? '',
    recording_server: null,
    status: p.status,
    created: p.created,
  });
  const bad = (reply: FastifyReply, message: string) => reply.code(400).send({ message });
  const body = <S extends z.ZodType>(req: FastifyRequest, reply: FastifyReply, schema: S): z.infer<S> | undefined => {
    const r = schema.safeParse(req.body ?? {});
    if (r.success) return r.data;
    bad(reply, `invalid request body: ${describeIssues(r.error, 'body')}`);
    return undefined;
  };
  const find = (req: FastifyRequest, reply: FastifyReply, id: string): ProjectRecord | undefined => {
    const p = projectsOf(req.agoraAccount!).get(id);
    if (!p) reply.code(404).send({ message: `project ${id} not found` });
    return p;
  };

  app.post('/dev/v1/project', route('createProject'), async (req, reply) => {
    const b = body(req, reply, CreateBody);
    if (!b) return reply;
    const account = req.agoraAccount!;
    const projects = projectsOf(account);
    if ([...projects.values()].some((p) => p.name === b.name)) return bad(reply, 'duplicate project name');
    if (projects.size >= MAX_PROJECTS) return bad(reply, 'the number of projects exceeds the maximum limit');
    const appId = randomBytes(16).toString('hex');
    const certificate = randomBytes(16).toString('hex');
    account.apps[appId] = b.enable_sign_key ? certificate : undefined;
    const id = projectIdFor(appId);
    const p: ProjectRecord = { id, name: b.name, appId, status: 1, created: Math.floor(world.now() / 1000), ...(b.enable_sign_key ? {} : { parkedCertificate: certificate }) };
    projects.set(id, p);
    req.logRef = { resourceId: id };
    return reply.code(201).send({ project: json(account, p) });
  });

  app.get('/dev/v1/projects', route('listProjects'), async (req, reply) => {
    const account = req.agoraAccount!;
    return reply.code(201).send({ projects: [...projectsOf(account).values()].map((p) => json(account, p)) });
  });

  app.get('/dev/v1/project', route('getProject'), async (req, reply) => {
    const q = req.query as { id?: string; name?: string };
    if (!q.id && !q.name) return bad(reply, 'id and name are required');
    const account = req.agoraAccount!;
    const hits = [...projectsOf(account).values()].filter((p) => (!q.id || p.id === q.id) && (!q.name || p.name === q.name));
    return reply.code(201).send({ projects: hits.map((p) => json(account, p)) });
  });

  app.post('/dev/v1/project_status', route('setProjectStatus'), async (req, reply) => {
    const b = body(req, reply, StatusBody);
    if (!b) return reply;
    const p = find(req, reply, b.id);
    if (!p) return reply;
    req.logRef = { resourceId: p.id };
    p.status = b.status;
    return reply.code(201).send({ project: json(req.agoraAccount!, p) });
  });

  app.post('/dev/v1/signkey', route('setSignKey'), async (req, reply) => {
    const b = body(req, reply, SignKeyBody);
    if (!b) return reply;
    const p = find(req, reply, b.id);
    if (!p) return reply;
    req.logRef = { resourceId: p.id };
    const account = req.agoraAccount!;
    // enable defaults to true (the seed's table)
    if (b.enable ?? true) {
      if (account.apps[p.appId] === undefined) account.apps[p.appId] = p.parkedCertificate ?? randomBytes(16).toString('hex');
      p.parkedCertificate = undefined;
    } else if (account.apps[p.appId] !== undefined) {
      p.parkedCertificate = account.apps[p.appId];
      account.apps[p.appId] = undefined;
    }
    return reply.code(201).send({ project: json(account, p) });
  });

  app.post('/dev/v1/reset_signkey', route('resetSignKey'), async (req, reply) => {
    const b = body(req, reply, ResetBody);
    if (!b) return reply;
    const p = find(req, reply, b.id);
    if (!p) return reply;
    req.logRef = { resourceId: p.id };
    const account = req.agoraAccount!;
    const fresh = randomBytes(16).toString('hex');
    if (account.apps[p.appId] === undefined) p.parkedCertificate = fresh;
    else account.apps[p.appId] = fresh;
    return reply.code(201).send({ project: json(account, p) });
  });

  app.get('/dev/v3/usage', route('usage'), async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    if (!q.project_id) return bad(reply, 'project_id is required');
    for (const k of ['from_date', 'to_date'] as const) {
      if (!q[k] || !UsageDate.safeParse(q[k]).success) return bad(reply, `${k} must be a UTC date YYYY-MM-DD`);
    }
    const business = q.business ?? 'default';
    if (!(USAGE_BUSINESSES as readonly string[]).includes(business)) return bad(reply, `business must be one of ${USAGE_BUSINESSES.join(', ')}`);
    const fromDay = Date.parse(`${q.from_date}T00:00:00Z`);
    const toDay = Date.parse(`${q.to_date}T00:00:00Z`);
    if (toDay < fromDay) return bad(reply, 'to_date is before from_date');
    const p = find(req, reply, q.project_id);
    if (!p) return reply;
    const days = emulatedUsage(world, p.appId, business, fromDay, toDay);
    const usages = [...days.entries()].map(([day, ms]) => ({
      date: new Date(day).toISOString(),
      usage: Object.fromEntries(USAGE_CLASSES.map((c) => [c, Math.round(ms[c] / 1000)])),
    }));
    return reply.code(200).send({ meta: USAGE_META, usages });
  });
}
