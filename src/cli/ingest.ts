/** `rtcflow ingest start|status|update|stop`: Agora Media Gateway ingest sessions (stream key → push → disconnect). */
import type { Command } from 'commander';
import { parseIngestChange, parseIngestInput } from '../client/ingests';
import { InvalidInputError } from '../errors';
import type { IngestChange, IngestInput, MuteState } from '../schemas/workflows/ingest';
import type { IngestStatus } from '../../workflows/ingest/messages';
import { duration, number, out, statusAndStop, withClient, cliInputChecks } from './common';

const describeMute = (m: MuteState) => `audio ${m.audioMuted ? 'muted' : 'on'}, video ${m.videoMuted ? 'muted' : 'on'}`;

/** `--mute-X` / `--unmute-X` → the field, or nothing when neither was given. */
function muteFlag(o: Record<string, unknown>, what: 'audio' | 'video'): boolean | undefined {
  const mute = o[`mute${what === 'audio' ? 'Audio' : 'Video'}`] === true;
  const unmute = o[`unmute${what === 'audio' ? 'Audio' : 'Video'}`] === true;
  if (mute && unmute) throw new InvalidInputError(`invalid ingest change`, [`--mute-${what} and --unmute-${what} contradict each other`]);
  return mute ? true : unmute ? false : undefined;
}

function describeStatus(id: string, s: IngestStatus): string {
  const lines = [`${id}: ${s.phase}${s.reason ? ` (${s.reason})` : ''} channel=${s.channel} uid=${s.uid} region=${s.region}${s.sid ? ` sid=${s.sid}` : ''}`];
  if (s.push) {
    lines.push(`  push to:    ${s.push.server}`, `  stream key: ${s.push.streamKey}`, `  (one URL:   ${s.push.rtmpUrl})`);
    if (s.keyExpiresAt) lines.push(`  the key expires at ${s.keyExpiresAt}`);
  }
  if (s.encoderDeadline) lines.push(`  waiting for the encoder until ${s.encoderDeadline}`);
  lines.push(`  ${describeMute(s.mute)}${s.muteApplied ? '' : ' (being applied)'}; ${s.streams.length} push(es) so far`);
  if (s.lastAbort) lines.push(`  last abort: ${s.lastAbort}`);
  return lines.join('\n');
}

export function registerIngestCommands(program: Command): void {
  const cmd = program.command('ingest').description('Agora Media Gateway ingest sessions: a stream key for an RTMP/SRT encoder, the push, the disconnect');

  cmd
    .command('start')
    .description('create (or join the running) ingest session: `status` then shows the push address and the stream key')
    .requiredOption('--channel <name>', 'RTC channel the push goes into')
    .requiredOption('--uid <uid>', 'host uid the push publishes as (integer or string account)')
    .option('--region <region>', 'na | eu | ap | cn (the encoder pushes to this region)')
    .option('--expires-after <seconds>', 'validity of the stream key (0 = never; default: the max duration and 10 minutes)', number)
    .option('--template <templateId>', 'stream configuration template (transcoding) bound to the key')
    .option('--encoder-timeout <duration>', 'end the session when no encoder pushes (or comes back) within this long', duration)
    .option('--max-duration <duration>', 'end the session after this long, whatever happens', duration)
    .option('--profile <name>', 'Agora profile', 'default')
    .option('--role <role>', 'ingest role, part of the session id', 'main')
    .option('--poll-interval <duration>', 'how often the key and the online streams are read', duration)
    .option('--json', 'print one JSON object')
    .action(async (o) => {
      const input: IngestInput = {
        channel: o.channel,
        uid: o.uid,
        profile: o.profile,
        role: o.role,
        ...(o.region !== undefined ? { region: o.region } : {}),
        ...(o.expiresAfter !== undefined ? { expiresAfter: o.expiresAfter } : {}),
        ...(o.template !== undefined ? { template: o.template } : {}),
        ...(o.encoderTimeout !== undefined ? { encoderTimeoutMs: o.encoderTimeout } : {}),
        ...(o.maxDuration !== undefined ? { maxDurationMs: o.maxDuration } : {}),
        ...(o.pollInterval !== undefined ? { pollIntervalMs: o.pollInterval } : {}),
      };
      parseIngestInput(input, cliInputChecks()); // refused before connecting to anything
      const started = await withClient((c) => c.ingests.start(input));
      out(!!o.json, started, () => `ingest session ${started.id} (run ${started.runId}): \`rtcflow ingest status ${started.id}\` shows where to push`);
    });

  cmd
    .command('update <id>')
    .description('mute or unmute the live push (the next push after a reconnect gets the same state)')
    .option('--mute-audio', 'mute the audio')
    .option('--unmute-audio', 'unmute the audio')
    .option('--mute-video', 'mute the video')
    .option('--unmute-video', 'unmute the video')
    .option('--json', 'print one JSON object')
    .action(async (id: string, o) => {
      const audioMuted = muteFlag(o, 'audio');
      const videoMuted = muteFlag(o, 'video');
      const change: IngestChange = { ...(audioMuted !== undefined ? { audioMuted } : {}), ...(videoMuted !== undefined ? { videoMuted } : {}) };
      parseIngestChange(change);
      const mute = await withClient((c) => c.ingests.update(id, change));
      out(!!o.json, { id, mute }, () => `${id}: ${describeMute(mute)}`);
    });

  statusAndStop(cmd, (c) => c.ingests, {
    status: 'the session phase, the push address and stream key, the live push and its mute state',
    stop: 'destroy the stream key, disconnect the push and print how it ended',
    describeStatus,
    describeResult: (id, r) =>
      [
        `${id}: ${r.outcome} (${r.reason}), ${r.streams.length} push(es), live ${Math.round(r.liveMs / 1000)} s, key ${r.keyDestroyed ? 'destroyed' : 'NOT destroyed'}`,
        ...r.uncertainCreates.map(
          (u) => `  note: a key create got no answer at ${u.at}; such a key cannot be named and runs out${u.expiresBy ? ` by ${u.expiresBy}` : ' never (expiresAfter 0)'}`,
        ),
        ...r.unstopped.map((u) => `  WARNING: ${u.kind} ${u.id} may still be live: ${u.error}`),
      ].join('\n'),
  });
}
