/**
 * Running sessions survive deploys: every history in test/histories/ (recorded from the code that was
 * deployed when it was written, see test/histories/record.ts) must replay on today's workflow code
 * without a non-determinism error. A change that alters a running session's commands goes behind
 * `patched()`; a history is never re-recorded to make this pass.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { workflowBundle } from '../helpers/temporal';

const DIR = join(__dirname, '..', 'histories');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

beforeAll(() => {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    /* installed already in this process */
  }
});

test('every lifecycle has recorded histories', () => {
  expect(files.filter((f) => f.startsWith('cloud-recording-')).length).toBeGreaterThanOrEqual(10);
  expect(files.filter((f) => f.startsWith('stt7-')).length).toBeGreaterThanOrEqual(3);
  expect(files.filter((f) => f.startsWith('stt6-')).length).toBeGreaterThanOrEqual(1);
  expect(files.filter((f) => f.startsWith('sparkrtc-')).length).toBeGreaterThanOrEqual(3);
  expect(files.filter((f) => f.startsWith('relay-')).length).toBeGreaterThanOrEqual(4);
  expect(files.filter((f) => f.startsWith('pull-')).length).toBeGreaterThanOrEqual(3);
  expect(files.filter((f) => f.startsWith('ingest-')).length).toBeGreaterThanOrEqual(3);
  expect(files.filter((f) => f.startsWith('whiteboard-')).length).toBeGreaterThanOrEqual(4);
});

test.each(files)('%s replays on the current workflow code', async (file) => {
  const history = JSON.parse(readFileSync(join(DIR, file), 'utf8'));
  await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file)).resolves.toBeUndefined();
});
