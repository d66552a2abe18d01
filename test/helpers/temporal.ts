/**
 * Connecting a test file to the shared dev server and running an rtcflow worker against it: workflows
 * are bundled once per file, each test gets its own task queue.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type WorkerOptions } from '@temporalio/worker';
import { bundleWorkflows } from '../../src/temporal/workflow-bundle';
import { createWorker, type RtcflowWorkerOptions } from '../../worker';
import { loadConfig, type Config } from '../../src/config';
import { EMULATOR_ACCOUNT } from '../../emulator/defaults';
import { EmulatorControl } from './emulator';
import { uniqueId } from './wait';
import { clientInterceptors } from '../../src/temporal/query-retry';

let runtimeInstalled = false;
const captured: string[] = [];

/** Every log line the worker runtime wrote in this test file (INFO and up), as text. */
export function capturedLogs(): string {
  return captured.join('\n');
}

function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  // keep INFO and up for assertions; print errors (and warnings with RTCFLOW_TEST_LOGS=1)
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) => {
      const line = `${entry.level} ${entry.message} ${JSON.stringify(entry.meta ?? {}, (_k, v) => (v instanceof Error ? { message: v.message, stack: v.stack } : v))}`;
      if (captured.length < 50_000) captured.push(line);
      // expected failures (404s, injected faults) log warnings by the hundred: print them only on request
      if (entry.level === 'ERROR' || (entry.level === 'WARN' && process.env.RTCFLOW_TEST_LOGS)) process.stderr.write(`${line}\n`);
    }),
  });
}

export async function connectTestEnv(): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run the tests through jest (test/global-setup.ts)');
  // rtcflow's clients ask a query again when a worker taking a session over refuses it (src/temporal/query-retry.ts)
  return TestWorkflowEnvironment.createFromExistingServer({ address, client: { interceptors: clientInterceptors() } });
}

let bundle: Promise<WorkerOptions['workflowBundle']> | undefined;
/** The run's workflow bundle (made once by test/global-setup.ts), or one made here when run without it. */
export function workflowBundle(): Promise<WorkerOptions['workflowBundle']> {
  const made = process.env.RTCFLOW_TEST_WORKFLOW_BUNDLE;
  bundle ??= made ? Promise.resolve({ codePath: made }) : bundleWorkflows(new DefaultLogger('WARN'));
  return bundle;
}

/** The worker's configuration for tests: the default profiles pointing at the given emulator, with its demo account. */
export function testConfig(emulatorUrl = process.env.RTCFLOW_TEST_EMULATOR_URL, overrides: NodeJS.ProcessEnv = {}): Config {
  if (!emulatorUrl) throw new Error('RTCFLOW_TEST_EMULATOR_URL is not set');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, RTCFLOW_EMULATOR_URL: emulatorUrl, TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS, ...overrides };
  return loadConfig(env, { emulator: EMULATOR_ACCOUNT });
}

/** Runs `fn` while a worker with the given config polls a fresh task queue. */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  config: Config,
  fn: (taskQueue: string) => Promise<T>,
  workerOptions: Partial<WorkerOptions> = {},
  extra: Partial<Pick<RtcflowWorkerOptions, 'storageCredentials'>> & { taskQueue?: string } = {},
): Promise<T> {
  const taskQueue = extra.taskQueue ?? uniqueId('tq');
  const worker = await createWorker({
    ...extra,
    config,
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    workerOptions: { stickyQueueScheduleToStartTimeout: '1s', ...workerOptions },
  });
  return worker.runUntil(fn(taskQueue));
}

/**
 * A test file on the shared dev server and the shared emulator: connects before all tests, tears the
 * connection down after them. `env` is set once beforeAll ran.
 */
export function sharedEnvironment(): { env: TestWorkflowEnvironment; control: EmulatorControl } {
  const shared = { control: new EmulatorControl(process.env.RTCFLOW_TEST_EMULATOR_URL!) } as { env: TestWorkflowEnvironment; control: EmulatorControl };
  beforeAll(async () => {
    shared.env = await connectTestEnv();
  });
  afterAll(async () => {
    await shared.env?.teardown();
  });
  return shared;
}

/** An rtcflow worker in its own process (helpers/worker-process.ts), for tests that SIGKILL it. */
export interface WorkerProcess {
  /** kills it with SIGKILL and waits until it is gone */
  kill(): Promise<void>;
  /** kills it if it still runs (for `finally`) */
  dispose(): void;
}

/**
 * Forks a worker on `taskQueue` against the emulator at `emulatorUrl` (`env`: more of its environment, e.g.
 * RTCFLOW_WORKER_*); resolves once it polls. It is a plain node process, so what it sets in its own environment
 * reaches its workflow thread (Jest gives a test file a copy of process.env, which threads started there never see).
 */
export async function forkWorker(taskQueue: string, emulatorUrl: string, env: NodeJS.ProcessEnv = {}): Promise<WorkerProcess> {
  const child: ChildProcess = fork(join(__dirname, 'worker-process.ts'), [], {
    execArgv: ['--require', 'tsx/cjs'],
    env: {
      ...process.env,
      // the bundle test/global-setup.ts built once for the run, as a production worker loads its prebuilt one
      ...(process.env.RTCFLOW_TEST_WORKFLOW_BUNDLE ? { RTCFLOW_WORKFLOW_BUNDLE: process.env.RTCFLOW_TEST_WORKFLOW_BUNDLE } : {}),
      RTCFLOW_EMULATOR_URL: emulatorUrl,
      RTCFLOW_TASK_QUEUE: taskQueue,
      AGORA_APP_ID: '',
      AGORA_CUSTOMER_ID: '',
      AGORA_CUSTOMER_SECRET: '',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`worker process exited early (${code})`)));
    });
  } catch (err) {
    if (running()) child.kill('SIGKILL');
    throw err;
  }
  return {
    kill: async () => {
      if (!running()) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    },
    dispose: () => {
      if (running()) child.kill('SIGKILL');
    },
  };
}
