/** What a scenario gets from the runner (bench/main.ts): flags, the shared cluster, fresh workers, a sampler. */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { ProcSampler, startWorker, type EmulatorProcess, type TemporalServer, type WorkerProcess, type WorkerTuning } from './cluster';
import { parseDuration } from './util';

/** flags that never take a value (`--quick overhead` names a scenario) */
const BOOLEAN_FLAGS = new Set(['quick']);

export class Flags {
  constructor(private readonly values: Map<string, string>) {}

  static parse(argv: string[]): { scenarios: string[]; flags: Flags } {
    const scenarios: string[] = [];
    const values = new Map<string, string>();
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if (!a.startsWith('--')) {
        scenarios.push(a);
        continue;
      }
      const eq = a.indexOf('=');
      if (eq > 0) values.set(a.slice(2, eq), a.slice(eq + 1));
      else if (!BOOLEAN_FLAGS.has(a.slice(2)) && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) values.set(a.slice(2), argv[++i]!);
      else values.set(a.slice(2), 'true');
    }
    return { scenarios, flags: new Flags(values) };
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  str(name: string, fallback: string): string;
  str(name: string, fallback?: string): string | undefined;
  str(name: string, fallback?: string): string | undefined {
    return this.values.get(name) ?? fallback;
  }

  int(name: string, fallback: number): number;
  int(name: string, fallback?: number): number | undefined;
  int(name: string, fallback?: number): number | undefined {
    const v = this.values.get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${v}`);
    return n;
  }

  num(name: string, fallback: number): number {
    const v = this.values.get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!(n > 0)) throw new Error(`--${name} must be a positive number, got ${v}`);
    return n;
  }

  /** a duration flag (10s, 2m, 500ms, or ms) */
  ms(name: string, fallback: number): number {
    const v = this.values.get(name);
    return v === undefined ? fallback : parseDuration(v);
  }

  bool(name: string): boolean {
    const v = this.values.get(name);
    return v !== undefined && v !== 'false' && v !== '0';
  }

  /** every flag given, for the JSON's parameters */
  toJSON(): Record<string, string> {
    return Object.fromEntries(this.values);
  }
}

/** The worker options the flags set (the SDK's defaults for those not given). */
export function workerTuning(flags: Flags): WorkerTuning {
  const t: WorkerTuning = { ...(JSON.parse(flags.str('worker-options', '{}')) as WorkerTuning) };
  const set = (flag: string, option: keyof WorkerTuning) => {
    const v = flags.int(flag);
    if (v !== undefined) t[option] = v;
  };
  set('max-cached-workflows', 'maxCachedWorkflows');
  set('max-concurrent-wft', 'maxConcurrentWorkflowTaskExecutions');
  set('max-concurrent-activities', 'maxConcurrentActivityTaskExecutions');
  set('max-concurrent-local-activities', 'maxConcurrentLocalActivityExecutions');
  set('wft-pollers', 'maxConcurrentWorkflowTaskPolls');
  set('activity-pollers', 'maxConcurrentActivityTaskPolls');
  return t;
}

export interface BenchContext {
  quick: boolean;
  flags: Flags;
  temporal: TemporalServer;
  emulator: EmulatorProcess;
  /** the prebuilt rtcflow workflow bundle */
  bundle: string;
  /** the driver's Temporal client */
  client: Client;
  timeScale: number;
  /** unique per run: task queues, channels and workflow ids start with it */
  tag: string;
  log(msg: string): void;
}

export interface Workers {
  rtcflow: WorkerProcess;
  noop?: WorkerProcess;
  sampler: ProcSampler;
  tuning: WorkerTuning;
  stop(): Promise<void>;
}

/**
 * Fresh worker processes for one scenario, each on its own task queue (`<tag>-<name>-rtcflow`, `...-noop`), and a
 * sampler of every process (temporal, emulator, worker, noop-worker, driver) started once they are up.
 */
export async function scenarioWorkers(ctx: BenchContext, name: string, withNoop: boolean): Promise<Workers> {
  const tuning = workerTuning(ctx.flags);
  const nodeFlag = ctx.flags.str('worker-node-options');
  if (nodeFlag === 'true') throw new Error("--worker-node-options takes its value after '=': --worker-node-options='--flag ...'");
  const nodeOptions = (nodeFlag ?? '').split(' ').filter(Boolean);
  const heap = ctx.flags.str('heap-growing-percent') === undefined ? undefined : ctx.flags.int('heap-growing-percent', 0);
  const stackTraces = ctx.flags.str('stack-traces');
  if (stackTraces !== undefined && stackTraces !== 'on' && stackTraces !== 'off') throw new Error(`--stack-traces takes on or off, got ${stackTraces}`);
  // the no-op worker gets the same growth and stack traces, so that the floors compare like with like
  const env = {
    ...(heap === undefined ? {} : { RTCFLOW_WORKER_HEAP_GROWING_PERCENT: String(heap) }),
    ...(stackTraces === undefined ? {} : { RTCFLOW_WORKER_STACK_TRACES: stackTraces }),
  };
  const base = { temporalAddress: ctx.temporal.address, emulatorUrl: ctx.emulator.url, options: tuning, nodeOptions, env };
  const [first, second] = await Promise.allSettled([
    startWorker({ ...base, taskQueue: `${ctx.tag}-${name}-rtcflow`, workflowBundle: ctx.bundle }),
    withNoop ? startWorker({ ...base, taskQueue: `${ctx.tag}-${name}-noop`, kind: 'noop' }) : Promise.resolve(undefined),
  ]);
  if (first.status === 'rejected' || second.status === 'rejected') {
    // the one that did start must not keep polling until the run ends
    await Promise.allSettled([first, second].map((s) => (s.status === 'fulfilled' ? s.value?.stop() : undefined)));
    throw first.status === 'rejected' ? first.reason : (second as PromiseRejectedResult).reason;
  }
  const [rtcflow, noop] = [first.value, second.value];
  const sampler = new ProcSampler()
    .add('temporal', () => ctx.temporal.pid)
    .add('emulator', ctx.emulator.pid)
    .add('worker', () => rtcflow.pid)
    .add('driver', process.pid);
  if (noop) sampler.add('noop-worker', () => noop.pid);
  sampler.start();
  return {
    rtcflow,
    noop,
    sampler,
    tuning,
    stop: async () => {
      sampler.stop();
      await Promise.all([rtcflow.stop(), noop?.stop()]);
    },
  };
}

export function runTag(): string {
  return `b${randomUUID().slice(0, 6)}`;
}
