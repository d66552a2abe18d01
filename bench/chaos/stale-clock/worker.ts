/** The stale-clock probe's worker process (./main.ts starts and SIGKILLs it): `tsx worker.ts <address> <queue> [guard]`. */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../../src/temporal/workflow-bundle';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const [address, taskQueue, guard] = process.argv.slice(2);
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: require.resolve('./workflow'),
    activities: { async note() {} },
    stickyQueueScheduleToStartTimeout: '1s',
    // rtcflow's takeover guard (workflows/lib/takeover.ts), as every rtcflow worker runs it
    ...(guard === 'guard' ? { interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES } } : {}),
  });
  process.stdout.write('ready\n');
  await worker.run();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
