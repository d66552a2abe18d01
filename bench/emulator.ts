/**
 * Benchmark: the emulator's cost per request as it ages. Starts the emulator as a child process, creates
 * `--ended` recordings (acquire → start → stop, each in its own channel), starts one live recorder, then
 * drives `--requests` Cloud Recording queries of that recorder with undici at `--concurrency`, and prints
 * one JSON object: {requests, seconds, rps_first_10k, rps_last_10k, rss_mb, ...}. With per-request work
 * proportional to live resources only, the last 10k run about as fast as the first.
 *
 *   npx tsx bench/emulator.ts --requests 40000 [--concurrency 32] [--ended 5000]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Pool } from 'undici';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

const ROOT = join(__dirname, '..');
/** an extra account whose app has no certificate: starts need no RTC token */
const ACCOUNT = { customerId: 'bench-customer', customerSecret: 'bench-secret', apps: { benchapp0000000000000000000000000: null } };
const APP_ID = Object.keys(ACCOUNT.apps)[0]!;
const AUTH = `Basic ${Buffer.from(`${ACCOUNT.customerId}:${ACCOUNT.customerSecret}`).toString('base64')}`;
const STORAGE = { vendor: 1, region: 0, bucket: 'bench-bucket', accessKey: 'bench-ak', secretKey: 'bench-sk' };
const BASE = `/v1/apps/${APP_ID}/cloud_recording`;
const WINDOW = 10_000;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

async function main(): Promise<void> {
  const requests = arg('requests', 40_000);
  const concurrency = arg('concurrency', 32);
  const ended = arg('ended', 5_000);
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'rtcflow.js'), 'emulator', '--port', String(port), '--agora-account', JSON.stringify(ACCOUNT)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: concurrency, pipelining: 1 });
  try {
    const call = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> => {
      const res = await pool.request({
        method,
        path,
        headers: { authorization: AUTH, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.body.json()) as Record<string, unknown>;
      if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${JSON.stringify(json)}`);
      return json;
    };
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`emulator exited with code ${child.exitCode}`);
      try {
        const res = await pool.request({ method: 'GET', path: '/_emulator/health' });
        await res.body.dump();
        if (res.statusCode === 200) break;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error('emulator did not start within 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }

    const record = async (cname: string, uid = '999') => {
      const { resourceId } = (await call('POST', `${BASE}/acquire`, { cname, uid, clientRequest: {} })) as { resourceId: string };
      const { sid } = (await call('POST', `${BASE}/resourceid/${resourceId}/mode/individual/start`, {
        cname,
        uid,
        clientRequest: { storageConfig: STORAGE, recordingConfig: { maxIdleTime: 86_400 } },
      })) as { sid: string };
      return { resourceId, sid, cname, uid };
    };

    // the history: many recordings that have ended (the ledger keeps them)
    const prepStart = Date.now();
    let made = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, ended) }, async () => {
        while (made < ended) {
          const i = made++;
          const r = await record(`bench-ended-${i}`);
          await call('POST', `${BASE}/resourceid/${r.resourceId}/sid/${r.sid}/mode/individual/stop`, { cname: r.cname, uid: r.uid, clientRequest: {} });
        }
      }),
    );
    const prepSeconds = (Date.now() - prepStart) / 1000;

    // the measured route: a query of one live recorder
    const live = await record('bench-live');
    const queryPath = `${BASE}/resourceid/${live.resourceId}/sid/${live.sid}/mode/individual/query`;
    const doneAt: number[] = [];
    let issued = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (issued < requests) {
          issued++;
          const res = await pool.request({ method: 'GET', path: queryPath, headers: { authorization: AUTH } });
          await res.body.dump();
          if (res.statusCode !== 200) throw new Error(`query answered ${res.statusCode}`);
          doneAt.push(performance.now());
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const rate = (from: number, to: number) => Math.round(((to - from) / (doneAt[to - 1]! - (from === 0 ? t0 : doneAt[from - 1]!))) * 1000);
    const first = Math.min(WINDOW, doneAt.length);
    const last = Math.max(0, doneAt.length - WINDOW);
    const result = {
      requests,
      concurrency,
      ended_recordings: ended,
      prep_seconds: Number(prepSeconds.toFixed(2)),
      seconds: Number(seconds.toFixed(2)),
      rps: Math.round(requests / seconds),
      rps_first_10k: rate(0, first),
      rps_last_10k: rate(last, doneAt.length),
      rss_mb: rssMb(child.pid!),
    };
    console.log(JSON.stringify({ ...result, last_vs_first: Number((result.rps_last_10k / result.rps_first_10k).toFixed(2)) }));
  } finally {
    await pool.close();
    child.kill('SIGTERM');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
