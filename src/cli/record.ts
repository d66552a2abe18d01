/**
 * `rtcflow record start|status|stop|layout|update`: recording sessions of either vendor — Agora Cloud
 * Recording (the default) or, with `--vendor sparkrtc --kind mix|single`, a SparkRTC job (options in
 * ./sparkrtc.ts). `update` changes an Agora recording's controls mid-session (src/client/recording-controls.ts).
 */
import type { Command } from 'commander';
import type { RecordingChange } from '../client/recording-controls';
import type { RecordingInput } from '../client/recordings';
import { InvalidInputError } from '../errors';
import type { StreamSubscribe } from '../schemas/agora/cloud-recording';
import { collect, duration, jsonOption, out, positive, statusAndStop, withClient } from './common';
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

  record
    .command('update <id>')
    .description('change an Agora recording mid-session: pause/resume and CDN push (web), subscriptions (individual/mix), layout (mix)')
    .option('--pause', 'pause a web recording (webRecordingConfig.onhold)')
    .option('--resume', 'resume a paused web recording')
    .option('--add-rtmp <url>', 'push a web recording to this rtmp(s) address too (repeatable)', collect)
    .option('--remove-rtmp <url>', 'stop pushing to this address (repeatable)', collect)
    .option('--rtmp-outputs <urls>', 'the whole list of CDN addresses, comma-separated ("" for none)')
    .option('--subscribe-audio <uids>', 'record the audio of only these uids (comma-separated; #allstream# for all)')
    .option('--unsubscribe-audio <uids>', 'record the audio of everyone but these uids')
    .option('--subscribe-video <uids>', 'record the video of only these uids')
    .option('--unsubscribe-video <uids>', 'record the video of everyone but these uids')
    .option('--layout <json>', 'the whole layout of a mix recording, e.g. {"mixedVideoLayout":1}')
    .option('--json', 'print one JSON object')
    .action(async (id: string, o) => {
      const change = recordingChangeOf(o);
      const applied = await withClient((c) => c.updateRecording(id, change));
      out(!!o.json, { id, applied }, () =>
        [
          `${id}: applied`,
          ...(applied.onhold !== undefined ? [`  ${applied.onhold ? 'paused' : 'recording'}`] : []),
          ...(applied.rtmpOutputs ? [`  pushing to ${applied.rtmpOutputs.length ? applied.rtmpOutputs.join(', ') : 'no CDN'}`] : []),
          ...(applied.subscriptions ? [`  subscriptions ${JSON.stringify(applied.subscriptions)}`] : []),
          ...(applied.layout ? [`  layout ${JSON.stringify(applied.layout)}`] : []),
        ].join('\n'),
      );
    });
}

const uids = (list: string | undefined): string[] | undefined =>
  list === undefined
    ? undefined
    : list
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean);
const urls = uids;

/** The flags of `record update` as one RecordingChange (the client validates it against the session's mode). */
function recordingChangeOf(o: Record<string, string | string[] | boolean | undefined>): RecordingChange {
  const issues: string[] = [];
  if (o.pause && o.resume) issues.push('--pause and --resume exclude each other');
  if (o.rtmpOutputs !== undefined && (o.addRtmp || o.removeRtmp)) issues.push('--rtmp-outputs sets the whole list: not with --add-rtmp/--remove-rtmp');
  if (o.subscribeAudio !== undefined && o.unsubscribeAudio !== undefined) issues.push('--subscribe-audio and --unsubscribe-audio exclude each other');
  if (o.subscribeVideo !== undefined && o.unsubscribeVideo !== undefined) issues.push('--subscribe-video and --unsubscribe-video exclude each other');
  if (issues.length) throw new InvalidInputError('invalid recording change', issues);
  const audio =
    o.subscribeAudio !== undefined
      ? { subscribeAudioUids: uids(o.subscribeAudio as string) }
      : o.unsubscribeAudio !== undefined
        ? { unSubscribeAudioUids: uids(o.unsubscribeAudio as string) }
        : undefined;
  const video =
    o.subscribeVideo !== undefined
      ? { subscribeVideoUids: uids(o.subscribeVideo as string) }
      : o.unsubscribeVideo !== undefined
        ? { unSubscribeVideoUids: uids(o.unsubscribeVideo as string) }
        : undefined;
  const subscriptions: StreamSubscribe | undefined = audio || video ? { ...(audio ? { audioUidList: audio } : {}), ...(video ? { videoUidList: video } : {}) } : undefined;
  const rtmpOutputs =
    o.rtmpOutputs !== undefined
      ? { outputs: urls(o.rtmpOutputs as string)! }
      : o.addRtmp || o.removeRtmp
        ? { ...(o.addRtmp ? { add: o.addRtmp as string[] } : {}), ...(o.removeRtmp ? { remove: o.removeRtmp as string[] } : {}) }
        : undefined;
  return {
    ...(o.pause ? { onhold: true } : o.resume ? { onhold: false } : {}),
    ...(rtmpOutputs ? { rtmpOutputs } : {}),
    ...(subscriptions ? { subscriptions } : {}),
    ...(o.layout !== undefined ? { layout: jsonOption('layout', o.layout as string) as RecordingChange['layout'] } : {}),
  };
}
