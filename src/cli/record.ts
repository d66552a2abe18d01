/**
 * `rtcflow record start|status|stop|layout`: recording sessions of either vendor — Agora Cloud Recording
 * (the default) or, with `--vendor sparkrtc --kind mix|single`, a SparkRTC job (options in ./sparkrtc.ts).
 */
import type { Command } from 'commander';
import type { RecordingInput } from '../client/recordings';
import { duration, jsonOption, out, positive, statusAndStop, withClient } from './common';
import { addSparkRtcRecordOptions, sparkRtcRecordInput } from './sparkrtc';

export function registerRecordCommands(program: Command): void {
  const record = program.command('record').description('recording sessions: Agora Cloud Recording, or Huawei SparkRTC jobs (--vendor sparkrtc)');

  const start = record
    .command('start')
    .description('start (or join the running) recording of a channel')
    .requiredOption('--channel <name>', 'RTC channel name (SparkRTC: the room_id)')
    .option('--vendor <vendor>', 'agora | sparkrtc', 'agora')
    .option('--mode <mode>', 'individual | mix | web', 'mix')
    .option('--profile <name>', 'Agora profile', 'default')
    .option('--storage-profile <name>', 'storage profile', 'default')
    .option('--role <role>', 'recorder role, part of the session id', 'main')
    .option('--uid <uid>', 'recorder uid (default: chosen from the bot range)')
    .option('--poll-interval <duration>', 'how often to query the recorder', duration)
    .option('--max-idle <seconds>', 'recordingConfig.maxIdleTime', positive)
    .option('--web-url <url>', 'page to record (web mode)')
    .option('--json', 'print one JSON object');
  addSparkRtcRecordOptions(start).action(async (o) => {
    if (o.vendor === 'sparkrtc') {
      const started = await withClient((c) => c.startRecording(sparkRtcRecordInput(o)));
      return out(!!o.json, started, () => `recording session ${started.id} (run ${started.runId})`);
    }
    const input: RecordingInput = {
      ...(o.vendor !== 'agora' ? { vendor: o.vendor } : {}),
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
