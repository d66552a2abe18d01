/** The worker process's Temporal runtime: JSON logs and the Prometheus exporter (see ./vendor for rtcflow's own metrics). */
import { DefaultLogger, Runtime, makeTelemetryFilterString, type LogLevel } from '@temporalio/worker';

export interface MetricsRuntimeOptions {
  /** host:port the Prometheus endpoint binds (/metrics); undefined: no exporter */
  bindAddress?: string;
  logLevel?: LogLevel;
  /** JSON lines on stdout (default); false: the SDK's readable lines (`npm start`) */
  json?: boolean;
}

/**
 * Installs the process's Temporal runtime (once per process, before any NativeConnection) with JSON logs
 * on stdout and, given a bind address, the Prometheus exporter.
 */
export function installMetricsRuntime(opts: MetricsRuntimeOptions): Runtime {
  const level = opts.logLevel ?? 'INFO';
  return Runtime.install({
    logger: opts.json === false ? new DefaultLogger(level) : new DefaultLogger(level, (entry) => process.stdout.write(`${jsonLogLine(entry)}\n`)),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      ...(opts.bindAddress ? { metrics: { prometheus: { bindAddress: opts.bindAddress, countersTotalSuffix: true } } } : {}),
    },
  });
}

/** One structured log line: time, level, message, and the entry's meta (workflowId, runId, activityType, …). */
export function jsonLogLine(entry: { level: string; message: string; timestampNanos: bigint; meta?: Record<string, unknown> }): string {
  const { meta = {} } = entry;
  return JSON.stringify({ ts: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(), level: entry.level, msg: entry.message, ...meta }, (_k, v: unknown) => {
    if (v instanceof Error) return { message: v.message, name: v.name };
    if (typeof v === 'bigint') return v.toString();
    return v;
  });
}
