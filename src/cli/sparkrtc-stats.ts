/**
 * `rtcflow sparkrtc stats ...`: SparkRTC statistics reports (sparkrtc.md §13) of the profile's app, as a
 * table or --json. Added to the `sparkrtc` command (./sparkrtc.ts).
 *
 *   rtcflow sparkrtc stats rooms [--state RUNNING|CLOSED] [--room <id>] [--since 24h] [--limit 100] [--json]
 *   rtcflow sparkrtc stats usage [--metric RecordDuration|CommunicationDuration|TranscodeDuration] --from YYYY-MM-DD [--to …] [--json]
 *   rtcflow sparkrtc stats quality [--metric JoinSuccessRate,VideoFreezeRate,…] [--from …] [--to …] [--json]   (daily, not today)
 *   rtcflow sparkrtc stats realtime --metric OnlineUsers|RoomCount|JoinSuccessRate|… [--sdk native|webrtc] [--room <id>] [--since 1h] [--json]
 */
import type { Command } from 'commander';
import { SparkRtcStats } from '../client/sparkrtc-stats';
import { HISTORY_QUALITY_FIELDS, HISTORY_QUALITY_METRICS, REALTIME_SCALE_METRICS, USAGE_METRICS, statsTime } from '../schemas/sparkrtc/statistics';
import { adminConfig, duration, out } from './common';
import { table } from './console';

async function withStats<T>(profile: string, fn: (s: SparkRtcStats) => Promise<T>): Promise<T> {
  const s = new SparkRtcStats(adminConfig(), profile);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

const today = () => new Date().toISOString().slice(0, 10);

export function registerSparkRtcStatsCommands(program: Command): void {
  const spark = program.commands.find((c) => c.name() === 'sparkrtc') ?? program.command('sparkrtc').description('Huawei SparkRTC management');
  const stats = spark.command('stats').description('statistics of the app: rooms, usage, quality (sparkrtc.md §13)');
  const common = (c: Command) => c.option('--profile <name>', 'SparkRTC profile', 'default').option('--json', 'print one JSON object');

  common(stats.command('rooms').description('rooms, open (RUNNING) and closed, with their duration'))
    .option('--state <state>', 'RUNNING | CLOSED')
    .option('--room <id>', 'one room')
    .option('--since <duration>', 'window back from now (at most 90 days)', duration, duration('24h'))
    .option('--limit <n>', 'rows (1-100)', (v) => Number(v), 100)
    .action(async (o) => {
      const now = Date.now();
      const r = await withStats(o.profile, (s) =>
        s.rooms({ start_time: statsTime(now - o.since), end_time: statsTime(now), limit: o.limit, ...(o.state ? { state: o.state } : {}), ...(o.room ? { room_id: o.room } : {}) }),
      );
      out(!!o.json, r, () =>
        r.room_info_list.length === 0
          ? '(no rooms)'
          : table([
              ['room', 'state', 'start (UTC)', 'end (UTC)', 'duration s'],
              ...r.room_info_list.map((x) => [x.room_id, x.state ?? '', x.start_time ?? '', x.end_time ?? '', x.duration ?? '']),
            ]) + `\n${r.total ?? r.room_info_list.length} room(s)`,
      );
    });

  common(stats.command('usage').description('seconds per day by resolution'))
    .option('--metric <m>', USAGE_METRICS.join(' | '), 'RecordDuration')
    .option('--from <date>', 'first UTC day, YYYY-MM-DD (default: today)')
    .option('--to <date>', 'last UTC day (default: --from)')
    .action(async (o) => {
      const from = o.from ?? today();
      const r = await withStats(o.profile, (s) => s.usage({ metric: o.metric, start_date: from, end_date: o.to ?? from }));
      out(!!o.json, r, () =>
        table([
          ['date', 'audio', 'video_sd', 'video_hd', 'video_hdp', 'total s', 'minutes'],
          ...r.usage.map((d) => [d.date, d.audio ?? 0, d.video_sd ?? 0, d.video_hd ?? 0, d.video_hdp ?? 0, d.total_duration ?? 0, ((d.total_duration ?? 0) / 60).toFixed(1)]),
        ]),
      );
    });

  common(stats.command('quality').description('daily quality of the last 31 days (not today)'))
    .option('--metric <list>', `comma-separated: ${HISTORY_QUALITY_METRICS.join(', ')}`, 'JoinSuccessRate,VideoFreezeRate,AudioFreezeRate')
    .option('--from <date>', 'first UTC day, YYYY-MM-DD')
    .option('--to <date>', 'last UTC day')
    .action(async (o) => {
      const metric = String(o.metric)
        .split(',')
        .map((m: string) => m.trim()) as Array<(typeof HISTORY_QUALITY_METRICS)[number]>;
      const r = await withStats(o.profile, (s) => s.quality({ metric, ...(o.from ? { start_date: o.from } : {}), ...(o.to ? { end_date: o.to } : {}) }));
      const fields = metric.map((m) => HISTORY_QUALITY_FIELDS[m] ?? m);
      out(!!o.json, r, () =>
        r.quality.length === 0
          ? '(no activity on those days)'
          : table([['date', ...fields], ...r.quality.map((d) => [d.date, ...fields.map((f) => String((d as Record<string, unknown>)[f] ?? '-'))])]),
      );
    });

  common(stats.command('realtime').description('per minute: online users, rooms, or a join/freeze rate'))
    .requiredOption('--metric <m>', 'OnlineUsers | RoomCount | JoinSuccessRate | JoinSuccess5SecsRate | VideoFreezeRate | AudioFreezeRate')
    .option('--sdk <type>', 'rates: native | webrtc', 'native')
    .option('--room <id>', 'one room')
    .option('--since <duration>', 'window back from now (at most 1 day)', duration, duration('1h'))
    .action(async (o) => {
      const now = Date.now();
      const w = { start_time: statsTime(now - o.since), end_time: statsTime(now), ...(o.room ? { room_id: o.room } : {}) };
      const points = await withStats(o.profile, async (s) =>
        (REALTIME_SCALE_METRICS as readonly string[]).includes(o.metric)
          ? (await s.realtimeScale({ ...w, metric: o.metric })).scale
          : (await s.realtimeQuality({ ...w, metric: o.metric, sdk_type: o.sdk })).quality,
      );
      out(!!o.json, { metric: o.metric, points }, () => table([['time (UTC)', o.metric], ...points.map((p) => [p.time, p.value ?? '-'])]));
    });
}
