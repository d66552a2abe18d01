/**
 * Benchmark `client` (issue 14): the vendor client against raw undici on the same emulator route.
 *
 * The emulator runs as a child process (so its CPU is not ours). Rounds are A/B interleaved (raw then
 * client, then client then raw, ...) at the same concurrency, so drift in the machine's load falls on both
 * sides alike. CPU is this process's user+system time (process.cpuUsage) over each side's calls.
 * Prints one JSON object:
 *   { route, calls, concurrency, rounds, raw: {rps, cpu_us_per_call}, client: {...}, ratio_throughput, ratio_cpu }
 * ratio_throughput = client rps / raw rps (goal ≥ 0.95), ratio_cpu = client CPU per call / raw (goal ≤ 1.2).
 *
 *   npx tsx bench/client.ts --calls 200000 [--concurrency 16] [--rounds 10] [--route push-list|query]
 *   node --cpu-prof --import tsx bench/client.ts --only client   (one side alone, for a profile)
 *
 * Routes: `query` is a cloud-recording query of one running recorder (GET, the recording-phase poll);
 * `push-list` is the Media Push converter list of the project (GET, Basic auth).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Pool } from 'undici';
import { HttpClient } from '../src/http/client';
import type { AgoraContext } from '../src/agora/http';
import * as recording from '../src/agora/cloud-recording';
import * as push from '../src/agora/media-push';
import { buildBotToken } from '../src/agora/token';
import { EMULATOR_AGORA, EMULATOR_STORAGE } from '../emulator/defaults';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/** The child: the emulator alone, with a request log that never reaches its trim limit during a run. */
async function serveEmulator(): Promise<void> {
  const { startEmulator } = await import('../emulator/server');
  const emu = await startEmulator({ port: 0, requestLogLimit: 200_000 });
  process.stdout.write(`${JSON.stringify({ url: emu.url })}\n`);
  // the parent holds our stdin: when it goes away, so do we
  process.stdin.on('end', () => void emu.close().then(() => process.exit(0)));
  process.stdin.resume();
}

async function spawnBenchEmulator(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [...process.execArgv, __filename, '--serve-emulator'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('emulator did not start within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`emulator exited with code ${code}`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
  });
  return { url, child };
}

interface Side {
  calls: number;
  wallMs: number;
  cpuUs: number;
}

async function runPhase(calls: number, concurrency: number, fn: () => Promise<void>, side: Side): Promise<void> {
  let issued = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < calls) {
        issued++;
        await fn();
      }
    }),
  );
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  side.calls += calls;
  side.wallMs += wall;
  side.cpuUs += cpu.user + cpu.system;
}

const summary = (s: Side) => ({ rps: Math.round((s.calls / s.wallMs) * 1000), cpu_us_per_call: Math.round((s.cpuUs / s.calls) * 10) / 10 });

async function main(): Promise<void> {
  const calls = Number(arg('calls', '200000'));
  const concurrency = Number(arg('concurrency', '16'));
  const rounds = Number(arg('rounds', '10'));
  const route = arg('route', 'push-list');
  if (!(calls > 0 && concurrency > 0 && rounds > 0) || !['query', 'push-list'].includes(route)) {
    throw new Error('usage: bench/client.ts [--calls N] [--concurrency C] [--rounds R] [--route query|push-list]');
  }

  const emu = await spawnBenchEmulator();
  const http = new HttpClient();
  const ctx: AgoraContext = {
    http,
    baseUrls: [emu.url],
    appId: EMULATOR_AGORA.appId,
    credentials: { customerId: EMULATOR_AGORA.customerId, customerSecret: EMULATOR_AGORA.customerSecret },
  };
  const pool = new Pool(emu.url, { connections: 32 });
  const authorization = `Basic ${Buffer.from(`${EMULATOR_AGORA.customerId}:${EMULATOR_AGORA.customerSecret}`).toString('base64')}`;
  try {
    let path: string;
    let client: () => Promise<void>;
    if (route === 'query') {
      const cname = `bench-client-${process.pid}`;
      const uid = '4242';
      const { resourceId } = await recording.acquire(ctx, { cname, uid });
      const token = buildBotToken({ appId: EMULATOR_AGORA.appId, appCertificate: EMULATOR_AGORA.appCertificate, channel: cname, uid: 4242, ttlSeconds: 3600 });
      const started = await recording.start(ctx, {
        resourceId,
        mode: 'mix',
        cname,
        uid,
        clientRequest: { token, storageConfig: { ...EMULATOR_STORAGE }, recordingConfig: { maxIdleTime: 2_592_000 } },
      });
      const ref = { resourceId, sid: started.sid!, mode: 'mix' as const };
      path = `/v1/apps/${EMULATOR_AGORA.appId}/cloud_recording/resourceid/${encodeURIComponent(resourceId)}/sid/${encodeURIComponent(ref.sid)}/mode/mix/query`;
      client = async () => {
        await recording.query(ctx, ref);
      };
    } else {
      path = `/v1/projects/${EMULATOR_AGORA.appId}/rtmp-converters`;
      client = async () => {
        await push.listConverters(ctx);
      };
    }
    let rid = 0;
    const raw = async () => {
      const res = await pool.request({ path, method: 'GET', headers: { authorization, accept: 'application/json', 'x-request-id': `raw-${++rid}` } });
      const body: unknown = await res.body.json();
      if (res.statusCode !== 200 || typeof body !== 'object') throw new Error(`raw call answered ${res.statusCode}`);
    };

    // warm-up: connections open, code paths optimised, on both sides
    const warm = { calls: 0, wallMs: 0, cpuUs: 0 };
    const warmCalls = Math.min(20_000, Math.ceil(calls / 5));
    await runPhase(warmCalls, concurrency, raw, warm);
    await runPhase(warmCalls, concurrency, client, warm);

    const only = arg('only', '');
    if (only === 'raw' || only === 'client') {
      const side = { calls: 0, wallMs: 0, cpuUs: 0 };
      await runPhase(calls, concurrency, only === 'raw' ? raw : client, side);
      console.log(JSON.stringify({ route, only, calls, concurrency, [only]: summary(side) }));
      return;
    }

    const a: Side = { calls: 0, wallMs: 0, cpuUs: 0 };
    const b: Side = { calls: 0, wallMs: 0, cpuUs: 0 };
    const per = Math.ceil(calls / rounds);
    const roundRatios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const ra = { calls: 0, wallMs: 0, cpuUs: 0 };
      const rb = { calls: 0, wallMs: 0, cpuUs: 0 };
      if (r % 2 === 0) {
        await runPhase(per, concurrency, raw, ra);
        await runPhase(per, concurrency, client, rb);
      } else {
        await runPhase(per, concurrency, client, rb);
        await runPhase(per, concurrency, raw, ra);
      }
      roundRatios.push(Math.round((ra.wallMs / rb.wallMs) * 100) / 100);
      for (const [into, from] of [
        [a, ra],
        [b, rb],
      ] as const) {
        into.calls += from.calls;
        into.wallMs += from.wallMs;
        into.cpuUs += from.cpuUs;
      }
    }
    const rawS = summary(a);
    const clientS = summary(b);
    console.log(
      JSON.stringify({
        route,
        calls: a.calls,
        concurrency,
        rounds,
        raw: rawS,
        client: clientS,
        ratio_throughput: Math.round((clientS.rps / rawS.rps) * 100) / 100,
        ratio_cpu: Math.round((b.cpuUs / b.calls / (a.cpuUs / a.calls)) * 100) / 100,
        round_ratios_throughput: roundRatios,
      }),
    );
  } finally {
    await http.close();
    await pool.close();
    emu.child.stdin!.end();
  }
}

if (process.argv.includes('--serve-emulator')) {
  serveEmulator().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
