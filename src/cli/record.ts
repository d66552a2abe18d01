/** `rtcflow record start|status|stop|layout`: Agora Cloud Recording sessions. */
import type { Command } from 'commander';
import type { CloudRecordingInput } from '../schemas/workflows/cloud-recording';
import { duration, jsonOption, out, positive, statusAndStop, withClient } from './common';

export function registerRecordCommands(program: Command): void {
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

  statusAndStop(record, (c) => ({ status: (id) => c.recordingStatus(id), stop: (id, reason) => c.stopRecording(id, reason) }), {
    status: 'the session phase and what the recorder reported',
    stop: 'stop the recording and print its files',
    describeStatus: (id, s) => `${id}: ${s.phase}${s.reason ? ` (${s.reason})` : ''}${s.sid ? ` sid=${s.sid}` : ''}`,
    describeResult: (id, r) => [`${id}: ${r.outcome} (${r.reason}), upload ${r.uploadingStatus}`, ...r.files.map((f) => `  ${f.fileName}`)].join('\n'),
  });

  record
    .command('layout <id>')
    .description('replace the whole layout of a mix/web recording')
    .requiredOption('--layout <json>', 'e.g. {"mixedVideoLayout":1,"backgroundColor":"#000000"}')
    .option('--json', 'print one JSON object')
    .action(async (id: string, o) => {
      const layout = jsonOption('layout', o.layout);
      const applied = await withClient((c) => c.updateLayout(id, layout as never));
      out(!!o.json, { id, layout: applied }, () => `${id}: layout applied`);
    });
}
