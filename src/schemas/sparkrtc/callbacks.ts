/**
 * SparkRTC recording-event callbacks (sparkrtc.md §5): the per-app configuration and the notifications
 * SparkRTC POSTs to it. Pure zod. Every notification field is optional, event names are inconsistent
 * across the documents (§18.5), so the event schema keeps anything it does not know.
 */
import { z } from 'zod';
import { LooseId } from './common';

export const CALLBACK_EVENTS = ['RECORD_NEW_FILE_START', 'RECORD_FILE_COMPLETE', 'CLOUD_RECORD_SERVER_OVER'] as const;
/** the end-of-job event as the subscription lists spell it */
export const CLOUD_RECORD_OVER = 'CLOUD_RECORD_OVER';
/** what the configuration answers as the subscription list (the §4 example) */
export const DEFAULT_SUBSCRIPTION = ['RECORD_NEW_FILE_START', 'RECORD_FILE_COMPLETE', CLOUD_RECORD_OVER] as const;

/** PUT /v2/apps/{app_id}/record-callback */
export const RecordCallbackRequest = z.strictObject({
  url: z
    .string()
    .min(1, 'url is empty')
    .max(2048)
    .regex(/^https?:\/\/[^\s/]+/i, 'url must start with http:// or https://'),
  /** the HMAC key of X-Rtc-Signature; without one callbacks are unsigned (§5.4) */
  auth_key: z.string().max(256).optional(),
});
export type RecordCallbackRequest = z.infer<typeof RecordCallbackRequest>;

export const AppCallbackUrl = z.looseObject({
  url: z.string().optional(),
  /** returned in clear text: treat the response as a secret */
  auth_key: z.string().optional(),
  notify_event_subscription: z.array(z.string()).nullish(),
  update_time: z.string().optional(),
});
export type AppCallbackUrl = z.infer<typeof AppCallbackUrl>;

export const RecordCallbackConfig = z.looseObject({
  app_id: z.string().optional(),
  record_callback: AppCallbackUrl.optional(),
});
export type RecordCallbackConfig = z.infer<typeof RecordCallbackConfig>;

/** One notification (§5.3). */
export const RecordCallbackEvent = z.looseObject({
  job_id: LooseId.optional(),
  stream_name: z.string().optional(),
  app_id: LooseId.optional(),
  room_id: LooseId.optional(),
  /** RECORD_NEW_FILE_START, RECORD_FILE_COMPLETE, CLOUD_RECORD_SERVER_OVER / CLOUD_RECORD_OVER, or anything else */
  event_type: z.string().optional(),
  record_format: z.string().optional(),
  download_url: z.string().optional(),
  record_duration: z.number().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  start_time: z.string().optional(),
  end_time: z.string().optional(),
  obs_location: z.string().optional(),
  obs_bucket: z.string().optional(),
  obs_object: z.string().optional(),
  /** bytes [NOT IN SEED: user guide] */
  file_size: z.number().optional(),
  detail_message: z.string().optional(),
});
export type RecordCallbackEvent = z.infer<typeof RecordCallbackEvent>;

/** True for either spelling of the end-of-job event. */
export function isJobOverEvent(eventType: string | undefined): boolean {
  return eventType === 'CLOUD_RECORD_SERVER_OVER' || eventType === CLOUD_RECORD_OVER;
}
