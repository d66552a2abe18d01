/** `rtcflow pull start|status|update|stop`: Agora Media Pull sessions (a cloud player: stream URL → channel). */
import type { Command } from 'commander';
import { parsePullChange, parsePullInput } from '../client/pulls';
import { InvalidInputError } from '../errors';
import type { PullChange, PullInput, PullPlayback } from '../schemas/workflows/pull';
import { duration, number, out, statusAndStop, withClient, cliInputChecks } from './common';

const describePlayback = (p: PullPlayback | undefined) =>
  p ? `${p.streamUrl}; ${p.isPause ? 'paused' : 'playing'}; volume ${p.volume}${p.seeks ? `; last seek to ${p.seekPosition} s` : ''}` : 'no playback';

export function registerPullCommands(program: Command): void {
  const pullCmd = program.command('pull').description('Agora Media Pull sessions (a cloud player pulls a stream URL into a channel)');

  pullCmd
    .command('start')
    .description('start (or join the running) cloud player of a channel')
    .requiredOption('--channel <name>', 'RTC channel name')
    .requiredOption('--url <url>', 'the stream to pull (rtmp://, http://, https://)')
    .requiredOption('--region <region>', 'where the stream originates: cn, ap, na or eu')
    .option('--uid <uid>', "the player's uid in the channel (default: one from the player range)", number)
    .option('--idle-timeout <seconds>', 'Agora destroys the player after this long not playing (5-600, default 300)', number)
    .option('--repeat <n>', 'VOD: play 1 (default) or N times, -1 loops', number)
    .option('--seek <seconds>', 'VOD: start at this offset', number)
    .option('--stream-ip <ipv4>', "IPv4 of the stream's origin server")
    .option('--restart-on-failure', 'delete a failed player and create another, resuming where it was (playTs)')
    .option('--max-restarts <n>', 'how many times a failed player is re-created at most', number)
    .option('--profile <name>', 'Agora profile', 'default')
    .option('--role <role>', 'player role, part of the session id', 'main')
    .option('--poll-interval <duration>', 'how often to look the player up in the List', duration)
    .option('--list-delay <duration>', 'how long after a create the List may not show the player yet (default 15s)', duration)
    .option('--json', 'print one JSON object')
    .action(async (o) => {
      const input: PullInput = {
        channel: o.channel,
        streamUrl: o.url,
        region: o.region,
        profile: o.profile,
        role: o.role,
        ...(o.uid !== undefined ? { uid: o.uid } : {}),
        ...(o.idleTimeout !== undefined ? { idleTimeout: o.idleTimeout } : {}),
        ...(o.repeat !== undefined ? { repeatTime: o.repeat } : {}),
        ...(o.seek !== undefined ? { seekPosition: o.seek } : {}),
        ...(o.streamIp !== undefined ? { streamIp: o.streamIp } : {}),
        ...(o.restartOnFailure ? { restartOnFailure: true } : {}),
        ...(o.maxRestarts !== undefined ? { maxRestarts: o.maxRestarts } : {}),
        ...(o.pollInterval !== undefined ? { pollIntervalMs: o.pollInterval } : {}),
        ...(o.listDelay !== undefined ? { listDelayMs: o.listDelay } : {}),
      };
      parsePullInput(input, cliInputChecks()); // refused before connecting to anything
      const started = await withClient((c) => c.pulls.start(input));
      out(!!o.json, started, () => `media pull session ${started.id} (run ${started.runId})`);
    });

  pullCmd
    .command('update <id>')
    .description('change the stream, pause/resume, volume or seek (each given one replaces the current)')
    .option('--url <url>', 'play another stream')
    .option('--pause', 'pause the player (a paused player idles out after its idle timeout)')
    .option('--resume', 'resume a paused player')
    .option('--volume <n>', 'volume 0-200 (100 = as is)', number)
    .option('--seek <seconds>', 'VOD: jump to this offset', number)
    .option('--json', 'print one JSON object')
    .action(async (id: string, o) => {
      if (o.pause && o.resume) throw new InvalidInputError('invalid Media Pull change', ['--pause and --resume exclude each other']);
      const change: PullChange = {
        ...(o.url !== undefined ? { streamUrl: o.url } : {}),
        ...(o.pause ? { isPause: true } : o.resume ? { isPause: false } : {}),
        ...(o.volume !== undefined ? { volume: o.volume } : {}),
        ...(o.seek !== undefined ? { seekPosition: o.seek } : {}),
      };
      parsePullChange(change);
      const playback = await withClient((c) => c.pulls.update(id, change));
      out(!!o.json, { id, playback }, () => `${id}: ${describePlayback(playback)}`);
    });

  statusAndStop(pullCmd, (c) => c.pulls, {
    status: 'the session phase, the player and its playback',
    stop: 'delete the player and print how it ended',
    describeStatus: (id, s) =>
      [
        `${id}: ${s.phase}${s.reason ? ` (${s.reason})` : ''} uid=${s.uid}${s.playerId ? ` player=${s.playerId}` : ''}${s.lastStatus ? ` status=${s.lastStatus}` : ''}`,
        `  ${describePlayback(s.playback)}${s.playbackApplied ? '' : ' (being applied)'}`,
      ].join('\n'),
    describeResult: (id, r) =>
      [
        `${id}: ${r.outcome} (${r.reason}), ${r.players.length} player(s), ${r.updates} update(s), ${r.restarts} restart(s)`,
        ...r.unstopped.map((u) => `  WARNING: player ${u.id} may still be playing: ${u.error}`),
      ].join('\n'),
  });
}
