/**
 * One-off setup of a Temporal namespace for rtcflow, run by the compose `init` service (`npm run setup`)
 * and, for its own dev server, by `npm start`: registers the namespace when the server lacks it,
 * rtcflow's search attributes, and the sweeper's Schedule. Idempotent: run it at every deploy.
 *
 *   TEMPORAL_* (address, namespace, TLS, API key): src/temporal/connection.ts
 *   RTCFLOW_TASK_QUEUE                 the workers' task queue (default rtcflow)
 *   RTCFLOW_NAMESPACE_RETENTION_DAYS   retention of a namespace registered here (default 7)
 *   RTCFLOW_SWEEPER_ACTION             report (default) | stop | off (no Schedule)
 *   RTCFLOW_SWEEPER_EVERY              how often a pass runs (default 15m)
 */
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { ensureSweeperSchedule } from '../client/sweeper';
import { ConfigValidationError } from '../errors';
import { connectOptions, describeConnection, temporalSettingsFromEnv } from './connection';
import { ensureSearchAttributes } from './search-attributes';

export interface SetupOptions {
  namespace: string;
  taskQueue: string;
  retentionDays?: number;
  sweeper?: { action: 'report' | 'stop'; every: string } | 'off';
}

/** Whether the namespace exists; registers it when not. */
export async function ensureNamespace(connection: Connection, namespace: string, retentionDays = 7): Promise<boolean> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return false;
  } catch (err) {
    if ((err as { code?: number }).code !== 5) throw err; // 5 = NOT_FOUND
  }
  await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(`${retentionDays * 24}h`) });
  return true;
}

export async function setupNamespace(connection: Connection, opts: SetupOptions): Promise<string[]> {
  const lines: string[] = [];
  if (await ensureNamespace(connection, opts.namespace, opts.retentionDays)) lines.push(`registered namespace ${opts.namespace}`);
  // a namespace just registered may take a moment to be served
  const added = await (async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await ensureSearchAttributes(connection, opts.namespace);
      } catch (err) {
        if (attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  })();
  lines.push(added.length ? `registered search attributes ${added.join(', ')}` : 'search attributes present');
  if (opts.sweeper && opts.sweeper !== 'off') {
    const client = new Client({ connection, namespace: opts.namespace });
    const r = await ensureSweeperSchedule(client, { taskQueue: opts.taskQueue, every: opts.sweeper.every, input: { action: opts.sweeper.action } });
    lines.push(r === 'created' ? `sweeper Schedule created (every ${opts.sweeper.every}, action ${opts.sweeper.action})` : 'sweeper Schedule present (left as it is)');
  }
  return lines;
}

/** The sweeper settings of the environment. */
export function sweeperFromEnv(env: NodeJS.ProcessEnv): NonNullable<SetupOptions['sweeper']> {
  const action = env.RTCFLOW_SWEEPER_ACTION || 'report';
  if (action === 'off') return 'off';
  if (action !== 'report' && action !== 'stop') throw new ConfigValidationError('invalid configuration:\n  RTCFLOW_SWEEPER_ACTION: must be report, stop or off');
  const every = env.RTCFLOW_SWEEPER_EVERY || '15m';
  if (!/^\d+(s|m|h)$/.test(every)) throw new ConfigValidationError('invalid configuration:\n  RTCFLOW_SWEEPER_EVERY: must be a duration such as 15m, 1h');
  return { action, every };
}

async function main(): Promise<void> {
  const settings = temporalSettingsFromEnv(process.env);
  const options = connectOptions(settings);
  const retention = Number(process.env.RTCFLOW_NAMESPACE_RETENTION_DAYS || 7);
  if (!(retention >= 1)) throw new ConfigValidationError('invalid configuration:\n  RTCFLOW_NAMESPACE_RETENTION_DAYS: must be a number of days ≥ 1');
  const sweeper = sweeperFromEnv(process.env);
  const connection = await Connection.connect(options);
  try {
    const lines = await setupNamespace(connection, { namespace: settings.namespace, taskQueue: process.env.RTCFLOW_TASK_QUEUE || 'rtcflow', retentionDays: retention, sweeper });
    for (const l of lines) console.log(`rtcflow setup (${describeConnection(options)}, namespace ${settings.namespace}): ${l}`);
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`rtcflow setup: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
