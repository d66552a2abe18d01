/**
 * `npm run bench -- [scenario...] [--quick] [--json out.json] [flags]`: rtcflow's benchmarks (issue 14), each
 * scenario selectable (none named = all), one JSON document per run on stdout (and in --json's file).
 *
 * Every process is separate: the Temporal dev server (on a fresh SQLite file), the vendor emulator (sped up:
 * --time-scale, default 10), the rtcflow worker (a child process on worker.ts's createWorker with the prebuilt
 * workflow bundle, fresh per scenario), the no-op worker (bench/noop), and this driver (Temporal client). Each
 * scenario samples every process's CPU and RSS once a second (bench/lib/cluster.ts ProcSampler).
 *
 * Scenarios (docs/benchmarks.md says what each figure means):
 *   overhead   start → "recording" p50/p95 and per step, beside a no-op workflow with as many activities   --pairs
 *   scale      N live sessions at a poll interval: RSS/session, poll lateness, polls made, leaks   --sessions --poll --hold
 *   burst      N starts until all "recording", beside the no-op ceiling                         --sessions --concurrency
 *   history    events per poll round, per session-hour, per run                                  --rounds --history-poll
 *   client     the vendor client against raw undici (bench/client.ts)                            --calls --route
 *   emulator   the emulator's cost per request as it ages (bench/emulator.ts)                    --requests --ended
 * Worker options (passed to the worker processes): --max-cached-workflows --max-concurrent-wft
 * --max-concurrent-activities --max-concurrent-local-activities --wft-pollers --activity-pollers
 * --worker-options '<json>'.
 * --temporal-db file|memory: the dev server on a SQLite file in a temporary directory (default; what the chaos
 * run restarts) or on the dev server's own default, an in-memory SQLite database.
 * --sqlite-pragma k=v,...: the SQLite file's pragmas (default journal_mode=wal,synchronous=normal; `none`: SQLite's
 * own rollback journal with an fsync per commit). --dynamic-config k=v,...: the server's dynamic config values (a value may hold
 * commas: a comma ends a value only before the next `key=`).
 * --quick sizes everything down (all scenarios in about a minute): `npm test` runs it (bench-quick.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DEFAULT_WORKFLOW_STACK_TRACES } from '../src/config';
import { buildWorkflowBundle, startEmulator, startTemporal, type EmulatorProcess, type TemporalServer } from './lib/cluster';
import { Flags, runTag, workerTuning, type BenchContext } from './lib/context';
import { burst } from './scenarios/burst';
import { historyScenario } from './scenarios/history';
import { overhead } from './scenarios/overhead';
import { scale } from './scenarios/scale';
import { client, emulator } from './scenarios/scripts';

type Scenario = (ctx: BenchContext) => Promise<Record<string, unknown>>;

export const SCENARIOS: Record<string, { run: Scenario; cluster: boolean }> = {
  overhead: { run: overhead, cluster: true },
  scale: { run: scale, cluster: true },
  burst: { run: burst, cluster: true },
  history: { run: historyScenario, cluster: true },
  client: { run: client, cluster: false },
  emulator: { run: emulator, cluster: false },
};

const ROOT = join(__dirname, '..');

function git(): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return { commit, dirty };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

export interface BenchDocument {
  benchmark: 'rtcflow';
  date: string;
  git: { commit: string; dirty: boolean };
  machine: { cores: number; cpuModel: string; memoryGb: number; loadavgAtStart: number[] };
  node: string;
  parameters: Record<string, unknown>;
  scenarios: Record<string, { ok: boolean; seconds: number; result?: Record<string, unknown>; error?: string }>;
  ok: boolean;
}

/** Runs the named scenarios (all when none) and returns the document. */
export async function runBench(argv: string[], log: (msg: string) => void = (m) => process.stderr.write(`bench: ${m}\n`)): Promise<BenchDocument> {
  const { scenarios: named, flags } = Flags.parse(argv);
  const unknown = named.filter((s) => !SCENARIOS[s]);
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')} (one of: ${Object.keys(SCENARIOS).join(', ')})`);
  const selected = named.length ? named : Object.keys(SCENARIOS);
  const quick = flags.bool('quick');
  const timeScale = flags.num('time-scale', 10);
  const doc: BenchDocument = {
    benchmark: 'rtcflow',
    date: new Date().toISOString(),
    git: git(),
    machine: {
      cores: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      loadavgAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    },
    node: process.version,
    parameters: {
      scenarios: selected,
      quick,
      timeScale,
      workerOptions: workerTuning(flags),
      // the SDK's workflow stack traces in both workers (--stack-traces, else rtcflow's default)
      workflowStackTraces: flags.str('stack-traces') ?? (process.env.RTCFLOW_WORKER_STACK_TRACES || (DEFAULT_WORKFLOW_STACK_TRACES ? 'on' : 'off')),
      flags: flags.toJSON(),
    },
    scenarios: {},
    ok: true,
  };
  let temporal: TemporalServer | undefined;
  let emu: EmulatorProcess | undefined;
  let connection: Connection | undefined;
  try {
    let ctx: BenchContext | undefined;
    if (selected.some((s) => SCENARIOS[s]!.cluster)) {
      const t0 = Date.now();
      const db = flags.str('temporal-db') ?? 'file';
      if (db !== 'file' && db !== 'memory') throw new Error('--temporal-db is file or memory');
      const pragmaFlag = flags.str('sqlite-pragma');
      const sqlitePragmas = pragmaFlag === undefined ? undefined : pragmaFlag === 'none' ? [] : pragmaFlag.split(',').filter(Boolean);
      // a comma starts the next value only before `key=`, so JSON values may hold commas
      const extraArgs = (flags.str('dynamic-config') ?? '')
        .split(/,(?=[\w.-]+=)/)
        .filter(Boolean)
        .flatMap((d) => ['--dynamic-config-value', d]);
      const started = await Promise.allSettled([
        startTemporal({ inMemory: db === 'memory', sqlitePragmas, extraArgs }),
        startEmulator({ timeScale, requestLogLimit: 500_000 }),
        buildWorkflowBundle(),
      ] as const);
      // whatever did start is stopped in `finally` even when another part failed
      if (started[0].status === 'fulfilled') temporal = started[0].value;
      if (started[1].status === 'fulfilled') emu = started[1].value;
      const failed = started.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      const [t, e, bundle] = [temporal!, emu!, (started[2] as PromiseFulfilledResult<string>).value];
      connection = await Connection.connect({ address: t.address });
      log(`cluster up in ${Date.now() - t0} ms: temporal ${t.address} (pid ${t.pid}, database ${t.dbFile}), emulator ${e.url} (pid ${e.pid}, time scale ${timeScale})`);
      ctx = { quick, flags, temporal: t, emulator: e, bundle, client: new Client({ connection }), timeScale, tag: runTag(), log };
    }
    for (const name of selected) {
      const t0 = Date.now();
      log(`${name}: start`);
      try {
        const result = await SCENARIOS[name]!.run(ctx ?? ({ quick, flags, timeScale, log } as BenchContext));
        doc.scenarios[name] = { ok: true, seconds: Math.round((Date.now() - t0) / 100) / 10, result };
      } catch (err) {
        doc.ok = false;
        doc.scenarios[name] = { ok: false, seconds: Math.round((Date.now() - t0) / 100) / 10, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
      }
      log(`${name}: ${doc.scenarios[name]!.ok ? 'done' : 'FAILED'} in ${doc.scenarios[name]!.seconds} s`);
    }
  } finally {
    await connection?.close();
    await emu?.stop();
    await temporal?.stop();
  }
  return doc;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const doc = await runBench(argv);
  const text = JSON.stringify(doc, null, 2);
  process.stdout.write(`${text}\n`);
  const out = Flags.parse(argv).flags.str('json');
  if (out) writeFileSync(out, `${text}\n`);
  if (!doc.ok) process.exitCode = 1;
}

if (require.main === module) {
  // exit (and with it cluster.ts's hook that kills the child processes) on Ctrl-C / SIGTERM
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  main().catch((err: unknown) => {
    console.error(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  });
}
