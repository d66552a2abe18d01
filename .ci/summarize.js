#!/usr/bin/env node
/**
 * Reads Jest's JSON results and prints the closing line `tests: N passed, N failed`. Exits non-zero when
 * a test failed, a suite could not run (reported apart, on a `suites:` line), any test was skipped,
 * pending or todo (a stray .skip/.only/.todo must not shrink the run unnoticed), or the type check failed.
 * Usage: node .ci/summarize.js <jest-results.json> <typecheck exit code> [<lint exit code>]
 */

const fs = require('fs');
let passed = 0,
  failed = 0,
  ok = true;
try {
  const r = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests;
  // a suite that could not run (syntax error, failing beforeAll...) is reported apart from failed tests
  const broken = r.testResults.filter((f) => f.status === 'failed' && (f.assertionResults.length === 0 || f.testExecError));
  if (broken.length) {
    ok = false;
    console.log(`suites: ${broken.length} failed to run`);
    for (const f of broken) {
      const lines = (f.message || (f.testExecError && f.testExecError.message) || '').split('\n').map((l) => l.trim());
      const why = lines.find((l) => l && !l.includes('Test suite failed to run')) || 'no message';
      console.log(`  ${f.name.replace(process.cwd() + '/', '')}: ${why}`);
    }
  }
  // a stray .skip, .only or .todo shrinks the run unnoticed: every test must run
  const notRun = r.testResults.flatMap((f) =>
    f.assertionResults.filter((a) => a.status !== 'passed' && a.status !== 'failed').map((a) => `${a.status}: ${f.name.replace(process.cwd() + '/', '')} › ${a.fullName}`),
  );
  if (notRun.length || r.numPendingTests || r.numTodoTests) {
    ok = false;
    console.log(`not run: ${notRun.length || r.numPendingTests + r.numTodoTests} test(s) skipped, pending or todo (remove the .skip/.only/.todo)`);
    for (const line of notRun) console.log(`  ${line}`);
  }
  if (failed > 0) ok = false;
} catch (e) {
  console.error('no Jest results: ' + e.message);
  failed = 1;
  ok = false;
}
if (process.argv[3] !== '0') {
  console.error('type check failed');
  ok = false;
}
if (process.argv[4] !== undefined && process.argv[4] !== '0') {
  console.error('lint failed');
  ok = false;
}
if (!ok && failed === 0) failed = 1;
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(ok ? 0 : 1);
