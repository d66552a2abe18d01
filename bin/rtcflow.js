#!/usr/bin/env node
// The rtcflow command: runs the TypeScript CLI through tsx (no build step needed).
// `rtcflow emulator ...` goes to the emulator's own entry (emulator/main.ts): the product CLI never loads it.
require('tsx/cjs/api').register();
if (process.argv[2] === 'emulator') {
  process.argv.splice(2, 1);
  require('../emulator/main.ts');
} else {
  require('../src/cli/main.ts');
}
