/**
 * SparkRTC statistical analysis payloads (sparkrtc.md §13, seed §13.1–13.9): room statistics, realtime
 * scale and quality, historical usage, scale and quality. Pure zod. Requests are strict (metric names,
 * time formats and the documented window limits are checked before the call); answers are lenient
 * (unknown fields pass through, numbers may come as strings).
 */
import { z } from 'zod';
import { AUDIO_ONLY, encodeTemplateParts, normaliseEncodeTemplate } from './jobs';

/** `YYYY-MM-DDThh:mm:ssZ` (UTC), the statistics APIs' time format */
export const StatsTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'must be UTC YYYY-MM-DDThh:mm:ssZ');
/** `YYYY-MM-DD`, the daily APIs' date format */
export const StatsDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a UTC date YYYY-MM-DD');

/** A Date or epoch ms as the statistics APIs write it (seconds precision). */
export function statsTime(at: Date | number): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
export function statsDate(at: Date | number): string {
  return new Date(at).toISOString().slice(0, 10);
}

const DAY_MS = 86_400_000;
const spanWithin = (maxMs: number, what: string) => (q: { start_time?: string; end_time?: string }, ctx: z.RefinementCtx) => {
  if (q.start_time === undefined || q.end_time === undefined) return;
  const span = Date.parse(q.end_time) - Date.parse(q.start_time);
  if (span < 0) ctx.addIssue({ code: 'custom', path: ['end_time'], message: 'end_time is before start_time' });
  else if (span > maxMs) ctx.addIssue({ code: 'custom', path: ['end_time'], message: `the window may span at most ${what}` });
};

export const ROOM_STATES = ['RUNNING', 'CLOSED'] as const;
/** §13.1 `GET /v1/{project_id}/rtc/rooms` */
export const RoomStatsQuery = z
  .strictObject({
    app: z.string().min(1),
    room_id: z.string().min(1).max(256).optional(),
    state: z.enum(ROOM_STATES).optional(),
    start_time: StatsTime.optional(),
    end_time: StatsTime.optional(),
    limit: z.number().int().min(1).max(100).optional(),
    offset: z.number().int().min(0).optional(),
  })
  .superRefine(spanWithin(90 * DAY_MS, '90 days'));
export type RoomStatsQuery = z.input<typeof RoomStatsQuery>;

export const REALTIME_SCALE_METRICS = ['OnlineUsers', 'RoomCount'] as const;
/** §13.3 `GET /v1/{project_id}/rtc/realtime/scale`: per minute, ≤ 1 day */
export const RealtimeScaleQuery = z
  .strictObject({
    app: z.string().min(1),
    metric: z.enum(REALTIME_SCALE_METRICS),
    room_id: z.string().min(1).max(256).optional(),
    start_time: StatsTime.optional(),
    end_time: StatsTime.optional(),
  })
  .superRefine(spanWithin(DAY_MS, '1 day'));

export const REALTIME_QUALITY_METRICS = ['JoinSuccessRate', 'JoinSuccess5SecsRate', 'VideoFreezeRate', 'AudioFreezeRate'] as const;
export const SDK_TYPES = ['native', 'webrtc'] as const;
/** §13.5 `GET /v1/{project_id}/rtc/realtime/quality`: per minute, ≤ 1 day */
export const RealtimeQualityQuery = z
  .strictObject({
    app: z.string().min(1),
    metric: z.enum(REALTIME_QUALITY_METRICS),
    sdk_type: z.enum(SDK_TYPES),
    room_id: z.string().min(1).max(256).optional(),
    start_time: StatsTime.optional(),
    end_time: StatsTime.optional(),
  })
  .superRefine(spanWithin(DAY_MS, '1 day'));

const dateRange = (q: { start_date?: string; end_date?: string }, ctx: z.RefinementCtx) => {
  if (q.start_date !== undefined && q.end_date !== undefined && q.end_date < q.start_date)
    ctx.addIssue({ code: 'custom', path: ['end_date'], message: 'end_date is before start_date' });
};

export const USAGE_METRICS = ['CommunicationDuration', 'TranscodeDuration', 'RecordDuration'] as const;
/** §13.7 `GET /v1/{project_id}/rtc/history/usage`: daily */
export const HistoryUsageQuery = z.strictObject({ app: z.string().min(1), metric: z.enum(USAGE_METRICS), start_date: StatsDate, end_date: StatsDate }).superRefine(dateRange);

export const HISTORY_QUALITY_METRICS = [
  'JoinSuccessRate',
  'JoinSuccess5SecsRate',
  'VideoFreezeRate',
  'AudioFreezeRate',
  'FirstVideoRecvTime',
  'FirstAudioRecvTime',
  'PullStreamSuccessRate',
  'PushStreamSuccessRate',
  'VideoUpstreamExcellentTransRate',
  'AudioUpstreamExcellentTransRate',
  'VideoExcellentTransRate',
  'AudioExcellentTransRate',
  'VideoTransDelay',
  'AudioTransDelay',
] as const;
/** §13.9 `GET /v1/{project_id}/rtc/history/quality`: daily, the last 31 days, not today */
export const HistoryQualityQuery = z
  .strictObject({
    app: z.string().min(1),
    metric: z.array(z.enum(HISTORY_QUALITY_METRICS)).min(1, 'name at least one metric'),
    start_date: StatsDate.optional(),
    end_date: StatsDate.optional(),
  })
  .superRefine(dateRange);

export const HISTORY_SCALE_METRICS = [
  'UserCount',
  'SessionCount',
  'RoomCount',
  'MaxOnlineUserCount',
  'MaxOnlineRoomCount',
  'CommunicationDuration',
  'VideoCommunicationDuration',
  'AudioCommunicationDuration',
] as const;
/** §13.8 `GET /v1/{project_id}/rtc/history/scale`: daily, the last 31 days, not today */
export const HistoryScaleQuery = z
  .strictObject({
    app: z.string().min(1),
    metric: z.array(z.enum(HISTORY_SCALE_METRICS)).min(1, 'name at least one metric'),
    start_date: StatsDate.optional(),
    end_date: StatsDate.optional(),
  })
  .superRefine(dateRange);

// ---- answers (lenient) ----

const num = z.coerce.number();
export const RoomStat = z.looseObject({
  room_id: z.string(),
  state: z.string().optional(),
  duration: num.optional(),
  start_time: z.string().optional(),
  /** "-" while the room is open */
  end_time: z.string().optional(),
});
export type RoomStat = z.infer<typeof RoomStat>;
export const RoomStatsResponse = z.looseObject({ total: num.optional(), limit: num.optional(), offset: num.optional(), room_info_list: z.array(RoomStat).default([]) });

export const TimePoint = z.looseObject({ time: z.string(), value: num.nullable() });
export type TimePoint = z.infer<typeof TimePoint>;
export const RealtimeScaleResponse = z.looseObject({ scale: z.array(TimePoint).default([]) });
export const RealtimeQualityResponse = z.looseObject({ quality: z.array(TimePoint).default([]) });

export const UsageDayStat = z.looseObject({
  date: z.string(),
  video_sd: num.optional(),
  video_hd: num.optional(),
  video_hdp: num.optional(),
  audio: num.optional(),
  total_duration: num.optional(),
});
export type UsageDayStat = z.infer<typeof UsageDayStat>;
export const HistoryUsageResponse = z.looseObject({ usage: z.array(UsageDayStat).default([]) });

export const QualityDayStat = z.looseObject({ date: z.string() });
export type QualityDayStat = z.infer<typeof QualityDayStat>;
export const HistoryQualityResponse = z.looseObject({ quality: z.array(QualityDayStat).default([]) });
export const ScaleDayStat = z.looseObject({ date: z.string() });
export type ScaleDayStat = z.infer<typeof ScaleDayStat>;
export const HistoryScaleResponse = z.looseObject({ scale: z.array(ScaleDayStat).default([]) });

/** The response field of each §13.9 metric (snake case, as the seed's response table names them). */
export const HISTORY_QUALITY_FIELDS: Record<(typeof HISTORY_QUALITY_METRICS)[number], string> = {
  JoinSuccessRate: 'join_success_rate',
  JoinSuccess5SecsRate: 'join_success_in5secs_rate',
  VideoFreezeRate: 'video_freeze_rate',
  AudioFreezeRate: 'audio_freeze_rate',
  FirstVideoRecvTime: 'first_video_recv_time',
  FirstAudioRecvTime: 'first_audio_recv_time',
  PullStreamSuccessRate: 'pull_stream_success_rate',
  PushStreamSuccessRate: 'push_stream_success_rate',
  VideoUpstreamExcellentTransRate: 'video_upstream_excellent_trans_rate',
  AudioUpstreamExcellentTransRate: 'audio_upstream_excellent_trans_rate',
  VideoExcellentTransRate: 'video_excellent_trans_rate',
  AudioExcellentTransRate: 'audio_excellent_trans_rate',
  VideoTransDelay: 'video_trans_delay',
  AudioTransDelay: 'audio_trans_delay',
};
export const HISTORY_SCALE_FIELDS: Record<(typeof HISTORY_SCALE_METRICS)[number], string> = {
  UserCount: 'user_count',
  SessionCount: 'session_count',
  RoomCount: 'room_count',
  MaxOnlineUserCount: 'max_online_user_count',
  MaxOnlineRoomCount: 'max_online_room_count',
  CommunicationDuration: 'communication_duration',
  VideoCommunicationDuration: 'video_communication_duration',
  AudioCommunicationDuration: 'audio_communication_duration',
};

/** The §13.7 usage column a recording bills under. */
export type UsageKind = 'audio' | 'video_sd' | 'video_hd' | 'video_hdp';
const STREAM_HEIGHT: Record<string, number> = { LD: 180, SD: 360, HD: 720, FHD: 1080 };

/**
 * The usage column of a job's output (the emulator's mapping): audio only → audio; else by the output
 * height, ≤ 360 → video_sd, ≤ 720 → video_hd, above → video_hdp. A mixed job's output is its
 * encode_template; a single job's is its select_stream_type (LD 180, SD 360, HD 720, FHD 1080, default FHD).
 */
export function jobUsageKind(job: { kind: 'individual' | 'mix'; mixParam?: Record<string, unknown>; videoType?: string; selectStreamType?: string }): UsageKind {
  let height: number;
  if (job.kind === 'mix') {
    const t = String(job.mixParam?.encode_template ?? '');
    if (normaliseEncodeTemplate(t) === AUDIO_ONLY) return 'audio';
    height = encodeTemplateParts(t).height || 720;
  } else {
    if (job.videoType === '') return 'audio';
    height = STREAM_HEIGHT[job.selectStreamType ?? 'FHD'] ?? 1080;
  }
  return height <= 360 ? 'video_sd' : height <= 720 ? 'video_hd' : 'video_hdp';
}
