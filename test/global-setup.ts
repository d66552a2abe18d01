/**
 * One Temporal dev server and one vendor emulator for the whole Jest run (temporal-notes.md §3.4).
 * Test files reach them through TEMPORAL_ADDRESS and RTCFLOW_TEST_EMULATOR_URL and isolate themselves
 * with unique task queues, workflow IDs and channel names.
 */
import { startDevServer } from '../src/temporal/dev-server';
import { spawnEmulator } from './helpers/emulator';

export default async function globalSetup(): Promise<void> {
  const [server, emulator] = await Promise.all([startDevServer({ readyTimeoutMs: 60_000 }), spawnEmulator()]);
  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.RTCFLOW_TEST_EMULATOR_URL = emulator.url;
  (globalThis as Record<string, unknown>).__rtcflowStops = [server.stop, emulator.stop];
}
