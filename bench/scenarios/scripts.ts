/**
 * `client` and `emulator`: the standalone benchmarks bench/client.ts (the vendor client against raw undici,
 * A/B interleaved, on the same emulator route) and bench/emulator.ts (the emulator's cost per request as it
 * ages) run as child processes (each starts its own emulator child); their JSON line is the scenario's result,
 * with the bench process's CPU and RSS sampled beside it.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { BenchContext } from '../lib/context';
import { ProcSampler } from '../lib/cluster';

async function runScript(ctx: BenchContext, file: string, args: string[]): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', file), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const sampler = new ProcSampler().add(file.replace(/\.ts$/, ''), child.pid!).start();
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const processes = sampler.stop();
  if (code !== 0) throw new Error(`bench/${file} ${args.join(' ')} exited with ${code}`);
  const line = out.trim().split('\n').pop() ?? '';
  ctx.log(`${file}: done`);
  return { ...(JSON.parse(line) as Record<string, unknown>), args, processes };
}

export function client(ctx: BenchContext): Promise<Record<string, unknown>> {
  const args = [
    '--calls',
    String(ctx.flags.int('calls', ctx.quick ? 2_000 : 200_000)),
    '--concurrency',
    String(ctx.flags.int('client-concurrency', 16)),
    '--rounds',
    String(ctx.flags.int('client-rounds', ctx.quick ? 4 : 10)),
    '--route',
    ctx.flags.str('route', 'query'),
  ];
  return runScript(ctx, 'client.ts', args);
}

export function emulator(ctx: BenchContext): Promise<Record<string, unknown>> {
  const args = [
    '--requests',
    String(ctx.flags.int('requests', ctx.quick ? 4_000 : 40_000)),
    '--ended',
    String(ctx.flags.int('ended', ctx.quick ? 200 : 5_000)),
    '--concurrency',
    String(ctx.flags.int('emulator-concurrency', 32)),
  ];
  return runScript(ctx, 'emulator.ts', args);
}
