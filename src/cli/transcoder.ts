/**
 * `rtcflow transcoder start|status|update|stop`: Agora Cloud Transcoder sessions (one channel's hosts
 * mixed into outputs published in RTC channels), and `rtcflow transcoder template create|ls|rm`.
 */
import type { Command } from 'commander';
import { parseTranscoderChange, parseTranscoderInput, TranscoderTemplates } from '../client/transcoders';
import type { TranscoderChange, TranscoderInput, TranscoderLayout } from '../schemas/workflows/transcoder';
import { duration, jsonOption, out, positive, statusAndStop, withClient, cliInputChecks, adminConfig } from './common';

const describeLayout = (l: TranscoderLayout | undefined) => {
  if (!l) return 'no layout';
  const video = l.videoInputs?.length ? `${l.videoInputs.length} video input(s) on ${l.canvas ? `${l.canvas.width}x${l.canvas.height}` : 'no canvas'}` : 'audio only';
  return `${l.audioInputs.length} audio input(s), ${video}, ${l.waterMarks?.length ?? 0} watermark(s) → ${l.outputs.map((o) => o.rtcChannel).join(', ')}`;
};

export function registerTranscoderCommands(program: Command): void {
  const transcoder = program.command('transcoder').description('Agora Cloud Transcoder: the hosts of one channel mixed into outputs in RTC channels');

  transcoder
    .command('start')
    .description('start (or join the running) transcoder of a channel')
    .requiredOption('--channel <name>', 'the input channel (every input is in it)')
    .requiredOption('--layout <json>', '{"audioInputs":[{"rtcUid":…}],"videoInputs":[…],"canvas":{…},"waterMarks":[…],"outputs":[{"rtcChannel":…,"videoOption":{…}}]}')
    .option('--idle-timeout <seconds>', 'Agora destroys the task after its input hosts are gone this long', positive)
    .option('--max-duration <duration>', 'delete the task after this long whatever happens', duration)
    .option('--profile <name>', 'Agora profile', 'default')
    .option('--role <role>', 'transcoder role, part of the session id', 'main')
    .option('--poll-interval <duration>', 'how often to query the task', duration)
    .option('--json', 'print one JSON object')
    .action(async (o) => {
      const layout = jsonOption('layout', o.layout) as Record<string, unknown>;
      const input = {
        ...layout,
        channel: o.channel,
        profile: o.profile,
        role: o.role,
        ...(o.idleTimeout !== undefined ? { idleTimeout: o.idleTimeout } : {}),
        ...(o.maxDuration !== undefined ? { maxDurationMs: o.maxDuration } : {}),
        ...(o.pollInterval !== undefined ? { pollIntervalMs: o.pollInterval } : {}),
      } as TranscoderInput;
      parseTranscoderInput(input, cliInputChecks()); // refused before connecting to anything
      const started = await withClient((c) => c.transcoders.start(input));
      out(!!o.json, started, () => `transcoder session ${started.id} (run ${started.runId})`);
    });

  transcoder
    .command('update <id>')
    .description('change inputs, layout or the outputs’ encoding: --change \'{"videoInputs":[…]}\' (each given field replaces the current one)')
    .requiredOption('--change <json>', 'audioInputs, videoInputs, canvas, waterMarks, outputs ([{audioOption, videoOption}] in order)')
    .option('--json', 'print one JSON object')
    .action(async (id: string, o) => {
      const change = jsonOption('change', o.change) as TranscoderChange;
      parseTranscoderChange(change);
      const config = await withClient((c) => c.transcoders.update(id, change));
      out(!!o.json, { id, config }, () => `${id}: ${describeLayout(config)}`);
    });

  statusAndStop(transcoder, (c) => c.transcoders, {
    status: 'the session phase, the task and its layout',
    stop: 'delete the task and print how the session ended',
    describeStatus: (id, s) =>
      [
        `${id}: ${s.phase}${s.reason ? ` (${s.reason})` : ''}${s.taskId ? ` task=${s.taskId}` : ''}${s.lastStatus ? ` status=${s.lastStatus}` : ''} output uid(s) ${s.outputUids.join(', ')}`,
        `  ${describeLayout(s.config)}${s.configApplied ? '' : ' (being applied)'}${s.sequenceId !== undefined ? ` sequenceId=${s.sequenceId}` : ''}`,
      ].join('\n'),
    describeResult: (id, r) =>
      [
        `${id}: ${r.outcome} (${r.reason}), ${r.tasks.length} task(s), ${r.updates} update(s), ${r.renewals} renewal(s), ${r.replacements} replacement(s)`,
        ...r.unstopped.map((u) => `  WARNING: task ${u.taskId} may still be running: ${u.error}`),
      ].join('\n'),
  });

  const template = transcoder.command('template').description('transcoding templates of the project (create/reset, list, disable)');
  const templates = (profile: string) => new TranscoderTemplates(adminConfig(), profile);
  template
    .command('create <codecId>')
    .description('create the template, or reset the one with this id')
    .option('--width <px>', 'video width', positive)
    .option('--height <px>', 'video height', positive)
    .option('--fps <n>', 'video frame rate', positive)
    .option('--disabled', 'create it disabled')
    .option('--profile <name>', 'Agora profile', 'default')
    .option('--json', 'print one JSON object')
    .action(async (codecId: string, o) => {
      const video = { ...(o.width ? { width: o.width } : {}), ...(o.height ? { height: o.height } : {}), ...(o.fps ? { fps: o.fps } : {}) };
      const body = { enabled: !o.disabled, ...(Object.keys(video).length ? { video } : {}) };
      await templates(o.profile).set(codecId, body);
      out(!!o.json, { codecId, ...body }, () => `template ${codecId}: ${body.enabled ? 'enabled' : 'disabled'} ${JSON.stringify(body.video ?? {})}`);
    });
  template
    .command('ls')
    .description('list the templates')
    .option('--profile <name>', 'Agora profile', 'default')
    .option('--json', 'print one JSON object')
    .action(async (o) => {
      const { enabled, codecs } = await templates(o.profile).list();
      out(!!o.json, { enabled, codecs }, () =>
        codecs.length ? codecs.map((c) => `${c.id}: ${c.enabled ? 'enabled' : 'disabled'} ${JSON.stringify(c.video ?? {})}`).join('\n') : 'no templates',
      );
    });
  template
    .command('rm <codecId>')
    .description('disable the template (Agora documents no delete: it is reset with enabled false)')
    .option('--profile <name>', 'Agora profile', 'default')
    .option('--json', 'print one JSON object')
    .action(async (codecId: string, o) => {
      const removed = await templates(o.profile).remove(codecId);
      if (!removed) {
        console.error(`no template ${codecId}`);
        process.exitCode = 3;
      }
      out(!!o.json, { codecId, disabled: removed }, () => (removed ? `template ${codecId} disabled` : ''));
    });
}
