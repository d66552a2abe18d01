/**
 * SparkRTC automatic recording (sparkrtc.md §6): single-stream only, for rooms created after it is
 * enabled. Auto-recorded jobs never return a job_id to anyone: they are known from callbacks only, with
 * stream names `{app_id}_{room_id}_{user_id}_{av|v}_{m|a}`.
 */
import { AutoRecordConfig, AutoRecordRequest } from '../schemas/sparkrtc/auto-record';
import { requestBody, seg, sparkCall, type SparkRtcContext } from './http';

const PRODUCT = 'auto-record';
const path = (ctx: SparkRtcContext) => `/v2/apps/${seg(ctx.appId)}/auto-record-mode`;

export async function getAutoRecordMode(ctx: SparkRtcContext): Promise<{ config: AutoRecordConfig; requestId: string }> {
  const res = await sparkCall(ctx, {
    method: 'GET',
    path: path(ctx),
    site: { product: PRODUCT, operation: 'get', idempotent: true },
    response: AutoRecordConfig,
  });
  return { config: res.body, requestId: res.requestId };
}

/** A full replacement; AUTO_INDIVIDUAL_RECORD needs the rule new rooms' streams are recorded with. */
export async function setAutoRecordMode(ctx: SparkRtcContext, input: AutoRecordRequest): Promise<{ config: AutoRecordConfig; requestId: string }> {
  const json = requestBody(AutoRecordRequest, input, 'auto-record configuration');
  const res = await sparkCall(ctx, {
    method: 'PUT',
    path: path(ctx),
    json,
    site: { product: PRODUCT, operation: 'put', idempotent: true },
    response: AutoRecordConfig,
  });
  return { config: res.body, requestId: res.requestId };
}
