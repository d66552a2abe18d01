/**
 * A worker in its own process, for crash tests: the test SIGKILLs it mid-session.
 * Env: TEMPORAL_ADDRESS, RTCFLOW_EMULATOR_URL, RTCFLOW_TASK_QUEUE.
 */
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createWorker } from '../../worker';
import { loadConfig } from '../../src/config';
import { EMULATOR_ACCOUNT } from '../../emulator/defaults';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadConfig(process.env, { emulator: EMULATOR_ACCOUNT });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await createWorker({ config, connection, workerOptions: { stickyQueueScheduleToStartTimeout: '1s' } });
  process.send?.('ready');
  await worker.run();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
