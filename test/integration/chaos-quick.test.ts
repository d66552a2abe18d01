/**
 * `npm run chaos -- --quick` (bench/chaos/main.ts) as a user runs it: its own Temporal dev server on a
 * SQLite file, its own emulator and rtcflow worker processes. Every lifecycle of workflows/index.ts gets a
 * session; under vendor faults, worker SIGKILLs (one inside a held vendor call) and a dev-server crash and
 * restart, every session completes, nothing is leaked or created twice, and every accepted change is at
 * the vendor. The command's exit code says the same.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIFECYCLES } from '../../bench/chaos/lifecycles';
import * as workflows from '../../workflows';

const ROOT = join(__dirname, '..', '..');

interface Totals {
  sessions: number;
  started: number;
  completed: number;
  notCompleted: number;
  updatesAccepted: number;
  updatesLost: number;
  leaked: number;
  duplicated: number;
}

interface ChaosOut {
  ok: boolean;
  seed: number;
  problems: string[];
  total: Totals;
  lifecycles: Record<string, Totals>;
  schedule: { workerKills: number; workerKillsInFlight: number; serverRestarts: number; faults: Array<{ hits: number }> };
}

test('every lifecycle survives faults, worker SIGKILLs and a dev-server crash: nothing leaked, duplicated, lost or left running', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtcflow-chaos-'));
  const out = join(dir, 'chaos.json');
  try {
    const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--require', 'tsx/cjs', join(ROOT, 'bench', 'chaos', 'main.ts'), '--quick', '--json', out],
        { cwd: ROOT, timeout: 330_000, maxBuffer: 64 << 20 },
        (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    if (!existsSync(out))
      throw new Error(
        `npm run chaos wrote no result (exit ${run.code}):\n${run.stderr
          .split('\n')
          .filter((l) => l.startsWith('[chaos'))
          .join('\n')}`,
      );
    const result = JSON.parse(readFileSync(out, 'utf8')) as ChaosOut;
    // the problems first: a failure names the lifecycle, the session and what went wrong (and the seed)
    expect({ seed: result.seed, problems: result.problems }).toEqual({ seed: result.seed, problems: [] });
    expect(result.total).toMatchObject({ notCompleted: 0, leaked: 0, duplicated: 0, updatesLost: 0 });
    expect(result.ok).toBe(true);
    expect(run.code).toBe(0);

    // the chaos happened
    expect(result.schedule.workerKills).toBeGreaterThanOrEqual(1);
    expect(result.schedule.workerKillsInFlight).toBeGreaterThanOrEqual(1);
    expect(result.schedule.serverRestarts).toBeGreaterThanOrEqual(1);
    expect(result.schedule.faults.reduce((n, f) => n + f.hits, 0)).toBeGreaterThan(0);
    expect(result.total.updatesAccepted).toBeGreaterThan(0);

    // every lifecycle had a session, and it completed
    for (const lc of LIFECYCLES) {
      expect({ lifecycle: lc.name, ...result.lifecycles[lc.name] }).toMatchObject({ lifecycle: lc.name, started: expect.any(Number), completed: expect.any(Number) });
      expect(result.lifecycles[lc.name]!.started).toBeGreaterThanOrEqual(1);
      expect(result.lifecycles[lc.name]!.completed).toBe(result.lifecycles[lc.name]!.sessions);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 360_000);

test('the chaos harness drives every session workflow the worker runs', () => {
  // a new lifecycle in workflows/index.ts needs its chaos driver (bench/chaos/lifecycles.ts)
  const exported = Object.keys(workflows);
  const notSessions = ['appEventDelivery', 'sweeper'];
  const driven = new Set(LIFECYCLES.map((l) => l.workflow));
  expect(exported.filter((w) => !notSessions.includes(w) && !driven.has(w))).toEqual([]);
  expect(exported.length).toBeGreaterThan(notSessions.length);
});
