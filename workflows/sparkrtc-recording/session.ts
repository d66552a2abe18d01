/**
 * The steps of one SparkRTC recording session (sparkrtc.md §7, §8, §16, §17) on the session kernel
 * (workflows/lib/): start the job (reconciling an ambiguous start, ./vendor.ts), confirm it leaves INIT,
 * keep the desired layout (mix) or record rule (single) applied one PUT at a time, watch it, stop it and
 * drain its last files. Every vendor call is made from the main loop; handlers only record what is
 * wanted or what a callback said. What SparkRTC's answers mean is asked of src/sparkrtc/meanings.ts.
 */
import { ApplicationFailure, isCancellation, log, workflowInfo } from '@temporalio/workflow';
import type { SparkRtcJobView } from '../../activities/sparkrtc-recording';
import { callbackKind, isJobDone, isJobGone, isNotInitialised, isRetryableAnswer, JOB_GONE_REASON, jobOfStream, jobVerdict, stopReasonText } from '../../src/sparkrtc/meanings';
import type {
  SparkRtcFile,
  SparkRtcLayout,
  SparkRtcRecordingOutcome,
  SparkRtcRecordingParams,
  SparkRtcRecordingResult,
  SparkRtcRecordingState,
} from '../../src/schemas/workflows/sparkrtc-recording';
import { confirmRunning, type ProbeVerdict } from '../lib/confirm';
import { continueSession } from '../lib/continue-as-new';
import { desiredSlot, isPending, type ChangeChannel } from '../lib/desired';
import { describe, isTransient, vendorInfo } from '../lib/failures';
import { Alarm, waitUntil, sessionWatch, watch } from '../lib/loop';
import { trackPhase, type PhaseTracker } from '../lib/phase';
import { UsageLedger } from '../lib/usage';
import { SA, stageSearchAttributes, writeSearchAttributes } from '../lib/search-attributes';
import { SessionFrame } from '../lib/session';
import { stopQuietly } from '../lib/stop';
import { SPARKRTC_RECORDING_PRODUCT, type SparkRtcCallback, type SparkRtcRecordingPhase, type SparkRtcRecordingStatus } from './messages';
import { Candidates, sparkRtcVendor, type SparkRtcVendor } from './vendor';

/** A change the job cannot take yet (RTC.00001022 while INIT, a transient failure) is tried again this much later. */
const CHANGE_RETRY_MS = 2_000;

type JobEnd = { kind: 'stop'; reason: string } | { kind: 'ended'; reason: string } | { kind: 'continue' };

export function initialState(input: SparkRtcRecordingParams): SparkRtcRecordingState {
  return {
    deadline: Date.now() + input.maxDurationMs,
    files: [],
    openFiles: [],
    jobOver: false,
    layout: desiredSlot<SparkRtcLayout>(input.layout),
    recordRule: desiredSlot<string>(input.recordRuleId),
    jobs: [],
    unstopped: [],
    updates: 0,
    continuedAsNew: 0,
  };
}

export class SparkRtcRecordingSession {
  readonly phase: PhaseTracker<SparkRtcRecordingPhase>;
  readonly frame: SessionFrame<SparkRtcRecordingResult>;
  readonly vendor: SparkRtcVendor;
  layoutChanges?: ChangeChannel<SparkRtcLayout>;
  ruleChanges?: ChangeChannel<string>;
  // in-memory notes from handlers to the main loop (never carried: handlers finish before continue-as-new)
  private readonly candidates = new Candidates();
  /** what callbacks said about candidates before one was adopted (its first file's start, say) */
  private readonly early = new Map<string, SparkRtcCallback[]>();
  private wake = false;
  private sawFileStart = false;
  private reconciling = false;
  /** no change is sent before this (a change the job could not take yet) */
  private changesRetryAt = 0;
  private readonly retry = new Alarm();
  private readonly deadline = new Alarm();

  constructor(
    readonly input: SparkRtcRecordingParams,
    readonly s: SparkRtcRecordingState,
  ) {
    this.phase = trackPhase<SparkRtcRecordingPhase>(s.jobId ? (jobVerdict(s.jobState) === 'running' ? 'recording' : 'confirming') : 'starting', {
      transient: ['confirming'],
      billing: { ledger: new UsageLedger((s.usage ??= []), 'sparkrtc-recording', 'recordingTime'), phases: ['confirming', 'recording', 'stopping'] },
    });
    stageSearchAttributes([
      { key: SA.vendor, value: 'sparkrtc' },
      { key: SA.product, value: SPARKRTC_RECORDING_PRODUCT },
      { key: SA.channel, value: input.channel },
      ...(s.jobId ? [{ key: SA.sid, value: s.jobId }] : []),
    ]);
    this.frame = new SessionFrame<SparkRtcRecordingResult>(s);
    this.vendor = sparkRtcVendor(input, s, this.candidates);
  }

  // ---- handlers ----

  /** A verified callback: files are taken from it; anything else only wakes the loop (the query decides). */
  onCallback(e: SparkRtcCallback): void {
    const { s } = this;
    if (s.appId && e.app_id && e.app_id !== s.appId) return;
    if (e.room_id !== undefined && e.room_id !== this.input.channel) return;
    const named = jobOfStream(e.stream_name, this.vendor.key);
    const jobId = e.job_id ?? named;
    if (!jobId) return;
    if (!s.jobId) {
      // a start's answer may be lost: a job of our key that callbacks name is a reconcile candidate
      if (named === jobId && !s.jobs.some((j) => j.jobId === jobId)) {
        this.candidates.add(jobId);
        const seen = this.early.get(jobId) ?? [];
        if (seen.length < 100) this.early.set(jobId, [...seen, e]);
        this.wake = true;
      }
      return;
    }
    if (jobId !== s.jobId) return;
    const obj = e.obs_object;
    switch (callbackKind(e.event_type)) {
      case 'file-start':
        this.sawFileStart = true;
        // a replayed start of a file already complete must not reopen it
        if (obj && !s.openFiles.includes(obj) && !s.files.some((f) => f.fileName === obj)) s.openFiles.push(obj);
        break;
      case 'file-complete':
        if (obj) {
          s.openFiles = s.openFiles.filter((o) => o !== obj);
          if (!s.files.some((f) => f.fileName === obj)) s.files.push(fileOf(jobId, obj, e));
        }
        break;
      case 'job-over':
        s.jobOver = true;
        break;
      default:
        break;
    }
    this.wake = true;
  }

  status(): SparkRtcRecordingStatus {
    const { s, input, phase } = this;
    return {
      vendor: 'sparkrtc',
      ...this.frame.statusBase(phase, s),
      channel: input.channel,
      kind: input.kind,
      ...(input.kind === 'single' ? { userId: input.userId, videoType: input.videoType ?? 'CAMERASTREAM' } : {}),
      sid: s.jobId,
      streamName: s.streamName,
      jobState: s.jobState,
      jobStopReason: s.jobStopReason,
      lastQueryAt: s.lastQueryAt,
      reconciling: this.reconciling,
      files: s.files,
      openFiles: s.openFiles.length,
      layout: s.layout.value,
      layoutApplied: !isPending(s.layout),
      appliedLayout: s.layout.vendorValue,
      recordRuleId: s.recordRule.value ?? input.recordRuleId,
      recordRuleApplied: !isPending(s.recordRule),
      segments: s.jobs,
      updates: s.updates,
      usage: this.phase.usage(),
    };
  }

  // ---- the session ----

  async run(): Promise<SparkRtcRecordingResult> {
    return this.frame.run(
      async () => {
        if (!this.s.jobId) await this.startJob();
        const confirmed = await this.confirm();
        const end = confirmed ?? (await this.record());
        if (end.kind === 'continue') return continueSession(this.input, this.s);
        if (end.kind === 'stop') return this.stopAndDrain(end.reason);
        return this.drainAndFinish('ended', end.reason);
      },
      { onCancel: () => this.stopOnCancel(), onFailure: (failure) => this.stopOnFailure(failure), files: (result) => result.files },
    );
  }

  // ---- starting → confirming → recording ----

  private async startJob(): Promise<void> {
    const { s } = this;
    this.phase.set('starting');
    s.appId ??= await this.vendor.appId();
    s.startRequestedAt ??= Date.now();
    const sent = { layout: s.layout.version, rule: s.recordRule.version, layoutValue: s.layout.value, ruleValue: s.recordRule.value };
    const job = await this.vendor.start((on) => {
      this.reconciling = on;
      if (on) this.phase.set('starting', 'the start was not answered: waiting for a callback naming its job');
    });
    this.hold(job);
    // what the start sent is what the job has; a change made meanwhile is still pending
    s.layout.applied = Math.max(s.layout.applied, sent.layout);
    s.layout.vendorValue = sent.layoutValue;
    s.recordRule.applied = Math.max(s.recordRule.applied, sent.rule);
    s.recordRule.vendorValue = sent.ruleValue;
  }

  private hold(job: SparkRtcJobView): void {
    const { s } = this;
    s.jobId = job.jobId;
    s.streamName = job.streamName;
    s.jobState = job.state;
    s.jobStopReason = job.stopReason;
    s.jobDescription = job.description;
    s.startedAt = new Date(job.createdAt ?? Date.now()).toISOString();
    s.files = [];
    s.openFiles = [];
    s.jobOver = false;
    writeSearchAttributes([{ key: SA.sid, value: job.jobId }]);
    // a reconciled job: what its callbacks said before it was adopted
    for (const e of this.early.get(job.jobId) ?? []) this.onCallback(e);
    this.early.clear();
  }

  /** INIT must become RUNNING (query, or a RECORD_NEW_FILE_START) within confirmTimeoutMs. */
  private async confirm(): Promise<JobEnd | undefined> {
    const { s, input } = this;
    if (jobVerdict(s.jobState) === 'running') {
      this.phase.set('recording');
      return undefined;
    }
    if (jobVerdict(s.jobState) !== 'stopped') {
      this.phase.set('confirming', `job ${s.jobId} is ${s.jobState ?? 'starting'}`);
      let gone = false;
      const ok = await confirmRunning({
        probe: async (): Promise<ProbeVerdict> => {
          try {
            const v = jobVerdict((await this.query()).state);
            return v === 'running' ? 'running' : v === 'stopped' ? 'exited' : 'pending';
          } catch (err) {
            if (!isJobGone(vendorInfo(err))) throw err;
            gone = true;
            return 'exited';
          }
        },
        tolerate: (err) => isTransient(err),
        settled: () => this.sawFileStart || jobVerdict(s.jobState) === 'running' || s.stopReason !== undefined,
        timeoutMs: input.confirmTimeoutMs,
        pollMs: input.confirmPollMs,
      });
      if (gone) return { kind: 'ended', reason: JOB_GONE_REASON };
      if (!ok && jobVerdict(s.jobState) !== 'stopped') {
        // still INIT: a recorder that never starts is stopped, never left billing
        await this.stopQuietly('did not leave INIT');
        throw ApplicationFailure.create({
          type: 'JobNotConfirmed',
          message: `job ${s.jobId} did not report RUNNING within ${input.confirmTimeoutMs} ms`,
          nonRetryable: true,
          details: [{ unstopped: s.unstopped }],
        });
      }
    }
    if (jobVerdict(s.jobState) === 'stopped') return { kind: 'ended', reason: stopReasonText(s.jobStopReason, s.jobDescription) };
    if (s.stopReason === undefined) this.phase.set('recording');
    return undefined;
  }

  private async query(): Promise<SparkRtcJobView> {
    const { s } = this;
    const job = await this.vendor.query(s.jobId!);
    s.jobState = job.state;
    s.jobStopReason = job.stopReason;
    s.jobDescription = job.description;
    s.lastQueryAt = new Date().toISOString();
    return job;
  }

  // ---- recording ----

  private changePending(): boolean {
    return (isPending(this.s.layout) || isPending(this.s.recordRule)) && (this.changesRetryAt === 0 || this.retry.due(this.changesRetryAt));
  }

  /** Watches the job until stop, its end or continue-as-new; applies changes in between, one PUT at a time. */
  private record(): Promise<JobEnd> {
    const { s, input } = this;
    return watch<JobEnd>({
      ...sessionWatch(this.frame, this.deadline, s, input),
      work: [() => (this.changePending() ? this.applyOneChange().then(() => 'again' as const) : undefined)],
      wakeWhen: () => this.changePending(),
      wakeAt: () => (isPending(s.layout) || isPending(s.recordRule) ? this.retry.wakeAt(this.changesRetryAt) : Infinity),
      wake: { isSet: () => this.wake, clear: () => (this.wake = false) },
      poll: () => this.poll(),
    });
  }

  /** Sends one pending change (the layout first): the whole desired value. */
  private async applyOneChange(): Promise<void> {
    const { s } = this;
    const lost = (err: unknown) => {
      const info = vendorInfo(err);
      if (isJobDone(info)) {
        // the job has stopped: the change is refused for good, and a query tells how it ended
        this.wake = true;
        return false;
      }
      if (!isNotInitialised(info) && !isRetryableAnswer(info) && !isTransient(err) && !isJobGone(info)) return false;
      // INIT (RTC.00001022), no answer, or gone: still wanted, tried again a little later
      this.changesRetryAt = Date.now() + CHANGE_RETRY_MS;
      if (isJobGone(info)) this.wake = true;
      return true;
    };
    if (isPending(s.layout)) {
      await this.layoutChanges!.apply(
        async (layout) => {
          await this.vendor.updateLayout(s.jobId!, layout);
          s.updates++;
        },
        lost,
        describe,
      );
      return;
    }
    await this.ruleChanges!.apply(
      async (ruleId) => {
        await this.vendor.updateRecordRule(s.jobId!, ruleId);
        s.updates++;
      },
      lost,
      describe,
    );
  }

  /** A query; returns how the job ended, if it did. */
  private async poll(): Promise<JobEnd | undefined> {
    const { s } = this;
    try {
      const job = await this.query();
      const v = jobVerdict(job.state);
      if (v === 'stopped') return { kind: 'ended', reason: stopReasonText(job.stopReason, job.description) };
      if (v === 'running' && this.phase.current === 'confirming') this.phase.set('recording');
      return undefined;
    } catch (err) {
      // not found on a job we hold: it is over (SparkRTC has no failover that answers 404)
      if (isJobGone(vendorInfo(err))) return { kind: 'ended', reason: JOB_GONE_REASON };
      if (isTransient(err)) {
        log.warn('job query failed; recording goes on', { jobId: s.jobId, error: describe(err) });
        return undefined;
      }
      // the vendor refuses to let us watch it (credentials revoked...): stop it rather than let it bill unseen
      return { kind: 'stop', reason: `query failed: ${describe(err)}` };
    }
  }

  // ---- stopping → draining → completed ----

  private recordUnstopped(err: unknown): void {
    const { s } = this;
    if (!s.jobId) return;
    log.error('a SparkRTC job could not be stopped', { jobId: s.jobId, error: describe(err) });
    s.unstopped.push({ jobId: s.jobId, error: describe(err) });
  }

  private stopQuietly(why: string): Promise<void> {
    return stopQuietly(
      () => this.vendor.stop(this.s.jobId!),
      why,
      (err) => this.recordUnstopped(err),
    );
  }

  private async stopAndDrain(reason: string): Promise<SparkRtcRecordingResult> {
    const { s } = this;
    this.phase.set('stopping', reason);
    try {
      // 204, JobDone and JobNotExist all mean stopped; RTC.00001022 (still INIT) is retried by the activity
      await this.vendor.stop(s.jobId!);
    } catch (err) {
      // cancelled while stopping: the cancellation path stops it again, in a non-cancellable scope
      if (isCancellation(err)) throw err;
      this.recordUnstopped(err);
      throw ApplicationFailure.create({
        type: 'StopFailed',
        message: `SparkRTC job ${s.jobId} (room ${this.input.channel}) may still be running: stop failed: ${describe(err)}`,
        nonRetryable: true,
        details: [{ unstopped: s.unstopped }],
      });
    }
    // the stop_reason the job ended with (best effort: the stop itself is done)
    try {
      await this.query();
    } catch (err) {
      if (isCancellation(err)) throw err;
    }
    return this.drainAndFinish('stopped', reason);
  }

  /** The last file is finalised after the stop: wait (bounded) for its RECORD_FILE_COMPLETE and the end-of-job callback. */
  private async drainAndFinish(outcome: SparkRtcRecordingOutcome, reason: string): Promise<SparkRtcRecordingResult> {
    const { s, input } = this;
    const drained = () => s.jobOver && s.openFiles.length === 0;
    let complete = drained();
    if (!complete) {
      this.phase.set('draining', s.openFiles.length ? `waiting for ${s.openFiles.length} file(s) to complete` : 'waiting for the end-of-job callback');
      complete = await waitUntil(drained, input.drainTimeoutMs);
    }
    this.closeJob(reason);
    return this.finish(outcome, reason, complete);
  }

  private closeJob(endReason: string): void {
    const { s } = this;
    if (!s.jobId || s.jobs.some((j) => j.jobId === s.jobId)) return;
    s.jobs.push({
      jobId: s.jobId,
      streamName: s.streamName,
      startedAt: s.startedAt ?? '',
      endedAt: new Date().toISOString(),
      endReason,
      stopReason: s.jobStopReason,
      files: [...s.files],
    });
  }

  private finish(outcome: SparkRtcRecordingOutcome, reason: string, complete: boolean): SparkRtcRecordingResult {
    const { s, input } = this;
    this.phase.set(outcome === 'failed' ? 'failed' : 'completed', reason);
    const last = s.jobs[s.jobs.length - 1];
    return {
      vendor: 'sparkrtc',
      workflowId: workflowInfo().workflowId,
      channel: input.channel,
      kind: input.kind,
      sid: last?.jobId ?? s.jobId,
      streamName: last?.streamName ?? s.streamName,
      outcome,
      reason,
      jobStopReason: s.jobStopReason,
      files: s.jobs.flatMap((j) => j.files),
      uploadingStatus: complete ? 'uploaded' : 'unknown',
      needsReview: !complete,
      segments: s.jobs,
      unstopped: s.unstopped,
      updates: s.updates,
      ...(input.kind === 'mix' && s.layout.vendorValue ? { layout: s.layout.vendorValue } : {}),
      startedAt: s.jobs[0]?.startedAt ?? s.startedAt,
      endedAt: new Date().toISOString(),
      usage: this.phase.usage(),
    };
  }

  // ---- never leak ----

  /** On cancellation: stop the job, including one a start whose answer we never got created (if a callback named it). */
  private async stopOnCancel(): Promise<void> {
    const { s, phase } = this;
    if (phase.current === 'completed' || phase.current === 'failed') return;
    if (!s.jobId && phase.current === 'starting') {
      try {
        const found = await this.vendor.findStarted();
        if (found) s.jobId = found.jobId;
      } catch (err) {
        log.warn('could not look for the job of a start interrupted by cancellation', { error: describe(err) });
      }
    }
    if (!s.jobId) return;
    phase.set('stopping', 'workflow cancelled');
    try {
      await this.vendor.stop(s.jobId);
      phase.set('completed', 'workflow cancelled; job stopped');
    } catch (err) {
      this.recordUnstopped(err);
      phase.set('failed', `workflow cancelled; stop failed: ${describe(err)}`);
    }
  }

  /** Never leave a job running behind a failure. */
  private async stopOnFailure(failure: string): Promise<void> {
    const p = this.phase.current;
    if (!this.s.jobId && p === 'starting') {
      const found = await this.vendor.findStarted().catch(() => undefined);
      if (found) this.s.jobId = found.jobId;
    }
    if (this.s.jobId && p !== 'completed' && p !== 'stopping' && p !== 'draining') await this.stopQuietly(`session failed: ${failure}`);
    if (this.phase.current !== 'completed') this.phase.set('failed', failure);
  }
}

function fileOf(jobId: string, obj: string, e: SparkRtcCallback): SparkRtcFile {
  return {
    fileName: obj,
    jobId,
    ...(e.record_format ? { format: e.record_format } : {}),
    ...(e.file_size !== undefined ? { size: e.file_size } : {}),
    ...(e.record_duration !== undefined ? { durationS: e.record_duration } : {}),
    ...(e.obs_bucket ? { bucket: e.obs_bucket } : {}),
    ...(e.obs_location ? { location: e.obs_location } : {}),
    ...(e.download_url ? { downloadUrl: e.download_url } : {}),
    ...(e.start_time ? { startTime: e.start_time } : {}),
    ...(e.end_time ? { endTime: e.end_time } : {}),
    ...(e.width !== undefined ? { width: e.width } : {}),
    ...(e.height !== undefined ? { height: e.height } : {}),
  };
}
