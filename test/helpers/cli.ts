/** The `rtcflow` command as a user runs it: a child process reaching the test's Temporal server and task queue. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `rtcflow <args>` with only PATH, TEMPORAL_ADDRESS, RTCFLOW_TASK_QUEUE and `env` set. */
export function rtcflowWith(env: Record<string, string | undefined>, taskQueue: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin', 'rtcflow.js'), ...args],
      {
        cwd: ROOT,
        timeout: 60_000,
        env: { PATH: process.env.PATH, TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS, RTCFLOW_TASK_QUEUE: taskQueue, RTCFLOW_TEST_HOOKS: '1', ...env },
      },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

export const rtcflow = (taskQueue: string, ...args: string[]): Promise<Run> => rtcflowWith({}, taskQueue, ...args);

/** The one JSON object a successful `--json` invocation prints. */
export function json(run: Run): any {
  if (run.code !== 0) throw new Error(`rtcflow exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout);
}
