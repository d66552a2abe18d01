#!/usr/bin/env node
// The rtcflow command. In a checkout it runs the TypeScript sources through tsx (a dev dependency; no build
// step needed); in the installed package (only the compiled dist/ is there, `npm run build`) or without the dev
// dependencies it runs the JavaScript.
// `rtcflow emulator ...` goes to the emulator's own entry (emulator/main): the product CLI never loads it.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const hasTsx = () => {
  try {
    return Boolean(require.resolve('tsx/cjs/api'));
  } catch {
    return false;
  }
};
const fromSources = existsSync(join(root, 'src', 'cli', 'main.ts')) && hasTsx();
const emulator = process.argv[2] === 'emulator';
if (emulator) process.argv.splice(2, 1);
if (fromSources) {
  require('tsx/cjs/api').register();
  require(join(root, emulator ? 'emulator/main.ts' : 'src/cli/main.ts'));
} else {
  require(join(root, 'dist', emulator ? 'emulator/main.js' : 'src/cli/main.js'));
}
