/**
 * Where a live session's worker memory goes: `node --expose-gc --require tsx/cjs bench/memory-probe.ts
 * [--sessions 300] [--snapshot out.heapsnapshot] [--poll-ms 600000 --hold-ms 0]`; with a hold, also the worker's
 * CPU while the sessions poll. One process runs the worker with its workflows on the main
 * thread (`debugMode`, the same reusable V8 context as production's workflow thread), so the JS heap the sessions
 * hold is visible to `process.memoryUsage()` after a full GC; the rest of the RSS growth is native (sdk-core's
 * cached runs, V8's code and free space). The Temporal dev server (in memory) and the emulator are child
 * processes. Prints one JSON document: per-session JS heap and RSS, and the heap by object kind (from a heap
 * snapshot diff) when `--snapshot` is given (writing a snapshot costs native memory: take RSS from a run
 * without it).
 */
import { writeHeapSnapshot } from 'node:v8';
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createWorker, prebuiltWorkflowBundle } from '../worker';
import { loadConfig } from '../src/config';
import { EMULATOR_ACCOUNT } from '../emulator/defaults';
import { buildWorkflowBundle, startEmulator, startTemporal } from './lib/cluster';
import { countInPhase, startRecordings, stopAll } from './lib/sessions';
import { waitUntil } from './lib/util';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};

function settle(): { heapMb: number; heapTotalMb: number; rssMb: number; externalMb: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { heapMb: m.heapUsed / 2 ** 20, heapTotalMb: m.heapTotal / 2 ** 20, rssMb: m.rss / 2 ** 20, externalMb: m.external / 2 ** 20 };
}

/** self size by node type and name over a heap snapshot (nodes: [type, name, id, self_size, ...]) */
function bySelfSize(file: string): Map<string, { count: number; bytes: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const f = snap.snapshot.meta.node_fields;
  const width = f.length;
  const [iType, iName, iSize] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')];
  const types = snap.snapshot.meta.node_types[0];
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]!]!;
    const name = type === 'object' || type === 'closure' || type === 'native' ? snap.strings[snap.nodes[i + iName]!]! : '';
    const key = `${type}:${name.slice(0, 60)}`;
    const e = out.get(key) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += snap.nodes[i + iSize]!;
    out.set(key, e);
  }
  return out;
}

async function main(): Promise<void> {
  const n = Number(arg('sessions') ?? 300);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--sessions must be a positive integer, got ${arg('sessions')}`);
  const snapshot = arg('snapshot');
  const pollMs = Number(arg('poll-ms') ?? 600_000);
  const holdMs = Number(arg('hold-ms') ?? 0);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const [temporal, emulator, bundle] = await Promise.all([startTemporal({ inMemory: true }), startEmulator({ timeScale: 1 }), buildWorkflowBundle()]);
  process.env.RTCFLOW_WORKFLOW_BUNDLE = bundle;
  const connection = await NativeConnection.connect({ address: temporal.address });
  const clientConnection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection: clientConnection });
  const taskQueue = 'memory-probe';
  const worker = await createWorker({
    config: loadConfig({ ...process.env, RTCFLOW_EMULATOR_URL: emulator.url, AGORA_APP_ID: '', AGORA_CUSTOMER_ID: '', AGORA_CUSTOMER_SECRET: '' }, { emulator: EMULATOR_ACCOUNT }),
    connection,
    taskQueue,
    workflowBundle: prebuiltWorkflowBundle(),
    workerOptions: { debugMode: true },
  });
  const running = worker.run();
  const input = { pollIntervalMs: pollMs, confirmPollMs: 500 };
  try {
    const warm = await startRecordings(client, taskQueue, ['mp-warm'], input, 1);
    await waitUntil('warm-up recording', async () => (await countInPhase(client, taskQueue, 'recording')) === 1, 60_000);
    await stopAll(client, warm.ids, 1);
    await new Promise((r) => setTimeout(r, 2_000));
    const before = settle();
    const snapBefore = snapshot ? writeHeapSnapshot(`${snapshot}.before`) : undefined;
    const started = await startRecordings(
      client,
      taskQueue,
      Array.from({ length: n }, (_, i) => `mp-${i}`),
      input,
      50,
    );
    await waitUntil(`${n} recording`, async () => (await countInPhase(client, taskQueue, 'recording')) >= n + 0, 300_000, 500);
    await new Promise((r) => setTimeout(r, 3_000));
    const after = settle();
    const result: Record<string, unknown> = {
      sessions: n,
      before,
      after,
      heapPerSessionKb: Math.round(((after.heapMb - before.heapMb) * 1024) / n),
      rssPerSessionKb: Math.round(((after.rssMb - before.rssMb) * 1024) / n),
      externalPerSessionKb: Math.round(((after.externalMb - before.externalMb) * 1024) / n),
    };
    if (holdMs > 0) {
      // the worker's CPU (this process: workflows, activities, core) while the sessions poll
      const cpu0 = process.cpuUsage();
      await new Promise((r) => setTimeout(r, holdMs));
      const cpu = process.cpuUsage(cpu0);
      result.hold = { pollMs, holdMs, cpuMs: Math.round((cpu.user + cpu.system) / 1000), expectedPolls: Math.floor(holdMs / pollMs) * n };
    }
    if (snapshot && snapBefore) {
      const snapAfter = writeHeapSnapshot(snapshot);
      const a = bySelfSize(snapBefore);
      const b = bySelfSize(snapAfter);
      result.perSessionByKind = [...b.entries()]
        .map(([k, v]) => ({ kind: k, count: (v.count - (a.get(k)?.count ?? 0)) / n, bytes: Math.round((v.bytes - (a.get(k)?.bytes ?? 0)) / n) }))
        .filter((e) => e.bytes > 200)
        .sort((x, y) => y.bytes - x.bytes)
        .slice(0, 40);
    }
    console.log(JSON.stringify(result, null, 1));
    await stopAll(client, started.ids, 50);
  } finally {
    worker.shutdown();
    await running.catch(() => undefined);
    await connection.close();
    await clientConnection.close();
    await emulator.stop();
    await temporal.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
