/**
 * The `rtcflow` command.
 *   rtcflow record start --channel <name> [--mode mix|individual|web] [--json]
 *   rtcflow record status <id> [--json]
 *   rtcflow record stop <id> [--reason text] [--json]
 *   rtcflow record layout <id> --layout '<json>' [--json]
 *   rtcflow stt start --channel <name> --language en-US [--language ja-JP] [--version 7|6] [--json]
 *   rtcflow stt status <id> [--json]
 *   rtcflow stt update <id> [--language …] [--uid …] [--translate en-US:fr-FR,de-DE | --no-translate] [--json]
 *   rtcflow stt stop <id> [--reason text] [--json]
 * Exit codes: 0 done, 2 invalid input (nothing was sent), 3 no such session, 1 anything else.
 * (`rtcflow emulator ...` is the emulator's own entry, emulator/main.ts: bin/rtcflow.js dispatches it.)
 */
import { Command, InvalidArgumentError } from 'commander';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time';
import { RtcflowClient } from '../client';
import { parseSttChange, parseSttInput } from '../client/transcriptions';
import { InvalidInputError } from '../errors';
import type { CloudRecordingInput } from '../schemas/workflows/cloud-recording';
import type { SttChange, SttConfig, SttInput } from '../schemas/workflows/stt';

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

function number(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
}
/** a repeatable option: every occurrence is kept, in order */
function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}
type Translation = SttConfig['translation'][number];
/** `--translate en-US:fr-FR,de-DE` (repeatable): translate en-US captions into fr-FR and de-DE */
function translation(v: string, prev: Translation[] = []): Translation[] {
  const m = /^([^:]+):(.+)$/.exec(v);
  if (!m) throw new InvalidArgumentError('expected source:target[,target...], e.g. en-US:fr-FR,de-DE');
  return [...prev, { source: m[1]!, target: m[2]!.split(',') }];
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
          ? {
              extensionServiceConfig: {
                errorHandlePolicy: 'error_abort',
                extensionServices: [
                  {
                    serviceName: 'web_recorder_service',
                    errorHandlePolicy: 'error_abort',
                    serviceParam: { url: o.webUrl, audioProfile: 0, videoWidth: 1280, videoHeight: 720, maxRecordingHour: 72 },
                  },
                ],
              },
            }
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

const sttCmd = program.command('stt').description('Agora Real-Time STT sessions (7.x agents, 6.x tasks)');

const describeConfig = (c: SttConfig | undefined) =>
  c
    ? `languages ${c.languages.join(',')}; audio uids ${c.subscribeAudioUids.join(',')}; translation ${c.translation.length ? c.translation.map((t) => `${t.source}→${t.target.join(',')}`).join(' ') : 'off'}`
    : 'no configuration';

sttCmd
  .command('start')
  .description('start (or join the running) transcription of a channel')
  .requiredOption('--channel <name>', 'RTC channel name')
  .requiredOption('--language <code>', 'language to transcribe, e.g. en-US (repeat for up to 4)', collect)
  .option('--version <v>', 'Real-Time STT version: 7 (agents) or 6 (tasks, deprecated)')
  .option('--uid <uid>', 'audio uid to transcribe (repeat; default: all)', collect)
  .option('--translate <spec>', 'translate captions: source:target[,target...] (repeat per source language)', translation)
  .option('--caption-storage-profile <name>', 'store caption files with this storage profile')
  .option('--max-idle <seconds>', 'end after this long without audio (7.x: 0 = never)', number)
  .option('--on-lifetime-end <what>', "7.x at Agora's 72-hour agent lifetime: end | rollover")
  .option('--profile <name>', 'Agora profile', 'default')
  .option('--role <role>', 'transcription role, part of the session id', 'main')
  .option('--poll-interval <duration>', 'how often to query the agent', duration)
  .option('--json', 'print one JSON object')
  .action(async (o) => {
    const input: SttInput = {
      channel: o.channel,
      profile: o.profile,
      role: o.role,
      languages: o.language,
      ...(o.version !== undefined ? { version: o.version } : {}),
      ...(o.uid ? { subscribeAudioUids: o.uid } : {}),
      ...(o.translate ? { translation: o.translate } : {}),
      ...(o.captionStorageProfile ? { captions: { storageProfile: o.captionStorageProfile } } : {}),
      ...(o.maxIdle !== undefined ? { maxIdleTime: o.maxIdle } : {}),
      ...(o.onLifetimeEnd !== undefined ? { onLifetimeEnd: o.onLifetimeEnd } : {}),
      ...(o.pollInterval !== undefined ? { pollIntervalMs: o.pollInterval } : {}),
    };
    parseSttInput(input); // refused before connecting to anything
    const started = await withClient((c) => c.transcriptions.start(input));
    out(!!o.json, started, () => `transcription session ${started.id} (run ${started.runId})`);
  });

sttCmd
  .command('status <id>')
  .description('the session phase, the running agent and its configuration')
  .option('--json', 'print one JSON object')
  .action(async (id: string, o) => {
    const s = await withClient((c) => c.transcriptions.status(id));
    out(!!o.json, { id, ...s }, () =>
      [
        `${id}: ${s.phase}${s.reason ? ` (${s.reason})` : ''} ${s.version}.x${s.agentId ? ` agent=${s.agentId}` : ''}${s.lastStatus ? ` state=${s.lastStatus}` : ''}`,
        `  ${describeConfig(s.config)}${s.configApplied ? '' : ' (being applied)'}`,
      ].join('\n'),
    );
  });

sttCmd
  .command('update <id>')
  .description('change languages, audio uids or translation (each given one replaces the current)')
  .option('--language <code>', 'language to transcribe (repeat; replaces the list)', collect)
  .option('--uid <uid>', 'audio uid to transcribe, or all (repeat; replaces the list)', collect)
  .option('--translate <spec>', 'source:target[,target...] (repeat; replaces the translation)', translation)
  .option('--no-translate', 'turn translation off')
  .option('--json', 'print one JSON object')
  .action(async (id: string, o) => {
    const change: SttChange = {
      ...(o.language ? { languages: o.language } : {}),
      ...(o.uid ? { subscribeAudioUids: o.uid } : {}),
      ...(o.translate === false ? { translation: [] } : o.translate ? { translation: o.translate } : {}),
    };
    parseSttChange(change);
    const config = await withClient((c) => c.transcriptions.update(id, change));
    out(!!o.json, { id, config }, () => `${id}: ${describeConfig(config)}`);
  });

sttCmd
  .command('stop <id>')
  .description('leave/stop the transcription and print how it ended')
  .option('--reason <text>', 'why it is stopped', 'stopped from the CLI')
  .option('--json', 'print one JSON object')
  .action(async (id: string, o) => {
    const r = await withClient((c) => c.transcriptions.stop(id, o.reason));
    out(!!o.json, { id, ...r }, () =>
      [
        `${id}: ${r.outcome} (${r.reason}), ${r.agents.length} agent(s), ${r.updates} update(s)`,
        `  captions published in the channel by uid ${r.captions.publishedInChannelBy}${r.captions.files ? `; caption files in bucket ${r.captions.files.bucket}` : ''}`,
        ...r.unstopped.map((u) => `  WARNING: agent ${u.id} may still be running: ${u.error}`),
      ].join('\n'),
    );
  });

// `rtcflow emulator` is dispatched by bin/rtcflow.js to emulator/main.ts before this program loads
program.addHelpText('after', '\nThe vendor emulator: rtcflow emulator --help');

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof InvalidInputError) {
    console.error(`rtcflow: ${err.message}`);
    process.exit(2);
  }
  if (err instanceof WorkflowNotFoundError) {
    console.error(`rtcflow: no such session: ${err.workflowId || err.message}`);
    process.exit(3);
  }
  if (err instanceof WorkflowUpdateFailedError) {
    console.error(`rtcflow: refused: ${err.cause?.message ?? err.message}`);
    process.exit(1);
  }
  console.error(`rtcflow: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
