/**
 * Benchmark: N concurrent cloud-recording sessions on a real Temporal dev server against the emulator.
 * Prints one JSON object: how long sessions take to reach "recording" and to stop, throughput, the
 * worker process's memory, and how many recordings were left running (must be 0).
 *
 *   npm run bench -- --sessions 100 --poll-interval 1000
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { request } from 'undici';
import { createWorker } from '../worker';
import { loadConfig } from '../src/config';
import { startEmulator } from '../emulator/server';
import { EMULATOR_ACCOUNT } from '../emulator/defaults';
import { startDevServer } from '../src/temporal/dev-server';
import { cloudRecording } from '../workflows/cloud-recording';
import { recordingStatusQuery, stopUpdate } from '../workflows/cloud-recording';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function pct(values: number[], p: number): number {
  if (!values.length) return 0;
  const s = [...values].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!);
}

async function main(): Promise<void> {
  const sessions = arg('sessions', 50);
  const pollIntervalMs = arg('poll-interval', 1_000);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = await startDevServer({ readyTimeoutMs: 60_000 });
  const emulator = await startEmulator({ port: 0 });
  const config = loadConfig({ PATH: process.env.PATH, RTCFLOW_EMULATOR_URL: emulator.url }, { emulator: EMULATOR_ACCOUNT });
  const native = await NativeConnection.connect({ address: server.address });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const taskQueue = `bench-${randomUUID().slice(0, 8)}`;
  const worker = await createWorker({ config, connection: native, taskQueue });
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 200);

  const result = await worker.runUntil(async () => {
    const t0 = Date.now();
    const handles = await Promise.all(
      Array.from({ length: sessions }, (_, i) =>
        client.workflow.start(cloudRecording, {
          taskQueue,
          workflowId: `bench-${taskQueue}-${i}`,
          args: [{ channel: `bench-${taskQueue}-${i}`, pollIntervalMs, confirmPollMs: 250 }],
        }),
      ),
    );
    const toRecording = await Promise.all(
      handles.map(async (h) => {
        for (;;) {
          const s = await h.query(recordingStatusQuery);
          if (s.phase === 'recording') return Date.now() - t0;
          if (s.phase === 'failed') throw new Error(`${h.workflowId} failed: ${s.reason}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }),
    );
    const allRecordingMs = Date.now() - t0;
    // let a few polling rounds run with every session live
    await new Promise((r) => setTimeout(r, 3 * pollIntervalMs));
    const t1 = Date.now();
    const stopMs = await Promise.all(
      handles.map(async (h) => {
        const s = Date.now();
        const r = await h.executeUpdate(stopUpdate, { args: [{ reason: 'bench' }] });
        if (r.files.length === 0) throw new Error(`${h.workflowId} returned no files`);
        return Date.now() - s;
      }),
    );
    return { toRecording, allRecordingMs, stopMs, stopAllMs: Date.now() - t1 };
  });
  clearInterval(sampler);

  const res = await request(`${emulator.url}/_emulator/tasks?running=true`);
  const leaked = ((await res.body.json()) as { tasks: unknown[] }).tasks.length;
  const requests = emulator.world.requests({ product: 'cloud-recording' }).length;
  console.log(
    JSON.stringify({
      benchmark: 'cloud-recording-sessions',
      sessions,
      pollIntervalMs,
      startToRecordingMs: { p50: pct(result.toRecording, 50), p95: pct(result.toRecording, 95), max: pct(result.toRecording, 100) },
      allRecordingMs: result.allRecordingMs,
      sessionsPerSecond: Math.round((sessions / result.allRecordingMs) * 1000 * 10) / 10,
      stopMs: { p50: pct(result.stopMs, 50), p95: pct(result.stopMs, 95), max: pct(result.stopMs, 100) },
      stopAllMs: result.stopAllMs,
      vendorRequests: requests,
      workerProcessRssMb: { before: Math.round(rssBefore / 2 ** 20), peak: Math.round(rssPeak / 2 ** 20) },
      leakedRecordings: leaked,
    }),
  );
  await native.close();
  await client.connection.close();
  await emulator.close();
  await server.stop();
  if (leaked > 0) process.exit(1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
