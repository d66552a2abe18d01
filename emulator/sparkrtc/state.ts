/**
 * The emulated SparkRTC service's state and time-driven behaviour, independent of HTTP: tenants (AK/SK,
 * IAM users, tokens), applications, recording rules, record-callback and auto-record configuration, OBS
 * buckets, rooms (users and their streams, on top of the shared world's channels) and recording jobs with
 * their files and callbacks.
 *
 * Every window reads the emulator clock (world.now()); jobs are in the world's task ledger from start to
 * end, so /_emulator/tasks shows any recorder left running.
 */
import { randomBytes } from 'node:crypto';
import type { EmulatorContext } from '../context';
import { EMULATOR_SPARKRTC } from '../defaults';
import type { World } from '../world';
import { ZERO_TIME } from '../../src/schemas/sparkrtc/common';
import { DEFAULT_SUBSCRIPTION } from '../../src/schemas/sparkrtc/callbacks';
import type { AppStateName } from '../../src/schemas/sparkrtc/apps';
import { jobUsageKind } from '../../src/schemas/sparkrtc/statistics';
import {
  AUDIO_ONLY,
  autoStreamName,
  DEFAULT_MAX_IDLE_TIME,
  encodeTemplateParts,
  individualStreamName,
  mixStreamName,
  normaliseEncodeTemplate,
  type JobState,
  type StopReason,
} from '../../src/schemas/sparkrtc/jobs';
import {
  DEFAULT_HLS_SLICE_DURATION,
  DEFAULT_MP4_RECORD_CYCLE,
  DEFAULT_RECORD_PREFIX,
  expandRecordPrefix,
  fileStartStamp,
  type RecordFormat,
} from '../../src/schemas/sparkrtc/rules';

export const VENDOR = 'sparkrtc' as const;
/** the secret handed to ctx.webhooks for an app without auth_key: its callbacks carry no X-Rtc-* headers */
export const UNSIGNED_CALLBACK = '\u0000unsigned';

export interface Settings {
  /** emulated time a job stays INIT before RUNNING (undocumented: "seconds") */
  initMs: number;
  /** emulated time until batch-remove-users / dismiss take effect (both answer 202) */
  roomOpDelayMs: number;
  /** how long a STOPPED job stays queryable (undocumented) */
  jobRetentionMs: number;
  /** concurrent INIT/RUNNING jobs per app (RTC.00001007; the real quota is undocumented) */
  maxConcurrentJobsPerApp: number;
  /** apps per tenant (RTC.00001017, default 20) */
  maxAppsPerTenant: number;
  /** publishing users per room (500 co-hosts, public docs) */
  maxRoomPublishers: number;
  /** a rule change applies to new streams this long after it (about 5 minutes, §4.4) */
  ruleChangeDelayMs: number;
  /** IAM token validity (24 h) */
  tokenTtlMs: number;
  /** probe the callback URL on PUT record-callback (RTC.00001018) */
  probeCallbackUrl: boolean;
  /** §17.5 flow control, per tenant and category */
  limits: { management: number; jobs: number; rooms: number; obs: number };
}

export const DEFAULT_SETTINGS: Settings = {
  initMs: 2_000,
  roomOpDelayMs: 1_000,
  jobRetentionMs: 24 * 3_600_000,
  maxConcurrentJobsPerApp: 100,
  maxAppsPerTenant: 20,
  maxRoomPublishers: 500,
  ruleChangeDelayMs: 5 * 60_000,
  tokenTtlMs: 24 * 3_600_000,
  probeCallbackUrl: true,
  limits: { management: 60, jobs: 10, rooms: 60, obs: 2 },
};

/** Rate-limit windows of the categories (§17.5): requests per minute or per second. */
export const LIMIT_WINDOWS_MS: Record<keyof Settings['limits'], number> = { management: 60_000, jobs: 1_000, rooms: 60_000, obs: 1_000 };

export interface IamUser {
  id: string;
  name: string;
  password: string;
  /** a policy that allows reading only: writes answer RTC.00001021 */
  readOnly: boolean;
}

export interface Bucket {
  name: string;
  location: string;
  createdAt: number;
  authorized: boolean;
  objects: Map<string, { size: number; lastModified: number }>;
}

export interface Account {
  domainId: string;
  domainName: string;
  projectId: string;
  region: string;
  users: IamUser[];
  /** AK → SK */
  keys: Map<string, string>;
  apps: Map<string, App>;
  buckets: Map<string, Bucket>;
}

export interface IssuedToken {
  account: Account;
  user: IamUser;
  scope: 'domain' | 'project';
  issuedAt: number;
  expiresAt: number;
}

export interface StoredRule {
  obs_addr: { location: string; project_id: string; bucket: string; object?: string };
  record_formats: RecordFormat[];
  hls_config?: { record_cycle: number; record_prefix?: string; record_slice_duration: number; record_max_duration_to_merge_file: number };
  mp4_config?: { record_cycle: number; record_prefix?: string; record_max_duration_to_merge_file: number };
}

export interface Rule {
  ruleId: string;
  appId: string;
  createdAt: number;
  updatedAt: number;
  /** what GET answers: the latest content */
  current: StoredRule;
  /** what new streams use: the latest version whose effectiveAt has passed */
  versions: Array<{ effectiveAt: number; rule: StoredRule }>;
}

export interface App {
  appId: string;
  appName: string;
  domainId: string;
  state: AppStateName;
  stateUpdatedAt: number;
  createdAt: number;
  appKey: string;
  recordCallback?: { url: string; authKey: string; updatedAt: number };
  autoRecord: { mode: 'AUTO_RECORD_OFF' | 'AUTO_INDIVIDUAL_RECORD'; ruleId?: string; updatedAt: number };
  rules: Map<string, Rule>;
}

export interface Streams {
  audio: boolean;
  video: boolean;
  screen: boolean;
}

interface RoomInfo {
  appId: string;
  roomId: string;
  /** when the room came into being (first user in an empty room); undefined while nobody is in it */
  createdAt?: number;
  streams: Map<string, Streams>;
}

interface OpenFile {
  format: RecordFormat;
  startAt: number;
  pausedAt?: number;
  pausedMs: number;
  objectKey: string;
}

export interface Job {
  kind: 'individual' | 'mix';
  /** started by auto-record, not through the API */
  auto: boolean;
  jobId: string;
  appId: string;
  roomId: string;
  userId?: string;
  /** individual: CAMERASTREAM, SCREENSTREAM or '' (audio only) */
  videoType?: string;
  isRecordAudio?: boolean;
  selectStreamType?: string;
  streamName: string;
  botUid: string;
  state: JobState;
  stopReason?: StopReason;
  description?: string;
  createdAt: number;
  updatedAt: number;
  stoppedAt?: number;
  maxIdleTime: number;
  /** the mixed job's current mix_param, as sent (layout changes merged in) */
  mixParam?: Record<string, unknown>;
  /** legacy fields of the request echoed back (resolution, resolution_policy) */
  legacy: Record<string, unknown>;
  ruleId: string;
  /** the rule version in force when the job started (later changes do not touch it) */
  rule: StoredRule;
  active: boolean;
  inactiveSince?: number;
  files: Map<RecordFormat, OpenFile>;
}

export interface EmittedEvent {
  seq: number;
  at: number;
  appId: string;
  body: Record<string, unknown>;
}

interface PendingRoomOp {
  at: number;
  appId: string;
  roomId: string;
  /** undefined: everyone (dismiss) */
  userIds?: string[];
}

const DAY_MS = 24 * 3_600_000;

export const hex = (bytes: number) => randomBytes(bytes).toString('hex');
/** `2021-04-21T10:51:55Z`, as the job examples write times */
export const secondsTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** `2006-01-02T15:04:05.075Z`, as the app and rule tables write times */
export const millisTime = (ms: number) => new Date(ms).toISOString();

const STREAM_RESOLUTION: Record<string, [number, number, number]> = {
  LD: [320, 180, 300],
  SD: [640, 360, 800],
  HD: [1280, 720, 1500],
  FHD: [1920, 1080, 3000],
};

export class SparkState {
  readonly settings: Settings = structuredClone(DEFAULT_SETTINGS);
  readonly accounts: Account[] = [];
  readonly tokens = new Map<string, IssuedToken>();
  readonly jobs = new Map<string, Job>();
  private readonly rooms = new Map<string, RoomInfo>();
  private readonly pending: PendingRoomOp[] = [];
  private events: EmittedEvent[] = [];
  private eventSeq = 0;
  readonly world: World;

  constructor(private readonly ctx: EmulatorContext) {
    this.world = ctx.world;
    this.accounts.push(demoAccount(this.world.now()));
  }

  now(): number {
    return this.world.now();
  }

  // ---- accounts ----

  accountByAk(ak: string): Account | undefined {
    return this.accounts.find((a) => a.keys.has(ak));
  }

  secretFor(ak: string): string | undefined {
    return this.accountByAk(ak)?.keys.get(ak);
  }

  accountByDomain(name: string | undefined, id?: string): Account | undefined {
    return this.accounts.find((a) => (name !== undefined && a.domainName === name) || (id !== undefined && a.domainId === id));
  }

  issueToken(account: Account, user: IamUser, scope: 'domain' | 'project'): { token: string; issued: IssuedToken } {
    // real tokens are several KB; so is this one
    const token = `MII${randomBytes(1536).toString('base64url')}`;
    const now = this.now();
    const issued: IssuedToken = { account, user, scope, issuedAt: now, expiresAt: now + this.settings.tokenTtlMs };
    this.tokens.set(token, issued);
    return { token, issued };
  }

  // ---- apps ----

  createApp(account: Account, appName: string): App {
    const app = newApp(hex(12), appName, account.domainId, this.now());
    account.apps.set(app.appId, app);
    return app;
  }

  appJson(app: App, account: Account): Record<string, unknown> {
    return {
      app_name: app.appName,
      app_id: app.appId,
      state: { state: app.state, update_time: millisTime(app.stateUpdatedAt) },
      scope: 'GLOBAL',
      tenant_name: account.domainName,
      domain: `${app.appId}.rtc.huawei.com`,
      create_time: millisTime(app.createdAt),
      authentication: { enable: false, expire: 300, app_key: app.appKey, update_time: millisTime(app.createdAt) },
      callbacks: {
        push_callback: { url: '', auth_key: '', update_time: '' },
        record_callback: this.callbackJson(app),
      },
      auto_record_mode: this.autoRecordJson(app),
    };
  }

  callbackJson(app: App): Record<string, unknown> {
    const c = app.recordCallback;
    if (!c) return { url: '', auth_key: '', notify_event_subscription: [], update_time: '' };
    return { url: c.url, auth_key: c.authKey, notify_event_subscription: [...DEFAULT_SUBSCRIPTION], update_time: millisTime(c.updatedAt) };
  }

  autoRecordJson(app: App): Record<string, unknown> {
    const a = app.autoRecord;
    return { mode: a.mode, ...(a.ruleId ? { record_rule_id: a.ruleId } : {}), update_time: millisTime(a.updatedAt) };
  }

  setRecordCallback(app: App, url: string, authKey: string): void {
    app.recordCallback = { url, authKey, updatedAt: this.now() };
    this.ctx.webhooks.configure({ vendor: VENDOR, appId: app.appId, url, secret: authKey || UNSIGNED_CALLBACK });
  }

  liveJobs(filter: { appId?: string; roomId?: string } = {}): Job[] {
    return [...this.jobs.values()].filter((j) => j.state !== 'STOPPED' && (!filter.appId || j.appId === filter.appId) && (!filter.roomId || j.roomId === filter.roomId));
  }

  deleteApp(account: Account, app: App): void {
    account.apps.delete(app.appId);
    for (const j of [...this.jobs.values()]) if (j.appId === app.appId) this.jobs.delete(j.jobId);
  }

  // ---- rules ----

  ruleJson(rule: Rule): Record<string, unknown> {
    return { rule_id: rule.ruleId, app_id: rule.appId, ...rule.current, create_time: millisTime(rule.createdAt), update_time: millisTime(rule.updatedAt) };
  }

  /** The stored form: documented defaults filled in, as the examples echo them. */
  static normaliseRule(r: {
    obs_addr: StoredRule['obs_addr'];
    record_formats: RecordFormat[];
    hls_config?: Partial<NonNullable<StoredRule['hls_config']>>;
    mp4_config?: Partial<NonNullable<StoredRule['mp4_config']>>;
  }): StoredRule {
    const out: StoredRule = { obs_addr: { ...r.obs_addr }, record_formats: [...r.record_formats] };
    if (r.hls_config) {
      out.hls_config = {
        record_cycle: r.hls_config.record_cycle ?? 0,
        ...(r.hls_config.record_prefix ? { record_prefix: r.hls_config.record_prefix } : {}),
        record_slice_duration: r.hls_config.record_slice_duration ?? DEFAULT_HLS_SLICE_DURATION,
        record_max_duration_to_merge_file: r.hls_config.record_max_duration_to_merge_file ?? 0,
      };
    }
    if (r.mp4_config) {
      out.mp4_config = {
        record_cycle: r.mp4_config.record_cycle ?? DEFAULT_MP4_RECORD_CYCLE,
        ...(r.mp4_config.record_prefix ? { record_prefix: r.mp4_config.record_prefix } : {}),
        record_max_duration_to_merge_file: r.mp4_config.record_max_duration_to_merge_file ?? 0,
      };
    }
    return out;
  }

  createRule(app: App, body: StoredRule): Rule {
    const now = this.now();
    const rule: Rule = { ruleId: hex(16), appId: app.appId, createdAt: now, updatedAt: now, current: body, versions: [{ effectiveAt: now, rule: body }] };
    app.rules.set(rule.ruleId, rule);
    return rule;
  }

  replaceRule(rule: Rule, body: StoredRule): void {
    const now = this.now();
    rule.current = body;
    rule.updatedAt = now;
    // streams already recording keep their rule; new streams get it about 5 minutes later (§4.4)
    rule.versions.push({ effectiveAt: now + this.settings.ruleChangeDelayMs, rule: body });
  }

  effectiveRule(rule: Rule): StoredRule {
    const now = this.now();
    let chosen = rule.versions[0]!.rule;
    for (const v of rule.versions) if (v.effectiveAt <= now) chosen = v.rule;
    return chosen;
  }

  ruleInUse(app: App, ruleId: string): string | undefined {
    if (this.liveJobs({ appId: app.appId }).some((j) => j.ruleId === ruleId)) return 'the rule is used by running jobs';
    if (app.autoRecord.mode === 'AUTO_INDIVIDUAL_RECORD' && app.autoRecord.ruleId === ruleId) return 'the rule is used by the auto-record configuration';
    return undefined;
  }

  // ---- rooms ----

  private roomKey(appId: string, roomId: string): string {
    return `${appId}/${roomId}`;
  }

  room(appId: string, roomId: string): RoomInfo {
    const key = this.roomKey(appId, roomId);
    let r = this.rooms.get(key);
    if (!r) {
      r = { appId, roomId, streams: new Map() };
      this.rooms.set(key, r);
    }
    return r;
  }

  humans(appId: string, roomId: string) {
    return [...this.world.channel(appId, roomId).users.values()].filter((u) => !u.bot);
  }

  /** A user's streams: what the control API set, else audio + camera while publishing. */
  streamsOf(appId: string, roomId: string, userId: string): Streams | undefined {
    const u = this.world.channel(appId, roomId).users.get(userId);
    if (!u || u.bot) return undefined;
    const s = this.room(appId, roomId).streams.get(userId);
    if (s && u.publishing) return s;
    return { audio: u.publishing, video: u.publishing, screen: false };
  }

  /** A user joins (or changes what they publish). */
  userJoins(appId: string, roomId: string, userId: string, streams: Streams): void {
    const publishing = streams.audio || streams.video || streams.screen;
    const existing = this.world.channel(appId, roomId).users.get(userId);
    if (existing && !existing.bot) {
      existing.publishing = publishing;
      if (publishing) this.world.channel(appId, roomId).everPublished.add(userId);
    } else {
      this.world.userJoins(appId, roomId, userId, publishing);
    }
    this.room(appId, roomId).streams.set(userId, { ...streams });
    this.roomChanged(appId, roomId);
  }

  userLeaves(appId: string, roomId: string, userId: string): boolean {
    const had = this.world.userLeaves(appId, roomId, userId);
    this.room(appId, roomId).streams.delete(userId);
    this.roomChanged(appId, roomId);
    return had;
  }

  scheduleRoomOp(appId: string, roomId: string, userIds?: string[]): void {
    this.pending.push({ at: this.now() + this.settings.roomOpDelayMs, appId, roomId, userIds });
  }

  /** After any change of a room's users: job activity, room lifetime, auto-record. */
  roomChanged(appId: string, roomId: string): void {
    const now = this.now();
    const info = this.room(appId, roomId);
    const occupied = this.humans(appId, roomId).length > 0;
    if (occupied && info.createdAt === undefined) info.createdAt = now;
    if (!occupied) info.createdAt = undefined;
    for (const job of this.liveJobs({ appId, roomId })) this.refreshActivity(job, now);
    this.autoRecord(appId, roomId);
  }

  // ---- jobs ----

  concurrentJobs(appId: string): number {
    return this.liveJobs({ appId }).length;
  }

  startJob(init: Omit<Job, 'jobId' | 'streamName' | 'botUid' | 'state' | 'createdAt' | 'updatedAt' | 'active' | 'files'> & { streamName?: string }): Job {
    const now = this.now();
    const jobId = hex(16);
    const streamName = init.streamName ?? (init.kind === 'mix' ? mixStreamName(jobId, init.roomId) : individualStreamName(jobId, init.roomId, init.userId!));
    const job: Job = { ...init, jobId, streamName, botUid: `sparkrtc-recorder-${jobId}`, state: 'INIT', createdAt: now, updatedAt: now, active: false, files: new Map() };
    this.jobs.set(jobId, job);
    const ch = this.world.channel(job.appId, job.roomId);
    // an uncontrolled room gets its publishers simulated: the recorded user, or the world's defaults
    if (!ch.controlled && job.kind === 'individual' && job.userId && !ch.users.has(job.userId)) {
      this.world.userJoins(job.appId, job.roomId, job.userId, true);
    }
    this.world.botJoins(job.appId, job.roomId, job.botUid);
    this.world.putTask({
      vendor: VENDOR,
      product: this.product(job),
      id: jobId,
      appId: job.appId,
      cname: job.roomId,
      state: 'INIT',
      billing: true,
      startedAt: now,
      usageClass: jobUsageKind(job),
    });
    job.inactiveSince = now;
    this.roomChanged(job.appId, job.roomId);
    return job;
  }

  product(job: Job): string {
    return job.kind === 'mix' ? 'mix-stream-jobs' : 'individual-stream-jobs';
  }

  /** Whether the recorded media flows: the user's stream (single), any publisher (mixed). */
  private mediaFlows(job: Job): boolean {
    if (job.kind === 'mix') {
      return this.humans(job.appId, job.roomId).some((u) => {
        const s = this.streamsOf(job.appId, job.roomId, u.uid);
        return !!s && (s.audio || s.video || s.screen);
      });
    }
    const s = this.streamsOf(job.appId, job.roomId, job.userId!);
    if (!s) return false;
    const audio = job.isRecordAudio !== false && s.audio;
    if (job.videoType === 'SCREENSTREAM') return s.screen || audio;
    if (job.videoType === '') return s.audio;
    return s.video || audio;
  }

  private refreshActivity(job: Job, at: number): void {
    const flows = this.mediaFlows(job);
    if (flows === job.active) return;
    job.active = flows;
    if (flows) {
      job.inactiveSince = undefined;
      if (job.state === 'RUNNING') this.resumeFiles(job, at);
    } else {
      job.inactiveSince = at;
      if (job.state === 'RUNNING') this.pauseFiles(job, at);
    }
  }

  private toRunning(job: Job, at: number): void {
    job.state = 'RUNNING';
    this.world.putTask({
      vendor: VENDOR,
      product: this.product(job),
      id: job.jobId,
      appId: job.appId,
      cname: job.roomId,
      state: 'RUNNING',
      billing: true,
      startedAt: job.createdAt,
      usageClass: jobUsageKind(job),
    });
    if (job.active) for (const format of job.rule.record_formats) this.openFile(job, format, at);
  }

  /** Ends a job (TENANT_STOP, EXCEED_MAX_IDLE_TIME or INTERNAL_ERROR) at emulated time `at`. */
  stopJob(job: Job, reason: StopReason, at: number, description?: string): void {
    if (job.state === 'STOPPED') return;
    for (const f of [...job.files.values()]) this.completeFile(job, f, f.pausedAt ?? at);
    job.state = 'STOPPED';
    job.stopReason = reason;
    job.stoppedAt = at;
    job.description = description ?? DESCRIPTIONS[reason];
    this.world.botLeaves(job.appId, job.roomId, job.botUid);
    this.world.endTask(VENDOR, this.product(job), job.jobId, 'STOPPED', reason);
    this.emit(job, { event_type: 'CLOUD_RECORD_SERVER_OVER', detail_message: reason });
  }

  // ---- files ----

  private fileConfig(job: Job, format: RecordFormat): { cycleMs: number; mergeGapMs: number; prefix: string } {
    if (format === 'HLS') {
      const c = job.rule.hls_config;
      const merge = c?.record_max_duration_to_merge_file ?? 0;
      return { cycleMs: (c?.record_cycle ?? 0) * 1000, mergeGapMs: merge < 0 ? 30 * DAY_MS : merge * 1000, prefix: c?.record_prefix ?? DEFAULT_RECORD_PREFIX };
    }
    const c = job.rule.mp4_config;
    return {
      cycleMs: (c?.record_cycle ?? DEFAULT_MP4_RECORD_CYCLE) * 1000,
      mergeGapMs: (c?.record_max_duration_to_merge_file ?? 0) * 1000,
      prefix: c?.record_prefix ?? DEFAULT_RECORD_PREFIX,
    };
  }

  private openFile(job: Job, format: RecordFormat, at: number): void {
    const { prefix } = this.fileConfig(job, format);
    const dir = job.rule.obs_addr.object ? job.rule.obs_addr.object.replace(/\/?$/, '/') : '';
    const objectKey = `${dir}${expandRecordPrefix(prefix, { appId: job.appId, format, stream: job.streamName, fileStartTime: fileStartStamp(at) })}.${format === 'HLS' ? 'm3u8' : 'mp4'}`;
    const f: OpenFile = { format, startAt: at, pausedMs: 0, objectKey };
    job.files.set(format, f);
    this.emit(job, { event_type: 'RECORD_NEW_FILE_START', record_format: format, start_time: secondsTime(at), obs_bucket: job.rule.obs_addr.bucket, obs_object: objectKey });
  }

  private completeFile(job: Job, f: OpenFile, end: number): void {
    job.files.delete(f.format);
    const seconds = Math.max(0, Math.round((end - f.startAt - f.pausedMs) / 1000));
    const { width, height, kbps } = this.videoOf(job);
    const size = Math.max(1, Math.round((seconds * kbps * 1000) / 8));
    const { bucket, location } = job.rule.obs_addr;
    const account = this.accounts.find((a) => a.apps.has(job.appId));
    account?.buckets.get(bucket)?.objects.set(f.objectKey, { size, lastModified: end });
    this.emit(job, {
      event_type: 'RECORD_FILE_COMPLETE',
      record_format: f.format,
      download_url: `https://${bucket}.obs.${location}.myhuaweicloud.com/${f.objectKey.split('/').map(encodeURIComponent).join('/')}`,
      record_duration: seconds,
      width,
      height,
      start_time: secondsTime(f.startAt),
      end_time: secondsTime(end),
      obs_location: location,
      obs_bucket: bucket,
      obs_object: f.objectKey,
      file_size: size,
    });
  }

  private videoOf(job: Job): { width: number; height: number; kbps: number } {
    if (job.kind === 'mix') {
      const t = String(job.mixParam?.encode_template ?? '');
      if (normaliseEncodeTemplate(t) === AUDIO_ONLY) return { width: 0, height: 0, kbps: 64 };
      const p = encodeTemplateParts(t);
      return { width: p.width, height: p.height, kbps: p.kbps };
    }
    if (job.videoType === '') return { width: 0, height: 0, kbps: 64 };
    const [width, height, kbps] = STREAM_RESOLUTION[job.selectStreamType ?? 'FHD'] ?? [1920, 1080, 3000];
    return { width, height, kbps };
  }

  private pauseFiles(job: Job, at: number): void {
    for (const f of [...job.files.values()]) {
      if (f.pausedAt !== undefined) continue;
      if (this.fileConfig(job, f.format).mergeGapMs === 0) this.completeFile(job, f, at);
      else f.pausedAt = at;
    }
  }

  private resumeFiles(job: Job, at: number): void {
    this.expireGaps(job, at);
    for (const format of job.rule.record_formats) {
      const f = job.files.get(format);
      if (!f) this.openFile(job, format, at);
      else if (f.pausedAt !== undefined) {
        f.pausedMs += at - f.pausedAt;
        f.pausedAt = undefined;
      }
    }
  }

  /** A pause longer than record_max_duration_to_merge_file ends the file where the pause began. */
  private expireGaps(job: Job, limit: number): void {
    for (const f of [...job.files.values()]) {
      if (f.pausedAt !== undefined && limit - f.pausedAt > this.fileConfig(job, f.format).mergeGapMs) this.completeFile(job, f, f.pausedAt);
    }
  }

  /** Periodic files: every record_cycle seconds of recording, the file is closed and the next opened. */
  private rotate(job: Job, limit: number): void {
    for (const format of job.rule.record_formats) {
      let f = job.files.get(format);
      const { cycleMs } = this.fileConfig(job, format);
      while (f && cycleMs > 0 && f.pausedAt === undefined && f.startAt + f.pausedMs + cycleMs <= limit) {
        const end = f.startAt + f.pausedMs + cycleMs;
        this.completeFile(job, f, end);
        this.openFile(job, format, end);
        f = job.files.get(format);
      }
    }
  }

  // ---- auto-record (§6) ----

  private autoRecord(appId: string, roomId: string): void {
    const account = this.accounts.find((a) => a.apps.has(appId));
    const app = account?.apps.get(appId);
    const info = this.room(appId, roomId);
    if (!app || app.state !== 'ACTIVATION' || app.autoRecord.mode !== 'AUTO_INDIVIDUAL_RECORD' || !app.autoRecord.ruleId) return;
    // only rooms created after the mode was enabled are recorded
    if (info.createdAt === undefined || info.createdAt < app.autoRecord.updatedAt) return;
    const rule = app.rules.get(app.autoRecord.ruleId);
    if (!rule) return;
    for (const u of this.humans(appId, roomId)) {
      const s = this.streamsOf(appId, roomId, u.uid);
      if (!s) continue;
      const wanted: Array<{ name: string; videoType: string; audio: boolean }> = [];
      if (s.audio || s.video) wanted.push({ name: autoStreamName(appId, roomId, u.uid, s.audio ? 'av' : 'v', 'm'), videoType: 'CAMERASTREAM', audio: true });
      if (s.screen) wanted.push({ name: autoStreamName(appId, roomId, u.uid, 'v', 'a'), videoType: 'SCREENSTREAM', audio: false });
      for (const w of wanted) {
        const live = this.liveJobs({ appId, roomId }).some((j) => j.auto && j.userId === u.uid && j.videoType === w.videoType);
        if (live || this.concurrentJobs(appId) >= this.settings.maxConcurrentJobsPerApp) continue;
        this.startJob({
          kind: 'individual',
          auto: true,
          appId,
          roomId,
          userId: u.uid,
          videoType: w.videoType,
          isRecordAudio: w.audio,
          selectStreamType: 'FHD',
          maxIdleTime: DEFAULT_MAX_IDLE_TIME,
          legacy: {},
          streamName: w.name,
          ruleId: rule.ruleId,
          rule: this.effectiveRule(rule),
        });
      }
    }
  }

  // ---- job views ----

  jobJson(job: Job): Record<string, unknown> {
    const common = {
      job_id: job.jobId,
      stream_name: job.streamName,
      app_id: job.appId,
      room_id: job.roomId,
      record_param: { record_rule_id: job.ruleId },
      create_time: secondsTime(job.createdAt),
      update_time: secondsTime(job.updatedAt),
      state: job.state,
      ...(job.stopReason ? { stop_reason: job.stopReason } : {}),
      ...(job.description ? { description: job.description } : {}),
      start_time: secondsTime(job.createdAt),
      stop_time: job.stoppedAt !== undefined ? secondsTime(job.stoppedAt) : ZERO_TIME,
    };
    if (job.kind === 'mix') return { ...common, mix_param: { ...job.mixParam } };
    return {
      ...common,
      user_id: job.userId,
      is_record_audio: job.isRecordAudio,
      video_type: job.videoType,
      select_stream_type: job.selectStreamType,
      max_idle_time: job.maxIdleTime,
      ...job.legacy,
    };
  }

  // ---- events ----

  private emit(job: Job, fields: Record<string, unknown>): void {
    const body = { job_id: job.jobId, stream_name: job.streamName, app_id: job.appId, room_id: job.roomId, ...fields };
    this.events.push({ seq: ++this.eventSeq, at: this.now(), appId: job.appId, body });
    if (this.events.length > 10_000) this.events = this.events.slice(-10_000);
    this.ctx.webhooks.emit(VENDOR, job.appId, { label: `sparkrtc ${String(fields.event_type)} ${job.jobId}`, body });
  }

  listEvents(filter: { appId?: string; jobId?: string; roomId?: string } = {}): EmittedEvent[] {
    return this.events.filter(
      (e) => (!filter.appId || e.appId === filter.appId) && (!filter.jobId || e.body.job_id === filter.jobId) && (!filter.roomId || e.body.room_id === filter.roomId),
    );
  }

  // ---- time ----

  tick(now: number): void {
    // room operations that were accepted (202) take effect
    for (let i = 0; i < this.pending.length;) {
      const op = this.pending[i]!;
      if (op.at > now) {
        i++;
        continue;
      }
      this.pending.splice(i, 1);
      const targets = op.userIds ?? this.humans(op.appId, op.roomId).map((u) => u.uid);
      for (const uid of targets) this.userLeaves(op.appId, op.roomId, uid);
    }
    for (const job of [...this.jobs.values()]) {
      if (job.state === 'STOPPED') {
        if (job.stoppedAt !== undefined && now - job.stoppedAt > this.settings.jobRetentionMs) this.jobs.delete(job.jobId);
        continue;
      }
      this.refreshActivity(job, now);
      const idleAt = job.inactiveSince !== undefined ? job.inactiveSince + job.maxIdleTime * 1000 : Infinity;
      const runAt = job.createdAt + this.settings.initMs;
      if (job.state === 'INIT' && runAt <= now && runAt < idleAt) this.toRunning(job, runAt);
      const limit = Math.min(now, idleAt);
      if (job.state === 'RUNNING') {
        this.rotate(job, limit);
        this.expireGaps(job, limit);
      }
      if (idleAt <= now) this.stopJob(job, 'EXCEED_MAX_IDLE_TIME', idleAt);
    }
  }
}

const DESCRIPTIONS: Record<StopReason, string> = {
  TENANT_STOP: 'the job was stopped by the tenant',
  EXCEED_MAX_IDLE_TIME: 'nobody published for longer than max_idle_time',
  INTERNAL_ERROR: 'the recorder failed',
};

function demoAccount(now: number): Account {
  const d = EMULATOR_SPARKRTC;
  const account: Account = {
    domainId: d.domainId,
    domainName: d.domainName,
    projectId: d.projectId,
    region: d.region,
    users: [
      { id: hex(16), name: d.iamUser, password: d.iamPassword, readOnly: false },
      { id: hex(16), name: d.readOnlyIamUser, password: d.iamPassword, readOnly: true },
    ],
    keys: new Map([[d.ak, d.sk]]),
    apps: new Map(),
    buckets: new Map(),
  };
  for (const [name, location] of [
    [d.bucket, d.region],
    [d.exampleBucket, d.region],
    [d.southBucket, 'cn-south-1'],
  ] as const) {
    account.buckets.set(name, { name, location, createdAt: now, authorized: true, objects: new Map() });
  }
  account.apps.set(d.appId, newApp(d.appId, d.appName, d.domainId, now));
  return account;
}

/** A new, active application with auto-record off and no rules. */
function newApp(appId: string, appName: string, domainId: string, now: number): App {
  return {
    appId,
    appName,
    domainId,
    state: 'ACTIVATION',
    stateUpdatedAt: now,
    createdAt: now,
    appKey: hex(16),
    autoRecord: { mode: 'AUTO_RECORD_OFF', updatedAt: now },
    rules: new Map(),
  };
}
