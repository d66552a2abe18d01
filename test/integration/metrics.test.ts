/**
 * Observability of a production worker: `worker.ts` itself runs in its own process (its own Temporal
 * runtime, so no test fights over Runtime.install) with the Prometheus endpoint on a free port and JSON
 * logs on stdout. After a short relay session (one Agora answer turned into a 503 on the way) the
 * endpoint shows the SDK's metrics and rtcflow's: vendor calls and their latency by operation and status,
 * the vendor error by its code, sessions by kind and phase; the logs are JSON lines with session IDs and
 * no secret.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { request } from 'undici';
import { EMULATOR_AGORA } from '../../emulator/defaults';
import { relay, relayStatusQuery, relayStopUpdate } from '../../workflows/relay';
import type { EmulatorControl } from '../helpers/emulator';
import { sessionHarness } from '../helpers/harness';
import { untilPhase } from '../helpers/session';
import { eventually, uniqueId } from '../helpers/wait';

const APP = EMULATOR_AGORA.appId;
const world = sessionHarness();
let env: TestWorkflowEnvironment;
let control: EmulatorControl;
beforeAll(() => {
  ({ env, control } = world);
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface WorkerChild {
  child: ChildProcess;
  stdout: () => string;
}

async function startWorkerProcess(taskQueue: string, metricsPort: number): Promise<WorkerChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../../worker.ts')], {
    cwd: join(__dirname, '../..'),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
      RTCFLOW_EMULATOR_URL: world.emu.url,
      RTCFLOW_TASK_QUEUE: taskQueue,
      RTCFLOW_METRICS_PORT: String(metricsPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await eventually(
    () => {
      if (child.exitCode !== null) throw new Error(`worker exited (${child.exitCode}):\n${out}`);
      return /rtcflow worker: task queue/.test(out) || undefined;
    },
    'the worker process polls',
    90_000,
  );
  return { child, stdout: () => out };
}

async function stop(w: WorkerChild): Promise<void> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  const gone = new Promise((r) => w.child.once('exit', r));
  w.child.kill('SIGTERM');
  const timer = setTimeout(() => w.child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}

/** The value of the first sample of `name` whose labels include all of `labels`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

test('after a session the worker endpoint shows the SDK metrics and rtcflow counters and histograms; logs are JSON without secrets', async () => {
  const port = await freePort();
  const taskQueue = uniqueId('tq-metrics');
  const worker = await startWorkerProcess(taskQueue, port);
  try {
    const channel = uniqueId('metrics');
    await control.emptyChannel(APP, channel);
    await control.join(APP, channel, '701');
    // the first get of the converter answers 503: retried, and counted as a vendor error by its code
    await control.addFault({ match: { product: 'media-push', operation: 'get' }, action: { type: 'error', status: 503 }, count: 1 });
    const handle = world.track(
      await env.client.workflow.start(relay, {
        taskQueue,
        workflowId: uniqueId('wf-metrics-relay'),
        args: [{ channel, region: 'na', rtmpUrl: 'rtmp://cdn.example.com/live/m', raw: { rtcStreamUid: 701 }, pollIntervalMs: 300, confirmPollMs: 100 }],
      }),
    );
    await untilPhase(handle, relayStatusQuery, 'running');
    expect(await handle.executeUpdate(relayStopUpdate, { args: [{ reason: 'metrics test' }] })).toMatchObject({ outcome: 'stopped' });

    const text = await eventually(async () => {
      const res = await request(`http://127.0.0.1:${port}/metrics`);
      const body = await res.body.text();
      return res.statusCode === 200 && /rtcflow_session_phase_entered_total\{[^}]*phase="completed"/.test(body) ? body : undefined;
    }, 'the session counters on the metrics endpoint');

    const push = { vendor: 'agora', product: 'media-push' };
    expect(sample(text, 'rtcflow_vendor_calls_total', { ...push, operation: 'create', status: '200' })).toBe(1);
    expect(sample(text, 'rtcflow_vendor_calls_total', { ...push, operation: 'delete', status: '200' })).toBe(1);
    expect(sample(text, 'rtcflow_vendor_calls_total', { ...push, operation: 'get', status: '503' })).toBe(1);
    expect(sample(text, 'rtcflow_vendor_call_latency_count', { ...push, operation: 'create', status: '200' })).toBe(1);
    expect(sample(text, 'rtcflow_vendor_call_errors_total', { ...push, operation: 'get', retryable: 'true' })).toBe(1);
    for (const phase of ['creating', 'running', 'stopping', 'completed']) {
      // at least once: a workflow task the server hands out again may count its phase again
      expect([phase, (sample(text, 'rtcflow_session_phase_entered_total', { workflowType: 'relay', phase }) ?? 0) >= 1]).toEqual([phase, true]);
    }
    // the SDK's own metrics on the same endpoint
    expect(text).toMatch(/temporal_workflow_completed(_total)?\{[^}]*workflow_type="relay"/);
    expect(text).not.toContain(EMULATOR_AGORA.customerSecret);

    // structured logs: JSON lines, those of the session carry its workflow ID, none carries a secret
    const lines = worker
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    const parsed = lines.map((l) => JSON.parse(l) as { level: string; msg: string; workflowId?: string });
    expect(parsed.some((l) => l.workflowId === handle.workflowId)).toBe(true);
    expect(parsed.every((l) => typeof l.level === 'string' && typeof l.msg === 'string')).toBe(true);
    expect(worker.stdout()).not.toContain(EMULATOR_AGORA.customerSecret);
  } finally {
    await stop(worker);
  }
});

test('the production API entry (api.ts) serves the API with keys from the environment and its webhook counters on its own port', async () => {
  const [apiPort, metricsPort] = [await freePort(), await freePort()];
  const entry = { id: 'ops', sha256: createHash('sha256').update('rtcf_test-key-for-the-api-entry').digest('hex'), profiles: ['*'] };
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../../api.ts')], {
    cwd: join(__dirname, '../..'),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
      RTCFLOW_EMULATOR_URL: world.emu.url,
      RTCFLOW_API_HOST: '127.0.0.1',
      RTCFLOW_API_PORT: String(apiPort),
      RTCFLOW_API_METRICS_PORT: String(metricsPort),
      RTCFLOW_API_KEYS: JSON.stringify([entry]),
      AGORA_NCS_SECRET: 'ncs-secret-for-api-entry-test',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const w = { child, stdout: () => out };
  try {
    await eventually(() => {
      if (child.exitCode !== null) throw new Error(`api exited (${child.exitCode}):\n${out}`);
      return /rtcflow api listening/.test(out) || undefined;
    }, 'the API listens');
    const base = `http://127.0.0.1:${apiPort}`;
    expect((await request(`${base}/healthz`)).statusCode).toBe(200);
    expect((await request(`${base}/v1/sessions`)).statusCode).toBe(401);
    const authed = await request(`${base}/v1/sessions`, { headers: { authorization: 'Bearer rtcf_test-key-for-the-api-entry' } });
    expect(authed.statusCode).toBe(200);
    await authed.body.dump();
    const unsigned = await request(`${base}/webhooks/agora/ncs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unsigned.statusCode).toBe(401);
    await unsigned.body.dump();
    const metrics = await (await request(`http://127.0.0.1:${metricsPort}/metrics`)).body.text();
    expect(metrics).toContain('rtcflow_webhooks_total{source="agora",outcome="unsigned",result="rejected"} 1');
    // one JSON line at start saying how it connects, without any key
    const started = JSON.parse(out.split('\n').find((l) => l.includes('rtcflow api listening'))!) as Record<string, unknown>;
    expect(started).toMatchObject({ level: 'INFO', apiKeys: 1, ncsReceiver: 'on', temporal: `${process.env.TEMPORAL_ADDRESS}, plaintext` });
    expect(out).not.toContain('ncs-secret-for-api-entry-test');
    expect(out).not.toContain(EMULATOR_AGORA.customerSecret);
  } finally {
    await stop(w);
  }
});

test('the API entry refuses to start without an API key', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../../api.ts')], {
    cwd: join(__dirname, '../..'),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS, RTCFLOW_EMULATOR_URL: world.emu.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  expect(code).toBe(1);
  expect(out).toMatch(/RTCFLOW_API_KEYS or RTCFLOW_API_KEYS_FILE: the API needs at least one key/);
});
