#!/usr/bin/env node
// The rtcflow command: runs the TypeScript CLI through tsx (no build step needed).
require('tsx/cjs/api').register();
require('../src/cli/main.ts');
