/**
 * `rtcflow signaling ...`: Agora Signaling (RTM) REST with the profile's credentials (agora.md §10).
 *
 *   rtcflow signaling send --from <uid> (--to <uid> [--wait-for-ack] | --channel <name>) --payload <text>
 *                          [--message-id <id>] [--attempts N] [--auth basic|token] [--profile p] [--json]
 *   rtcflow signaling events --kind user|channel --region na [--region eu …] [--auth basic|token] [--json]
 *
 * A message's ID travels inside its payload (printed; reuse it with --message-id to repeat a send the
 * receivers will recognise). `events` reads every region named once and prints each event once (events
 * are consumed on read; the same event can come from two regions).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { Signaling } from '../client/signaling';
import type { SignalingRegion } from '../schemas/agora/signaling';
import { adminConfig, collect, out, positive } from './common';

function authOption(v: string): 'basic' | 'token' {
  if (v !== 'basic' && v !== 'token') throw new InvalidArgumentError('expected basic or token');
  return v;
}

async function withSignaling<T>(o: { profile: string; auth: 'basic' | 'token' }, fn: (s: Signaling) => Promise<T>): Promise<T> {
  const s = new Signaling(adminConfig(), { profile: o.profile, auth: o.auth });
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

export function registerSignalingCommands(program: Command): void {
  const sig = program.command('signaling').description('Agora Signaling (RTM) REST: peer/channel messages, user/channel events');
  const common = (c: Command) =>
    c
      .option('--profile <name>', 'Agora profile', 'default')
      .option('--auth <scheme>', 'basic | token (a Signaling token minted for the sender)', authOption, 'basic')
      .option('--json', 'print one JSON object');

  common(
    sig
      .command('send')
      .description('send a peer or channel message (its message ID inside the payload)')
      .requiredOption('--from <uid>', 'the sender (with --auth token, the token is minted for it)')
      .option('--to <uid>', 'peer message to this user')
      .option('--channel <name>', 'channel message to this channel')
      .requiredOption('--payload <text>', 'the content')
      .option('--message-id <id>', 'reuse an ID to repeat a send (default: a new UUID)')
      .option('--wait-for-ack', 'peer: wait until the receiver acknowledges')
      .option('--attempts <n>', 'tries on 408/429/5xx with the same message ID', positive, 3),
  ).action(async (o) => {
    if ((o.to === undefined) === (o.channel === undefined)) throw new InvalidArgumentError('give exactly one of --to and --channel');
    const common = { fromUserId: o.from, payload: o.payload, messageId: o.messageId, attempts: o.attempts };
    const r = await withSignaling(o, (s) =>
      o.to !== undefined ? s.sendPeer({ ...common, destination: o.to, waitForAck: !!o.waitForAck }) : s.sendChannel({ ...common, channelName: o.channel }),
    );
    out(!!o.json, r, () => `${r.code} (message ${r.messageId}${r.attempts > 1 ? `, ${r.attempts} attempts` : ''})`);
  });

  common(
    sig
      .command('events')
      .description('read user or channel events from one or more regions, each event once')
      .requiredOption('--kind <kind>', 'user (Login/Logout) | channel (Join/Leave)')
      .option('--region <region>', 'na | eu | ap | cn (repeatable)', collect),
  ).action(async (o) => {
    if (o.kind !== 'user' && o.kind !== 'channel') throw new InvalidArgumentError('--kind is user or channel');
    const regions = (o.region ?? ['na']) as SignalingRegion[];
    const r = await withSignaling(o, (s) => s.poller(o.kind as 'user' | 'channel', { regions, as: 'rtcflow' }).poll());
    const failed = r.failures.map((f) => ({ region: f.region, reason: f.error.message }));
    out(!!o.json, { events: r.events, duplicates: r.duplicates, failedRegions: failed }, () =>
      [
        ...r.events.map((e) => `${new Date(e.ms).toISOString()}  ${e.type}  ${e.user_id}${'group_id' in e ? `  ${String(e.group_id)}` : ''}`),
        ...(r.events.length === 0 ? ['no events'] : []),
        ...failed.map((f) => `region ${f.region} failed (its events stay for the next read): ${f.reason}`),
      ].join('\n'),
    );
  });
}
