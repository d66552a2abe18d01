/**
 * One Temporal dev server and one vendor emulator for the whole Jest run (temporal-notes.md §3.4).
 * Test files reach them through TEMPORAL_ADDRESS and RTCFLOW_TEST_EMULATOR_URL and isolate themselves
 * with unique task queues, workflow IDs and channel names.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger } from '@temporalio/worker';
import { startDevServer } from '../src/temporal/dev-server';
import { bundleWorkflows } from '../src/temporal/workflow-bundle';
import { spawnEmulator } from './helpers/emulator';

/**
 * The workflow bundle, made once for the run: Jest gives every test file its own module registry, so a
 * bundle cached in a helper's module would be made again (webpack, 1–3 s) by every file that runs a worker.
 */
async function bundleOnce(): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'rtcflow-test-bundle-'));
  const { code } = await bundleWorkflows(new DefaultLogger('WARN'));
  const path = join(dir, 'workflow-bundle.js');
  await writeFile(path, code);
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}

export default async function globalSetup(): Promise<void> {
  const [server, emulator, bundle] = await Promise.all([startDevServer({ readyTimeoutMs: 60_000 }), spawnEmulator(), bundleOnce()]);
  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.RTCFLOW_TEST_EMULATOR_URL = emulator.url;
  process.env.RTCFLOW_TEST_WORKFLOW_BUNDLE = bundle.path;
  (globalThis as Record<string, unknown>).__rtcflowStops = [server.stop, emulator.stop, bundle.remove];
}
