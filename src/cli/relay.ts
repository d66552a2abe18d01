/** `rtcflow relay start|status|update|stop`: Agora Media Push relays (a channel pushed to a CDN). */
import type { Command } from 'commander';
import { parseRelayChange, parseRelayInput } from '../client/relays';
import type { RelayChange, RelayConfig, RelayInput } from '../schemas/workflows/relay';
import { duration, jsonOption, number, out, positive, statusAndStop, withClient, cliInputChecks } from './common';

/** A CDN address without its stream key (the last path segment), for human output. */
const shortUrl = (url: string) => url.replace(/\/[^/]+$/, '/…');

const describeConfig = (c: RelayConfig | undefined) => {
  if (!c) return 'no configuration';
  const v = c.transcoding?.videoOptions;
  const layout = !c.transcoding ? 'raw push' : v ? `${v.canvas.width}x${v.canvas.height} ${v.layoutType === 1 ? 'vertical' : `${v.layout?.length ?? 0} region(s)`}` : 'audio only';
  return `→ ${shortUrl(c.rtmpUrl)} (${layout})`;
};

export function registerRelayCommands(program: Command): void {
  const relay = program.command('relay').description('Agora Media Push relays: a channel pushed to a CDN by an RTMP converter');

  relay
    .command('start')
    .description('start (or join the running) relay of a channel to a CDN')
    .requiredOption('--channel <name>', 'RTC channel name')
    .requiredOption('--region <region>', 'region of the CDN origin: cn | ap | na | eu')
    .requiredOption('--rtmp-url <url>', 'CDN push address (rtmp:// or rtmps://)')
    .option('--transcoding <json>', 'transcoded push: {"audioOptions":{…},"videoOptions":{"canvas":…,"layout":[…],"bitrate":…}}')
    .option('--raw-uid <uid>', "raw (non-transcoded) push of this user's stream", number)
    .option('--idle-timeout <seconds>', 'Agora destroys the converter after this long without a source', positive)
    .option('--restart-on-failure', 'create a new converter when it fails or the service destroys it')
    .option('--max-restarts <n>', 'how many times at most (with --restart-on-failure)', number)
    .option('--max-duration <duration>', 'delete the converter after this long whatever happens', duration)
    .option('--profile <name>', 'Agora profile', 'default')
    .option('--role <role>', 'relay role, part of the session id (e.g. main, backup)', 'main')
    .option('--poll-interval <duration>', 'how often to read the converter', duration)
    .option('--json', 'print one JSON object')
    .action(async (o) => {
      const input: RelayInput = {
        channel: o.channel,
        region: o.region,
        rtmpUrl: o.rtmpUrl,
        profile: o.profile,
        role: o.role,
        ...(o.transcoding !== undefined ? { transcoding: jsonOption('transcoding', o.transcoding) as never } : {}),
        ...(o.rawUid !== undefined ? { raw: { rtcStreamUid: o.rawUid } } : {}),
        ...(o.idleTimeout !== undefined ? { idleTimeout: o.idleTimeout } : {}),
        ...(o.restartOnFailure ? { restartOnFailure: true } : {}),
        ...(o.maxRestarts !== undefined ? { maxRestarts: o.maxRestarts } : {}),
        ...(o.maxDuration !== undefined ? { maxDurationMs: o.maxDuration } : {}),
        ...(o.pollInterval !== undefined ? { pollIntervalMs: o.pollInterval } : {}),
      };
      parseRelayInput(input, cliInputChecks()); // refused before connecting to anything
      const started = await withClient((c) => c.relays.start(input));
      out(!!o.json, started, () => `relay session ${started.id} (run ${started.runId})`);
    });

  relay
    .command('update <id>')
    .description('change the CDN address and/or the transcoding (each given one replaces the current)')
    .option('--rtmp-url <url>', 'new CDN push address')
    .option('--transcoding <json>', 'the whole new transcoding (layout, canvas, audio…)')
    .option('--json', 'print one JSON object')
    .action(async (id: string, o) => {
      const change: RelayChange = {
        ...(o.rtmpUrl !== undefined ? { rtmpUrl: o.rtmpUrl } : {}),
        ...(o.transcoding !== undefined ? { transcoding: jsonOption('transcoding', o.transcoding) as never } : {}),
      };
      parseRelayChange(change);
      const config = await withClient((c) => c.relays.update(id, change));
      out(!!o.json, { id, config }, () => `${id}: ${describeConfig(config)}`);
    });

  statusAndStop(relay, (c) => c.relays, {
    status: 'the session phase, the converter and its configuration',
    stop: 'delete the converter and print how the relay ended',
    describeStatus: (id, s) =>
      [
        `${id}: ${s.phase}${s.reason ? ` (${s.reason})` : ''} region=${s.region}${s.converterId ? ` converter=${s.converterId}` : ''}${s.converterState ? ` state=${s.converterState}` : ''}`,
        `  ${describeConfig(s.config)}${s.configApplied ? '' : ' (being applied)'}${s.sequence !== undefined ? ` sequence=${s.sequence}` : ''}`,
      ].join('\n'),
    describeResult: (id, r) =>
      [
        `${id}: ${r.outcome} (${r.reason}), ${r.converters.length} converter(s), ${r.updates} update(s), ${r.restarts} re-creation(s)`,
        ...r.unstopped.map((u) => `  WARNING: converter ${u.id} may still be pushing: ${u.error}`),
      ].join('\n'),
  });
}
