/**
 * What SparkRTC's answers and callbacks mean for a recording session (sparkrtc.md §5, §7, §8, §14, §16,
 * §17), as named questions the workflow asks. Pure: no I/O and no Node imports, so workflow code imports
 * it; the calls themselves live in src/sparkrtc/jobs.ts and their error table in src/sparkrtc/errors.ts.
 * Workflows never test raw SparkRTC codes, states or event names themselves.
 */
import type { VendorErrorInfo } from '../http/errors';
import { CLOUD_RECORD_OVER, parseStreamName } from '../workflow-schemas';

// ---- codes (§14.2, §17.3) ----

/** JobRunning: a start met a live job for this key (§17.2): probably ours from a lost answer — reconcile. */
export const JOB_RUNNING = 'RTC.00001006';
/** JobNotExist */
export const JOB_NOT_EXIST = 'RTC.00001008';
/** JobDone: cancelled or completed. On stop: stopped; on an update: final (the job will not take it). */
export const JOB_DONE = 'RTC.00001009';
/** The job is still initialising: the operation can be done a few seconds later. */
export const JOB_NOT_INITIALISED = 'RTC.00001022';

/**
 * §17.3 "retryable, with backoff": throttling, job not initialised yet, the internal errors (a create goes
 * through the reconcile of §17.2 instead), JobExceed (long backoff) and an unreachable callback URL.
 */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  'APIG.0308',
  JOB_NOT_INITIALISED,
  'RTC.00002001',
  'RTC.00002002',
  'RTC.00002004',
  'RTC.00002006',
  'RTC.00001007',
  'RTC.00001018',
]);
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 502, 503, 504]);

const codeOf = (i: VendorErrorInfo | undefined): string | undefined => (i?.code === undefined ? undefined : String(i.code));
const isSpark = (i: VendorErrorInfo | undefined): i is VendorErrorInfo => i?.vendor === 'sparkrtc';

/** A failure §17.3 calls retryable (by code, or by status when there is no known code). */
export function isRetryableAnswer(i: VendorErrorInfo | undefined): boolean {
  if (!isSpark(i)) return false;
  const code = codeOf(i);
  if (code !== undefined && RETRYABLE_CODES.has(code)) return true;
  return i.httpStatus === undefined || RETRYABLE_STATUSES.has(i.httpStatus);
}

/** RTC.00001006 on a start: a live job holds this key — never start another, wait for its callback. */
export const isJobRunningConflict = (i: VendorErrorInfo | undefined): boolean => isSpark(i) && codeOf(i) === JOB_RUNNING;

/** RTC.00001022: the job is INIT; the same call is tried again later (a stop, a layout, a rule change). */
export const isNotInitialised = (i: VendorErrorInfo | undefined): boolean => isSpark(i) && codeOf(i) === JOB_NOT_INITIALISED;

/** RTC.00001009 on an update: the job has stopped; the change is refused for good (never retried). */
export const isJobDone = (i: VendorErrorInfo | undefined): boolean => isSpark(i) && codeOf(i) === JOB_DONE;

/**
 * A 404 about the job (JobNotExist; the document's own 404 example carries RTC.00001003). An unknown app
 * (RTC.00001015) or an unknown route (APIG.*) is a configuration problem, never "gone".
 */
export function isJobGone(i: VendorErrorInfo | undefined): boolean {
  if (!isSpark(i) || i.httpStatus !== 404) return false;
  const code = codeOf(i);
  return code === undefined || code === JOB_NOT_EXIST || code === 'RTC.00001003';
}

/** On a stop: 204, JobDone and JobNotExist all mean "stopped" (§17.1). */
export const meansStopped = (i: VendorErrorInfo | undefined): boolean => isJobDone(i) || isJobGone(i);

// ---- job states (§16) ----

export type JobVerdict = 'starting' | 'running' | 'stopped' | 'unknown';

/** INIT → starting (the session's `confirming`), RUNNING → running, STOPPED → stopped; anything else: unknown. */
export function jobVerdict(state: string | undefined): JobVerdict {
  if (state === 'INIT') return 'starting';
  if (state === 'RUNNING') return 'running';
  if (state === 'STOPPED') return 'stopped';
  return 'unknown';
}

/** Why a job that stopped without our asking ended (stop_reason, §16.1). */
export function stopReasonText(stopReason: string | undefined, description?: string): string {
  const why =
    stopReason === 'EXCEED_MAX_IDLE_TIME'
      ? 'nobody published for longer than max_idle_time'
      : stopReason === 'INTERNAL_ERROR'
        ? 'the recorder failed'
        : stopReason === 'TENANT_STOP'
          ? 'stopped through the API'
          : 'the job stopped';
  return `${stopReason ?? 'STOPPED'}: ${description ?? why}`;
}

/** The reason a job that can no longer be found is taken as ended. */
export const JOB_GONE_REASON = 'the job no longer exists (query answered JobNotExist)';

// ---- callbacks (§5.3, §9, §17.7) ----

export type CallbackKind = 'file-start' | 'file-complete' | 'job-over' | 'other';

/** The event type, either spelling of the end-of-job event and the seed's typo included (§18.5). */
export function callbackKind(eventType: string | undefined): CallbackKind {
  if (eventType === 'RECORD_NEW_FILE_START' || eventType === 'RECORD_NEW_FILE_STAR') return 'file-start';
  if (eventType === 'RECORD_FILE_COMPLETE') return 'file-complete';
  if (eventType === 'CLOUD_RECORD_SERVER_OVER' || eventType === CLOUD_RECORD_OVER) return 'job-over';
  return 'other';
}

/** Which jobs a session records: the key its callbacks are matched against. */
export interface JobKey {
  kind: 'single' | 'mix';
  room: string;
  /** single jobs */
  userId?: string;
}

/**
 * Whether a callback's stream name is a job of this key: `m_{job}_{room}` for mixed jobs,
 * `s_{job}_{room}_{user}` for single jobs (auto-record streams are never ours). Returns the job ID.
 */
export function jobOfStream(streamName: string | undefined, key: JobKey): string | undefined {
  if (!streamName) return undefined;
  const info = parseStreamName(streamName, { roomId: key.room });
  if (!info || info.kind === 'auto' || info.roomId !== key.room) return undefined;
  if (key.kind === 'mix') return info.kind === 'mix' ? info.jobId : undefined;
  return info.kind === 'individual' && info.userId === key.userId ? info.jobId : undefined;
}

/** A job found by callback must have been created after the start that may have created it (clock skew allowed). */
export const RECONCILE_SKEW_MS = 10_000;
