/**
 * `npm start`: everything a developer needs on one machine. A development entry beside worker.ts, not in
 * src/: it starts the emulator (emulator/) and gives the worker the emulator's account.
 *   - a Temporal dev server with its Web UI and a SQLite file under the data folder
 *     (skipped when TEMPORAL_ADDRESS names an existing server)
 *   - the vendor emulator (skipped when real Agora credentials are configured)
 *   - the rtcflow worker
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { apiServerOptions, buildApiServer } from './src/api/server';
import { NativeConnection } from '@temporalio/worker';
import { createWorker } from './worker';
import { loadConfig, temporalConnectOptions } from './src/config';
import { installMetricsRuntime } from './src/metrics/runtime';
import { ensureSweeperSchedule, SWEEPER_SCHEDULE_ID } from './src/client/sweeper';
import { sweeperFromEnv } from './src/temporal/setup';
import { randomBytes } from 'node:crypto';
import { ApiKeyring, localApiKeyPath, singleKeyring, writeLocalApiKey } from './src/api/auth';
import { ConfigValidationError } from './src/errors';
import { startEmulator, type RunningEmulator } from './emulator/server';
import { EMULATOR_ACCOUNT } from './emulator/defaults';
import { startDevServer, type DevServer } from './src/temporal/dev-server';
import { ensureSearchAttributes } from './src/temporal/search-attributes';
import { TemporalBinaryNotFoundError } from './src/temporal/binaries';
import { clientInterceptors } from './src/temporal/query-retry';

async function main(): Promise<void> {
  // everything without real credentials runs against the emulator started below, with its demo account
  const loaded = loadConfig(process.env, { emulator: EMULATOR_ACCOUNT });
  // development keeps the UI's Stack Trace tab (a worker elsewhere leaves it off unless RTCFLOW_WORKER_STACK_TRACES=on)
  const config = { ...loaded, worker: { ...loaded.worker, stackTraces: loaded.worker.stackTraces ?? true } };
  // the worker runtime's Prometheus endpoint (SDK + rtcflow metrics), before any connection creates a default runtime
  installMetricsRuntime({ bindAddress: config.metrics.worker, json: false });
  const stops: Array<() => Promise<void>> = [];
  const lines: string[] = [];

  let address = config.temporal.address;
  let devServer: DevServer | undefined;
  if (!address) {
    mkdirSync(config.dataDir, { recursive: true });
    const dbFilename = resolve(config.dataDir, 'temporal.db');
    // stopped last, after the worker and the API (a Ctrl-C reaches only this process)
    devServer = await startDevServer({ port: config.temporal.port, uiPort: config.temporal.uiPort, dbFilename, stdio: 'inherit', ownProcessGroup: true });
    address = devServer.address;
    stops.push(devServer.stop);
    lines.push(`Temporal dev server  ${address}  (SQLite ${dbFilename})`);
    lines.push(`Temporal Web UI      ${devServer.uiUrl}`);
  } else {
    const conn = await Connection.connect(temporalConnectOptions(config, address));
    const added = await ensureSearchAttributes(conn, config.temporal.namespace);
    await conn.close();
    lines.push(`Temporal server      ${address} (existing${added.length ? `; registered ${added.join(', ')}` : ''})`);
  }

  // the HTTP API and the webhook receivers. No built-in secrets: without configured API keys a local key
  // is made for this run (printed, and written to <data dir>/api-key for the CLI); the emulator and the NCS
  // receiver share a per-run random secret unless AGORA_NCS_SECRET is set.
  mkdirSync(config.dataDir, { recursive: true });
  let apiKeys = new ApiKeyring(config.apiKeys);
  let localKey: string | undefined;
  if (apiKeys.size === 0) {
    const local = singleKeyring('local');
    ({ key: localKey, keyring: apiKeys } = local);
    writeLocalApiKey(config.dataDir, local.key);
  }
  const ncsSecret = config.webhooks.agoraNcsSecret ?? (config.usesEmulator ? randomBytes(32).toString('hex') : undefined);
  if (config.testHooks) lines.push('RTCFLOW_TEST_HOOKS   on: public inputs accept test hooks and short intervals (never in production)');
  const client = new Client({
    connection: await Connection.connect(temporalConnectOptions(config, address)),
    namespace: config.temporal.namespace,
    interceptors: clientInterceptors(),
  });
  const api = buildApiServer(apiServerOptions(config, { client, apiKeys, agoraNcsSecret: ncsSecret }));
  await api.listen({ host: '127.0.0.1', port: config.apiPort });
  const apiUrl = `http://127.0.0.1:${config.apiPort}`;
  stops.push(async () => {
    await api.close();
    await client.connection.close();
  });
  lines.push(`HTTP API             ${apiUrl}/v1/recordings  (NCS webhooks: ${apiUrl}/webhooks/agora/ncs)`);
  lines.push(
    localKey
      ? `API key              ${localKey}  (this run only; also in ${localApiKeyPath(config.dataDir)})`
      : `API keys             ${apiKeys.size} configured (RTCFLOW_API_KEYS / RTCFLOW_API_KEYS_FILE)`,
  );
  lines.push(`SparkRTC callbacks   ${apiUrl}/webhooks/sparkrtc/<profile>  (rtcflow sparkrtc callback set --url …)`);

  let emulator: RunningEmulator | undefined;
  if (config.usesEmulator) {
    emulator = await startEmulator({
      port: config.emulator.port,
      webhooks: ncsSecret ? [{ vendor: 'agora', url: `${apiUrl}/webhooks/agora/ncs`, secret: ncsSecret }] : [],
    });
    stops.push(emulator.close);
    lines.push(`Vendor emulator      ${emulator.url}  (control API ${emulator.url}/_emulator/tasks)`);
  }
  if (!config.agora.default?.baseUrls.includes(config.emulator.url)) {
    lines.push(`Agora                real (profile "default": ${config.agora.default?.baseUrls.join(', ')})`);
  }

  const connection = await NativeConnection.connect(temporalConnectOptions(config, address));
  const worker = await createWorker({ config, connection });
  lines.push(`Worker               task queue "${config.temporal.taskQueue}", namespace "${config.temporal.namespace}"`);
  lines.push(`Worker metrics       http://${config.metrics.worker}/metrics  (Prometheus: SDK + rtcflow_*)`);
  const sweeper = sweeperFromEnv(process.env);
  if (sweeper !== 'off') {
    const registered = await ensureSweeperSchedule(client, { taskQueue: config.temporal.taskQueue, every: sweeper.every, input: { action: sweeper.action } });
    lines.push(`Sweeper Schedule     ${SWEEPER_SCHEDULE_ID} (${registered === 'created' ? `created: every ${sweeper.every}, action ${sweeper.action}` : 'present'})`);
  }
  lines.push('');
  lines.push('Try, in another shell:');
  lines.push('  npx rtcflow record start --channel demo --json');
  lines.push('  npx rtcflow record status cloud-recording/default/main/demo --json');
  lines.push('  npx rtcflow record stop cloud-recording/default/main/demo --json');
  lines.push(`  curl -H "Authorization: Bearer $(npx rtcflow api-key show)" ${apiUrl}/v1/recordings/cloud-recording%2Fdefault%2Fmain%2Fdemo`);
  console.log(['', 'rtcflow is running', ...lines.map((l) => `  ${l}`), ''].join('\n'));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      // a second signal: go now, but never leave the dev server (in its own process group) behind
      console.log(`\nrtcflow: ${signal} again, exiting now`);
      devServer?.child.kill('SIGTERM');
      process.exit(130);
    }
    stopping = true;
    console.log(`\nrtcflow: ${signal}, shutting down`);
    worker.shutdown();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  try {
    await worker.run();
  } finally {
    await connection.close();
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigValidationError || err instanceof TemporalBinaryNotFoundError) console.error(`rtcflow: ${err.message}`);
  else console.error('rtcflow: failed to start:', err);
  process.exit(1);
});
