/**
 * SparkRTC recording activities (single-stream and mixed-stream jobs, sparkrtc.md §7, §8): one vendor
 * call each, through the typed client in src/sparkrtc/jobs.ts. The profile NAME is resolved here (AK/SK,
 * or an IAM password and the token it buys, cached per profile in this worker), so no credential reaches
 * an input, a result or the workflow history; answers are reduced to what the session needs (no app_key,
 * no auth_key).
 */
import { resolveSparkRtcProfile } from '../src/config';
import { createSparkRtcContext, type SparkRtcContext } from '../src/sparkrtc/http';
import * as jobs from '../src/sparkrtc/jobs';
import { parseVendorTime } from '../src/schemas/sparkrtc/common';
import type { IndividualStreamJob, MixStreamJob } from '../src/schemas/sparkrtc/jobs';
import type { SingleVideoType, SparkRtcLayout, SparkRtcRecordingKind } from '../src/schemas/workflows/sparkrtc-recording';
import type { ActivityDeps } from './deps';
import { vendorCall } from './errors';

/** What a start needs besides credentials. */
export interface SparkRtcStartInput {
  profile: string;
  kind: SparkRtcRecordingKind;
  room: string;
  recordRuleId: string;
  maxIdleTime: number;
  /** single */
  userId?: string;
  videoType?: SingleVideoType;
  recordAudio?: boolean;
  streamType?: 'LD' | 'SD' | 'HD' | 'FHD';
  /** mix */
  encodeTemplate?: string;
  layout?: SparkRtcLayout;
}

export interface SparkRtcJobRef {
  profile: string;
  kind: SparkRtcRecordingKind;
  jobId: string;
}

/** A job as the session reads it (no secrets: the job object carries none). */
export interface SparkRtcJobView {
  jobId: string;
  streamName?: string;
  /** the profile's app: callbacks of other apps are not this session's */
  appId?: string;
  room?: string;
  userId?: string;
  videoType?: string;
  state: string;
  stopReason?: string;
  description?: string;
  /** epoch ms (create_time) */
  createdAt?: number;
  /** epoch ms (update_time: the last layout change of a mixed job) */
  updatedAt?: number;
  recordRuleId?: string;
}

function view(job: IndividualStreamJob | MixStreamJob): SparkRtcJobView {
  const single = job as IndividualStreamJob;
  return {
    jobId: job.job_id,
    streamName: job.stream_name,
    appId: job.app_id,
    room: job.room_id,
    userId: single.user_id,
    videoType: single.video_type,
    state: job.state,
    stopReason: job.stop_reason || undefined,
    description: job.description || undefined,
    createdAt: parseVendorTime(job.create_time),
    updatedAt: parseVendorTime(job.update_time),
    recordRuleId: job.record_param?.record_rule_id,
  };
}

export function createSparkRtcRecordingActivities(deps: ActivityDeps) {
  // one context per profile: an IAM token is fetched once and reused until shortly before it expires
  const contexts = new Map<string, { profile: unknown; ctx: SparkRtcContext }>();
  const ctx = (name: string): SparkRtcContext => {
    const profile = resolveSparkRtcProfile(deps.config, name);
    const cached = contexts.get(name);
    if (cached && cached.profile === profile) return cached.ctx;
    const created = createSparkRtcContext(profile, deps.http, { projectName: profile.region });
    contexts.set(name, { profile, ctx: created });
    return created;
  };

  return {
    /**
     * POST a single- or mixed-stream job. Not idempotent (§17.2): a lost answer, a 5xx, a 409 or JobRunning
     * comes back as an ambiguous, non-retryable failure so the workflow reconciles before any new start.
     */
    async startSparkRtcJob(input: SparkRtcStartInput): Promise<SparkRtcJobView> {
      return vendorCall(async () => {
        const c = ctx(input.profile);
        const record_param = { record_rule_id: input.recordRuleId };
        if (input.kind === 'single') {
          const { job } = await jobs.startIndividualJob(c, {
            room_id: input.room,
            user_id: input.userId!,
            video_type: input.videoType ?? 'CAMERASTREAM',
            is_record_audio: input.recordAudio ?? true,
            ...(input.streamType ? { select_stream_type: input.streamType } : {}),
            max_idle_time: input.maxIdleTime,
            record_param,
          });
          return { ...view(job), appId: job.app_id ?? c.appId };
        }
        const { job } = await jobs.startMixJob(c, {
          mix_param: { room_id: input.room, encode_template: input.encodeTemplate!, max_idle_time: input.maxIdleTime, ...(input.layout ?? {}) },
          record_param,
        });
        return { ...view(job), appId: job.app_id ?? c.appId };
      });
    },

    /** The app this profile's jobs run in (to tell this session's callbacks from other apps'). */
    async sparkRtcAppOf(input: { profile: string }): Promise<{ appId: string }> {
      return vendorCall(async () => ({ appId: ctx(input.profile).appId }));
    },

    /** GET the job: the source of truth for its state (§17.7). */
    async querySparkRtcJob(ref: SparkRtcJobRef): Promise<SparkRtcJobView> {
      return vendorCall(async () => {
        const c = ctx(ref.profile);
        const { job } = ref.kind === 'single' ? await jobs.getIndividualJob(c, ref.jobId) : await jobs.getMixJob(c, ref.jobId);
        return view(job);
      });
    },

    /** PUT the whole layout of a mixed job (§8.4: the complete pane list, every time). */
    async updateSparkRtcLayout(input: SparkRtcJobRef & { layout: SparkRtcLayout }): Promise<{ updatedAt?: number }> {
      return vendorCall(async () => {
        const { job } = await jobs.updateMixJob(ctx(input.profile), input.jobId, { ...input.layout });
        return { updatedAt: parseVendorTime(job.update_time) };
      });
    },

    /** PUT the rule a single job writes new files with (its only mutable field, §7.3). */
    async updateSparkRtcRecordRule(input: SparkRtcJobRef & { recordRuleId: string }): Promise<void> {
      await vendorCall(() => jobs.updateIndividualJob(ctx(input.profile), input.jobId, { record_param: { record_rule_id: input.recordRuleId } }));
    },

    /** DELETE the job: 204 = stopped now; JobDone / JobNotExist = it had stopped already (§17.1). */
    async stopSparkRtcJob(ref: SparkRtcJobRef): Promise<{ outcome: jobs.StopOutcome; code?: string }> {
      return vendorCall(async () => {
        const c = ctx(ref.profile);
        const r = ref.kind === 'single' ? await jobs.stopIndividualJob(c, ref.jobId) : await jobs.stopMixJob(c, ref.jobId);
        return { outcome: r.outcome, ...(r.code ? { code: r.code } : {}) };
      });
    },
  };
}

export type SparkRtcRecordingActivities = ReturnType<typeof createSparkRtcRecordingActivities>;
