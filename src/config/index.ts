/**
 * Configuration from the environment, validated once at start with a clear message per bad value.
 * Secrets (vendor credentials, storage keys) live here and in the worker's memory only: workflows
 * carry profile *names*, and activities resolve them through resolveAgoraProfile/resolveStorageProfile.
 * This module knows where the vendor emulator listens, never its account: whoever runs the worker against
 * the emulator passes that in (loadConfig's `emulator` option).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigurationError, ConfigValidationError } from '../errors';
import { formatIssues } from '../schemas/issues';
import { ApiKeyEntry } from '../api/auth';
import { connectOptions, temporalSettingsFromEnv, type TemporalConnectOptions, type TemporalTls } from '../temporal/connection';

const hex32 = z.string().regex(/^[0-9a-f]{32}$/i, 'must be 32 hexadecimal characters');
const url = z.string().url('must be a URL such as https://api.agora.io');
const port = z.coerce.number().int().min(0).max(65535);

export const AgoraProfileSchema = z.strictObject({
  appId: hex32,
  /** needed to mint RTC tokens when the project has App Certificate enabled */
  appCertificate: hex32.optional(),
  customerId: z.string().min(1),
  customerSecret: z.string().min(1),
  /** first is primary; the rest are failover candidates */
  baseUrls: z.array(url).min(1),
  /** Interactive Whiteboard (netless, agora.md §12): its own key pair, region and host */
  whiteboard: z
    .strictObject({
      accessKey: z.string().min(1),
      secretAccessKey: z.string().min(1),
      /** the `region` header: us-sv, cn-hz, in-mum, sg, gb-lon */
      region: z.string().min(1).default('us-sv'),
      baseUrl: z.string().url('must be a URL such as https://api.netless.link/v5').default('https://api.netless.link/v5'),
    })
    .optional(),
});
export type AgoraProfile = z.infer<typeof AgoraProfileSchema>;

export const StorageProfileSchema = z.strictObject({
  vendor: z.coerce.number().int().min(0),
  region: z.coerce.number().int().min(0),
  bucket: z.string().min(1),
  accessKey: z.string().min(1),
  secretKey: z.string().min(1),
  fileNamePrefix: z.array(z.string().regex(/^[a-zA-Z0-9]+$/)).optional(),
  extensionParams: z.record(z.string(), z.unknown()).optional(),
});
export type StorageProfile = z.infer<typeof StorageProfileSchema>;

/** SparkRTC's one global endpoint (sparkrtc.md §1) and the IAM endpoint that issues tokens (§2.1). */
export const SPARKRTC_ENDPOINT = 'https://rtc-api.myhuaweicloud.com';
export const HUAWEI_IAM_ENDPOINT = 'https://iam.myhuaweicloud.com';
const sparkUrl = z.string().url('must be a URL such as https://rtc-api.myhuaweicloud.com');

/** IAM password credentials for token authentication (X-Auth-Token, sparkrtc.md §2.1). */
export const SparkRtcIamSchema = z.strictObject({
  endpoint: sparkUrl.default(HUAWEI_IAM_ENDPOINT),
  /** the account (domain) name */
  domainName: z.string().min(1),
  userName: z.string().min(1),
  password: z.string().min(1),
  /** token scope: the account (the document's examples) or the project of `region` */
  scope: z.enum(['domain', 'project']).default('domain'),
});
export type SparkRtcIam = z.infer<typeof SparkRtcIamSchema>;

export const SparkRtcProfileSchema = z
  .strictObject({
    /** the project of the region (X-Project-Id with AK/SK) */
    projectId: z.string().min(1),
    appId: z.string().min(1),
    /** AK/SK (recommended, sparkrtc.md §2.2) */
    ak: z.string().min(1).optional(),
    sk: z.string().min(1).optional(),
    /** X-Security-Token of a temporary AK/SK */
    securityToken: z.string().min(1).optional(),
    region: z.string().min(1).default('cn-north-4'),
    endpoint: sparkUrl.default(SPARKRTC_ENDPOINT),
    iam: SparkRtcIamSchema.optional(),
    /** which credential signs the calls; default: AK/SK when present, else an IAM token */
    auth: z.enum(['aksk', 'token']).optional(),
    /** the auth_key the app's record callback is configured with (`rtcflow sparkrtc callback set`): verifies X-Rtc-Signature */
    callbackAuthKey: z.string().min(32, 'callbackAuthKey is 32-64 characters').max(64, 'callbackAuthKey is 32-64 characters').optional(),
  })
  .superRefine((p, ctx) => {
    if ((p.ak === undefined) !== (p.sk === undefined)) ctx.addIssue({ code: 'custom', path: [p.ak ? 'sk' : 'ak'], message: 'ak and sk come as a pair' });
    if (!p.ak && !p.iam) ctx.addIssue({ code: 'custom', path: [], message: 'needs ak and sk, or iam credentials' });
    if (p.auth === 'aksk' && !p.ak) ctx.addIssue({ code: 'custom', path: ['auth'], message: 'auth "aksk" needs ak and sk' });
    if (p.auth === 'token' && !p.iam) ctx.addIssue({ code: 'custom', path: ['auth'], message: 'auth "token" needs iam' });
  });
export type SparkRtcProfile = z.infer<typeof SparkRtcProfileSchema>;

/** https, or http to this machine only (a receiver on loopback: development and tests). */
const eventsUrl = z
  .string()
  .url('must be a URL such as https://app.example.com/rtcflow-events')
  .refine((u) => {
    const { protocol, hostname } = new URL(u);
    return protocol === 'https:' || (protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(hostname));
  }, 'must be https (http only to 127.0.0.1, localhost or [::1])')
  .refine((u) => !new URL(u).username && !new URL(u).password, 'must not carry credentials (the secret signs the events)');

/** Where a tenant's sessions send their events (src/client/events.ts), and the secret that signs them. */
export const EventsTargetSchema = z.strictObject({
  url: eventsUrl,
  secret: z.string().min(16, 'the events secret is at least 16 characters'),
});
export type EventsTarget = z.infer<typeof EventsTargetSchema>;

const ProfilesFileSchema = z.strictObject({
  agora: z.record(z.string(), AgoraProfileSchema).default({}),
  storage: z.record(z.string(), StorageProfileSchema).default({}),
  sparkrtc: z.record(z.string(), SparkRtcProfileSchema).default({}),
  /** by profile name: that tenant's events target */
  events: z.record(z.string(), EventsTargetSchema).default({}),
});

const EnvSchema = z.object({
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d+$/, 'must be host:port')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  RTCFLOW_TASK_QUEUE: z.string().min(1).default('rtcflow'),
  RTCFLOW_DATA_DIR: z.string().min(1).default('.data'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  RTCFLOW_API_PORT: port.default(8080),
  /** Prometheus endpoints (/metrics): the worker's (SDK + rtcflow metrics) and the API process's (webhooks) */
  RTCFLOW_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  RTCFLOW_METRICS_PORT: port.default(9464),
  RTCFLOW_API_METRICS_PORT: port.default(9465),
  /** worker sizing (docs/benchmarks.md, "Worker sizing"): unset = the value measured for a 2-core worker */
  RTCFLOW_WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(1).optional(),
  RTCFLOW_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).optional(),
  RTCFLOW_WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).optional(),
  RTCFLOW_WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: z.coerce.number().int().min(1).optional(),
  RTCFLOW_WORKER_WORKFLOW_POLLERS: z.coerce.number().int().min(2).optional(),
  RTCFLOW_WORKER_ACTIVITY_POLLERS: z.coerce.number().int().min(1).optional(),
  /** V8's old-generation growth per major GC in percent, process-wide (unset or 0: V8's own 10–300%) */
  RTCFLOW_WORKER_HEAP_GROWING_PERCENT: z.coerce.number().int().min(0).max(300).optional(),
  /** the SDK's workflow stack traces (the UI's Stack Trace tab): worker.ts applyStackTraces; unset = WORKER_SIZING */
  RTCFLOW_WORKER_STACK_TRACES: z.enum(['on', 'off']).optional(),
  /** the port `npm start` runs the emulator on (the emulator's own default, emulator/defaults.ts) */
  RTCFLOW_EMULATOR_PORT: port.default(8480),
  /** where the emulator listens (npm start: on RTCFLOW_EMULATOR_PORT); `npm run worker` uses it only when set */
  RTCFLOW_EMULATOR_URL: url.optional(),
  RTCFLOW_PROFILES_FILE: z.string().min(1).optional(),
  AGORA_APP_ID: hex32.optional(),
  AGORA_APP_CERTIFICATE: hex32.optional(),
  AGORA_CUSTOMER_ID: z.string().min(1).optional(),
  AGORA_CUSTOMER_SECRET: z.string().min(1).optional(),
  /** Interactive Whiteboard key pair of the default Agora profile (both, or neither), its region and host */
  AGORA_WHITEBOARD_ACCESS_KEY: z.string().min(1).optional(),
  AGORA_WHITEBOARD_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  AGORA_WHITEBOARD_REGION: z.string().min(1).optional(),
  AGORA_WHITEBOARD_BASE_URL: url.optional(),
  AGORA_BASE_URLS: z
    .string()
    .optional()
    .transform((s) =>
      s
        ? s
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean)
        : undefined,
    )
    .pipe(z.array(url).min(1).optional()),
  RTCFLOW_STORAGE_VENDOR: z.coerce.number().int().min(0).optional(),
  RTCFLOW_STORAGE_REGION: z.coerce.number().int().min(0).optional(),
  RTCFLOW_STORAGE_BUCKET: z.string().min(1).optional(),
  RTCFLOW_STORAGE_ACCESS_KEY: z.string().min(1).optional(),
  RTCFLOW_STORAGE_SECRET_KEY: z.string().min(1).optional(),
  /**
   * Agora Analytics' base URL. The seed collection uses {{baseUrl}} and never defines it, so there is no
   * default for real Agora (src/agora/analytics.ts); against the emulator its URL is used.
   */
  AGORA_ANALYTICS_BASE_URL: url.optional(),
  /** the secret Agora NCS signs webhooks with (Console → Notifications) */
  AGORA_NCS_SECRET: z.string().min(1).optional(),
  SPARKRTC_AK: z.string().min(1).optional(),
  SPARKRTC_SK: z.string().min(1).optional(),
  SPARKRTC_PROJECT_ID: z.string().min(1).optional(),
  SPARKRTC_APP_ID: z.string().min(1).optional(),
  SPARKRTC_ENDPOINT: sparkUrl.optional(),
  /** the `default` SparkRTC profile's record-callback auth_key (`rtcflow sparkrtc callback set` generates one) */
  SPARKRTC_CALLBACK_AUTH_KEY: z.string().min(32, 'is 32-64 characters').max(64, 'is 32-64 characters').optional(),
  /** the HTTP API's keys, by hash: a JSON array of {id, sha256, profiles} (`rtcflow api-key new` prints one) */
  RTCFLOW_API_KEYS: z.string().min(1).optional(),
  /** ...or a file holding that JSON array */
  RTCFLOW_API_KEYS_FILE: z.string().min(1).optional(),
  /** tests against the emulator only: accept test hooks and intervals below the public floors (src/schemas/policy.ts) */
  RTCFLOW_TEST_HOOKS: z.enum(['0', '1', 'true', 'false']).optional(),
  /** the `default` profile's events target (both, or neither) */
  RTCFLOW_EVENTS_URL: eventsUrl.optional(),
  RTCFLOW_EVENTS_SECRET: EventsTargetSchema.shape.secret.optional(),
});

/**
 * The SDK's workflow stack traces when RTCFLOW_WORKER_STACK_TRACES is unset: off, for their CPU and memory
 * (worker.ts applyStackTraces says what they cost and where they are still on).
 */
export const DEFAULT_WORKFLOW_STACK_TRACES = false;

/** Worker options a deployment may size (each undefined = rtcflow's measured default, worker.ts workerSizing). */
export interface WorkerSizing {
  maxCachedWorkflows?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentLocalActivityExecutions?: number;
  workflowTaskPollers?: number;
  activityTaskPollers?: number;
  /** V8's heap growth per major GC in percent, for the whole worker process (unset or 0: V8's own; worker.ts applyHeapGrowth) */
  heapGrowingPercent?: number;
  /** the SDK's stack of every pending workflow promise, for the UI's Stack Trace tab (worker.ts applyStackTraces) */
  stackTraces?: boolean;
}

export interface Config {
  /** tls and apiKey: src/temporal/connection.ts (TEMPORAL_TLS_*, TEMPORAL_API_KEY); connect with temporalConnectOptions */
  temporal: { address?: string; namespace: string; taskQueue: string; port: number; uiPort: number; tls?: TemporalTls; apiKey?: string };
  dataDir: string;
  apiPort: number;
  /** where the worker's and the API's Prometheus endpoints bind (host:port) */
  metrics: { worker: string; api: string };
  /** worker sizing from RTCFLOW_WORKER_*; what is unset takes workerSizing()'s measured default (worker.ts) */
  worker: WorkerSizing;
  emulator: { port: number; url: string };
  /** true when some profile points at the emulator (only when loadConfig was given its account, or a profiles file names its URL) */
  usesEmulator: boolean;
  /** secrets that verify incoming vendor webhooks */
  webhooks: { agoraNcsSecret?: string };
  agora: Record<string, AgoraProfile>;
  storage: Record<string, StorageProfile>;
  /** Huawei Cloud SparkRTC tenants; `default` from SPARKRTC_*, else the emulator's when given its account */
  sparkrtc: Record<string, SparkRtcProfile>;
  /** the HTTP API's keys (hashes and the profiles each may use) */
  apiKeys: ApiKeyEntry[];
  /** RTCFLOW_TEST_HOOKS: public inputs may use test hooks and short intervals (never in production) */
  testHooks: boolean;
  /** by profile: where its sessions send their events and the secret that signs them (none: no events) */
  events?: Record<string, EventsTarget>;
  /** AGORA_ANALYTICS_BASE_URL: where Agora Analytics is (undefined in the seed: no default) */
  agoraAnalyticsBaseUrl?: string;
}

export const DEFAULT_PROFILE = 'default';

/**
 * The vendor emulator's demo account, passed to loadConfig by whoever runs the worker against the emulator
 * (`npm start`, `npm run worker` with RTCFLOW_EMULATOR_URL, the tests): each `default` profile that no real
 * credentials configure points at the emulator with it. The emulator defines it (emulator/defaults.ts).
 */
export interface EmulatorAccount {
  agora: Omit<AgoraProfile, 'baseUrls' | 'whiteboard'>;
  /** the emulator's whiteboard key pair and region (its host is the emulator's `/v5`) */
  whiteboard?: { accessKey: string; secretAccessKey: string; region: string };
  storage: StorageProfile;
  sparkrtc: { projectId: string; appId: string; ak: string; sk: string; region: string; iam: { domainName: string; userName: string; password: string } };
}

export interface LoadConfigOptions {
  /** run against the vendor emulator (at RTCFLOW_EMULATOR_URL) wherever no real credentials are configured */
  emulator?: EmulatorAccount;
}

const NO_VENDOR =
  'no vendor configured: set AGORA_APP_ID, AGORA_CUSTOMER_ID and AGORA_CUSTOMER_SECRET, or SPARKRTC_AK, SPARKRTC_SK, SPARKRTC_PROJECT_ID and SPARKRTC_APP_ID, or profiles in RTCFLOW_PROFILES_FILE; ' +
  'or run against the vendor emulator (`npm start`, or RTCFLOW_EMULATOR_URL for `npm run worker`)';

export function loadConfig(env: NodeJS.ProcessEnv = process.env, opts: LoadConfigOptions = {}): Config {
  // an empty variable (FOO= in a compose file or .env) means "not set"
  const parsed = EnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    throw new ConfigValidationError(
      `invalid configuration:\n${formatIssues(parsed.error, '(environment)')
        .map((l) => `  ${l}`)
        .join('\n')}`,
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  let temporalConnection: ReturnType<typeof temporalSettingsFromEnv> | undefined;
  try {
    temporalConnection = temporalSettingsFromEnv(env);
  } catch (err) {
    if (!(err instanceof ConfigValidationError)) throw err;
    problems.push(...err.message.split('\n').slice(1));
  }

  const agoraVars = ['AGORA_APP_ID', 'AGORA_CUSTOMER_ID', 'AGORA_CUSTOMER_SECRET'] as const;
  const setAgora = agoraVars.filter((k) => e[k] !== undefined);
  if (setAgora.length > 0 && setAgora.length < agoraVars.length) {
    const missing = agoraVars.filter((k) => e[k] === undefined);
    problems.push(`  ${missing.join(', ')}: required when ${setAgora.join(', ')} is set (real Agora credentials come as a set)`);
  }
  if ((e.AGORA_WHITEBOARD_ACCESS_KEY === undefined) !== (e.AGORA_WHITEBOARD_SECRET_ACCESS_KEY === undefined)) {
    const [missing, set] = e.AGORA_WHITEBOARD_ACCESS_KEY
      ? ['AGORA_WHITEBOARD_SECRET_ACCESS_KEY', 'AGORA_WHITEBOARD_ACCESS_KEY']
      : ['AGORA_WHITEBOARD_ACCESS_KEY', 'AGORA_WHITEBOARD_SECRET_ACCESS_KEY'];
    problems.push(`  ${missing}: required when ${set} is set`);
  }
  const storageVars = ['RTCFLOW_STORAGE_VENDOR', 'RTCFLOW_STORAGE_REGION', 'RTCFLOW_STORAGE_BUCKET', 'RTCFLOW_STORAGE_ACCESS_KEY', 'RTCFLOW_STORAGE_SECRET_KEY'] as const;
  const setStorage = storageVars.filter((k) => e[k] !== undefined);
  if (setStorage.length > 0 && setStorage.length < storageVars.length) {
    problems.push(`  ${storageVars.filter((k) => e[k] === undefined).join(', ')}: required when ${setStorage.join(', ')} is set`);
  }

  const sparkVars = ['SPARKRTC_AK', 'SPARKRTC_SK', 'SPARKRTC_PROJECT_ID', 'SPARKRTC_APP_ID'] as const;
  const setSpark = [...sparkVars, 'SPARKRTC_ENDPOINT' as const].filter((k) => e[k] !== undefined);
  const missingSpark = sparkVars.filter((k) => e[k] === undefined);
  if (setSpark.length > 0 && missingSpark.length > 0) {
    problems.push(`  ${missingSpark.join(', ')}: required when ${setSpark.join(', ')} is set (real SparkRTC credentials come as a set)`);
  }

  if ((e.RTCFLOW_EVENTS_URL === undefined) !== (e.RTCFLOW_EVENTS_SECRET === undefined)) {
    problems.push(
      `  ${e.RTCFLOW_EVENTS_URL ? 'RTCFLOW_EVENTS_SECRET' : 'RTCFLOW_EVENTS_URL'}: required when ${e.RTCFLOW_EVENTS_URL ? 'RTCFLOW_EVENTS_URL' : 'RTCFLOW_EVENTS_SECRET'} is set`,
    );
  }

  let fromFile: z.infer<typeof ProfilesFileSchema> = { agora: {}, storage: {}, sparkrtc: {}, events: {} };
  if (e.RTCFLOW_PROFILES_FILE) {
    try {
      const r = ProfilesFileSchema.safeParse(JSON.parse(readFileSync(e.RTCFLOW_PROFILES_FILE, 'utf8')));
      if (r.success) fromFile = r.data;
      else problems.push(...formatIssues(r.error, '(whole file)').map((l) => `  RTCFLOW_PROFILES_FILE(${e.RTCFLOW_PROFILES_FILE}): ${l}`));
    } catch (err) {
      problems.push(`  RTCFLOW_PROFILES_FILE: cannot read ${e.RTCFLOW_PROFILES_FILE}: ${(err as Error).message}`);
    }
  }
  if (problems.length) throw new ConfigValidationError(`invalid configuration:\n${problems.join('\n')}`);

  const emu = opts.emulator;
  const emulatorUrl = e.RTCFLOW_EMULATOR_URL ?? `http://127.0.0.1:${e.RTCFLOW_EMULATOR_PORT}`;
  const realAgora = setAgora.length === agoraVars.length;
  const agora: Record<string, AgoraProfile> = { ...fromFile.agora };
  if (realAgora) {
    agora[DEFAULT_PROFILE] = {
      appId: e.AGORA_APP_ID!,
      appCertificate: e.AGORA_APP_CERTIFICATE,
      customerId: e.AGORA_CUSTOMER_ID!,
      customerSecret: e.AGORA_CUSTOMER_SECRET!,
      baseUrls: e.AGORA_BASE_URLS ?? ['https://api.sd-rtn.com', 'https://api.agora.io'],
    };
  } else if (!agora[DEFAULT_PROFILE] && emu) {
    agora[DEFAULT_PROFILE] = { ...emu.agora, baseUrls: [emulatorUrl], ...(emu.whiteboard ? { whiteboard: { ...emu.whiteboard, baseUrl: `${emulatorUrl}/v5` } } : {}) };
  }
  if (e.AGORA_WHITEBOARD_ACCESS_KEY && e.AGORA_WHITEBOARD_SECRET_ACCESS_KEY && agora[DEFAULT_PROFILE]) {
    agora[DEFAULT_PROFILE] = {
      ...agora[DEFAULT_PROFILE],
      whiteboard: {
        accessKey: e.AGORA_WHITEBOARD_ACCESS_KEY,
        secretAccessKey: e.AGORA_WHITEBOARD_SECRET_ACCESS_KEY,
        region: e.AGORA_WHITEBOARD_REGION ?? 'us-sv',
        baseUrl: e.AGORA_WHITEBOARD_BASE_URL ?? 'https://api.netless.link/v5',
      },
    };
  }
  const storage: Record<string, StorageProfile> = { ...fromFile.storage };
  if (setStorage.length === storageVars.length) {
    storage[DEFAULT_PROFILE] = {
      vendor: e.RTCFLOW_STORAGE_VENDOR!,
      region: e.RTCFLOW_STORAGE_REGION!,
      bucket: e.RTCFLOW_STORAGE_BUCKET!,
      accessKey: e.RTCFLOW_STORAGE_ACCESS_KEY!,
      secretKey: e.RTCFLOW_STORAGE_SECRET_KEY!,
    };
  } else if (!storage[DEFAULT_PROFILE] && emu) {
    storage[DEFAULT_PROFILE] = { ...emu.storage };
  }
  const sparkrtc: Record<string, SparkRtcProfile> = { ...fromFile.sparkrtc };
  if (setSpark.length > 0) {
    sparkrtc[DEFAULT_PROFILE] = {
      projectId: e.SPARKRTC_PROJECT_ID!,
      appId: e.SPARKRTC_APP_ID!,
      ak: e.SPARKRTC_AK!,
      sk: e.SPARKRTC_SK!,
      region: 'cn-north-4',
      endpoint: e.SPARKRTC_ENDPOINT ?? SPARKRTC_ENDPOINT,
    };
  } else if (!sparkrtc[DEFAULT_PROFILE] && emu) {
    const { iam, ...account } = emu.sparkrtc;
    sparkrtc[DEFAULT_PROFILE] = { ...account, endpoint: emulatorUrl, iam: { ...iam, endpoint: emulatorUrl, scope: 'domain' }, auth: 'aksk' };
  }
  if (e.SPARKRTC_CALLBACK_AUTH_KEY && sparkrtc[DEFAULT_PROFILE]) sparkrtc[DEFAULT_PROFILE] = { ...sparkrtc[DEFAULT_PROFILE], callbackAuthKey: e.SPARKRTC_CALLBACK_AUTH_KEY };
  if (Object.keys(agora).length === 0 && Object.keys(sparkrtc).length === 0) throw new ConfigValidationError(`invalid configuration:\n  ${NO_VENDOR}`);

  const apiKeys = readApiKeys(e.RTCFLOW_API_KEYS, e.RTCFLOW_API_KEYS_FILE);
  const events: Record<string, EventsTarget> = { ...fromFile.events };
  if (e.RTCFLOW_EVENTS_URL && e.RTCFLOW_EVENTS_SECRET) events[DEFAULT_PROFILE] = { url: e.RTCFLOW_EVENTS_URL, secret: e.RTCFLOW_EVENTS_SECRET };

  // the emulator is needed as long as any profile points at it
  const agoraUsesEmulator = Object.values(agora).some((p) => p.baseUrls.includes(emulatorUrl));
  const usesEmulator = agoraUsesEmulator || Object.values(sparkrtc).some((p) => p.endpoint === emulatorUrl);

  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.RTCFLOW_TASK_QUEUE,
      port: e.TEMPORAL_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      ...(temporalConnection?.tls ? { tls: temporalConnection.tls } : {}),
      ...(temporalConnection?.apiKey !== undefined ? { apiKey: temporalConnection.apiKey } : {}),
    },
    dataDir: e.RTCFLOW_DATA_DIR,
    apiPort: e.RTCFLOW_API_PORT,
    metrics: { worker: `${e.RTCFLOW_METRICS_HOST}:${e.RTCFLOW_METRICS_PORT}`, api: `${e.RTCFLOW_METRICS_HOST}:${e.RTCFLOW_API_METRICS_PORT}` },
    worker: {
      maxCachedWorkflows: e.RTCFLOW_WORKER_MAX_CACHED_WORKFLOWS,
      maxConcurrentWorkflowTaskExecutions: e.RTCFLOW_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxConcurrentActivityTaskExecutions: e.RTCFLOW_WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentLocalActivityExecutions: e.RTCFLOW_WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES,
      workflowTaskPollers: e.RTCFLOW_WORKER_WORKFLOW_POLLERS,
      activityTaskPollers: e.RTCFLOW_WORKER_ACTIVITY_POLLERS,
      heapGrowingPercent: e.RTCFLOW_WORKER_HEAP_GROWING_PERCENT,
      stackTraces: e.RTCFLOW_WORKER_STACK_TRACES === undefined ? undefined : e.RTCFLOW_WORKER_STACK_TRACES === 'on',
    },
    emulator: { port: e.RTCFLOW_EMULATOR_PORT, url: emulatorUrl },
    usesEmulator,
    // no fallback: `npm start` wires the emulator and the receiver with a per-run secret (dev.ts)
    webhooks: { agoraNcsSecret: e.AGORA_NCS_SECRET },
    agora,
    storage,
    sparkrtc,
    apiKeys,
    testHooks: e.RTCFLOW_TEST_HOOKS === '1' || e.RTCFLOW_TEST_HOOKS === 'true',
    events,
    ...(e.AGORA_ANALYTICS_BASE_URL ? { agoraAnalyticsBaseUrl: e.AGORA_ANALYTICS_BASE_URL } : {}),
  };
}

/** RTCFLOW_API_KEYS (JSON) and RTCFLOW_API_KEYS_FILE together; a bad entry stops the start with its path. */
function readApiKeys(json: string | undefined, file: string | undefined): ApiKeyEntry[] {
  const read = (text: string, where: string): ApiKeyEntry[] => {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new ConfigValidationError(`invalid configuration:\n  ${where}: not JSON (${(err as Error).message})`);
    }
    const r = z.array(ApiKeyEntry).safeParse(raw);
    if (!r.success)
      throw new ConfigValidationError(
        `invalid configuration:\n${formatIssues(r.error, where)
          .map((l) => `  ${where}.${l}`)
          .join('\n')}`,
      );
    return r.data;
  };
  const keys = json ? read(json, 'RTCFLOW_API_KEYS') : [];
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigValidationError(`invalid configuration:\n  RTCFLOW_API_KEYS_FILE: cannot read ${file} (${(err as Error).message})`);
    }
    keys.push(...read(text, 'RTCFLOW_API_KEYS_FILE'));
  }
  return keys;
}

/** How the worker, the API and `npm start` connect to Temporal: TLS and API key from the environment, the address or a local dev server's. */
export function temporalConnectOptions(config: Config, address = config.temporal.address): TemporalConnectOptions {
  return connectOptions({ ...config.temporal, address }, `127.0.0.1:${config.temporal.port}`);
}

/** The profile names of each kind the worker has: the API and client refuse a start naming another. */
export function knownProfiles(config: Config): { agora: string[]; storage: string[]; sparkrtc: string[] } {
  return { agora: Object.keys(config.agora), storage: Object.keys(config.storage), sparkrtc: Object.keys(config.sparkrtc) };
}

function unknownProfile(kind: string, name: string, configured: object, setVars: string): ConfigurationError {
  const hint = name === DEFAULT_PROFILE ? `set ${setVars}, or` : 'add it to';
  return new ConfigurationError(`unknown ${kind} profile "${name}" (configured: ${Object.keys(configured).join(', ') || 'none'}): ${hint} RTCFLOW_PROFILES_FILE`);
}

export function resolveAgoraProfile(config: Config, name: string): AgoraProfile {
  const p = config.agora[name];
  if (!p) throw unknownProfile('Agora', name, config.agora, 'AGORA_APP_ID, AGORA_CUSTOMER_ID and AGORA_CUSTOMER_SECRET');
  return p;
}

export function resolveStorageProfile(config: Config, name: string): StorageProfile {
  const p = config.storage[name];
  if (!p) throw unknownProfile('storage', name, config.storage, 'RTCFLOW_STORAGE_VENDOR, _REGION, _BUCKET, _ACCESS_KEY and _SECRET_KEY');
  return p;
}

/** Profile name → the auth_key its record callback is configured with (the receiver's keys; profiles without one are left out). */
export function sparkRtcCallbackKeys(config: Config): Record<string, string> {
  return Object.fromEntries(Object.entries(config.sparkrtc).flatMap(([name, p]) => (p.callbackAuthKey ? [[name, p.callbackAuthKey]] : [])));
}

/** The profile's events target; undefined when it has none (its sessions send no events). */
export function resolveEventsTarget(config: Config, name: string): EventsTarget | undefined {
  return Object.hasOwn(config.events ?? {}, name) ? config.events![name] : undefined;
}

export function resolveSparkRtcProfile(config: Config, name: string): SparkRtcProfile {
  const p = config.sparkrtc[name];
  if (!p) throw unknownProfile('SparkRTC', name, config.sparkrtc, 'SPARKRTC_AK, SPARKRTC_SK, SPARKRTC_PROJECT_ID and SPARKRTC_APP_ID');
  return p;
}
