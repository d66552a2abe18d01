/**
 * Worker entry: load config → build the HTTP client → createActivities(deps) → Worker.create.
 * `npm run worker` runs it alone against TEMPORAL_ADDRESS; `npm start` runs it next to a dev server.
 * Alone, it talks to the vendors its environment has credentials for; with RTCFLOW_EMULATOR_URL set, it gives
 * the emulator's demo account to every vendor without them. With neither, it refuses to start.
 */
import { existsSync } from 'node:fs';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities';
import { DEFAULT_WORKFLOW_STACK_TRACES, loadConfig, temporalConnectOptions, type Config, type WorkerSizing } from './src/config';
import { installMetricsRuntime } from './src/metrics/runtime';
import { vendorCallObserver } from './src/metrics/vendor';
import { describeConnection } from './src/temporal/connection';
import { HttpClient } from './src/http/client';
import { ensureSearchAttributes } from './src/temporal/search-attributes';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH, workflowBundlerOptions } from './src/temporal/workflow-bundle';

export interface RtcflowWorkerOptions {
  config: Config;
  connection: NativeConnection;
  taskQueue?: string;
  /** a prebuilt bundle (the tests bundle once per run); otherwise prebuiltWorkflowBundle(), else workflows/ is bundled at start */
  workflowBundle?: WorkerOptions['workflowBundle'];
  http?: HttpClient;
  /** a source of short-lived storage credentials (see ActivityDeps.storageCredentials) */
  storageCredentials?: ActivityDeps['storageCredentials'];
  /** anything else for Worker.create (tests shorten the sticky queue timeout) */
  workerOptions?: Partial<WorkerOptions>;
}

/**
 * The workflow bundle `npm run build` wrote (scripts/build.ts): $RTCFLOW_WORKFLOW_BUNDLE, else workflow-bundle.js
 * next to this file (dist/ when compiled). None in development (tsx): the worker bundles workflows/ at start.
 */
export function prebuiltWorkflowBundle(env: NodeJS.ProcessEnv = process.env): { codePath: string } | undefined {
  const explicit = env.RTCFLOW_WORKFLOW_BUNDLE;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`RTCFLOW_WORKFLOW_BUNDLE=${explicit}: no such file (npm run build writes dist/workflow-bundle.js)`);
    return { codePath: resolve(explicit) };
  }
  const beside = join(__dirname, 'workflow-bundle.js');
  return existsSync(beside) ? { codePath: beside } : undefined;
}

/**
 * rtcflow's worker sizing for a 2-core worker, chosen from `npm run bench` (docs/benchmarks.md, "Worker
 * sizing", says what each figure came from and what to change on bigger machines). Sessions are long-lived
 * and mostly idle: the sticky cache keeps a session's workflow state between polls. Keep every live session
 * in it: an evicted session is replayed from its history at each poll, and at 5,000 sessions on a 2,000-entry
 * cache the workflow thread did little but replay (polls minutes late, stops at 20 a minute).
 */
export const WORKER_SIZING: Required<Omit<WorkerSizing, 'heapGrowingPercent'>> = {
  maxCachedWorkflows: defaultCacheSize(getHeapStatistics().heap_size_limit / 2 ** 20),
  maxConcurrentWorkflowTaskExecutions: 40,
  maxConcurrentActivityTaskExecutions: 100,
  maxConcurrentLocalActivityExecutions: 100,
  workflowTaskPollers: 8,
  activityTaskPollers: 4,
  stackTraces: DEFAULT_WORKFLOW_STACK_TRACES,
};

/**
 * The sticky cache's default size from the workflow thread's V8 heap limit (the SDK starts it without its own
 * limit, so it has the process's): a cached session holds about 0.5 MB there at most (0.09–0.13 MB of live JS and the
 * garbage between GCs), 400 MB stay for the rest. 6,000 at most: 4 GB here.
 */
export function defaultCacheSize(heapLimitMb: number): number {
  return Math.max(100, Math.min(6_000, Math.floor((heapLimitMb - 400) / 0.5)));
}

/** Worker.create options from a sizing (what the deployment set, else WORKER_SIZING). */
export function workerSizing(set: WorkerSizing = {}): Partial<WorkerOptions> {
  const defined = Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined)) as WorkerSizing;
  const s = { ...WORKER_SIZING, ...defined };
  return {
    maxCachedWorkflows: s.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: s.maxConcurrentWorkflowTaskExecutions,
    maxConcurrentActivityTaskExecutions: s.maxConcurrentActivityTaskExecutions,
    maxConcurrentLocalActivityExecutions: s.maxConcurrentLocalActivityExecutions,
    workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: s.workflowTaskPollers },
    activityTaskPollerBehavior: { type: 'simple-maximum', maximum: s.activityTaskPollers },
  };
}

/**
 * V8 grows the old generation by 10–300% per major GC (its own choice by GC speed); cached sessions are
 * long-lived and mostly idle, so much of the headroom above them is garbage kept as RSS. A fixed growth
 * (`RTCFLOW_WORKER_HEAP_GROWING_PERCENT`, e.g. 30) keeps less of it at some CPU: at 1,000 sessions RSS per
 * session 0.55–0.71 MB → 0.42–0.49 MB, poll lateness p99 0.7–1.6 s → 1.0–3.2 s (docs/benchmarks.md). Unset: V8's
 * own, untouched; 0 restores it. It is a V8 flag, so it holds for the whole process (every thread, the API and
 * emulator too when `npm start` runs them beside the worker) and the last value set wins.
 */
export function applyHeapGrowth(set: WorkerSizing = {}): void {
  if (set.heapGrowingPercent !== undefined) setFlagsFromString(`--heap-growing-percent=${set.heapGrowingPercent}`);
}

/** what a patched SDK reads in the workflow thread (patches/@temporalio+worker+*.patch, GlobalHandlers.install) */
export const SDK_STACK_TRACES_ENV = 'TEMPORAL_WORKFLOW_STACK_TRACES';

/** whether the installed SDK carries rtcflow's patch that lets stack traces be turned off */
export function sdkStackTracesSwitchable(): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const shared = require('@temporalio/worker/lib/workflow/vm-shared') as { STACK_TRACES_ENV?: string };
  return shared.STACK_TRACES_ENV === SDK_STACK_TRACES_ENV;
}

/**
 * The SDK saves a source-mapped stack for every workflow promise it sees created (a promise hook), to answer
 * the UI's "Stack Trace" tab. Measured (docs/benchmarks.md, "Workflow stack traces"): 10–23% of the worker's CPU
 * and 44 KB per cached session. Off by default (`RTCFLOW_WORKER_STACK_TRACES=on` restores the tab; `npm start`
 * turns it on); a session's phase and details in the UI still say where it is, and failures keep their
 * source-mapped stacks. The SDK has no option for it: rtcflow's patch (patches/, applied at install) makes the
 * workflow thread skip the hook when its environment says so. The thread takes its environment from the process
 * when Worker.create starts it, so this sets the process's: a process-wide setting, like the heap growth (two
 * workers created at once with different values both get the last; with a debug-mode worker, workflows on the
 * main thread, the first worker of the process decides). Where process.env is a copy (a Jest test file), the
 * thread never sees it and keeps them on.
 */
export function applyStackTraces(set: WorkerSizing = {}, env: NodeJS.ProcessEnv = process.env): { on: boolean; warning?: string } {
  const switchable = sdkStackTracesSwitchable();
  if (set.stackTraces === false && !switchable) {
    throw new Error(
      'RTCFLOW_WORKER_STACK_TRACES=off needs the SDK patch in patches/ (npm install applies it; after --ignore-scripts run `npx patch-package`); or set RTCFLOW_WORKER_STACK_TRACES=on',
    );
  }
  // the default (off) cannot be honoured without the patch: they stay on, and the worker says so
  const fellBack = set.stackTraces === undefined && !WORKER_SIZING.stackTraces && !switchable;
  const on = set.stackTraces ?? (WORKER_SIZING.stackTraces || fellBack);
  env[SDK_STACK_TRACES_ENV] = on ? 'on' : 'off';
  return fellBack
    ? {
        on,
        warning:
          'workflow stack traces stay on: the SDK patch of patches/ is not applied here (in a checkout: npx patch-package); RTCFLOW_WORKER_STACK_TRACES=on keeps them on without this warning',
      }
    : { on };
}

/** The process-wide settings of a worker (heap growth, stack traces), before Worker.create starts its threads. */
export function applyProcessSettings(set: WorkerSizing = {}): void {
  applyHeapGrowth(set);
  const stackTraces = applyStackTraces(set);
  if (stackTraces.warning) Runtime.instance().logger.warn(stackTraces.warning);
}

export async function createWorker(opts: RtcflowWorkerOptions): Promise<Worker> {
  applyProcessSettings(opts.config.worker);
  // vendor calls counted and timed on the runtime's meter (the Prometheus endpoint when one is installed)
  const http = opts.http ?? new HttpClient({ observe: vendorCallObserver(Runtime.instance().metricMeter) });
  const workflowBundle = opts.workflowBundle ?? prebuiltWorkflowBundle();
  return Worker.create({
    connection: opts.connection,
    namespace: opts.config.temporal.namespace,
    taskQueue: opts.taskQueue ?? opts.config.temporal.taskQueue,
    ...(workflowBundle
      ? { workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: workflowBundlerOptions(), interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES } }),
    // its own client on the worker's connection: visibility for the sweeper's activities
    activities: createActivities({
      config: opts.config,
      http,
      storageCredentials: opts.storageCredentials,
      temporal: new Client({ connection: opts.connection, namespace: opts.config.temporal.namespace }),
    }),
    ...workerSizing(opts.config.worker),
    ...opts.workerOptions,
  });
}

async function main(): Promise<void> {
  // the emulator's account is loaded only when asked for: a production worker never reads emulator code
  const emulator = process.env.RTCFLOW_EMULATOR_URL ? (await import('./emulator/defaults')).EMULATOR_ACCOUNT : undefined;
  const config = loadConfig(process.env, { emulator });
  // JSON logs and the Prometheus endpoint (SDK + rtcflow metrics), before any connection creates a default runtime
  installMetricsRuntime({ bindAddress: config.metrics.worker });
  const connectOptions = temporalConnectOptions(config);
  const address = `${describeConnection(connectOptions)}; metrics http://${config.metrics.worker}/metrics`;
  // a server we did not start may lack rtcflow's search attributes
  const admin = await Connection.connect(connectOptions);
  const added = await ensureSearchAttributes(admin, config.temporal.namespace).finally(() => admin.close());
  if (added.length) console.log(`rtcflow worker: registered search attributes ${added.join(', ')}`);
  const connection = await NativeConnection.connect(connectOptions);
  try {
    const workflowBundle = prebuiltWorkflowBundle();
    const worker = await createWorker({ config, connection, workflowBundle });
    const workflows = workflowBundle ? `prebuilt workflow bundle ${workflowBundle.codePath}` : 'workflows bundled at start';
    const stacks = `workflow stack traces ${process.env[SDK_STACK_TRACES_ENV] === 'off' ? 'off' : 'on'} (RTCFLOW_WORKER_STACK_TRACES)`;
    console.log(`rtcflow worker: task queue "${config.temporal.taskQueue}" on ${address} (${config.usesEmulator ? 'vendor emulator' : 'real vendors'}; ${workflows}; ${stacks})`);
    await worker.run();
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
