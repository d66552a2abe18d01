/**
 * SparkRTC statistical analysis reads (sparkrtc.md §13): rooms (§13.1), realtime scale and quality
 * (§13.3, §13.5, per minute), historical usage (§13.7, seconds per day by resolution), historical scale
 * and quality (§13.8, §13.9, daily, the last 31 days, not today). All GET on `/v1/{project_id}/rtc/...`,
 * signed like every SparkRTC call (src/sparkrtc/http.ts: AK/SK or the IAM token; X-Project-Id equals the
 * path's project). Multi-value parameters are comma-separated, as the seed's examples write them.
 * `app` defaults to the context's application. Flow control is 30 requests/min for the category
 * (sparkrtc.md §17.5): a 429 is retryable.
 */
import type { z } from 'zod';
import {
  HistoryQualityQuery,
  HistoryQualityResponse,
  HistoryScaleQuery,
  HistoryScaleResponse,
  HistoryUsageQuery,
  HistoryUsageResponse,
  RealtimeQualityQuery,
  RealtimeQualityResponse,
  RealtimeScaleQuery,
  RealtimeScaleResponse,
  RoomStatsQuery,
  RoomStatsResponse,
} from '../schemas/sparkrtc/statistics';
import { parseInput } from '../schemas/parse';
import type { QueryInput } from './signer';
import { seg, sparkCall, type SparkRtcContext } from './http';

const PRODUCT = 'statistics';
type WithoutApp<T> = Omit<T, 'app'> & { app?: string };

async function read<S extends z.ZodType>(
  ctx: SparkRtcContext,
  operation: string,
  path: string,
  query: Record<string, unknown>,
  response: S,
): Promise<{ body: z.infer<S>; requestId: string }> {
  const q: QueryInput = {};
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    q[k] = Array.isArray(v) ? v.join(',') : (v as string | number);
  }
  const res = await sparkCall(ctx, {
    method: 'GET',
    path: `/v1/${seg(ctx.projectId)}/rtc/${path}`,
    query: q,
    site: { product: PRODUCT, operation, idempotent: true },
    response,
  });
  return { body: res.body, requestId: res.requestId };
}

/** §13.1 rooms of the app (RUNNING or CLOSED), with their duration in seconds; one page (limit/offset). */
export async function roomStats(ctx: SparkRtcContext, input: WithoutApp<z.input<typeof RoomStatsQuery>> = {}) {
  const q = parseInput(RoomStatsQuery, { app: ctx.appId, ...input }, 'SparkRTC room statistics query');
  return (await read(ctx, 'rooms', 'rooms', q, RoomStatsResponse)).body;
}

/** §13.3 online users or room count per minute (default: the last hour). */
export async function realtimeScale(ctx: SparkRtcContext, input: WithoutApp<z.input<typeof RealtimeScaleQuery>>) {
  const q = parseInput(RealtimeScaleQuery, { app: ctx.appId, ...input }, 'SparkRTC realtime scale query');
  return (await read(ctx, 'realtimeScale', 'realtime/scale', q, RealtimeScaleResponse)).body;
}

/** §13.5 join success and freeze rates per minute (fractions: 1 = 100 %), by SDK type. */
export async function realtimeQuality(ctx: SparkRtcContext, input: WithoutApp<z.input<typeof RealtimeQualityQuery>>) {
  const q = parseInput(RealtimeQualityQuery, { app: ctx.appId, ...input }, 'SparkRTC realtime quality query');
  return (await read(ctx, 'realtimeQuality', 'realtime/quality', q, RealtimeQualityResponse)).body;
}

/** §13.7 seconds per day by resolution (video_sd, video_hd, video_hdp, audio, total_duration). */
export async function historyUsage(ctx: SparkRtcContext, input: WithoutApp<z.input<typeof HistoryUsageQuery>>) {
  const q = parseInput(HistoryUsageQuery, { app: ctx.appId, ...input }, 'SparkRTC usage query');
  return (await read(ctx, 'historyUsage', 'history/usage', q, HistoryUsageResponse)).body;
}

/** §13.8 daily scale (users, sessions, rooms, peaks, durations) of the last 31 days, not today. */
export async function historyScale(ctx: SparkRtcContext, input: WithoutApp<z.input<typeof HistoryScaleQuery>>) {
  const q = parseInput(HistoryScaleQuery, { app: ctx.appId, ...input }, 'SparkRTC scale query');
  return (await read(ctx, 'historyScale', 'history/scale', q, HistoryScaleResponse)).body;
}

/** §13.9 daily quality of the last 31 days, not today (rates are fractions; times and delays in ms). */
export async function historyQuality(ctx: SparkRtcContext, input: WithoutApp<z.input<typeof HistoryQualityQuery>>) {
  const q = parseInput(HistoryQualityQuery, { app: ctx.appId, ...input }, 'SparkRTC quality query');
  return (await read(ctx, 'historyQuality', 'history/quality', q, HistoryQualityResponse)).body;
}
