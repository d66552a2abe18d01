/**
 * The processes a benchmark (or the chaos harness) runs rtcflow on, each one separate, as in production:
 *
 *   - the Temporal dev server on a SQLite file: `startTemporal()`; `kill()` SIGKILLs it, `restart()` starts it
 *     again on the same database file and port;
 *   - the vendor emulator (`rtcflow emulator`, sped up with `timeScale`): `startEmulator()`, with its control
 *     API (`/_emulator/...`) as methods;
 *   - rtcflow workers (or the bench's no-op worker): `startWorker()`; `kill()` SIGKILLs one, `restart()` forks
 *     it again with the same environment. Worker options (cache size, task slots, pollers) go in `options`;
 *   - `ProcSampler`: utime+stime (/proc/<pid>/stat) and VmRSS (/proc/<pid>/status) of named processes every
 *     second, summarised per process.
 *
 * Children still running when this process exits are SIGKILLed (an 'exit' hook): a driver that dies leaves no
 * server, emulator or worker behind. This file's exports are a stable API (bench/ and the chaos harness import it): add to it, do not change it.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { freePort, startDevServer, type DevServer } from '../../src/temporal/dev-server';

const ROOT = join(__dirname, '..', '..');

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** every child this module started: SIGKILLed if this process exits with them still running */
const children = new Set<ChildProcess>();
function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
process.on('exit', () => {
  for (const c of children) if (running(c)) c.kill('SIGKILL');
});

/** SIGKILLs a child and resolves once it is gone. */
export async function killChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (!running(child)) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await gone;
}

/** SIGTERM, then SIGKILL after `graceMs`. */
async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (!running(child)) return;
  const gone = new Promise((r) => child.once('exit', r));
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  child.kill('SIGTERM');
  await gone;
  clearTimeout(t);
}

// ---- Temporal ----

export interface TemporalServerOptions {
  /** SQLite file (created if missing); default: a fresh file in a temporary directory */
  dbFile?: string;
  /** the dev server's own default, an in-memory SQLite database (no file, so no restart() on it) */
  inMemory?: boolean;
  /** default: a free port, kept across restarts */
  port?: number;
  readyTimeoutMs?: number;
  /** `PRAGMA=VALUE` for the SQLite file (default: the dev-server module's FILE_DB_PRAGMAS, WAL) */
  sqlitePragmas?: string[];
  /** more `temporal server start-dev` arguments (e.g. `--dynamic-config-value k=v`) */
  extraArgs?: string[];
}

export interface TemporalServer {
  /** host:port, the same after a restart */
  readonly address: string;
  readonly dbFile: string;
  /** pid of the running server process (changes on restart) */
  readonly pid: number;
  /** SIGKILL, no shutdown: the database is left as a crash leaves it */
  kill(): Promise<void>;
  /** starts the server again on the same database file and port (after kill() or stop()) */
  restart(): Promise<void>;
  /** graceful stop (SIGTERM); removes the database only if this module created it */
  stop(): Promise<void>;
}

export async function startTemporal(opts: TemporalServerOptions = {}): Promise<TemporalServer> {
  const ownDir = opts.dbFile || opts.inMemory ? undefined : mkdtempSync(join(tmpdir(), 'rtcflow-temporal-'));
  const dbFile = opts.inMemory ? ':memory:' : (opts.dbFile ?? join(ownDir!, 'temporal.db'));
  const port = opts.port || (await freePort());
  const launch = () =>
    startDevServer({
      port,
      ...(opts.inMemory ? {} : { dbFilename: dbFile, sqlitePragmas: opts.sqlitePragmas }),
      readyTimeoutMs: opts.readyTimeoutMs ?? 60_000,
      extraArgs: opts.extraArgs,
    });
  let server: DevServer;
  try {
    server = await launch();
  } catch (err) {
    if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    throw err;
  }
  track(server.child);
  return {
    address: server.address,
    dbFile,
    get pid() {
      return server.child.pid!;
    },
    kill: () => killChild(server.child),
    restart: async () => {
      if (opts.inMemory) throw new Error('an in-memory Temporal dev server cannot be restarted on its database');
      await killChild(server.child);
      server = await launch();
      track(server.child);
    },
    stop: async () => {
      await server.stop();
      if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    },
  };
}

// ---- the emulator ----

export interface EmulatorOptions {
  /** emulated seconds per real second (default 1) */
  timeScale?: number;
  /** request-log entries kept (the emulator's default when absent) */
  requestLogLimit?: number;
  /** more Agora accounts `{customerId, customerSecret, apps: {appId: certificate|null}}` */
  agoraAccounts?: unknown[];
  /** more `rtcflow emulator` arguments (`--fault '<json>'`, `--agora-webhook-url`, ...) */
  extraArgs?: string[];
  port?: number;
}

/** One request-log entry (emulator/world.ts RequestLogEntry); `at` is emulated epoch ms. */
export interface EmulatorRequest {
  seq: number;
  at: number;
  method: string;
  path: string;
  status: number;
  vendor?: string;
  product?: string;
  operation?: string;
  cname?: string;
  resourceId?: string;
  sid?: string;
  fault?: string;
}

export interface EmulatorTask {
  vendor: string;
  product: string;
  id: string;
  cname?: string;
  state: string;
  billing: boolean;
}

export interface EmulatorProcess {
  readonly url: string;
  readonly pid: number;
  /** GET a control/vendor path (JSON) */
  get<T = unknown>(path: string): Promise<T>;
  /** POST JSON to a control path */
  post<T = unknown>(path: string, body?: unknown): Promise<T>;
  /** request-log entries after `sinceSeq` (all kept when absent), optionally of one product */
  requests(filter?: { sinceSeq?: number; product?: string; cname?: string }): Promise<EmulatorRequest[]>;
  /** vendor resources still running or billing (the leak ledger), optionally of one product */
  liveTasks(product?: string): Promise<EmulatorTask[]>;
  /** the emulator's clock read now, with the real time of the reading: map emulated `at` to real ms with `toReal` */
  clock(): Promise<{ now: number; timeScale: number; realAt: number; toReal(at: number): number }>;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

async function json<T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<T> {
  const res = await request(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<EmulatorProcess> {
  const port = opts.port || (await freePort());
  const args = ['emulator', '--port', String(port), '--time-scale', String(opts.timeScale ?? 1)];
  if (opts.requestLogLimit) args.push('--request-log-limit', String(opts.requestLogLimit));
  for (const a of opts.agoraAccounts ?? []) args.push('--agora-account', JSON.stringify(a));
  args.push(...(opts.extraArgs ?? []));
  // bin/rtcflow.js runs emulator/main.ts in this same process (tsx registered in-process): its pid is the emulator's
  const child = track(spawn(process.execPath, [join(ROOT, 'bin', 'rtcflow.js'), ...args], { stdio: ['ignore', 'ignore', 'inherit'] }));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!running(child)) throw new Error(`emulator exited with code ${child.exitCode}`);
    try {
      await json('GET', `${url}/_emulator/health`);
      break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await killChild(child);
      throw new Error('emulator did not start within 60 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const qs = (o: Record<string, string | number | undefined>) => {
    const p = Object.entries(o).filter(([, v]) => v !== undefined);
    return p.length ? `?${p.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&')}` : '';
  };
  return {
    url,
    pid: child.pid!,
    get: (path) => json('GET', `${url}${path}`),
    post: (path, body) => json('POST', `${url}${path}`, body ?? {}),
    requests: async (f = {}) =>
      (await json<{ requests: EmulatorRequest[] }>('GET', `${url}/_emulator/requests${qs({ sinceSeq: f.sinceSeq, product: f.product, cname: f.cname })}`)).requests,
    liveTasks: async (product) => (await json<{ tasks: EmulatorTask[] }>('GET', `${url}/_emulator/tasks${qs({ running: 'true', product })}`)).tasks,
    clock: async () => {
      const before = Date.now();
      const c = await json<{ now: number; timeScale: number }>('GET', `${url}/_emulator/clock`);
      const realAt = (before + Date.now()) / 2;
      return { ...c, realAt, toReal: (at: number) => realAt + (at - c.now) / c.timeScale };
    },
    kill: () => killChild(child),
    stop: () => stopChild(child),
  };
}

// ---- workers ----

/**
 * Worker options a benchmark may set (passed to the worker process as JSON in RTCFLOW_BENCH_WORKER_OPTIONS and
 * spread into Worker.create's options). Anything else Worker.create takes as plain JSON may be added.
 */
export interface WorkerTuning {
  maxCachedWorkflows?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentLocalActivityExecutions?: number;
  /** workflow task pollers (fixed maximum) */
  maxConcurrentWorkflowTaskPolls?: number;
  maxConcurrentActivityTaskPolls?: number;
  /** e.g. '1s' so a killed worker's sticky tasks go back to the normal queue quickly */
  stickyQueueScheduleToStartTimeout?: string;
  [option: string]: unknown;
}

export interface WorkerProcessOptions {
  temporalAddress: string;
  /** the emulator the worker's vendor calls go to (its demo account) */
  emulatorUrl: string;
  taskQueue: string;
  /** 'rtcflow' (default): worker.ts's createWorker; 'noop': the bench's no-op workflow and activities */
  kind?: 'rtcflow' | 'noop';
  options?: WorkerTuning;
  /** a prebuilt workflow bundle (buildWorkflowBundle()); without one the worker bundles at start */
  workflowBundle?: string;
  /** more environment (RTCFLOW_TEST_HOOKS, ...) */
  env?: Record<string, string>;
  /** more node/V8 flags for the worker process (e.g. `--max-semi-space-size=4`) */
  nodeOptions?: string[];
  /** the worker's stdout/stderr (default: stderr inherited, stdout ignored) */
  stdio?: 'inherit' | 'ignore';
  readyTimeoutMs?: number;
}

export interface WorkerProcess {
  readonly taskQueue: string;
  /** pid of the running worker (changes on restart) */
  readonly pid: number;
  /** SIGKILL and wait until it is gone */
  kill(): Promise<void>;
  /** fork it again with the same options (kills it first if it still runs); resolves once it is ready */
  restart(): Promise<void>;
  /** SIGTERM (the worker shuts down), SIGKILL after 10 s */
  stop(): Promise<void>;
  /** true while the process runs */
  readonly alive: boolean;
}

const WORKER_MAIN = join(__dirname, 'worker-main.ts');

export async function startWorker(opts: WorkerProcessOptions): Promise<WorkerProcess> {
  const launch = async (): Promise<ChildProcess> => {
    const child = track(
      fork(WORKER_MAIN, [], {
        execArgv: ['--require', 'tsx/cjs', ...(opts.nodeOptions ?? [])],
        env: {
          ...process.env,
          // the emulator's demo account, never real credentials from the caller's environment
          AGORA_APP_ID: '',
          AGORA_CUSTOMER_ID: '',
          AGORA_CUSTOMER_SECRET: '',
          TEMPORAL_ADDRESS: opts.temporalAddress,
          RTCFLOW_EMULATOR_URL: opts.emulatorUrl,
          RTCFLOW_TASK_QUEUE: opts.taskQueue,
          RTCFLOW_BENCH_WORKER_KIND: opts.kind ?? 'rtcflow',
          RTCFLOW_BENCH_WORKER_OPTIONS: JSON.stringify(opts.options ?? {}),
          ...(opts.workflowBundle ? { RTCFLOW_WORKFLOW_BUNDLE: opts.workflowBundle } : {}),
          ...opts.env,
        },
        stdio: ['ignore', opts.stdio === 'inherit' ? 'inherit' : 'ignore', 'inherit', 'ipc'],
      }),
    );
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`worker did not start within ${opts.readyTimeoutMs ?? 120_000} ms`)), opts.readyTimeoutMs ?? 120_000);
        child.once('message', () => {
          clearTimeout(t);
          resolve();
        });
        child.once('exit', (code, signal) => {
          clearTimeout(t);
          reject(new Error(`worker process exited early (${signal ?? code})`));
        });
      });
    } catch (err) {
      await killChild(child);
      throw err;
    }
    return child;
  };
  let child = await launch();
  return {
    taskQueue: opts.taskQueue,
    get pid() {
      return child.pid!;
    },
    get alive() {
      return running(child);
    },
    kill: () => killChild(child),
    restart: async () => {
      await killChild(child);
      child = await launch();
    },
    stop: () => stopChild(child, 10_000),
  };
}

/**
 * rtcflow's workflow bundle, prebuilt by `npm run build:workflows` (scripts/build.ts, in a child process) into
 * `dir` (default: a temporary directory); resolves to the bundle file. Pass it to startWorker so workers load
 * it as a production worker does instead of bundling at start.
 */
export async function buildWorkflowBundle(dir = mkdtempSync(join(tmpdir(), 'rtcflow-bundle-'))): Promise<string> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(ROOT, 'scripts', 'build.ts'), '--workflows-only', '--out', dir], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`building the workflow bundle failed (exit ${code})`);
  return join(dir, 'workflow-bundle.js');
}

// ---- /proc sampling ----

const CLK_TCK = 100;

/** utime+stime of a process in seconds, or undefined when it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name (which may hold spaces) start after the last ')'
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** VmRSS of a process in MiB, or undefined when it is gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface ProcessSummary {
  /** the pids sampled under this name (a restarted process adds one) */
  pids: number[];
  samples: number;
  /** CPU seconds used while sampled (utime+stime) */
  cpuSeconds: number;
  /** average share of one core while sampled, in % */
  cpuPercent: number;
  /** highest share of one core over one sampling interval, in % */
  cpuPercentMax: number;
  rssMb: { first: number; last: number; max: number; avg: number };
}

interface Track {
  pid: () => number | undefined;
  pids: Set<number>;
  lastPid?: number;
  lastCpu?: number;
  lastAt?: number;
  cpu: number;
  cpuMax: number;
  rss: number[];
}

/**
 * Samples CPU and RSS of named processes every `intervalMs` (default 1 s). A process is given by pid or by
 * a function returning its current pid (a restarted worker keeps its name).
 */
export class ProcSampler {
  private readonly tracks = new Map<string, Track>();
  private timer?: NodeJS.Timeout;
  private started = 0;

  constructor(private readonly intervalMs = 1_000) {}

  add(name: string, pid: number | (() => number | undefined)): this {
    this.tracks.set(name, { pid: typeof pid === 'number' ? () => pid : pid, pids: new Set(), cpu: 0, cpuMax: 0, rss: [] });
    return this;
  }

  start(): this {
    this.started = Date.now();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  /** one sample of every process now (start() takes one every interval) */
  sample(): void {
    const now = Date.now();
    for (const t of this.tracks.values()) {
      const pid = t.pid();
      if (pid === undefined) continue;
      const cpu = cpuSeconds(pid);
      const rss = rssMb(pid);
      if (cpu === undefined || rss === undefined) continue;
      t.pids.add(pid);
      if (t.lastPid === pid && t.lastCpu !== undefined && t.lastAt !== undefined && now > t.lastAt) {
        const used = cpu - t.lastCpu;
        t.cpu += used;
        t.cpuMax = Math.max(t.cpuMax, (used / ((now - t.lastAt) / 1000)) * 100);
      }
      t.lastPid = pid;
      t.lastCpu = cpu;
      t.lastAt = now;
      t.rss.push(rss);
    }
  }

  /** the latest RSS sample of a process, MiB */
  lastRss(name: string): number | undefined {
    const r = this.tracks.get(name)?.rss;
    return r?.length ? r[r.length - 1] : undefined;
  }

  /** the summary so far, per process name (the sampler keeps running until stop()) */
  summary(): Record<string, ProcessSummary> {
    const seconds = Math.max(0.001, (Date.now() - this.started) / 1000);
    const out: Record<string, ProcessSummary> = {};
    const r1 = (n: number) => Math.round(n * 10) / 10;
    for (const [name, t] of this.tracks) {
      const rss = t.rss.length ? t.rss : [0];
      out[name] = {
        pids: [...t.pids],
        samples: t.rss.length,
        cpuSeconds: r1(t.cpu),
        cpuPercent: r1((t.cpu / seconds) * 100),
        cpuPercentMax: r1(t.cpuMax),
        rssMb: { first: r1(rss[0]!), last: r1(rss[rss.length - 1]!), max: r1(Math.max(...rss)), avg: r1(rss.reduce((a, b) => a + b, 0) / rss.length) },
      };
    }
    return out;
  }

  stop(): Record<string, ProcessSummary> {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    return this.summary();
  }
}
