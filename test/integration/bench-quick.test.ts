/**
 * `npm run bench -- --quick` end to end: its own Temporal dev server, emulator, worker processes and driver,
 * every scenario at its smallest size. Asserts what the figures mean, not how fast they are: every scenario ran,
 * every session reached "recording" and was stopped with nothing left running in the emulator, every live
 * session made its polls (at most one short of what its time allowed), the histories' counts add up, and every
 * process was sampled separately.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

interface Dist {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}
interface Proc {
  pids: number[];
  samples: number;
  cpuSeconds: number;
  rssMb: { max: number };
}
type Doc = {
  ok: boolean;
  git: { commit: string };
  machine: { cores: number; memoryGb: number };
  node: string;
  date: string;
  parameters: { quick: boolean; scenarios: string[] };
  scenarios: Record<string, { ok: boolean; error?: string; result: Record<string, any> }>;
};

let doc: Doc;
let stderr = '';
const dir = mkdtempSync(join(tmpdir(), 'bench-quick-'));

beforeAll(async () => {
  const out = join(dir, 'bench.json');
  const child = spawn('npm', ['run', '-s', 'bench', '--', '--quick', '--json', out], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    doc = JSON.parse(readFileSync(out, 'utf8')) as Doc;
  } catch {
    throw new Error(`npm run bench -- --quick exited with ${code} and wrote no JSON:\n${stderr}`);
  }
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const result = (name: string) => {
  const s = doc.scenarios[name];
  if (!s?.ok) throw new Error(`scenario ${name} failed: ${s?.error ?? 'not run'}\n${stderr}`);
  return s.result;
};

function separateProcesses(procs: Record<string, Proc>, names: string[]): void {
  for (const n of names) {
    expect(procs[n]?.samples).toBeGreaterThan(0);
    expect(procs[n]!.rssMb.max).toBeGreaterThan(0);
  }
  const pids = names.flatMap((n) => procs[n]!.pids);
  expect(new Set(pids).size).toBe(pids.length);
}

test('the document: every scenario, the machine, the commit', () => {
  expect(Object.keys(doc.scenarios).sort()).toEqual(['burst', 'client', 'emulator', 'history', 'overhead', 'scale']);
  for (const name of Object.keys(doc.scenarios)) result(name);
  expect(doc.ok).toBe(true);
  expect(doc.parameters.quick).toBe(true);
  expect(doc.machine.cores).toBeGreaterThan(0);
  expect(doc.machine.memoryGb).toBeGreaterThan(0);
  expect(doc.git.commit).toMatch(/^[0-9a-f]{40}$/);
  expect(doc.node).toBe(process.version);
  expect(Number.isNaN(Date.parse(doc.date))).toBe(false);
});

test('overhead: every session and its no-op twin timed from their histories, step by step', () => {
  const r = result('overhead');
  expect((r.startToRecordingMs as Dist).n).toBe(r.pairs);
  expect((r.noopFloorMs as Dist).n).toBe(r.pairs);
  expect(r.startToRecordingMs.p50).toBeGreaterThan(0);
  expect(r.ratio.p50).toBeCloseTo(r.startToRecordingMs.p50 / r.noopFloorMs.p50, 2);
  // the floor runs as many activities as a recording before "recording"; a step per completed workflow task
  expect(r.activitiesBeforeRecording).toBeGreaterThanOrEqual(3);
  expect(r.steps.noop).toHaveLength(r.activitiesBeforeRecording + 1);
  expect(r.steps.rtcflow.map((s: { label: string }) => s.label).join(' ')).toMatch(/acquire.*start.*query/i);
  expect(r.stops.failed).toBe(0);
  expect(r.leaked).toBe(0);
  separateProcesses(r.processes, ['temporal', 'emulator', 'worker', 'noop-worker', 'driver']);
});

test('scale: every session polled on its interval, none behind, nothing leaked', () => {
  const r = result('scale');
  expect(r.sids).toBe(r.sessions);
  expect(r.polls.sessionsBehind).toBe(0);
  expect(r.polls.made).toBeGreaterThanOrEqual(r.polls.expected - r.sessions);
  expect(r.polls.sessionsMedianMade).toBeGreaterThanOrEqual(1);
  expect((r.pollLatenessMs as Dist).n).toBe(r.polls.made);
  // the all-live figure is the part of the same intervals that began once every session was recording
  expect((r.pollLatenessAllLiveMs as Dist).n).toBeGreaterThan(0);
  expect((r.pollLatenessAllLiveMs as Dist).n).toBeLessThanOrEqual(r.polls.made);
  expect((r.pollLatenessAllLiveMs as Dist).max).toBeLessThanOrEqual((r.pollLatenessMs as Dist).max);
  expect(typeof r.rssPerSessionMb).toBe('number');
  expect(r.workerRssMb.before).toBeGreaterThan(0);
  expect(r.stops).toMatchObject({ stopped: r.sessions, failed: 0 });
  expect(r.leaked).toBe(0);
  separateProcesses(r.processes.wholeRun, ['temporal', 'emulator', 'worker', 'driver']);
});

test('burst: all N reached "recording", and all N no-op workflows completed beside them', () => {
  const r = result('burst');
  expect(r.rtcflow.reached).toBe(r.sessions);
  expect(r.noopCeiling.reached).toBe(r.sessions);
  expect(r.rtcflow.perSecond).toBeGreaterThan(0);
  expect(r.noopCeiling.perSecond).toBeGreaterThan(0);
  expect(r.stops).toMatchObject({ stopped: r.sessions, failed: 0 });
  expect(r.leaked).toBe(0);
});

test('history: events per round, per hour and per run add up', () => {
  const r = result('history');
  // a poll round is one workflow task (the read is a local activity): timer started/fired, the task, the
  // read's marker; the count is the history's, not a timing, so the acceptance figure holds here too
  expect(r.eventsPerRound).toBe(6);
  expect(r.workflowTasksPerRound).toBe(1);
  expect(r.timersPerRound).toBe(1);
  expect(r.searchAttributeUpsertsPerRound).toBe(0);
  expect(r.eventsPerSessionHour).toBeLessThanOrEqual(200);
  expect(r.eventsPerSessionHour).toBe(Math.round(r.eventsPerRound * (3_600_000 / r.atPollMs)));
  for (const s of r.perSession as { start: number; stop: number; total: number; rounds: number }[]) {
    expect(s.start + s.stop).toBeLessThan(s.total);
    expect(s.rounds).toBeGreaterThan(0);
  }
  // the quick run stands the test hook in for the server's suggestion: the run ends at it, and the next run goes on recording
  expect(r.continueAsNew.limit).toMatch(/maxHistoryEvents/);
  expect(r.continueAsNew.measuredRunEvents).toBeGreaterThanOrEqual(100);
  expect(r.continueAsNew.overshoot).toBe(r.continueAsNew.measuredRunEvents - 100);
  expect(r.eventsPerRun).toBe(Math.min(r.continueAsNew.serverSuggestEvents, Math.floor((4 * 2 ** 20) / r.bytesPerEvent)) + r.continueAsNew.overshoot);
  expect(r.continueAsNew.continuedRunStartsRecording).toBe(true);
  expect(r.leaked).toBe(0);
});

test('client and emulator: both sides measured', () => {
  const c = result('client');
  expect(c.raw.rps).toBeGreaterThan(0);
  expect(c.client.rps).toBeGreaterThan(0);
  expect(c.ratio_throughput).toBeGreaterThan(0);
  const e = result('emulator');
  expect(e.rps).toBeGreaterThan(0);
});
