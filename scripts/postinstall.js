#!/usr/bin/env node
// `npm install` hook. In a checkout (the TypeScript sources are here) it runs src/temporal/install.ts, which
// makes sure the Temporal CLI and test server exist for `npm start` / `npm test` (RTCFLOW_SKIP_TEMPORAL_INSTALL=1
// skips it). Installed as a package (only the compiled dist/ is there), or without the dev dependencies (no
// tsx: a production install of a checkout), there is nothing to do.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

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
