/**
 * `rtcflow usage`: rtcflow's own cost ledger beside the Agora Console usage for the same UTC days.
 *
 *   rtcflow usage --from YYYY-MM-DD [--to YYYY-MM-DD] [--profile p] [--tolerance-percent 1] [--tolerance-seconds 60] [--json]
 *
 * A table (day, product, column, rtcflow minutes, Console minutes, difference, flag) and the sessions it
 * read, or the whole report as JSON (src/client/usage.ts). Exit 0 whether or not rows are flagged; bad
 * input is exit 2 before any call.
 */
import type { Command } from 'commander';
import { UsageReportInput, type UsageReport } from '../client/usage';
import { parseInput } from '../schemas/parse';
import { adminConfig, number, out, withClient } from './common';
import { table } from './console';

const minutes = (s: number | undefined) => (s === undefined ? '-' : (s / 60).toFixed(1));
const signed = (s: number | undefined) => (s === undefined ? '-' : `${s > 0 ? '+' : ''}${(s / 60).toFixed(1)}`);

/** The human report: the table, then what was read and what was not. */
export function describeUsage(r: UsageReport): string {
  const lines: string[] = [];
  lines.push(`usage ${r.from}..${r.to}  profile ${r.profile}  project ${r.projectId}  tolerance ${r.tolerance.percent}% or ${r.tolerance.seconds}s`);
  lines.push(
    r.rows.length
      ? table([
          ['day', 'product', 'column', 'rtcflow min', 'Console min', 'difference', 'flag'],
          ...r.rows.map((x) => [
            x.date,
            x.product,
            x.usageClass,
            minutes(x.rtcflowSeconds),
            minutes(x.consoleSeconds),
            signed(x.differenceSeconds),
            x.flagged ? 'DIFFERS' : x.business ? 'ok' : 'no Console report',
          ]),
        ])
      : '(no usage on either side)',
  );
  const without = Object.entries(r.sessions.withoutLedger).map(([p, n]) => `${n} ${p}`);
  lines.push(`sessions: ${r.sessions.listed} listed, ${r.sessions.counted} with a ledger${without.length ? `, without a ledger: ${without.join(', ')}` : ''}`);
  for (const u of r.sessions.unaccounted)
    lines.push(`  ${u.status.toLowerCase()} ${u.id}: ${u.counted ? 'ledger read from its status' : 'not counted'}${u.reason ? ` (${u.reason})` : ''}`);
  if (r.flagged) lines.push(`${r.flagged} row(s) differ by more than the tolerance`);
  return lines.join('\n');
}

export function registerUsageCommands(program: Command): void {
  program
    .command('usage')
    .description("the sessions' own cost ledger beside the Agora Console usage (GET /dev/v3/usage) for the same UTC days")
    .requiredOption('--from <date>', 'first UTC day, YYYY-MM-DD')
    .option('--to <date>', 'last UTC day, inclusive (default: --from)')
    .option('--profile <name>', 'the profile (tenant): its sessions and its Console project', 'default')
    .option('--tolerance-percent <n>', 'flag a difference above this percent of the larger side (default 1)', number)
    .option('--tolerance-seconds <n>', '... or above this many seconds, whichever is larger (default 60)', number)
    .option('--json', 'print one JSON object')
    .action(async (o) => {
      const input = {
        from: o.from as string,
        to: (o.to ?? o.from) as string,
        profile: o.profile as string,
        ...(o.tolerancePercent !== undefined ? { tolerancePercent: o.tolerancePercent as number } : {}),
        ...(o.toleranceSeconds !== undefined ? { toleranceSeconds: o.toleranceSeconds as number } : {}),
      };
      parseInput(UsageReportInput, input, 'usage report'); // exit 2 before connecting to anything
      const config = adminConfig();
      const report = await withClient((c) => c.usage(input, { config }));
      out(!!o.json, report, () => describeUsage(report));
    });
}
