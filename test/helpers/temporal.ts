/**
 * Connecting a test file to the shared dev server and running an rtcflow worker against it: workflows
 * are bundled once per file, each test gets its own task queue.
 */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkerOptions } from '@temporalio/worker';
import { createWorker, type RtcflowWorkerOptions } from '../../worker';
import { loadConfig, type Config } from '../../src/config';

let runtimeInstalled = false;
const captured: string[] = [];

/** Every log line the worker runtime wrote in this test file (INFO and up), as text. */
export function capturedLogs(): string {
  return captured.join('\n');
}

function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  // keep INFO and up for assertions; print only warnings and errors
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) => {
      const line = `${entry.level} ${entry.message} ${JSON.stringify(entry.meta ?? {}, (_k, v) => (v instanceof Error ? { message: v.message, stack: v.stack } : v))}`;
      if (captured.length < 50_000) captured.push(line);
      if (entry.level === 'WARN' || entry.level === 'ERROR') process.stderr.write(`${line}\n`);
    }),
  });
}

export async function connectTestEnv(): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run the tests through jest (test/global-setup.ts)');
  return TestWorkflowEnvironment.createFromExistingServer({ address });
}

let bundle: Promise<WorkerOptions['workflowBundle']> | undefined;
export function workflowBundle(): Promise<WorkerOptions['workflowBundle']> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  return bundle;
}

/** The worker's configuration for tests: the default profile pointing at the given emulator. */
export function testConfig(emulatorUrl = process.env.RTCFLOW_TEST_EMULATOR_URL, overrides: NodeJS.ProcessEnv = {}): Config {
  if (!emulatorUrl) throw new Error('RTCFLOW_TEST_EMULATOR_URL is not set');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, RTCFLOW_EMULATOR_URL: emulatorUrl, TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS, ...overrides };
  return loadConfig(env);
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
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

/** Polls `probe` until it returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
