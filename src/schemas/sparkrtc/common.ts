/**
 * What every SparkRTC payload shares (sparkrtc.md §1, §14): the error body, the error-code table,
 * vendor timestamps and lenient IDs. Pure zod, no Node imports: the workflow sandbox, the client and the
 * emulator all import these.
 */
import { z } from 'zod';

/** `{"error_code": "RTC.00001003", "error_msg": "InvalidParameterValue"}` on every API (§1). */
export const ErrorBody = z.looseObject({
  error_code: z.union([z.string(), z.number()]).transform(String).optional(),
  error_msg: z.string().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** The documented SparkRTC error codes (§14.2): HTTP status and the vendor's error_msg. */
export const RTC_ERRORS = {
  'RTC.00001001': { status: 400, msg: 'OperationUnauthorized: get DomainID fail please check X-Auth-Token or AK/SK' },
  'RTC.00001002': { status: 400, msg: 'MalformedRequestBody: json parsing failed' },
  'RTC.00001003': { status: 400, msg: 'InvalidParameterValue' },
  'RTC.00001004': { status: 400, msg: 'InvalidParameterCombination' },
  'RTC.00001005': { status: 400, msg: 'MissingParameter' },
  'RTC.00001006': { status: 400, msg: 'JobRunning: job exists and is not over' },
  'RTC.00001007': { status: 400, msg: 'JobExceed: the number of jobs exceeds the upper limit' },
  'RTC.00001008': { status: 404, msg: 'JobNotExist: job does not exist' },
  'RTC.00001009': { status: 400, msg: 'JobDone: task canceled or completed' },
  'RTC.00001010': { status: 400, msg: 'LayoutTemplateNotExist: layout template not exist under your app' },
  'RTC.00001011': { status: 404, msg: 'RecordRuleNotExist: record rule not exist under your app' },
  'RTC.00001012': { status: 400, msg: 'UnsupportRegion: rtc does not provide services in the region' },
  'RTC.00001013': { status: 400, msg: 'RuleForbiddenDelete: rule is associated with backup rule' },
  'RTC.00001014': { status: 404, msg: 'BucketNotExist: bucket does not exist' },
  'RTC.00001015': { status: 404, msg: 'AppNotExist: app does not exist under your account' },
  'RTC.00001016': { status: 400, msg: 'AppDeactivation: app is stopped' },
  'RTC.00001017': { status: 400, msg: 'AppsExceed: app num exceed' },
  'RTC.00001018': { status: 400, msg: 'URL unavailable: The callback URL is unavailable.' },
  'RTC.00001019': { status: 400, msg: 'RecordRuleExist: record rule of the app exists' },
  'RTC.00001020': { status: 400, msg: 'AppExist: app exists' },
  'RTC.00001021': { status: 400, msg: "NoPermission: policy doesn't allow action to be performed" },
  'RTC.00001022': { status: 400, msg: 'job is not initialized' },
  'RTC.00002001': { status: 500, msg: 'InternalError.GeneratorIDError' },
  'RTC.00002002': { status: 500, msg: 'InternalError.DbErr' },
  'RTC.00002003': { status: 500, msg: 'InternalError.Transcode4xxError' },
  'RTC.00002004': { status: 500, msg: 'InternalError.Transcode5xxError' },
  'RTC.00002005': { status: 500, msg: 'InternalError.Live4xxError' },
  'RTC.00002006': { status: 500, msg: 'InternalError.Live5xxError' },
} as const;
export type RtcErrorCode = keyof typeof RTC_ERRORS;

/** API gateway codes seen in practice (sparkrtc.md §1, §14.1) [NOT IN SEED]. */
export const APIG_ERRORS = {
  /** authentication failed (bad signature, stale X-Sdk-Date, unknown AK, bad or expired token) */
  'APIG.0301': { status: 401, msg: 'Incorrect IAM authentication information' },
  /** the API does not exist */
  'APIG.0101': { status: 404, msg: 'The API does not exist or has not been published in the environment' },
  /** throttled */
  'APIG.0308': { status: 429, msg: 'The throttling threshold has been reached' },
} as const;

/** A Go zero time: "not set" (§1). */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Epoch ms of a vendor timestamp; undefined for absent, the zero time, "-" and unparsable values. */
export function parseVendorTime(value: string | undefined | null): number | undefined {
  if (!value || value === '-' || value.startsWith('0001-01-01')) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** UTC ISO-8601 with milliseconds, as the jobs and rules APIs write it. */
export function vendorTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** IDs are strings, but some examples show numbers: accept both, keep a string. */
export const LooseId = z.union([z.string(), z.number()]).transform(String);

/** Path-segment IDs (app, job, rule, room) as the client sends them. */
export const PathId = z
  .string()
  .min(1, 'must not be empty')
  .max(256)
  .refine((s) => !s.includes('/'), 'must not contain "/"');

export const RecordParam = z.strictObject({ record_rule_id: z.string().min(1, 'record_rule_id is empty') });
export type RecordParam = z.infer<typeof RecordParam>;

export const RecordParamOut = z.looseObject({ record_rule_id: z.string().optional() });
