/**
 * The emulated SparkRTC /v2 API (sparkrtc.md §3): applications, recording rules, auto-record and
 * record-callback configuration, single- and mixed-stream jobs, rooms and the OBS helpers. Every route
 * carries `config.labels` (faults, request log) and the gateway guard (auth, flow control, policy, app).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { request } from 'undici';
import type { EmulatorContext } from '../context';
import { CreateAppRequest } from '../../src/schemas/sparkrtc/apps';
import { AutoRecordRequest } from '../../src/schemas/sparkrtc/auto-record';
import { RecordCallbackRequest } from '../../src/schemas/sparkrtc/callbacks';
import {
  DEFAULT_MAX_IDLE_TIME,
  IndividualStreamJobRequest,
  MixParam,
  MixStreamJobRequest,
  UpdateIndividualStreamJobRequest,
  UpdateMixStreamJobRequest,
} from '../../src/schemas/sparkrtc/jobs';
import { BucketAuthorizationRequest, ListObjectsQuery } from '../../src/schemas/sparkrtc/obs';
import { RemoveUsersRequest } from '../../src/schemas/sparkrtc/rooms';
import { OBS_LOCATIONS, RecordRuleRequest, type RecordRuleRequest as RuleBody } from '../../src/schemas/sparkrtc/rules';
import { captureBody, gatewayError, guard, installErrorHandler, installRequestIds, intQuery, jsonBody, rtcError, validate, type Category } from './http';
import { millisTime, SparkState, type Account, type App, type Job } from './state';

type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** Legacy single-job fields of the §4 example request: accepted and echoed, not in the current tables. */
const LEGACY_INDIVIDUAL_FIELDS = ['resolution', 'resolution_policy'] as const;

export function registerSparkRtcApi(app: FastifyInstance, state: SparkState, ctx: EmulatorContext): void {
  app.register(
    async (v2) => {
      captureBody(v2);
      installErrorHandler(v2);
      installRequestIds(v2);
      // the gateway answers unknown routes before authenticating
      v2.setNotFoundHandler((_req, reply) => gatewayError(reply, 'APIG.0101'));
      const route = (method: HTTPMethods, url: string, product: string, operation: string, category: Category, handler: Handler) =>
        v2.route({
          method,
          url,
          config: { labels: { vendor: 'sparkrtc', product, operation } },
          preHandler: guard(state, ctx, category, url.includes(':app_id')),
          handler,
        });
      registerApps(route, state);
      registerRules(route, state);
      registerAppConfig(route, state);
      registerJobs(route, state);
      registerRooms(route, state);
      registerObs(route);
    },
    { prefix: '/v2' },
  );
}

type Route = (method: HTTPMethods, url: string, product: string, operation: string, category: Category, handler: Handler) => void;

const accountOf = (req: FastifyRequest): Account => req.sparkPrincipal!.account;
const appOf = (req: FastifyRequest): App => req.sparkApp!;
const params = (req: FastifyRequest) => req.params as Record<string, string>;
const query = (req: FastifyRequest) => req.query as Record<string, string | undefined>;

// ---- applications (§11) ----

function registerApps(route: Route, state: SparkState): void {
  route('POST', '/apps', 'apps', 'create', 'management', async (req, reply) => {
    const b = jsonBody(req, reply);
    if (!b.ok) return reply;
    const body = validate(reply, CreateAppRequest, b.body);
    if (!body) return reply;
    const account = accountOf(req);
    if ([...account.apps.values()].some((a) => a.appName === body.app_name)) return rtcError(reply, 'RTC.00001020', `app_name ${body.app_name}`);
    if (account.apps.size >= state.settings.maxAppsPerTenant) return rtcError(reply, 'RTC.00001017', `quota ${state.settings.maxAppsPerTenant}`);
    const created = state.createApp(account, body.app_name);
    return reply.code(201).send({ app_id: created.appId });
  });

  route('GET', '/apps', 'apps', 'list', 'management', async (req, reply) => {
    const q = query(req);
    const offset = intQuery(q, 'offset') ?? 0;
    const limit = intQuery(q, 'limit') ?? 100;
    if (q.state !== undefined && !['ACTIVATION', 'DEACTIVATION', 'ARREARS'].includes(q.state)) return rtcError(reply, 'RTC.00001003', 'state');
    if (Number.isNaN(offset) || Number.isNaN(limit) || limit < 1 || limit > 100) return rtcError(reply, 'RTC.00001003', 'offset is a page number >= 0, limit is 1..100');
    const account = accountOf(req);
    const all = [...account.apps.values()].filter((a) => !q.state || a.state === q.state).sort((a, b) => a.createdAt - b.createdAt);
    // offset is the page number (§11)
    const page = all.slice(offset * limit, offset * limit + limit);
    return { count: all.length, apps: page.map((a) => state.appJson(a, account)) };
  });

  route('GET', '/apps/:app_id', 'apps', 'get', 'management', async (req) => state.appJson(appOf(req), accountOf(req)));

  route('DELETE', '/apps/:app_id', 'apps', 'delete', 'management', async (req, reply) => {
    const target = appOf(req);
    if (state.liveJobs({ appId: target.appId }).length > 0) return rtcError(reply, 'RTC.00001003', 'deletion condition not met: the app has running recording jobs');
    state.deleteApp(accountOf(req), target);
    return reply.code(204).send();
  });

  for (const action of ['enable', 'disable'] as const) {
    route('POST', `/apps/:app_id/${action}`, 'apps', action, 'management', async (req, reply) => {
      const target = appOf(req);
      if (action === 'enable' && target.state === 'ARREARS') return rtcError(reply, 'RTC.00001016', 'the account is in arrears');
      const next = action === 'enable' ? 'ACTIVATION' : 'DEACTIVATION';
      if (target.state !== next) {
        target.state = next;
        target.stateUpdatedAt = state.now();
      }
      return { app_id: target.appId, state: { state: target.state, update_time: millisTime(target.stateUpdatedAt) } };
    });
  }
}

// ---- recording rules (§4) ----

/** The bucket checks a rule's obs_addr must pass; answers and returns false when one fails. */
function checkObsAddr(reply: FastifyReply, account: Account, addr: RuleBody['obs_addr']): boolean {
  if (!(OBS_LOCATIONS as readonly string[]).includes(addr.location)) {
    rtcError(reply, 'RTC.00001012', `location ${addr.location}`);
    return false;
  }
  const bucket = account.buckets.get(addr.bucket);
  if (!bucket) {
    rtcError(reply, 'RTC.00001014', `bucket ${addr.bucket}`);
    return false;
  }
  if (bucket.location !== addr.location) {
    rtcError(reply, 'RTC.00001003', `bucket ${addr.bucket} is in ${bucket.location}, not ${addr.location}`);
    return false;
  }
  if (!bucket.authorized) {
    rtcError(reply, 'RTC.00001003', `SparkRTC is not authorized on bucket ${addr.bucket} (PUT /v2/rtc-ops/buckets/authentication)`);
    return false;
  }
  return true;
}

function registerRules(route: Route, state: SparkState): void {
  const base = '/apps/:app_id/record-rules';

  route('POST', base, 'record-rules', 'create', 'management', async (req, reply) => {
    const b = jsonBody(req, reply);
    if (!b.ok) return reply;
    const body = validate(reply, RecordRuleRequest, b.body);
    if (!body || !checkObsAddr(reply, accountOf(req), body.obs_addr)) return reply;
    const target = appOf(req);
    const stored = SparkState.normaliseRule(body);
    // one rule per app and location: an upsert
    const existing = [...target.rules.values()].find((r) => r.current.obs_addr.location === body.obs_addr.location);
    if (existing) {
      state.replaceRule(existing, stored);
      return reply.code(200).send(state.ruleJson(existing));
    }
    return reply.code(201).send(state.ruleJson(state.createRule(target, stored)));
  });

  route('GET', base, 'record-rules', 'list', 'management', async (req, reply) => {
    const q = query(req);
    const offset = intQuery(q, 'offset') ?? 0;
    const limit = intQuery(q, 'limit') ?? 100;
    if (Number.isNaN(offset) || Number.isNaN(limit) || limit < 1 || limit > 100) return rtcError(reply, 'RTC.00001003', 'offset is a page number >= 0, limit is 1..100');
    const rules = [...appOf(req).rules.values()].sort((a, b) => a.createdAt - b.createdAt);
    return { rules: rules.slice(offset * limit, offset * limit + limit).map((r) => state.ruleJson(r)) };
  });

  route('GET', `${base}/:rule_id`, 'record-rules', 'get', 'management', async (req, reply) => {
    const rule = appOf(req).rules.get(params(req).rule_id!);
    return rule ? state.ruleJson(rule) : rtcError(reply, 'RTC.00001011');
  });

  route('PUT', `${base}/:rule_id`, 'record-rules', 'update', 'management', async (req, reply) => {
    const target = appOf(req);
    const rule = target.rules.get(params(req).rule_id!);
    if (!rule) return rtcError(reply, 'RTC.00001011');
    const b = jsonBody(req, reply);
    if (!b.ok) return reply;
    const body = validate(reply, RecordRuleRequest, b.body);
    if (!body || !checkObsAddr(reply, accountOf(req), body.obs_addr)) return reply;
    const clash = [...target.rules.values()].find((r) => r !== rule && r.current.obs_addr.location === body.obs_addr.location);
    if (clash) return rtcError(reply, 'RTC.00001019', `rule ${clash.ruleId} already covers ${body.obs_addr.location}`);
    state.replaceRule(rule, SparkState.normaliseRule(body));
    return state.ruleJson(rule);
  });

  route('DELETE', `${base}/:rule_id`, 'record-rules', 'delete', 'management', async (req, reply) => {
    const target = appOf(req);
    const ruleId = params(req).rule_id!;
    if (!target.rules.has(ruleId)) return rtcError(reply, 'RTC.00001011');
    const inUse = state.ruleInUse(target, ruleId);
    if (inUse) return rtcError(reply, 'RTC.00001013', inUse);
    target.rules.delete(ruleId);
    return reply.code(204).send();
  });
}

// ---- auto-record (§6) and record-callback (§5) configuration ----

async function reachable(url: string): Promise<boolean> {
  try {
    const res = await request(url, { method: 'HEAD', signal: AbortSignal.timeout(3_000) });
    await res.body.dump();
    return true; // any HTTP answer means the receiver is there
  } catch {
    return false;
  }
}

function registerAppConfig(route: Route, state: SparkState): void {
  route('PUT', '/apps/:app_id/auto-record-mode', 'auto-record', 'put', 'management', async (req, reply) => {
    const b = jsonBody(req, reply);
    if (!b.ok) return reply;
    const body = validate(reply, AutoRecordRequest, b.body);
    if (!body) return reply;
    const target = appOf(req);
    if (body.mode === 'AUTO_INDIVIDUAL_RECORD' && !target.rules.has(body.record_rule_id!)) return rtcError(reply, 'RTC.00001011', `rule ${body.record_rule_id}`);
    target.autoRecord = { mode: body.mode, ruleId: body.record_rule_id || undefined, updatedAt: state.now() };
    return { app_id: target.appId, auto_record_mode: state.autoRecordJson(target) };
  });

  route('GET', '/apps/:app_id/auto-record-mode', 'auto-record', 'get', 'management', async (req) => {
    const target = appOf(req);
    return { app_id: target.appId, auto_record_mode: state.autoRecordJson(target) };
  });

  route('PUT', '/apps/:app_id/record-callback', 'record-callback', 'put', 'management', async (req, reply) => {
    const b = jsonBody(req, reply);
    if (!b.ok) return reply;
    const body = validate(reply, RecordCallbackRequest, b.body);
    if (!body) return reply;
    // the service checks the URL answers (RTC.00001018 "URL unavailable")
    if (state.settings.probeCallbackUrl && !(await reachable(body.url))) return rtcError(reply, 'RTC.00001018', body.url);
    const target = appOf(req);
    state.setRecordCallback(target, body.url, body.auth_key ?? '');
    return { app_id: target.appId, record_callback: state.callbackJson(target) };
  });

  route('GET', '/apps/:app_id/record-callback', 'record-callback', 'get', 'management', async (req) => {
    const target = appOf(req);
    return { app_id: target.appId, record_callback: state.callbackJson(target) };
  });
}

// ---- recording jobs (§7, §8) ----

function registerJobs(route: Route, state: SparkState): void {
  const findJob = (req: FastifyRequest, reply: FastifyReply, kind: Job['kind']): Job | undefined => {
    const jobId = params(req).job_id!;
    const job = state.jobs.get(jobId);
    if (!job || job.appId !== appOf(req).appId || job.kind !== kind) {
      rtcError(reply, 'RTC.00001008', `job ${jobId}`);
      return undefined;
    }
    req.logRef = { ...req.logRef, cname: job.roomId, sid: job.jobId };
    return job;
  };

  /** What every start checks after the body: the app can record, the rule exists, the quota. */
  const canStart = (reply: FastifyReply, target: App, ruleId: string): boolean => {
    if (target.state !== 'ACTIVATION') {
      rtcError(reply, 'RTC.00001016', `app state ${target.state}`);
      return false;
    }
    if (!target.rules.has(ruleId)) {
      rtcError(reply, 'RTC.00001011', `rule ${ruleId}`);
      return false;
    }
    return true;
  };
  const quotaFull = (reply: FastifyReply, target: App): boolean => {
    if (state.concurrentJobs(target.appId) < state.settings.maxConcurrentJobsPerApp) return false;
    rtcError(reply, 'RTC.00001007', `at most ${state.settings.maxConcurrentJobsPerApp} concurrent jobs`);
    return true;
  };

  /** Stop (DELETE): 204, JobDone for a stopped job, not initialised while INIT. */
  const stop = (kind: Job['kind']) => async (req: FastifyRequest, reply: FastifyReply) => {
    const job = findJob(req, reply, kind);
    if (!job) return reply;
    if (job.state === 'STOPPED') return rtcError(reply, 'RTC.00001009', `stopped: ${job.stopReason}`);
    if (job.state === 'INIT') return rtcError(reply, 'RTC.00001022');
    state.stopJob(job, 'TENANT_STOP', state.now());
    return reply.code(204).send();
  };

  // single-stream
  const single = '/apps/:app_id/individual-stream-jobs';
  route('POST', single, 'individual-stream-jobs', 'start', 'jobs', async (req, reply) => {
    const b = jsonBody(req, reply);
    if (!b.ok) return reply;
    const raw = (b.body && typeof b.body === 'object' && !Array.isArray(b.body) ? { ...(b.body as Record<string, unknown>) } : b.body) as Record<string, unknown>;
    const legacy: Record<string, unknown> = {};
    if (raw && typeof raw === 'object') {
      for (const k of LEGACY_INDIVIDUAL_FIELDS) {
        if (k in raw) {
          legacy[k] = raw[k];
          delete raw[k];
        }
      }
    }
    const body = validate(reply, IndividualStreamJobRequest, raw);
    if (!body) return reply;
    req.logRef = { ...req.logRef, cname: body.room_id };
    const target = appOf(req);
    if (!canStart(reply, target, body.record_param.record_rule_id)) return reply;
    const videoType = body.video_type ?? 'CAMERASTREAM';
    const dup = state
      .liveJobs({ appId: target.appId, roomId: body.room_id })
      .find((j) => j.kind === 'individual' && !j.auto && j.userId === body.user_id && j.videoType === videoType);
    if (dup) return rtcError(reply, 'RTC.00001006', `job ${dup.jobId} records ${body.user_id} already`);
    if (quotaFull(reply, target)) return reply;
    const rule = target.rules.get(body.record_param.record_rule_id)!;
    const job = state.startJob({
      kind: 'individual',
      auto: false,
      appId: target.appId,
      roomId: body.room_id,
      userId: body.user_id,
      videoType,
      isRecordAudio: body.is_record_audio ?? true,
      selectStreamType: body.select_stream_type ?? 'FHD',
      maxIdleTime: body.max_idle_time ?? DEFAULT_MAX_IDLE_TIME,
      legacy,
      ruleId: rule.ruleId,
      rule: state.effectiveRule(rule),
    });
    req.logRef = { ...req.logRef, sid: job.jobId };
    return reply.code(201).send(state.jobJson(job));
  });

  route('GET', `${single}/:job_id`, 'individual-stream-jobs', 'query', 'jobs', async (req, reply) => {
    const job = findJob(req, reply, 'individual');
    return job ? state.jobJson(job) : reply;
  });

  route('PUT', `${single}/:job_id`, 'individual-stream-jobs', 'update', 'jobs', async (req, reply) => {
    const job = findJob(req, reply, 'individual');
    if (!job) return reply;
    const b = jsonBody(req, reply);
    if (!b.ok) return reply;
    const body = validate(reply, UpdateIndividualStreamJobRequest, b.body);
    if (!body) return reply;
    if (job.state === 'STOPPED') return rtcError(reply, 'RTC.00001009', `stopped: ${job.stopReason}`);
    if (job.state === 'INIT') return rtcError(reply, 'RTC.00001022');
    const rule = appOf(req).rules.get(body.record_param.record_rule_id);
    if (!rule) return rtcError(reply, 'RTC.00001011', `rule ${body.record_param.record_rule_id}`);
    // new files use the new rule; the file being written keeps its place
    job.ruleId = rule.ruleId;
    job.rule = state.effectiveRule(rule);
    job.updatedAt = state.now();
    return state.jobJson(job);
  });

  route('DELETE', `${single}/:job_id`, 'individual-stream-jobs', 'stop', 'jobs', stop('individual'));

  // mixed-stream
  const mix = '/apps/:app_id/mix-stream-jobs';
  route('POST', mix, 'mix-stream-jobs', 'start', 'jobs', async (req, reply) => {
    const b = jsonBody(req, reply);
    if (!b.ok) return reply;
    const body = validate(reply, MixStreamJobRequest, b.body);
    if (!body) return reply;
    const roomId = body.mix_param.room_id;
    req.logRef = { ...req.logRef, cname: roomId };
    const target = appOf(req);
    if (!canStart(reply, target, body.record_param.record_rule_id)) return reply;
    const dup = state.liveJobs({ appId: target.appId, roomId }).find((j) => j.kind === 'mix');
    if (dup) return rtcError(reply, 'RTC.00001006', `job ${dup.jobId} mixes room ${roomId} already`);
    if (quotaFull(reply, target)) return reply;
    const rule = target.rules.get(body.record_param.record_rule_id)!;
    const maxIdleTime = body.mix_param.max_idle_time ?? DEFAULT_MAX_IDLE_TIME;
    const job = state.startJob({
      kind: 'mix',
      auto: false,
      appId: target.appId,
      roomId,
      maxIdleTime,
      mixParam: { ...body.mix_param, max_idle_time: maxIdleTime },
      legacy: {},
      ruleId: rule.ruleId,
      rule: state.effectiveRule(rule),
    });
    req.logRef = { ...req.logRef, sid: job.jobId };
    return reply.code(201).send(state.jobJson(job));
  });

  route('GET', `${mix}/:job_id`, 'mix-stream-jobs', 'query', 'jobs', async (req, reply) => {
    const job = findJob(req, reply, 'mix');
    return job ? state.jobJson(job) : reply;
  });

  route('PUT', `${mix}/:job_id`, 'mix-stream-jobs', 'update', 'jobs', async (req, reply) => {
    const job = findJob(req, reply, 'mix');
    if (!job) return reply;
    const b = jsonBody(req, reply);
    if (!b.ok) return reply;
    const body = validate(reply, UpdateMixStreamJobRequest, b.body);
    if (!body) return reply;
    if (job.state === 'STOPPED') return rtcError(reply, 'RTC.00001009', `stopped: ${job.stopReason}`);
    // the layout as it will be, checked as a whole (a layout change is allowed while INIT, as the §11.3 example shows)
    const merged = validate(reply, MixParam, { ...job.mixParam, ...body.mix_param });
    if (!merged) return reply;
    job.mixParam = merged;
    if (merged.max_idle_time !== undefined) job.maxIdleTime = merged.max_idle_time;
    job.updatedAt = state.now();
    return state.jobJson(job);
  });

  route('DELETE', `${mix}/:job_id`, 'mix-stream-jobs', 'stop', 'jobs', stop('mix'));
}

// ---- rooms (§10) ----

function registerRooms(route: Route, state: SparkState): void {
  route('POST', '/apps/:app_id/rooms/:room_id/batch-remove-users', 'rooms', 'removeUsers', 'rooms', async (req, reply) => {
    const b = jsonBody(req, reply);
    if (!b.ok) return reply;
    const body = validate(reply, RemoveUsersRequest, b.body);
    if (!body) return reply;
    const roomId = params(req).room_id!;
    req.logRef = { ...req.logRef, cname: roomId };
    state.scheduleRoomOp(appOf(req).appId, roomId, body.user_ids);
    return reply.code(202).send();
  });

  route('POST', '/apps/:app_id/rooms/:room_id/dismiss', 'rooms', 'dismiss', 'rooms', async (req, reply) => {
    const roomId = params(req).room_id!;
    req.logRef = { ...req.logRef, cname: roomId };
    const appId = appOf(req).appId;
    if (state.humans(appId, roomId).length === 0) return reply.code(404).send({ error_code: 'RTC.00001003', error_msg: 'InvalidParameterValue (the room cannot be found)' });
    state.scheduleRoomOp(appId, roomId);
    return reply.code(202).send();
  });
}

// ---- OBS helpers (§12) ----

function registerObs(route: Route): void {
  route('GET', '/rtc-ops/buckets', 'obs', 'listBuckets', 'obs', async (req) => {
    const buckets = [...accountOf(req).buckets.values()].map((b) => ({
      bucket: b.name,
      location: b.location,
      creation_date: new Date(b.createdAt).toISOString().replace(/[-:T]/g, '').slice(0, 14),
      is_authorized: b.authorized,
    }));
    return { count: buckets.length, buckets };
  });

  route('GET', '/rtc-ops/buckets/objects', 'obs', 'listObjects', 'obs', async (req, reply) => {
    const q = validate(reply, ListObjectsQuery, { ...query(req) });
    if (!q) return reply;
    const bucket = accountOf(req).buckets.get(q.bucket);
    if (!bucket) return rtcError(reply, 'RTC.00001014', `bucket ${q.bucket}`);
    if (bucket.location !== q.location) return rtcError(reply, 'RTC.00001003', `bucket ${q.bucket} is in ${bucket.location}`);
    const prefix = q.prefix ?? '';
    const keys = [...bucket.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    if (q.type === 'folders') {
      const folders = [
        ...new Set(
          keys
            .map((k) => k.slice(prefix.length))
            .filter((rest) => rest.includes('/'))
            .map((rest) => `${prefix}${rest.slice(0, rest.indexOf('/') + 1)}`),
        ),
      ];
      return { count: folders.length, objects: folders.map((f) => ({ file_name: f, size: 0, last_modified: '' })) };
    }
    const objects = keys.map((k) => {
      const o = bucket.objects.get(k)!;
      return { file_name: k, size: o.size, last_modified: new Date(o.lastModified).toISOString().replace(/[-:T]/g, '').slice(0, 14) };
    });
    return { count: objects.length, objects };
  });

  route('PUT', '/rtc-ops/buckets/authentication', 'obs', 'authorizeBucket', 'obs', async (req, reply) => {
    const b = jsonBody(req, reply);
    if (!b.ok) return reply;
    const body = validate(reply, BucketAuthorizationRequest, b.body);
    if (!body) return reply;
    const bucket = accountOf(req).buckets.get(body.bucket);
    if (!bucket) return rtcError(reply, 'RTC.00001014', `bucket ${body.bucket}`);
    if (bucket.location !== body.location) return rtcError(reply, 'RTC.00001003', `bucket ${body.bucket} is in ${bucket.location}`);
    bucket.authorized = body.operation === 1;
    return reply.code(200).send();
  });
}
