/**
 * `rtcflow analytics ...`: Agora Analytics reports (paid; agora.md §12). Windows are given as durations
 * back from now (--since 24h, --until 1m) or Unix seconds (--start/--end).
 *
 *   rtcflow analytics calls [--since 24h] [--json]                    calls of the project (Call Search)
 *   rtcflow analytics call <callId> [--since 24h] [--json]            its sessions, freeze buckets, users over time
 *   rtcflow analytics quality --metric networkDelay [--product WebRTC|Native] [--granularity 1h] [--since 3d] [--json]
 *   rtcflow analytics usage [--granularity 1d] [--since 3d] [--json]  user counts (Data Insights)
 *   rtcflow analytics realtime --metric userCount|channelCount|networkDelay|… [--channel c] [--since 40m] [--json]
 *
 * The Analytics base URL is AGORA_ANALYTICS_BASE_URL (the seed leaves it undefined; the emulator's URL is
 * used when the profile points at the emulator).
 */
import type { Command } from 'commander';
import { INSIGHT_QUALITY_METRICS, REALTIME_USAGE_METRICS } from '../schemas/agora/analytics';
import { InvalidInputError } from '../errors';
import { duration } from './common';
import { out } from './common';
import { table, withAgoraAdmin } from './console';

const iso = (s: number) => new Date(s * 1000).toISOString().replace(/\.000Z$/, 'Z');

/** [startTs, endTs] in Unix seconds from --start/--end or --since/--until. */
function windowOf(o: { start?: string; end?: string; since: number; until?: number }): { startTs: number; endTs: number } {
  const now = Math.floor(Date.now() / 1000);
  const endTs = o.end !== undefined ? Number(o.end) : now - Math.floor((o.until ?? 0) / 1000);
  const startTs = o.start !== undefined ? Number(o.start) : endTs - Math.floor(o.since / 1000);
  if (!Number.isInteger(startTs) || !Number.isInteger(endTs)) throw new InvalidInputError('--start and --end are Unix seconds');
  return { startTs, endTs };
}

const series = (data: Array<{ ts: number; value: number | null }> | undefined) =>
  table([['time (UTC)', 'value'], ...(data ?? []).map((p) => [iso(p.ts), p.value === null ? '-' : p.value])]);

export function registerAnalyticsCommands(program: Command): void {
  const an = program.command('analytics').description('Agora Analytics reports (paid): Call Search, Data Insights, Realtime');
  const common = (c: Command, since: string) =>
    c
      .option('--profile <name>', 'Agora profile', 'default')
      .option('--since <duration>', 'window start, back from --until', duration, duration(since))
      .option('--until <duration>', 'window end, back from now', duration)
      .option('--start <unixSeconds>', 'window start (instead of --since)')
      .option('--end <unixSeconds>', 'window end (instead of --until)')
      .option('--json', 'print one JSON object');

  common(an.command('calls').description('the calls of the project in the window'), '24h').action(async (o) => {
    const w = windowOf(o);
    const { calls } = await withAgoraAdmin(o.profile, (a) => a.analytics.calls(w));
    out(!!o.json, { ...w, calls }, () =>
      calls.length === 0
        ? '(no calls)'
        : table([
            ['call_id', 'channel', 'created (UTC)', 'destroyed (UTC)'],
            ...calls.map((c) => [c.call_id, String(c.cname ?? ''), iso(c.created_ts), c.destroyed_ts ? iso(c.destroyed_ts) : '-']),
          ]),
    );
  });

  common(an.command('call <callId>').description("a call's sessions, video freeze buckets and users over time"), '24h').action(async (callId: string, o) => {
    const w = windowOf(o);
    const q = { callId, ...w };
    const r = await withAgoraAdmin(o.profile, async (a) => ({
      sessions: (await a.analytics.sessions(q)).sessions,
      freeze: await a.analytics.freezeBuckets({ ...q, metric: 'video_freeze_rate' }),
      users: await a.analytics.overTime({ ...q, metric: 'user_count' }),
    }));
    out(!!o.json, { callId, ...r }, () =>
      [
        table([
          ['sid', 'uid', 'os', 'joined (UTC)', 'left (UTC)'],
          ...r.sessions.map((s) => [s.sid, String(s.uid ?? ''), String(s.os ?? ''), s.join_ts ? iso(Number(s.join_ts)) : '-', s.leave_ts ? iso(Number(s.leave_ts)) : '-']),
        ]),
        '',
        'video freeze rate buckets: ' + JSON.stringify((r.freeze as { buckets?: unknown }).buckets ?? r.freeze),
        '',
        series(r.users.data),
      ].join('\n'),
    );
  });

  common(an.command('quality').description('project quality over time (Data Insights)'), '3d')
    .requiredOption('--metric <m>', INSIGHT_QUALITY_METRICS.join(' | '))
    .option('--product <type>', 'WebRTC | Native', 'Native')
    .option('--granularity <g>', 'aggregateGranularity, e.g. 1h', '1h')
    .action(async (o) => {
      const w = windowOf(o);
      const r = await withAgoraAdmin(o.profile, (a) => a.analytics.insightQuality({ ...w, metric: o.metric, productType: o.product, aggregateGranularity: o.granularity }));
      out(!!o.json, r, () => series(r.data));
    });

  common(an.command('usage').description('users per period (Data Insights)'), '3d')
    .option('--granularity <g>', 'aggregateGranularity, e.g. 1d', '1d')
    .action(async (o) => {
      const w = windowOf(o);
      const r = await withAgoraAdmin(o.profile, (a) => a.analytics.insightUsage({ ...w, metric: 'userCount', aggregateGranularity: o.granularity }));
      out(!!o.json, r, () => series(r.data));
    });

  common(an.command('realtime').description('20-second buckets: user or channel counts, or a quality metric'), '40m')
    .requiredOption('--metric <m>', [...REALTIME_USAGE_METRICS, ...INSIGHT_QUALITY_METRICS].join(' | '))
    .option('--product <type>', 'quality metrics: WebRTC | Native', 'Native')
    .option('--channel <name>', 'one channel only')
    .action(async (o) => {
      const w = windowOf(o);
      const usage = (REALTIME_USAGE_METRICS as readonly string[]).includes(o.metric);
      const r = await withAgoraAdmin(o.profile, (a) =>
        usage
          ? a.analytics.realtimeUsage({ ...w, metric: o.metric, ...(o.channel ? { cname: o.channel } : {}) })
          : a.analytics.realtimeQuality({ ...w, metric: o.metric, productType: o.product, ...(o.channel ? { cname: o.channel } : {}) }),
      );
      out(!!o.json, r, () => series(r.data));
    });
}
