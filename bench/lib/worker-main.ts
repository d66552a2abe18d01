/**
 * A bench worker process (bench/lib/cluster.ts startWorker forks it). Env:
 *   TEMPORAL_ADDRESS, RTCFLOW_EMULATOR_URL, RTCFLOW_TASK_QUEUE
 *   RTCFLOW_BENCH_WORKER_KIND      rtcflow (worker.ts createWorker, the prebuilt bundle in RTCFLOW_WORKFLOW_BUNDLE
 *                                  when set) | noop (the no-op floor workflow of bench/noop)
 *   RTCFLOW_BENCH_WORKER_OPTIONS   JSON spread into Worker.create's options (maxCachedWorkflows, ...)
 * Tells its parent "ready" over IPC once the worker is created, then runs until SIGTERM/SIGINT.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { applyProcessSettings, createWorker, prebuiltWorkflowBundle } from '../../worker';
import { loadConfig } from '../../src/config';
import { EMULATOR_ACCOUNT } from '../../emulator/defaults';
import { noopActivities } from '../noop/activities';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const options = JSON.parse(process.env.RTCFLOW_BENCH_WORKER_OPTIONS || '{}') as Partial<WorkerOptions>;
  const taskQueue = process.env.RTCFLOW_TASK_QUEUE!;
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const config = loadConfig(process.env, { emulator: EMULATOR_ACCOUNT });
  const noop = process.env.RTCFLOW_BENCH_WORKER_KIND === 'noop';
  // the no-op floor runs with the same V8 heap growth and stack traces as rtcflow's worker (createWorker applies them there)
  if (noop) applyProcessSettings(config.worker);
  const worker = noop
    ? await Worker.create({ connection, taskQueue, workflowsPath: require.resolve('../noop/workflows'), activities: noopActivities, ...options })
    : await createWorker({
        config,
        connection,
        taskQueue,
        workflowBundle: prebuiltWorkflowBundle(),
        workerOptions: options,
      });
  process.send?.('ready');
  await worker.run();
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
