/**
 * One interface over SparkRTC's two job kinds (single-stream "individual" and mixed-stream jobs): start
 * with the §17.2 protocol, query, change, stop. The session (./session.ts) drives either.
 *
 * The start is not idempotent and SparkRTC has no job list (sparkrtc.md §1, §17.2): an ambiguous start
 * (lost answer, 5xx, 409, or RTC.00001006 JobRunning) is never simply repeated. The kernel's
 * createWithReconcile waits (bounded) for a callback naming a job of this session's key (room and kind,
 * user for single jobs); that job is read back and adopted only if it is the one a start of ours could
 * have created (same room/user/video, created after our first start). Only when no such job showed up is
 * the start repeated; JobRunning then means the job exists, so the wait goes on. One business session
 * never owns two jobs.
 */
import { ApplicationFailure, condition, log } from '@temporalio/workflow';
import { Alarm } from '../lib/loop';
import type { SparkRtcJobView, SparkRtcRecordingActivities, SparkRtcStartInput } from '../../activities/sparkrtc-recording';
import { isJobGone, isJobRunningConflict, RECONCILE_SKEW_MS, type JobKey } from '../../src/sparkrtc/meanings';
import type { SparkRtcLayout, SparkRtcRecordingParams, SparkRtcRecordingState } from '../../src/schemas/workflows/sparkrtc-recording';
import { describe, vendorInfo } from '../lib/failures';
import { createWithReconcile } from '../lib/reconcile';
import { activitiesOf } from '../lib/retry';

const calls = activitiesOf<SparkRtcRecordingActivities>('call');
const creates = activitiesOf<SparkRtcRecordingActivities>('create');
const cleanups = activitiesOf<SparkRtcRecordingActivities>('cleanup');
/** the steady-state poll's read: a local activity (../lib/retry.ts) */
const reads = activitiesOf<SparkRtcRecordingActivities>('read');

/** Jobs named by callbacks while the session holds none: what a reconcile looks at, in arrival order. */
export class Candidates {
  private readonly seen: string[] = [];
  private readonly checked = new Set<string>();

  add(jobId: string): void {
    if (!this.seen.includes(jobId)) this.seen.push(jobId);
  }

  /** the next one not looked at yet */
  next(): string | undefined {
    return this.seen.find((id) => !this.checked.has(id));
  }

  checkedNow(jobId: string): void {
    this.checked.add(jobId);
  }
}

export interface SparkRtcVendor {
  readonly key: JobKey;
  /** starts the job (reconciling an ambiguous start); `reconciling` is told while a reconcile waits */
  start(reconciling: (on: boolean) => void): Promise<SparkRtcJobView>;
  /** the job a cancelled or failed start may have created, if a callback named it already (no waiting) */
  findStarted(): Promise<SparkRtcJobView | undefined>;
  query(jobId: string): Promise<SparkRtcJobView>;
  updateLayout(jobId: string, layout: SparkRtcLayout): Promise<void>;
  updateRecordRule(jobId: string, recordRuleId: string): Promise<void>;
  /** DELETE; JobDone / JobNotExist count as stopped */
  stop(jobId: string): Promise<string>;
  appId(): Promise<string>;
}

export function sparkRtcVendor(input: SparkRtcRecordingParams, s: SparkRtcRecordingState, candidates: Candidates): SparkRtcVendor {
  const profile = input.profile;
  const kind = input.kind;
  const key: JobKey = { kind, room: input.channel, userId: input.userId };
  const videoType = input.videoType ?? 'CAMERASTREAM';
  const released = () => new Set(s.jobs.map((j) => j.jobId));

  const startInput = (): SparkRtcStartInput => ({
    profile,
    kind,
    room: input.channel,
    recordRuleId: s.recordRule.value ?? input.recordRuleId,
    maxIdleTime: input.maxIdleTime,
    ...(kind === 'single'
      ? { userId: input.userId, videoType, recordAudio: input.recordAudio, streamType: input.streamType }
      : { encodeTemplate: input.encodeTemplate, layout: s.layout.value }),
  });

  /** Whether a job a callback named is the one a start of ours could have created. */
  const ours = (job: SparkRtcJobView): boolean => {
    if (released().has(job.jobId)) return false;
    if (job.room !== undefined && job.room !== input.channel) return false;
    if (kind === 'single' && (job.userId !== input.userId || (job.videoType ?? 'CAMERASTREAM') !== videoType)) return false;
    // a job created before our first start is someone else's (another session, auto-record, an old job)
    return job.createdAt === undefined || s.startRequestedAt === undefined || job.createdAt >= s.startRequestedAt - RECONCILE_SKEW_MS;
  };

  /** Looks at every candidate not looked at yet; the first that is ours. */
  const adoptable = async (): Promise<SparkRtcJobView | undefined> => {
    for (let id = candidates.next(); id !== undefined; id = candidates.next()) {
      candidates.checkedNow(id);
      try {
        const job = await calls.querySparkRtcJob({ profile, kind, jobId: id });
        if (ours(job)) return job;
        log.info('a job of this room is not the one our start created; left alone', { jobId: id });
      } catch (err) {
        if (!isJobGone(vendorInfo(err))) throw err;
      }
    }
    return undefined;
  };

  /** Waits up to `ms` for a callback naming our job. */
  const reconcile = async (ms: number): Promise<SparkRtcJobView | undefined> => {
    const until = Date.now() + ms;
    const timeUp = new Alarm();
    try {
      for (;;) {
        const found = await adoptable();
        if (found) {
          log.info('adopted the job an ambiguous start created (its callback named it)', { jobId: found.jobId });
          return found;
        }
        if (timeUp.due(until)) return undefined;
        const left = until - Date.now();
        const woken = await condition(() => candidates.next() !== undefined || timeUp.rang, left > 0 ? left : ms);
        if (!woken) return undefined;
      }
    } finally {
      timeUp.clear();
    }
  };

  return {
    key,
    async start(reconciling) {
      let last: unknown;
      const create = async () => {
        try {
          return await creates.startSparkRtcJob(startInput());
        } catch (err) {
          last = err;
          throw err;
        }
      };
      try {
        return await createWithReconcile(create, {
          what: `${kind} job start`,
          attempts: input.maxStartAttempts,
          backoffMs: () => 500,
          reconcile: async () => {
            reconciling(true);
            try {
              // JobRunning: the job exists (most likely from our lost answer): wait for its callback longer
              return await reconcile(isJobRunningConflict(vendorInfo(last)) ? input.reconcileTimeoutMs * 2 : input.reconcileTimeoutMs);
            } finally {
              reconciling(false);
            }
          },
        });
      } catch (err) {
        if (!isJobRunningConflict(vendorInfo(err))) throw err;
        // never start a second job, never adopt one that may be another session's
        throw ApplicationFailure.create({
          type: 'JobUnidentified',
          message: `SparkRTC answers JobRunning for ${kind} recording of room ${input.channel}${kind === 'single' ? ` user ${input.userId}` : ''} but no callback named its job within the reconcile window: check by hand (it ends after max_idle_time without publishers): ${describe(err)}`,
          nonRetryable: true,
        });
      }
    },
    findStarted: () => adoptable(),
    query: (jobId) => reads.querySparkRtcJob({ profile, kind, jobId }),
    async updateLayout(jobId, layout) {
      await calls.updateSparkRtcLayout({ profile, kind, jobId, layout });
    },
    updateRecordRule: (jobId, recordRuleId) => calls.updateSparkRtcRecordRule({ profile, kind, jobId, recordRuleId }),
    stop: async (jobId) => (await cleanups.stopSparkRtcJob({ profile, kind, jobId })).outcome,
    appId: async () => (await calls.sparkRtcAppOf({ profile })).appId,
  };
}
