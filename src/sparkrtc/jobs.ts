/**
 * SparkRTC recording jobs (sparkrtc.md §7, §8, §16): single-stream ("individual") and mixed-stream jobs,
 * each start → query → update/modify → stop. Each function is one REST call; what a response means lives
 * here, the decisions (reconcile an ambiguous start, restart after an idle stop) live in the workflow.
 *
 *   start   not idempotent: no idempotency key, no list API (§17.2). A lost answer, 5xx, 409 or
 *           RTC.00001006 JobRunning is `ambiguous`: reconcile through callbacks before starting again.
 *   query   the source of truth for state (INIT, RUNNING, STOPPED + stop_reason); never lists files.
 *   update  single: only record_param; mixed: the layout (send the complete desired state).
 *           RTC.00001022 (still INIT) is retryable; RTC.00001009 (stopped) is final.
 *   stop    idempotent: 204, RTC.00001009 JobDone and 404 (JobNotExist) all mean "stopped".
 */
import { VendorError } from '../http/errors';
import { parseVendorTime } from '../schemas/sparkrtc/common';
import {
  IndividualStreamJob,
  IndividualStreamJobRequest,
  MixStreamJob,
  MixStreamJobRequest,
  normaliseEncodeTemplate,
  UpdateIndividualStreamJobRequest,
  UpdateMixStreamJobRequest,
  type MixStreamJobInput,
  type UpdateMixParam,
} from '../schemas/sparkrtc/jobs';
import { z } from 'zod';
import { NoBody, requestBody, seg, sparkCall, type SparkRtcContext } from './http';

export const INDIVIDUAL = 'individual-stream-jobs';
export const MIX = 'mix-stream-jobs';
type JobProduct = typeof INDIVIDUAL | typeof MIX;

const jobsPath = (ctx: SparkRtcContext, product: JobProduct) => `/v2/apps/${seg(ctx.appId)}/${product}`;
const jobPath = (ctx: SparkRtcContext, product: JobProduct, jobId: string) => `${jobsPath(ctx, product)}/${seg(jobId)}`;

export interface JobResult<T> {
  job: T;
  requestId: string;
}

// ---- single-stream jobs ----

export async function startIndividualJob(ctx: SparkRtcContext, input: z.input<typeof IndividualStreamJobRequest>): Promise<JobResult<IndividualStreamJob>> {
  const json = requestBody(IndividualStreamJobRequest, input, 'single-stream job');
  const res = await sparkCall(ctx, {
    method: 'POST',
    path: jobsPath(ctx, INDIVIDUAL),
    json,
    site: { product: INDIVIDUAL, operation: 'start', idempotent: false },
    response: IndividualStreamJob,
  });
  return { job: res.body, requestId: res.requestId };
}

export async function getIndividualJob(ctx: SparkRtcContext, jobId: string): Promise<JobResult<IndividualStreamJob>> {
  const res = await sparkCall(ctx, {
    method: 'GET',
    path: jobPath(ctx, INDIVIDUAL, jobId),
    site: { product: INDIVIDUAL, operation: 'query', idempotent: true },
    response: IndividualStreamJob,
  });
  return { job: res.body, requestId: res.requestId };
}

/** Changes the rule new files use (the only mutable field of a single-stream job). */
export async function updateIndividualJob(ctx: SparkRtcContext, jobId: string, input: z.input<typeof UpdateIndividualStreamJobRequest>): Promise<JobResult<IndividualStreamJob>> {
  const json = requestBody(UpdateIndividualStreamJobRequest, input, 'single-stream job update');
  const res = await sparkCall(ctx, {
    method: 'PUT',
    path: jobPath(ctx, INDIVIDUAL, jobId),
    json,
    site: { product: INDIVIDUAL, operation: 'update', idempotent: true },
    response: IndividualStreamJob,
  });
  return { job: res.body, requestId: res.requestId };
}

export function stopIndividualJob(ctx: SparkRtcContext, jobId: string): Promise<StopResult> {
  return stopJob(ctx, INDIVIDUAL, jobId);
}

// ---- mixed-stream jobs ----

/** Starts a mixed job; the encode template is sent in the schema's `*` form (sparkrtc.md §18.1). */
export async function startMixJob(ctx: SparkRtcContext, input: MixStreamJobInput): Promise<JobResult<MixStreamJob>> {
  const json = requestBody(MixStreamJobRequest, input, 'mixed-stream job');
  json.mix_param.encode_template = normaliseEncodeTemplate(json.mix_param.encode_template);
  const res = await sparkCall(ctx, {
    method: 'POST',
    path: jobsPath(ctx, MIX),
    json,
    site: { product: MIX, operation: 'start', idempotent: false },
    response: MixStreamJob,
  });
  return { job: normaliseMixJob(res.body), requestId: res.requestId };
}

export async function getMixJob(ctx: SparkRtcContext, jobId: string): Promise<JobResult<MixStreamJob>> {
  const res = await sparkCall(ctx, {
    method: 'GET',
    path: jobPath(ctx, MIX, jobId),
    site: { product: MIX, operation: 'query', idempotent: true },
    response: MixStreamJob,
  });
  return { job: normaliseMixJob(res.body), requestId: res.requestId };
}

/**
 * Changes the layout of a running mixed job (§8.4). Send the complete desired state of every field you
 * change (the whole `layout_panes` list); a repeat of the same PUT is harmless.
 */
export async function updateMixJob(ctx: SparkRtcContext, jobId: string, mixParam: UpdateMixParam): Promise<JobResult<MixStreamJob>> {
  const json = requestBody(UpdateMixStreamJobRequest, { mix_param: mixParam }, 'mixed-stream job update');
  const res = await sparkCall(ctx, {
    method: 'PUT',
    path: jobPath(ctx, MIX, jobId),
    json,
    site: { product: MIX, operation: 'update', idempotent: true },
    response: MixStreamJob,
  });
  return { job: normaliseMixJob(res.body), requestId: res.requestId };
}

export function stopMixJob(ctx: SparkRtcContext, jobId: string): Promise<StopResult> {
  return stopJob(ctx, MIX, jobId);
}

// ---- stop ----

export type StopOutcome =
  /** 204: the job is stopping now (TENANT_STOP); its last file is finalised afterwards */
  | 'stopped'
  /** RTC.00001009 JobDone or 404 JobNotExist: a previous stop, the idle timeout or an error ended it */
  | 'already_stopped';

export interface StopResult {
  outcome: StopOutcome;
  requestId: string;
  /** the vendor code behind already_stopped */
  code?: string;
}

async function stopJob(ctx: SparkRtcContext, product: JobProduct, jobId: string): Promise<StopResult> {
  try {
    const res = await sparkCall(ctx, {
      method: 'DELETE',
      path: jobPath(ctx, product, jobId),
      // stopping twice is harmless (JobDone / JobNotExist), so a lost answer may be retried
      site: { product, operation: 'stop', idempotent: true },
      response: NoBody,
    });
    return { outcome: 'stopped', requestId: res.requestId };
  } catch (err) {
    if (isAlreadyStopped(err)) return { outcome: 'already_stopped', requestId: err.info.requestId ?? '', code: String(err.info.code ?? err.info.httpStatus) };
    throw err;
  }
}

/**
 * JobDone, or a 404 about the job. A 404 for an unknown app (RTC.00001015) or an unknown route (APIG.*)
 * is a configuration problem, not a stopped job. The document's own 404 example carries RTC.00001003.
 */
export function isAlreadyStopped(err: unknown): err is VendorError {
  if (!(err instanceof VendorError) || err.info.vendor !== 'sparkrtc') return false;
  const code = err.info.code === undefined ? undefined : String(err.info.code);
  if (code === 'RTC.00001009') return true;
  if (err.info.httpStatus !== 404) return false;
  return code === undefined || code === 'RTC.00001008' || code === 'RTC.00001003';
}

// ---- reading jobs ----

/** The encode template in the canonical `*` form, whichever form the service echoed. */
export function normaliseMixJob(job: MixStreamJob): MixStreamJob {
  const t = job.mix_param?.encode_template;
  return t && job.mix_param ? { ...job, mix_param: { ...job.mix_param, encode_template: normaliseEncodeTemplate(t) } } : job;
}

export interface JobTimes {
  createdAt?: number;
  startedAt?: number;
  /** undefined while the job has not stopped (the zero time) */
  stoppedAt?: number;
  updatedAt?: number;
}

export function jobTimes(job: { create_time?: string; start_time?: string; stop_time?: string; update_time?: string }): JobTimes {
  return {
    createdAt: parseVendorTime(job.create_time),
    startedAt: parseVendorTime(job.start_time),
    stoppedAt: parseVendorTime(job.stop_time),
    updatedAt: parseVendorTime(job.update_time),
  };
}
