/**
 * Starts `temporal server start-dev` as a child process and waits for it with our own deadline (the
 * SDK's ephemeral-server helper gives up after a fixed 5 s, too short for a cold start on small CI
 * machines; temporal-notes.md §1.3, §3.4).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Connection } from '@temporalio/client';
import { devServerSearchAttributeFlags } from './search-attributes';
import { requireBinary, TEMPORAL_CLI } from './binaries';

export interface DevServerOptions {
  executable?: string;
  ip?: string;
  /** 0 picks a free port */
  port?: number;
  /** undefined: headless (no Web UI) */
  uiPort?: number;
  /** SQLite file; in-memory when absent */
  dbFilename?: string;
  /**
   * `PRAGMA=VALUE` statements for the SQLite file (`--sqlite-pragma`); default {@link FILE_DB_PRAGMAS}, `[]` for
   * SQLite's own defaults. Ignored without `dbFilename`.
   */
  sqlitePragmas?: string[];
  namespace?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  extraArgs?: string[];
  readyTimeoutMs?: number;
  /** where the server's output goes (default: ignored) */
  stdio?: 'inherit' | 'ignore' | 'pipe';
  /**
   * In a process group of its own, so a terminal's Ctrl-C reaches only the caller, which stops the server
   * after its own clients (npm start: a client call cut by a server that died first is retried by the
   * SDK after the client closed, and throws).
   */
  ownProcessGroup?: boolean;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(ip = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, ip, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The SQLite file in write-ahead-log mode, synced at checkpoints: SQLite's own default (a rollback journal and
 * an fsync on every commit) made the dev server the bottleneck of every benchmark on this project's 2-core
 * machine (1,000 starts: 49 s → 30 s; 1,000 sessions at a 10 s poll: lateness p99 3.6 s → 0.7 s;
 * docs/benchmarks.md). A killed server process loses no committed transaction in this mode (they are in the
 * WAL, read at the next open and checkpointed into the file later); an operating-system crash can lose the last
 * commits but does not corrupt the file. WAL mode is stored in the file: `[]` does not turn an existing one back.
 */
export const FILE_DB_PRAGMAS: readonly string[] = ['journal_mode=wal', 'synchronous=normal'];

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const executable = opts.executable ?? requireBinary(TEMPORAL_CLI).path;
  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port || (await freePort(ip));
  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(port),
    '--namespace',
    opts.namespace ?? 'default',
    '--log-level',
    opts.logLevel ?? 'warn',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    ...devServerSearchAttributeFlags(),
    ...(opts.dbFilename ? ['--db-filename', opts.dbFilename, ...(opts.sqlitePragmas ?? FILE_DB_PRAGMAS).flatMap((p) => ['--sqlite-pragma', p])] : []),
    ...(opts.uiPort ? ['--ui-port', String(opts.uiPort)] : ['--headless']),
    ...(opts.extraArgs ?? []),
  ];
  const child = spawn(executable, args, { stdio: opts.stdio ?? 'ignore', detached: opts.ownProcessGroup ?? false });
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? `code ${code}`}`;
  });
  const address = `${ip}:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) throw new Error(`Temporal dev server (${executable}) ${exited} before it was ready; is port ${port} free?`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1_000 });
      await conn.close();
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Temporal dev server at ${address} was not ready within ${opts.readyTimeoutMs ?? 30_000} ms: ${(err as Error).message}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  return {
    address,
    uiUrl: opts.uiPort ? `http://${ip === '0.0.0.0' ? 'localhost' : ip}:${opts.uiPort}` : undefined,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
