/**
 * SparkRTC recording rules ("recording templates", sparkrtc.md §4): where files go and how they are cut.
 * Pure zod. The request is strict and checks the documented ranges; `params.rtc` names the code the
 * service answers for a combination mistake.
 */
import { z } from 'zod';

export const RECORD_FORMATS = ['HLS', 'MP4'] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

/** OBS regions the bucket helpers accept (§12); the rule table documents only cn-north-4. */
export const OBS_LOCATIONS = ['cn-north-4', 'cn-north-1', 'cn-north-5', 'cn-north-6', 'cn-south-1', 'cn-east-2'] as const;

/** The documented default file path template (§4.1); `{record_format}` is written in lower case. */
export const DEFAULT_RECORD_PREFIX = '{app_id}/{record_format}/{stream}_{file_start_time}/{stream}_{file_start_time}';
/** MP4 period the service applied when the §4 example sent `"mp4_config": {}` (§18.9) */
export const DEFAULT_MP4_RECORD_CYCLE = 7200;
export const DEFAULT_HLS_SLICE_DURATION = 10;

const Int = (what: string) => z.number().int(`${what} must be an integer`);

export const RecordObsFileAddr = z.strictObject({
  location: z.string().min(1, 'location is empty'),
  project_id: z.string().min(1, 'project_id is empty'),
  bucket: z.string().min(3, 'bucket names are 3..63 characters').max(63, 'bucket names are 3..63 characters'),
  object: z.string().max(1024).optional(),
});
export type RecordObsFileAddr = z.infer<typeof RecordObsFileAddr>;

export const HLSRecordConfig = z.strictObject({
  /** 0 (one file for the whole stream) or 60..43200 s */
  record_cycle: Int('record_cycle')
    .refine((v) => v === 0 || (v >= 60 && v <= 43200), 'HLS record_cycle is 0 or 60..43200')
    .optional(),
  record_prefix: z.string().min(1).max(512).optional(),
  record_slice_duration: Int('record_slice_duration').min(2).max(60).optional(),
  /** -1 (append across gaps up to 30 days) .. 300 s */
  record_max_duration_to_merge_file: Int('record_max_duration_to_merge_file').min(-1).max(300).optional(),
});
export type HLSRecordConfig = z.infer<typeof HLSRecordConfig>;

export const MP4RecordConfig = z.strictObject({
  /** 60..10800 s; the service used 7200 when absent (§18.9) */
  record_cycle: Int('record_cycle').min(60, 'MP4 record_cycle is 60..10800').max(10800, 'MP4 record_cycle is 60..10800').optional(),
  record_prefix: z.string().min(1).max(512).optional(),
  record_max_duration_to_merge_file: Int('record_max_duration_to_merge_file').min(0).max(300).optional(),
});
export type MP4RecordConfig = z.infer<typeof MP4RecordConfig>;

/** POST /record-rules (upsert per location) and PUT /record-rules/{rule_id} (full replacement). */
export const RecordRuleRequest = z
  .strictObject({
    obs_addr: RecordObsFileAddr,
    record_formats: z.array(z.enum(RECORD_FORMATS)).min(1, 'record_formats is empty').max(2),
    hls_config: HLSRecordConfig.optional(),
    mp4_config: MP4RecordConfig.optional(),
  })
  .superRefine((r, ctx) => {
    if (new Set(r.record_formats).size !== r.record_formats.length) {
      ctx.addIssue({ code: 'custom', path: ['record_formats'], message: 'a format is listed twice', params: { rtc: 'RTC.00001003' } });
    }
    if (r.record_formats.includes('HLS') && !r.hls_config) {
      ctx.addIssue({ code: 'custom', path: ['hls_config'], message: 'HLS is listed, so hls_config must be sent', params: { rtc: 'RTC.00001004' } });
    }
    if (r.record_formats.includes('MP4') && !r.mp4_config) {
      ctx.addIssue({ code: 'custom', path: ['mp4_config'], message: 'MP4 is listed, so mp4_config must be sent', params: { rtc: 'RTC.00001004' } });
    }
  });
export type RecordRuleRequest = z.infer<typeof RecordRuleRequest>;
export type RecordRuleInput = z.input<typeof RecordRuleRequest>;

// ---- responses (tolerant) ----

export const RecordRule = z.looseObject({
  rule_id: z.string(),
  app_id: z.string().optional(),
  obs_addr: z.looseObject({ location: z.string().optional(), project_id: z.string().optional(), bucket: z.string().optional(), object: z.string().optional() }).optional(),
  record_formats: z.array(z.string()).optional(),
  hls_config: z
    .looseObject({
      record_cycle: z.number().optional(),
      record_prefix: z.string().optional(),
      record_slice_duration: z.number().optional(),
      record_max_duration_to_merge_file: z.number().optional(),
    })
    .nullish(),
  mp4_config: z.looseObject({ record_cycle: z.number().optional(), record_prefix: z.string().optional(), record_max_duration_to_merge_file: z.number().optional() }).nullish(),
  create_time: z.string().optional(),
  update_time: z.string().optional(),
});
export type RecordRule = z.infer<typeof RecordRule>;

export const RecordRuleList = z.looseObject({
  rules: z
    .array(RecordRule)
    .nullish()
    .transform((r) => r ?? []),
});

export const ListQuery = z.strictObject({
  offset: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(100).optional(),
});
export type ListQuery = z.infer<typeof ListQuery>;

/**
 * Expands a record_prefix into the object path of one file (without extension). `{record_format}` is
 * lower case; the undocumented `{publish_domain}`, `{app}` and `{record_type}` of the §4 example response
 * are expanded as the public user guide's download URLs show them (§9).
 */
export function expandRecordPrefix(template: string, v: { appId: string; format: RecordFormat; stream: string; fileStartTime: string }): string {
  return template
    .replaceAll('{app_id}', v.appId)
    .replaceAll('{record_format}', v.format.toLowerCase())
    .replaceAll('{stream}', v.stream)
    .replaceAll('{file_start_time}', v.fileStartTime)
    .replaceAll('{publish_domain}', `${v.appId}.SparkRTC.myhuaweicloud.com`)
    .replaceAll('{app}', 'live')
    .replaceAll('{record_type}', 'continuous_record');
}

/** `YYYY-MM-DD-HH-mm-ss` (UTC), the file-start stamp of the public user guide's examples. */
export function fileStartStamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)}-${iso.slice(11, 13)}-${iso.slice(14, 16)}-${iso.slice(17, 19)}`;
}
