/**
 * Production entry of the HTTP API and the webhook receivers (`npm run api`; the compose `api` service):
 * buildApiServer (src/api/server.ts) with the configuration of the environment — API keys from
 * RTCFLOW_API_KEYS / RTCFLOW_API_KEYS_FILE (none: it refuses to start), the profiles the workers have,
 * the NCS secret and SparkRTC callback keys — on RTCFLOW_API_HOST:RTCFLOW_API_PORT, and the webhook
 * counters as Prometheus text on RTCFLOW_METRICS_HOST:RTCFLOW_API_METRICS_PORT/metrics. Connects to
 * Temporal with the one builder (TLS, client certificates, API key). Logs are JSON lines.
 */
import { createServer } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { apiServerOptions, buildApiServer } from './src/api/server';
import { ApiKeyring } from './src/api/auth';
import { WebhookStats } from './src/api/webhook-stats';
import { loadConfig, temporalConnectOptions } from './src/config';
import { ConfigValidationError } from './src/errors';
import { renderWebhookMetrics } from './src/metrics/vendor';
import { describeConnection } from './src/temporal/connection';
import { clientInterceptors } from './src/temporal/query-retry';

const log = (level: string, msg: string, meta: Record<string, unknown> = {}) => console.log(JSON.stringify({ ts: new Date().toISOString(), level, msg, ...meta }));

async function main(): Promise<void> {
  const emulator = process.env.RTCFLOW_EMULATOR_URL ? (await import('./emulator/defaults')).EMULATOR_ACCOUNT : undefined;
  const config = loadConfig(process.env, { emulator });
  const apiKeys = new ApiKeyring(config.apiKeys);
  if (apiKeys.size === 0)
    throw new ConfigValidationError('invalid configuration:\n  RTCFLOW_API_KEYS or RTCFLOW_API_KEYS_FILE: the API needs at least one key (`npx rtcflow api-key new` prints one)');
  const host = process.env.RTCFLOW_API_HOST || '0.0.0.0';
  const options = temporalConnectOptions(config);
  const connection = await Connection.connect(options);
  const client = new Client({ connection, namespace: config.temporal.namespace, interceptors: clientInterceptors() });
  const webhookStats = new WebhookStats();
  const api = buildApiServer(apiServerOptions(config, { client, apiKeys, webhookStats, logger: (line) => log('INFO', line) }));
  await api.listen({ host, port: config.apiPort });

  const [metricsHost, metricsPort] = [config.metrics.api.slice(0, config.metrics.api.lastIndexOf(':')), Number(config.metrics.api.slice(config.metrics.api.lastIndexOf(':') + 1))];
  const metrics = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(renderWebhookMetrics(webhookStats.snapshot()));
  });
  await new Promise<void>((resolve) => metrics.listen(metricsPort, metricsHost, resolve));

  log('INFO', 'rtcflow api listening', {
    api: `http://${host}:${config.apiPort}`,
    metrics: `http://${config.metrics.api}/metrics`,
    temporal: describeConnection(options),
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    apiKeys: apiKeys.size,
    ncsReceiver: config.webhooks.agoraNcsSecret ? 'on' : 'off (AGORA_NCS_SECRET unset: answers 503)',
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('INFO', `rtcflow api: ${signal}, shutting down`);
    await api.close();
    metrics.close();
    await connection.close();
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    log('ERROR', `rtcflow api: ${err instanceof ConfigValidationError ? err.message : err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
