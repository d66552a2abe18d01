/**
 * After the whole run: the history secret scan (./helpers/secret-scan.ts) over every workflow the suite
 * ran on the shared dev server — a configured secret in any history fails the run — then the dev server
 * and the emulator stop.
 */
import { Client, Connection } from '@temporalio/client';
import { configuredSecrets, scanHistories, PLANTED_PREFIX } from './helpers/secret-scan';

export default async function globalTeardown(): Promise<void> {
  const stops = ((globalThis as Record<string, unknown>).__rtcflowStops ?? []) as Array<() => Promise<void>>;
  let failure: Error | undefined;
  try {
    const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
    try {
      const client = new Client({ connection });
      const { scanned, hits } = await scanHistories(client, configuredSecrets(), `NOT WorkflowId STARTS_WITH "${PLANTED_PREFIX}"`);
      console.log(`\nhistory secret scan: ${scanned} workflow histories, ${hits.length} secrets found`);
      if (hits.length) failure = new Error(`history secret scan: secrets in workflow histories: ${JSON.stringify(hits.slice(0, 20))}`);
    } finally {
      await connection.close();
    }
  } finally {
    await Promise.all(stops.map((s) => s()));
  }
  if (failure) throw failure;
}
