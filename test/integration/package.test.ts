/**
 * The installable package, as a user gets it: `npm run build`'s script (scripts/build.ts) into a staging
 * copy of the package, `npm pack`, the tarball unpacked into a scratch project's node_modules/rtcflow, and
 * then, with plain `node` (no tsx: the scratch project does not even have it):
 *   - the worker from dist/ polls a task queue with the prebuilt workflow bundle (no bundling at start),
 *   - the CLI from dist/ (and through the package's bin) drives the recording it runs,
 *   - a scratch app `require('rtcflow')` (resolved through `exports` to dist/ JS) runs a recording to its end,
 *   - a scratch TypeScript file type-checks against the package's types through `exports`.
 * The scratch project gets the package's dependencies as links into this repository's node_modules
 * (what `npm install` would put there, without the network).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { builtinModules } from 'node:module';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { uniqueId } from '../helpers/wait';

const ROOT = join(__dirname, '..', '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

function ok(r: Run, what: string): Run {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
  return r;
}

let tmp: string;
let scratch: string;
let installed: string;
let tarball: string;
let worker: ChildProcess | undefined;
let workerOut = '';
const taskQueue = uniqueId('tq-package');

/** What a process of the scratch project sees: no tsx, no RTCFLOW_* of the test run, only the stack's addresses. */
const scratchEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
  RTCFLOW_TASK_QUEUE: taskQueue,
  ...extra,
});

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rtcflow-package-'));
  // a staging copy of the package: what `npm run build` leaves in a checkout, and the files `npm pack` takes
  const stage = join(tmp, 'stage');
  mkdirSync(stage);
  ok(await run(process.execPath, [require.resolve('tsx/cli'), 'scripts/build.ts', '--out', join(stage, 'dist')], { timeoutMs: 240_000 }), 'build');
  for (const f of ['package.json', 'bin', 'scripts/postinstall.js', 'README.md']) cpSync(join(ROOT, f), join(stage, f), { recursive: true });
  const packed = ok(await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: stage }), 'npm pack');
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(tmp, info.filename);
  const files = info.files.map((f) => f.path);
  expect(files).toEqual(
    expect.arrayContaining(['dist/worker.js', 'dist/workflow-bundle.js', 'dist/src/client/index.js', 'dist/src/client/index.d.ts', 'dist/src/cli/main.js', 'bin/rtcflow.js']),
  );
  // only the compiled package: no TypeScript sources (bin/rtcflow.js tells a checkout by them), no tests
  expect(files.filter((f) => (f.endsWith('.ts') && !f.endsWith('.d.ts')) || f.startsWith('test/') || f.endsWith('.map'))).toEqual([]);

  // the scratch project: the tarball unpacked as node_modules/rtcflow, its dependencies linked (tsx is a dev dependency: not there)
  scratch = join(tmp, 'scratch');
  installed = join(scratch, 'node_modules', 'rtcflow');
  mkdirSync(installed, { recursive: true });
  ok(await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']), 'tar');
  for (const dep of [...Object.keys(PKG.dependencies), '@types/node']) {
    mkdirSync(dirname(join(scratch, 'node_modules', dep)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', dep), join(scratch, 'node_modules', dep), 'dir');
  }
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, dependencies: { rtcflow: `file:${tarball}` } }));

  // the worker from the package's dist/, with plain node
  worker = spawn(process.execPath, [join(installed, 'dist', 'worker.js')], {
    cwd: scratch,
    env: scratchEnv({ RTCFLOW_EMULATOR_URL: process.env.RTCFLOW_TEST_EMULATOR_URL }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout!.on('data', (d: Buffer) => (workerOut += d.toString()));
  worker.stderr!.on('data', (d: Buffer) => (workerOut += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (/rtcflow worker: task queue/.test(workerOut)) done(resolve);
      else if (worker!.exitCode !== null) done(() => reject(new Error(`dist/worker.js exited ${worker!.exitCode}:\n${workerOut}`)));
    }, 100);
    const done = (then: () => void) => (clearInterval(timer), then());
  });
}, 300_000);

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    const gone = new Promise((r) => worker!.once('exit', r));
    worker.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([gone, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
    if (worker.exitCode === null) worker.kill('SIGKILL');
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('every package the compiled code requires is a declared dependency (not one hoisted here by chance)', () => {
  const required = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.js') && e.name !== 'workflow-bundle.js') {
        for (const m of readFileSync(join(dir, e.name), 'utf8').matchAll(/require\("([^."][^"]*)"\)/g)) required.add(/^(@[^/]+\/[^/]+|[^/]+)/.exec(m[1])![1]);
      }
    }
  };
  walk(join(installed, 'dist'));
  const undeclared = [...required].filter((m) => !m.startsWith('node:') && !builtinModules.includes(m) && !(m in PKG.dependencies));
  expect(required.has('@temporalio/worker')).toBe(true);
  expect(undeclared).toEqual([]);
});

test('the compiled worker polls with the prebuilt workflow bundle, and the compiled CLI runs without tsx', async () => {
  expect(existsSync(join(scratch, 'node_modules', 'tsx'))).toBe(false);
  expect(workerOut).toContain(`task queue "${taskQueue}"`);
  expect(workerOut).toContain(`prebuilt workflow bundle ${join(installed, 'dist', 'workflow-bundle.js')}`);
  const help = ok(await run(process.execPath, [join(installed, 'dist', 'src', 'cli', 'main.js'), '--help'], { cwd: scratch, env: scratchEnv() }), 'dist CLI');
  expect(help.stdout).toMatch(/Usage: rtcflow/);
  expect(help.stdout).toMatch(/record/);
  // the package's bin has no sources next to it: it runs dist/
  const viaBin = ok(await run(process.execPath, [join(installed, 'bin', 'rtcflow.js'), '--help'], { cwd: scratch, env: scratchEnv() }), 'bin');
  expect(viaBin.stdout).toBe(help.stdout);
});

test('a scratch project requires rtcflow from the packed tarball and runs a recording on the compiled worker', async () => {
  const channel = uniqueId('package');
  writeFileSync(
    join(scratch, 'app.js'),
    `const { RtcflowClient } = require('rtcflow');
(async () => {
  const rtc = await RtcflowClient.connect();
  const { id } = await rtc.startRecording({ channel: ${JSON.stringify(channel)}, pollIntervalMs: 300, confirmPollMs: 200 });
  const deadline = Date.now() + 60000;
  let status = await rtc.recordingStatus(id);
  while (status.phase !== 'recording' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    status = await rtc.recordingStatus(id);
  }
  console.log(JSON.stringify({ resolved: require.resolve('rtcflow'), id, phase: status.phase, sid: status.sid }));
})().catch((err) => { console.error(err); process.exit(1); });
`,
  );
  const app = ok(await run(process.execPath, ['app.js'], { cwd: scratch, env: scratchEnv({ RTCFLOW_TEST_HOOKS: '1' }) }), 'scratch app');
  const started = JSON.parse(app.stdout) as { resolved: string; id: string; phase: string; sid?: string };
  expect(started).toMatchObject({ resolved: join(installed, 'dist', 'src', 'client', 'index.js'), id: `cloud-recording/default/main/${channel}`, phase: 'recording' });
  expect(started.sid).toEqual(expect.any(String));

  // the compiled CLI sees it and stops it: the result comes back from the compiled worker
  const cli = (...args: string[]) => run(process.execPath, [join(installed, 'bin', 'rtcflow.js'), ...args], { cwd: scratch, env: scratchEnv({ RTCFLOW_TEST_HOOKS: '1' }) });
  expect(JSON.parse(ok(await cli('record', 'status', started.id, '--json'), 'record status').stdout)).toMatchObject({ phase: 'recording', sid: started.sid });
  expect(JSON.parse(ok(await cli('record', 'stop', started.id, '--json'), 'record stop').stdout)).toMatchObject({ outcome: 'stopped' });

  // only what `exports` names is reachable
  const deep = await run(process.execPath, ['-e', "require('rtcflow/dist/src/cli/main.js')"], { cwd: scratch, env: scratchEnv() });
  expect(deep.stderr).toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
});

test("the package's types resolve through exports (a scratch TypeScript file type-checks, and a wrong call does not)", async () => {
  const good = `import { RtcflowClient, type RecordingStatus } from 'rtcflow';
import { createWorker } from 'rtcflow/worker';
export async function main(): Promise<RecordingStatus> {
  const rtc = await RtcflowClient.connect({ address: 'localhost:7233' });
  const { id } = await rtc.startRecording({ channel: 'class-42', mode: 'mix' });
  void createWorker;
  return rtc.recordingStatus(id);
}
`;
  writeFileSync(join(scratch, 'good.ts'), good);
  writeFileSync(join(scratch, 'bad.ts'), good.replace("mode: 'mix'", "mode: 'stereo'"));
  writeFileSync(
    join(scratch, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
      files: ['good.ts', 'bad.ts'],
    }),
  );
  const tsc = await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', scratch], { cwd: scratch, env: scratchEnv() });
  // exactly one error: the wrong mode in bad.ts (with no types, or types that do not resolve, there would be none or more)
  expect(tsc.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^bad\.ts\(\d+,\d+\): error TS2322: Type '"stereo"' is not assignable/)]);
});
