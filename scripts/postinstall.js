#!/usr/bin/env node
// `npm install` hook. In a checkout it applies patches/ to node_modules (patch-package; the one patch lets
// RTCFLOW_WORKER_STACK_TRACES=off turn off the SDK's workflow stack traces, worker.ts applyStackTraces) and, with
// the TypeScript sources here, runs src/temporal/install.ts, which makes sure the Temporal CLI and test server
// exist for `npm start` / `npm test` (RTCFLOW_SKIP_TEMPORAL_INSTALL=1 skips that). Installed as a package (only
// the compiled dist/ is there) it does neither; a production install of a checkout (no dev dependencies, no tsx)
// applies the patch only.
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

// a checkout's own node_modules (patches/ is not in the package: installed as one, the SDK may be the
// application's, and it is left alone; the worker then keeps the SDK's stack traces on and says so)
const root = join(__dirname, '..');
if (existsSync(join(root, 'patches'))) {
  let patchPackage;
  try {
    patchPackage = require.resolve('patch-package/index.js', { paths: [root] });
  } catch {
    patchPackage = undefined;
  }
  if (patchPackage) execFileSync(process.execPath, [patchPackage, '--error-on-fail'], { cwd: root, stdio: 'inherit' });
  else console.log('rtcflow: patch-package is not installed, patches/ not applied (workflow stack traces stay on)');
}

const installer = join(__dirname, '..', 'src', 'temporal', 'install.ts');
let tsx;
try {
  tsx = require.resolve('tsx/cjs/api');
} catch {
  tsx = undefined;
}
if (existsSync(installer) && tsx) {
  require(tsx).register();
  require(installer);
} else if (existsSync(installer)) {
  console.log('rtcflow: no dev dependencies (tsx), not installing Temporal binaries');
}
