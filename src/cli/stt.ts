/** `rtcflow stt start|status|update|stop`: Agora Real-Time STT sessions (7.x agents, 6.x tasks). */
import { InvalidArgumentError, type Command } from 'commander';
import { parseSttChange, parseSttInput } from '../client/transcriptions';
import type { SttChange, SttConfig, SttInput } from '../schemas/workflows/stt';
import { collect, duration, number, out, statusAndStop, withClient, cliInputChecks } from './common';

type Translation = SttConfig['translation'][number];
/** `--translate en-US:fr-FR,de-DE` (repeatable): translate en-US captions into fr-FR and de-DE */
function translation(v: string, prev: Translation[] = []): Translation[] {
  const m = /^([^:]+):(.+)$/.exec(v);
  if (!m) throw new InvalidArgumentError('expected source:target[,target...], e.g. en-US:fr-FR,de-DE');
  return [...prev, { source: m[1]!, target: m[2]!.split(',') }];
}

export function registerSttCommands(program: Command): void {
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
      parseSttInput(input, cliInputChecks()); // refused before connecting to anything
      const started = await withClient((c) => c.transcriptions.start(input));
      out(!!o.json, started, () => `transcription session ${started.id} (run ${started.runId})`);
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

  statusAndStop(sttCmd, (c) => c.transcriptions, {
    status: 'the session phase, the running agent and its configuration',
    stop: 'leave/stop the transcription and print how it ended',
    describeStatus: (id, s) =>
      [
        `${id}: ${s.phase}${s.reason ? ` (${s.reason})` : ''} ${s.version}.x${s.agentId ? ` agent=${s.agentId}` : ''}${s.lastStatus ? ` state=${s.lastStatus}` : ''}`,
        `  ${describeConfig(s.config)}${s.configApplied ? '' : ' (being applied)'}`,
      ].join('\n'),
    describeResult: (id, r) =>
      [
        `${id}: ${r.outcome} (${r.reason}), ${r.agents.length} agent(s), ${r.updates} update(s)`,
        `  captions published in the channel by uid ${r.captions.publishedInChannelBy}${r.captions.files ? `; caption files in bucket ${r.captions.files.bucket}` : ''}`,
        ...r.unstopped.map((u) => `  WARNING: agent ${u.id} may still be running: ${u.error}`),
      ].join('\n'),
  });
}
