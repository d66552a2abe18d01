/**
 * Agora Analytics payloads (agora.md §12, the seed's "[Paid] Analytics" folder): Call Search, Data
 * Insights and Realtime reads. The seed gives only the requests (paths and query parameters) and is
 * silent on the answers, so request schemas are strict and response schemas are lenient: the fields the
 * seed's scripts read (`call_lists[].call_id/created_ts/destroyed_ts`, `call_info[].sid`) are typed, and
 * everything else passes through unchanged. Pure zod.
 */
import { z } from 'zod';

const unixSeconds = z.number().int('timestamps are whole Unix seconds').min(0).max(4_102_444_800, 'timestamps are Unix seconds, not milliseconds');

/** A window in Unix seconds; the start comes first. */
export const TimeWindow = z
  .strictObject({ startTs: unixSeconds, endTs: unixSeconds })
  .refine((w) => w.startTs < w.endTs, { path: ['endTs'], message: 'endTs must be after startTs' });
export type TimeWindow = z.infer<typeof TimeWindow>;

export const CallId = z.string().min(1, 'callId must not be empty').max(256);

export const CALL_STATISTICS_DIMENSIONS = ['country', 'region', 'net', 'sdk', 'os', 'device'] as const;
export const FREEZE_METRICS = ['video_freeze_rate', 'audio_freeze_rate'] as const;
export const CALL_TIME_METRICS = ['user_count', 'audio_freeze_rate', 'video_freeze_rate', 'audio_freeze_user_count', 'video_freeze_user_count'] as const;
export const INSIGHT_QUALITY_METRICS = ['networkDelay', 'joinSuccessRate', 'joinSuccessIn5sRate', 'audioFreezeRate', 'videoFreezeRate'] as const;
export const INSIGHT_USAGE_METRICS = ['userCount'] as const;
export const REALTIME_USAGE_METRICS = ['channelCount', 'userCount'] as const;
export const PRODUCT_TYPES = ['WebRTC', 'Native'] as const;

export const CallQuery = z.strictObject({ callId: CallId, startTs: unixSeconds, endTs: unixSeconds });
export const CallMetricsQuery = CallQuery.extend({ sids: z.array(z.string().min(1)).min(1, 'sids must name at least one session').max(100) });
export const CallStatisticsQuery = CallQuery.extend({ dimension: z.enum(CALL_STATISTICS_DIMENSIONS), metric: z.enum(FREEZE_METRICS) });
export const CallFreezeQuery = CallQuery.extend({ metric: z.enum(FREEZE_METRICS) });
export const CallTimeQuery = CallQuery.extend({ metric: z.enum(CALL_TIME_METRICS) });

const ordered = { path: ['endTs'], message: 'endTs must be after startTs' };
const inOrder = (w: { startTs: number; endTs: number }) => w.startTs < w.endTs;

/** e.g. 1h, 1d (the seed uses these two; others pass to the vendor as given) */
export const Granularity = z.string().regex(/^\d+[mhd]$/, 'aggregateGranularity is a number and m, h or d, e.g. 1h or 1d');
export const InsightQualityQuery = z
  .strictObject({
    startTs: unixSeconds,
    endTs: unixSeconds,
    metric: z.enum(INSIGHT_QUALITY_METRICS),
    productType: z.enum(PRODUCT_TYPES),
    aggregateGranularity: Granularity.default('1h'),
  })
  .refine(inOrder, ordered);
export const InsightUsageQuery = z
  .strictObject({
    startTs: unixSeconds,
    endTs: unixSeconds,
    metric: z.enum(INSIGHT_USAGE_METRICS).default('userCount'),
    aggregateGranularity: Granularity.default('1d'),
  })
  .refine(inOrder, ordered);
export const RealtimeQualityQuery = z
  .strictObject({
    startTs: unixSeconds,
    endTs: unixSeconds,
    metric: z.enum(INSIGHT_QUALITY_METRICS),
    productType: z.enum(PRODUCT_TYPES),
    cname: z.string().min(1).max(64).optional(),
  })
  .refine(inOrder, ordered);
export const RealtimeUsageQuery = z
  .strictObject({
    startTs: unixSeconds,
    endTs: unixSeconds,
    metric: z.enum(REALTIME_USAGE_METRICS),
    cname: z.string().min(1).max(64).optional(),
  })
  .refine(inOrder, ordered);

// ---- answers: lenient ----

export const CallListEntry = z.looseObject({ call_id: z.string(), created_ts: z.number(), destroyed_ts: z.number().nullish() });
export type CallListEntry = z.infer<typeof CallListEntry>;
export const CallListsResponse = z.looseObject({ call_lists: z.array(CallListEntry).default([]) });
export const CallSession = z.looseObject({ sid: z.string() });
export type CallSession = z.infer<typeof CallSession>;
export const CallSessionsResponse = z.looseObject({ call_info: z.array(CallSession).default([]) });
/** Answers the seed says nothing about: an object, whatever it holds. */
export const AnyAnswer = z.looseObject({});
export type AnyAnswer = z.infer<typeof AnyAnswer>;

/** One point of a time series, as the emulator answers (and as the client's reports read, when present). */
export const SeriesPoint = z.looseObject({ ts: z.number(), value: z.number().nullable() });
export const SeriesAnswer = z.looseObject({ data: z.array(SeriesPoint).optional() });
export type SeriesAnswer = z.infer<typeof SeriesAnswer>;
