/**
 * The `rtcflow` command.
 *   rtcflow record start --channel <name> [--mode mix|individual|web] [--json]
 *   rtcflow record status <id> [--json]
 *   rtcflow record stop <id> [--reason text] [--json]
 *   rtcflow record layout <id> --layout '<json>' [--json]
 * (`rtcflow emulator ...` is the emulator's own entry, emulator/main.ts: bin/rtcflow.js dispatches it.)
 */
import { Command, InvalidArgumentError } from 'commander';
import { msToNumber } from '@temporalio/common/lib/time';
import { RtcflowClient } from '../client';
import { InvalidInputError } from '../errors';
import type { CloudRecordingInput } from '../schemas/workflows/cloud-recording';

const program = new Command('rtcflow').description('durable orchestration of cloud RTC sessions on Temporal');

function duration(v: string): number {
  try {
    return msToNumber(/^\d+$/.test(v) ? Number(v) : (v as `${number}s`));
  } catch {
    throw new InvalidArgumentError('expected a duration such as 30s, 2m or milliseconds');
  }
}
function positive(v: string): number {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function out(json: boolean, value: unknown, human: () => string): void {
  console.log(json ? JSON.stringify(value) : human());
}

async function withClient<T>(fn: (c: RtcflowClient) => Promise<T>): Promise<T> {
  const client = await RtcflowClient.connect({
    address: process.env.TEMPORAL_ADDRESS ?? `127.0.0.1:${process.env.TEMPORAL_PORT ?? 7233}`,
  });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

const record = program.command('record').description('Agora Cloud Recording sessions');

record
  .command('start')
  .description('start (or join the running) recording of a channel')
  .requiredOption('--channel <name>', 'RTC channel name')
  .option('--mode <mode>', 'individual | mix | web', 'mix')
  .option('--profile <name>', 'Agora profile', 'default')
  .option('--storage-profile <name>', 'storage profile', 'default')
  .option('--role <role>', 'recorder role, part of the session id', 'main')
  .option('--uid <uid>', 'recorder uid (default: chosen from the bot range)')
  .option('--poll-interval <duration>', 'how often to query the recorder', duration)
  .option('--max-idle <seconds>', 'recordingConfig.maxIdleTime', positive)
  .option('--web-url <url>', 'page to record (web mode)')
  .option('--json', 'print one JSON object')
  .action(async (o) => {
    const input: CloudRecordingInput = {
      channel: o.channel,
      mode: o.mode,
      profile: o.profile,
      storageProfile: o.storageProfile,
      role: o.role,
      recorderUid: o.uid,
      pollIntervalMs: o.pollInterval,
      clientRequest: {
        ...(o.maxIdle ? { recordingConfig: { maxIdleTime: o.maxIdle } } : {}),
        ...(o.webUrl
          ? { extensionServiceConfig: { errorHandlePolicy: 'error_abort', extensionServices: [{ serviceName: 'web_recorder_service', errorHandlePolicy: 'error_abort', serviceParam: { url: o.webUrl, audioProfile: 0, videoWidth: 1280, videoHeight: 720, maxRecordingHour: 72 } }] } }
          : {}),
      },
    };
    const started = await withClient((c) => c.startRecording(input));
    out(!!o.json, started, () => `recording session ${started.id} (run ${started.runId})`);
  });

record
  .command('status <id>')
  .description('the session phase and what the recorder reported')
  .option('--json', 'print one JSON object')
  .action(async (id: string, o) => {
    const status = await withClient((c) => c.recordingStatus(id));
    out(!!o.json, { id, ...status }, () => `${id}: ${status.phase}${status.reason ? ` (${status.reason})` : ''}${status.sid ? ` sid=${status.sid}` : ''}`);
  });

record
  .command('stop <id>')
  .description('stop the recording and print its files')
  .option('--reason <text>', 'why it is stopped', 'stopped from the CLI')
  .option('--json', 'print one JSON object')
  .action(async (id: string, o) => {
    const result = await withClient((c) => c.stopRecording(id, o.reason));
    out(!!o.json, { id, ...result }, () =>
      [`${id}: ${result.outcome} (${result.reason}), upload ${result.uploadingStatus}`, ...result.files.map((f) => `  ${f.fileName}`)].join('\n'),
    );
  });

record
  .command('layout <id>')
  .description('replace the whole layout of a mix/web recording')
  .requiredOption('--layout <json>', 'e.g. {"mixedVideoLayout":1,"backgroundColor":"#000000"}')
  .option('--json', 'print one JSON object')
  .action(async (id: string, o) => {
    let layout: unknown;
    try {
      layout = JSON.parse(o.layout);
    } catch {
      throw new InvalidInputError('--layout is not JSON');
    }
    const applied = await withClient((c) => c.updateLayout(id, layout as never));
    out(!!o.json, { id, layout: applied }, () => `${id}: layout applied`);
  });

// `rtcflow emulator` is dispatched by bin/rtcflow.js to emulator/main.ts before this program loads
program.addHelpText('after', '\nThe vendor emulator: rtcflow emulator --help');

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof InvalidInputError) {
    console.error(`rtcflow: ${err.message}`);
    process.exit(2);
  }
  console.error(`rtcflow: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
