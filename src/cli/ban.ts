/** `rtcflow ban add|ls|status|extend|lift`: timed channel bans (Agora kicking rules held for a bounded time). */
import { InvalidArgumentError, type Command } from 'commander';
import { parseBanChange, parseBanInput, type BanResult, type BanStatus } from '../client/bans';
import type { BanChange, BanInput } from '../schemas/workflows/channel-ban';
import { duration, number, out, withClient, cliInputChecks } from './common';

/** A duration option in whole seconds (30s, 10m, 2h or seconds). */
function seconds(v: string): number {
  const ms = /^\d+$/.test(v) ? Number(v) * 1000 : duration(v);
  if (ms % 1000 !== 0) throw new InvalidArgumentError('expected whole seconds');
  return ms / 1000;
}

const list = (v: string) => v.split(',').map((p) => p.trim());

const describeTarget = (t: BanStatus['target']) =>
  [t.channel !== undefined ? `channel ${t.channel}` : undefined, t.uid !== undefined ? `uid ${t.uid}` : undefined, t.ip !== undefined ? `ip ${t.ip}` : undefined]
    .filter(Boolean)
    .join(', ');

const describeStatus = (id: string, s: BanStatus) =>
  `${id}: ${s.phase}${s.reason ? ` (${s.reason})` : ''} ${describeTarget(s.target)} [${s.privileges.join(', ')}]${s.ruleId !== undefined ? ` rule=${s.ruleId}` : ''} until ${s.endsAt}${s.termApplied ? '' : ' (being applied)'}`;

const describeResult = (id: string, r: BanResult) =>
  [
    `${id}: ${r.outcome} (${r.reason})${r.ruleId !== undefined ? `, rule ${r.ruleId} ${r.rule === 'deleted' ? 'deleted' : r.rule === 'already_gone' ? 'already gone' : ''}` : ', no rule'}`,
    ...r.unstopped.map((u) => `  WARNING: rule ${u.id} may stay in force: ${u.error}`),
  ].join('\n');

export function registerBanCommands(program: Command): void {
  const ban = program.command('ban').description('timed channel bans: an Agora kicking rule held for a bounded time, removed when it ends');

  ban
    .command('add')
    .description('ban a channel, a user (in a channel or everywhere) or an IP for a while (joins the running ban of the same target and privileges)')
    .option('--channel <name>', 'the channel (alone: the whole channel)')
    .option('--uid <uid>', 'the user (integer uid); alone: in every channel', number)
    .option('--ip <address>', 'an IP address, in every channel')
    .option('--privileges <list>', 'comma-separated: join_channel, publish_audio, publish_video', list, ['join_channel'])
    .option('--duration <duration>', 'how long (10s … 86430s, e.g. 15m): default 1h', seconds)
    .option('--max-duration <duration>', 'the longest the ban may be extended to, from now', duration)
    .option('--profile <name>', 'Agora profile', 'default')
    .option('--json', 'print one JSON object')
    .action(async (o) => {
      const input: BanInput = {
        profile: o.profile,
        privileges: o.privileges,
        ...(o.channel !== undefined ? { channel: o.channel } : {}),
        ...(o.uid !== undefined ? { uid: o.uid } : {}),
        ...(o.ip !== undefined ? { ip: o.ip } : {}),
        ...(o.duration !== undefined ? { durationSeconds: o.duration } : {}),
        ...(o.maxDuration !== undefined ? { maxDurationMs: o.maxDuration } : {}),
      };
      parseBanInput(input, cliInputChecks()); // refused before connecting to anything
      const started = await withClient((c) => c.bans.start(input));
      out(!!o.json, started, () => `ban session ${started.id} (run ${started.runId})`);
    });

  ban
    .command('ls')
    .description('the running ban sessions (from Temporal; no vendor call)')
    .option('--json', 'print one JSON object')
    .action(async (o) => {
      const bans = await withClient((c) => c.bans.list());
      out(!!o.json, { bans }, () =>
        bans.length ? bans.map((b) => `${b.id}  ${b.phase ?? '?'}${b.ruleId ? ` rule=${b.ruleId}` : ''}  since ${b.startedAt}`).join('\n') : 'no running bans',
      );
    });

  ban
    .command('status <id>')
    .description('the ban: phase, target, rule and end')
    .option('--json', 'print one JSON object')
    .action(async (id: string, o) => {
      const s = await withClient((c) => c.bans.status(id));
      out(!!o.json, { id, ...s }, () => describeStatus(id, s));
    });

  ban
    .command('extend <id>')
    .description("move the ban's end: --by adds to it, --ends-in sets it from now")
    .option('--by <duration>', 'add this much to the current end', seconds)
    .option('--ends-in <duration>', 'end this long from now (shorter or longer)', seconds)
    .option('--json', 'print one JSON object')
    .action(async (id: string, o) => {
      const change: BanChange = {
        ...(o.by !== undefined ? { extendBySeconds: o.by } : {}),
        ...(o.endsIn !== undefined ? { endsInSeconds: o.endsIn } : {}),
      };
      parseBanChange(change);
      const term = await withClient((c) => c.bans.extend(id, change));
      out(!!o.json, { id, term }, () => `${id}: banned until ${term.endsAt}`);
    });

  ban
    .command('lift <id>')
    .description('lift the ban now (delete the rule) and print how it ended')
    .option('--reason <text>', 'why it is lifted', 'lifted from the CLI')
    .option('--json', 'print one JSON object')
    .action(async (id: string, o) => {
      const r = await withClient((c) => c.bans.lift(id, o.reason));
      out(!!o.json, { id, ...r }, () => describeResult(id, r));
    });
}
