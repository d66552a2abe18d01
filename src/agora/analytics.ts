/**
 * Agora Analytics reads (agora.md §12; paid: only with a paid support or Analytics package): Call Search
 * (lists, sessions, quality metrics, call statistics, freeze buckets, statistics over time), Data Insights
 * (quality and usage by time) and Realtime (quality and usage in 20-second buckets). All GET, Basic auth,
 * Unix-second windows, over the one Agora HTTP layer.
 *
 * Seed defects that matter here (agora.md §13.5 item 12):
 * - The collection's `{{baseUrl}}` is never defined. There is no default: the caller passes the base URL
 *   (the configuration's AGORA_ANALYTICS_BASE_URL, or the emulator's URL); see analyticsContext.
 * - The freeze-bucket path is spelled `/beta/analytics/call/freeze/bucxket`. That misspelling is the only
 *   path any document gives, so callFreezeBucket calls it first; if the host answers 404 (no such route:
 *   a service that serves the intended `/freeze/bucket`), it calls `/freeze/bucket` once and remembers, per
 *   base URL, which one answered.
 * - The seed is silent on every response schema: answers are parsed leniently (src/schemas/agora/analytics.ts).
 */
import type { z } from 'zod';
import { ConfigurationError } from '../errors';
import { VendorError } from '../http/errors';
import {
  AnyAnswer,
  CallFreezeQuery,
  CallListsResponse,
  CallMetricsQuery,
  CallQuery,
  CallSessionsResponse,
  CallStatisticsQuery,
  CallTimeQuery,
  InsightQualityQuery,
  InsightUsageQuery,
  RealtimeQualityQuery,
  RealtimeUsageQuery,
  SeriesAnswer,
  TimeWindow,
  type CallListEntry,
  type CallSession,
} from '../schemas/agora/analytics';
import { parseInput } from '../schemas/parse';
import { agoraCall, withBasicAuth, type AgoraContext } from './http';

const PRODUCT = 'analytics';

/** The seed's freeze-bucket path, misspelled (`bucxket`), and the spelling a fixed service would serve. */
export const FREEZE_BUCKET_PATHS = { seed: '/beta/analytics/call/freeze/bucxket', corrected: '/beta/analytics/call/freeze/bucket' } as const;
/** base URL → the freeze-bucket path that answered there */
const freezePathOf = new Map<string, string>();

/**
 * The context for Analytics calls: the project's credentials at the Analytics base URL. The seed never
 * defines that URL, so there is no default for real Agora: without one this is a ConfigurationError.
 */
export function analyticsContext(ctx: AgoraContext, baseUrl: string | undefined): AgoraContext {
  if (!baseUrl) {
    throw new ConfigurationError(
      'the Agora Analytics base URL is not configured: the seed collection leaves {{baseUrl}} undefined, so set AGORA_ANALYTICS_BASE_URL (Agora support tells paid Analytics customers the host)',
    );
  }
  return { ...withBasicAuth(ctx), baseUrls: [baseUrl], pinnedBaseUrl: undefined };
}

async function get<S extends z.ZodType>(ctx: AgoraContext, operation: string, path: string, params: Record<string, string | number | undefined>, response: S) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) qs.set(k, String(v));
  const res = await agoraCall(ctx, { method: 'GET', path: `${path}?${qs}`, site: { product: PRODUCT, operation, idempotent: true }, response });
  return res.body as z.infer<S>;
}

// ---- Call Search ----

/** Calls of the project in the window (`call_lists[{call_id, created_ts, destroyed_ts}]`, Unix seconds). */
export async function callLists(ctx: AgoraContext, window: TimeWindow): Promise<{ calls: CallListEntry[]; raw: z.infer<typeof CallListsResponse> }> {
  const w = parseInput(TimeWindow, window, 'analytics window');
  const raw = await get(ctx, 'callLists', '/beta/analytics/call/lists', { start_ts: w.startTs, end_ts: w.endTs, appid: ctx.appId }, CallListsResponse);
  return { calls: raw.call_lists, raw };
}

/** The sessions (one per user join) of a call (`call_info[{sid, …}]`). */
export async function callSessions(ctx: AgoraContext, q: z.input<typeof CallQuery>): Promise<{ sessions: CallSession[]; raw: z.infer<typeof CallSessionsResponse> }> {
  const v = parseInput(CallQuery, q, 'call query');
  const raw = await get(ctx, 'callSessions', '/beta/analytics/call/sessions', { start_ts: v.startTs, end_ts: v.endTs, appid: ctx.appId, call_id: v.callId }, CallSessionsResponse);
  return { sessions: raw.call_info, raw };
}

/** Quality metrics of some sessions of a call. */
export async function callMetrics(ctx: AgoraContext, q: z.input<typeof CallMetricsQuery>): Promise<AnyAnswer> {
  const v = parseInput(CallMetricsQuery, q, 'call metrics query');
  return get(ctx, 'callMetrics', '/beta/analytics/call/metrics', { start_ts: v.startTs, end_ts: v.endTs, appid: ctx.appId, call_id: v.callId, sids: v.sids.join(',') }, AnyAnswer);
}

/** A freeze rate of a call broken down by a dimension (country, region, net, sdk, os, device). */
export async function callStatistics(ctx: AgoraContext, q: z.input<typeof CallStatisticsQuery>): Promise<AnyAnswer> {
  const v = parseInput(CallStatisticsQuery, q, 'call statistics query');
  return get(
    ctx,
    'callStatistics',
    '/beta/analytics/call/statistics',
    { start_ts: v.startTs, end_ts: v.endTs, appid: ctx.appId, call_id: v.callId, dimension: v.dimension, metric: v.metric },
    AnyAnswer,
  );
}

/** The distribution of a freeze rate over a call's users (see the module comment about the path). */
export async function callFreezeBucket(ctx: AgoraContext, q: z.input<typeof CallFreezeQuery>): Promise<AnyAnswer> {
  const v = parseInput(CallFreezeQuery, q, 'freeze bucket query');
  const params = { start_ts: v.startTs, end_ts: v.endTs, appid: ctx.appId, call_id: v.callId, metric: v.metric };
  const base = ctx.baseUrls[0] ?? '';
  const known = freezePathOf.get(base);
  if (known) return get(ctx, 'callFreezeBucket', known, params, AnyAnswer);
  try {
    const answer = await get(ctx, 'callFreezeBucket', FREEZE_BUCKET_PATHS.seed, params, AnyAnswer);
    freezePathOf.set(base, FREEZE_BUCKET_PATHS.seed);
    return answer;
  } catch (err) {
    if (!(err instanceof VendorError) || err.info.httpStatus !== 404) throw err;
    const answer = await get(ctx, 'callFreezeBucket', FREEZE_BUCKET_PATHS.corrected, params, AnyAnswer);
    freezePathOf.set(base, FREEZE_BUCKET_PATHS.corrected);
    return answer;
  }
}

/** A call metric over time (user_count, freeze rates, freeze user counts). */
export async function callStatisticsTime(ctx: AgoraContext, q: z.input<typeof CallTimeQuery>): Promise<SeriesAnswer> {
  const v = parseInput(CallTimeQuery, q, 'call statistics-over-time query');
  return get(
    ctx,
    'callStatisticsTime',
    '/beta/analytics/call/statistics/time',
    { start_ts: v.startTs, end_ts: v.endTs, appid: ctx.appId, call_id: v.callId, metric: v.metric },
    SeriesAnswer,
  );
}

// ---- Data Insights ----

/** Quality of the project over time (networkDelay, join success rates, freeze rates), per product type. */
export async function insightQuality(ctx: AgoraContext, q: z.input<typeof InsightQualityQuery>): Promise<SeriesAnswer> {
  const v = parseInput(InsightQualityQuery, q, 'insight quality query');
  return get(
    ctx,
    'insightQuality',
    '/beta/insight/quality/by_time',
    { startTs: v.startTs, endTs: v.endTs, appid: ctx.appId, metric: v.metric, aggregateGranularity: v.aggregateGranularity, productType: v.productType },
    SeriesAnswer,
  );
}

/** Usage of the project over time (userCount per day by default). */
export async function insightUsage(ctx: AgoraContext, q: z.input<typeof InsightUsageQuery>): Promise<SeriesAnswer> {
  const v = parseInput(InsightUsageQuery, q, 'insight usage query');
  return get(
    ctx,
    'insightUsage',
    '/beta/insight/usage/by_time',
    { startTs: v.startTs, endTs: v.endTs, appid: ctx.appId, metric: v.metric, aggregateGranularity: v.aggregateGranularity },
    SeriesAnswer,
  );
}

// ---- Realtime ----

/** Quality in 20-second buckets (the seed's scripts read the last 40 minutes), optionally one channel. */
export async function realtimeQuality(ctx: AgoraContext, q: z.input<typeof RealtimeQualityQuery>): Promise<SeriesAnswer> {
  const v = parseInput(RealtimeQualityQuery, q, 'realtime quality query');
  return get(
    ctx,
    'realtimeQuality',
    '/beta/realtime/quality/by_time_20sec',
    { startTs: v.startTs, endTs: v.endTs, appid: ctx.appId, metric: v.metric, productType: v.productType, cname: v.cname },
    SeriesAnswer,
  );
}

/** Channel or user counts in 20-second buckets, optionally one channel. */
export async function realtimeUsage(ctx: AgoraContext, q: z.input<typeof RealtimeUsageQuery>): Promise<SeriesAnswer> {
  const v = parseInput(RealtimeUsageQuery, q, 'realtime usage query');
  return get(ctx, 'realtimeUsage', '/beta/realtime/usage/by_time_20sec', { startTs: v.startTs, endTs: v.endTs, appid: ctx.appId, metric: v.metric, cname: v.cname }, SeriesAnswer);
}
