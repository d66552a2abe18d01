/**
 * The emulator's own entry: `rtcflow emulator [flags]` (bin/rtcflow.js hands it the arguments after
 * `emulator`), `npm run emulator -- [flags]`, or `tsx emulator/main.ts [flags]`.
 *   --port 8480 --host 127.0.0.1 --time-scale 1 --fault '<json>'... --agora-account '<json>'...
 *   --agora-webhook-url URL --agora-webhook-secret S --request-log-limit 50000
 */
import { Command, InvalidArgumentError } from 'commander';
import { startEmulator } from './server';
import { DEFAULT_REQUEST_LOG_LIMIT } from './world';
import { DEFAULT_EMULATOR_PORT } from './defaults';

function positive(v: string): number {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('expected a positive number');
  return n;
}
function positiveInteger(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}
function json(v: string, all: unknown[]): unknown[] {
  try {
    return [...all, JSON.parse(v)];
  } catch {
    throw new InvalidArgumentError('expected JSON');
  }
}

const program = new Command('rtcflow emulator')
  .description('run the vendor emulator (Agora and SparkRTC routes, control API under /_emulator/)')
  .option('--port <port>', 'port', (v) => Number(v), Number(process.env.RTCFLOW_EMULATOR_PORT ?? DEFAULT_EMULATOR_PORT))
  .option('--host <host>', 'address to bind', '127.0.0.1')
  .option('--time-scale <factor>', 'emulated seconds per real second', positive, 1)
  .option('--fault <json>', 'a fault rule (see docs/emulator.md); repeatable', json, [])
  .option('--agora-account <json>', 'another Agora account {customerId, customerSecret, apps: {appId: certificate|null}}; repeatable', json, [])
  .option('--agora-webhook-url <url>', 'deliver Agora NCS events here')
  .option('--agora-webhook-secret <secret>', 'NCS signing secret (required with --agora-webhook-url; no default)')
  .option('--request-log-limit <n>', 'request-log entries kept (the newest)', positiveInteger, DEFAULT_REQUEST_LOG_LIMIT)
  .action(async (o) => {
    if (o.agoraWebhookUrl && !o.agoraWebhookSecret) throw new InvalidArgumentError('--agora-webhook-url needs --agora-webhook-secret (the secret the receiver verifies with)');
    const emu = await startEmulator({
      port: o.port,
      host: o.host,
      timeScale: o.timeScale,
      faults: o.fault,
      extraAgoraAccounts: o.agoraAccount,
      requestLogLimit: o.requestLogLimit,
      webhooks: o.agoraWebhookUrl ? [{ vendor: 'agora', url: o.agoraWebhookUrl, secret: o.agoraWebhookSecret }] : [],
    });
    console.log(`rtcflow emulator on ${emu.url} (time scale ${o.timeScale}); control API at ${emu.url}/_emulator/`);
    const shutdown = () => void emu.close().then(() => process.exit(0));
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`rtcflow emulator: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
