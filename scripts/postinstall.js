#!/usr/bin/env node
// `npm install` hook. In a checkout it applies patches/ to node_modules (patch-package; the one patch lets
// RTCFLOW_WORKER_STACK_TRACES=off turn off the SDK's workflow stack traces, worker.ts applyStackTraces) and, with
// the TypeScript sources here, runs src/temporal/install.ts, which makes sure the Temporal CLI and test server
// exist for `npm start` / `npm test` (RTCFLOW_SKIP_TEMPORAL_INSTALL=1 skips that). Installed as a package (only the compiled dist/ is there), or without the dev dependencies (no
// tsx: a production install of a checkout), there is nothing to do.
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

// a checkout's own node_modules; installed as a package, the SDK may be shared with the application's (left alone:
// the worker then keeps the SDK's stack traces on)
const root = join(__dirname, '..');
if (existsSync(join(root, 'patches')) && existsSync(join(root, 'node_modules', 'patch-package'))) {
  execFileSync(process.execPath, [require.resolve('patch-package/index.js', { paths: [root] }), '--error-on-fail'], { cwd: root, stdio: 'inherit' });
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
