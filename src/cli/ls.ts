/**
 * Sessions of every kind from the command line:
 *   rtcflow ls [--product p] [--vendor v] [--channel c] [--phase p] [--all] [--json]   a table of the running sessions (--all: ended ones too)
 *   rtcflow status <id> [--json]                                                      any session's status
 *   rtcflow watch <id> [--interval 1s] [--json]                                       follow the phase until it ends
 * `watch` prints a line each time the phase (or why) changes and exits 0 when the session completed,
 * 1 when it failed. All of them read through `rtc.sessions` (src/client/session-list.ts).
 */
import type { Command } from 'commander';
import type { SessionListing, SessionProgress } from '../client';
import { duration, out, withClient } from './common';

const COLUMNS: Array<[string, (s: SessionListing) => string]> = [
  ['ID', (s) => s.id],
  ['PRODUCT', (s) => s.product ?? '-'],
  ['VENDOR', (s) => s.vendor ?? '-'],
  ['CHANNEL', (s) => s.channel ?? '-'],
  ['PHASE', (s) => s.phase ?? '-'],
  ['SID', (s) => s.sid ?? '-'],
  ['STARTED', (s) => s.startedAt.replace(/\.\d+Z$/, 'Z')],
];

/** A plain table: one header row, columns padded to their widest cell. */
export function sessionTable(sessions: readonly SessionListing[], withStatus = false): string {
  const cols = withStatus ? [...COLUMNS, ['STATUS', (s: SessionListing) => s.status] as [string, (s: SessionListing) => string]] : COLUMNS;
  const rows = [cols.map(([h]) => h), ...sessions.map((s) => cols.map(([, cell]) => cell(s)))];
  const widths = cols.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

const progressLine = (id: string, p: SessionProgress): string =>
  `${new Date().toISOString().slice(11, 19)} ${id}: ${p.phase ?? '?'}${p.reason ? ` — ${p.reason}` : ''}${p.since ? ` (since ${p.since})` : ''}${p.status !== 'RUNNING' ? ` [${p.status}]` : ''}`;

export function registerSessionCommands(program: Command): void {
  program
    .command('ls')
    .description('list sessions of every kind (running unless --all), newest first')
    .option('--product <name>', 'cloud-recording | sparkrtc-recording | stt | media-push | media-gateway | media-pull | cloud-transcoder | channel-ban')
    .option('--vendor <name>', 'agora | sparkrtc')
    .option('--channel <name>', 'RTC channel (or SparkRTC room)')
    .option('--phase <phase>', 'the phase the session is in (e.g. recording, running)')
    .option('--all', 'ended sessions too')
    .option('--json', 'print one JSON object {sessions}')
    .action(async (o) => {
      const filter = { product: o.product, vendor: o.vendor, channel: o.channel, phase: o.phase, status: o.all ? ('all' as const) : ('running' as const) };
      const sessions = await withClient(async (c) => {
        const all: SessionListing[] = [];
        for await (const s of c.sessions.all(filter)) all.push(s);
        return all;
      });
      out(!!o.json, { sessions }, () => (sessions.length ? sessionTable(sessions, !!o.all) : o.all ? 'no sessions' : 'no running sessions'));
    });

  program
    .command('status <id>')
    .description("any session's status (its phase, why, since when, and what its kind reports)")
    .option('--json', 'print one JSON object')
    .action(async (id: string, o) => {
      const s = await withClient((c) => c.sessions.status(id));
      out(!!o.json, { id, ...s }, () => {
        const rest = Object.entries(s).filter(([k, v]) => !['phase', 'reason', 'since'].includes(k) && v !== undefined && typeof v !== 'object');
        return [`${id}: ${s.phase}${s.reason ? ` (${s.reason})` : ''}${s.since ? ` since ${s.since}` : ''}`, ...rest.map(([k, v]) => `  ${k}: ${String(v)}`)].join('\n');
      });
    });

  program
    .command('watch <id>')
    .description('follow the phase live until the session ends: exit 0 when it completed, 1 when it failed')
    .option('--interval <duration>', 'how often to look', duration, 1_000)
    .option('--json', 'print one JSON object per change')
    .action(async (id: string, o) => {
      const last = await withClient(async (c) => {
        let p: SessionProgress | undefined;
        for await (p of c.sessions.follow(id, o.interval)) out(!!o.json, { id, ...p }, () => progressLine(id, p!));
        return p;
      });
      if (!last?.ok) process.exitCode = 1;
    });
}
