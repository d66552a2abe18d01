/**
 * `npm run build`: the installable package in dist/ (or `--out <dir>`).
 *   1. tsc -p tsconfig.build.json: worker.ts, api.ts, workflows/, activities/, src/, emulator/ → JS + .d.ts
 *   2. the workflow bundle, prebuilt (bundleWorkflowCode → <out>/workflow-bundle.js): the compiled worker
 *      loads it (worker.ts `prebuiltWorkflowBundle`), so a production worker starts without webpack.
 * `--workflows-only` (npm run build:workflows) writes only the bundle. Development runs the sources with tsx
 * and bundles at start; nothing here is needed for `npm start` or `npm test`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DefaultLogger } from '@temporalio/worker';
import { bundleWorkflows as bundleWorkflowCode } from '../src/temporal/workflow-bundle';

const ROOT = resolve(__dirname, '..');
export const WORKFLOW_BUNDLE_FILE = 'workflow-bundle.js';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** tsc in a child process, so the bundler runs meanwhile. */
function compile(out: string): Promise<void> {
  const tsc = require.resolve('typescript/bin/tsc');
  const child = spawn(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out], { cwd: ROOT, stdio: 'inherit' });
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('exit', (code, signal) => (code === 0 ? done() : fail(new Error(`tsc failed (exit ${code ?? signal})`))));
  });
}

async function bundleWorkflows(out: string): Promise<string> {
  const { code } = await bundleWorkflowCode(new DefaultLogger('WARN'));
  mkdirSync(out, { recursive: true });
  const file = join(out, WORKFLOW_BUNDLE_FILE);
  writeFileSync(file, code);
  return file;
}

async function main(): Promise<void> {
  const out = resolve(ROOT, argValue('--out') ?? 'dist');
  const started = Date.now();
  const workflowsOnly = process.argv.includes('--workflows-only');
  if (!workflowsOnly) rmSync(out, { recursive: true, force: true });
  const [bundle] = await Promise.all([bundleWorkflows(out), workflowsOnly ? undefined : compile(out)]);
  console.log(`rtcflow build: ${out} (workflow bundle ${bundle}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`rtcflow build: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
