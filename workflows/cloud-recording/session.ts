/**
 * The steps of one Agora Cloud Recording session (agora.md §2, §14.1), on the session kernel
 * (workflows/lib/). Every vendor call is made from the main loop (`run`), one at a time; handlers only
 * record what is wanted. What Agora's answers mean is asked of src/agora/meanings/cloud-recording.ts.
 */
import { ApplicationFailure, condition, isCancellation, log, workflowInfo } from '@temporalio/workflow';
import type { CloudRecordingActivities } from '../../activities/cloud-recording';
import {
  BOT_UID_MIN,
  BOT_UID_SPAN,
  isLapsedResource,
  isRecorderNotFound,
  isUidConflict,
  NCS_EVENT,
  notFoundFor,
  NOTHING_RECORDED,
  recorderHasExited,
  recorderIsRunning,
  recorderLeaveReason,
  sessionExitReason,
  startOnhold,
  startRtmpOutputs,
  uploadedFiles,
} from '../../src/agora/meanings/cloud-recording';
import type { RecordedFile, StreamSubscribe, UploadingStatus } from '../../src/schemas/agora/cloud-recording';
import type {
  CloudRecordingOutcome,
  CloudRecordingParams,
  CloudRecordingResult,
  CloudRecordingState,
  RecordingRef,
  RtmpPublishControl,
  WebRecordingControl,
} from '../../src/schemas/workflows/cloud-recording';
import { confirmRunning, type ProbeVerdict } from '../lib/confirm';
import { continueSession } from '../lib/continue-as-new';
import { desiredSlot, isPending, markUnapplied, type ChangeChannel, type DesiredSlot } from '../lib/desired';
import { describe, isTransient, vendorInfo } from '../lib/failures';
import { GoneGrace } from '../lib/grace';
import { Alarm, waitUntil, sessionWatch, watch } from '../lib/loop';
import { trackPhase, type PhaseTracker } from '../lib/phase';
import { UsageLedger } from '../lib/usage';
import { createWithReconcile } from '../lib/reconcile';
import { activitiesOf } from '../lib/retry';
import { SA, stageSearchAttributes } from '../lib/search-attributes';
import { SessionFrame } from '../lib/session';
import { stopQuietly, stopUntilGone, SUSPECT_POLL_MS } from '../lib/stop';
import { CLOUD_RECORDING_TRANSIENT_PHASES, type CloudRecordingPhase, type CloudRecordingStatus, type ControlStatus, type NcsEvent, type RecordingControls } from './messages';
import { cloudRecordingUsageClass, Layout } from '../../src/workflow-schemas';

const calls = activitiesOf<CloudRecordingActivities>('call');
const creates = activitiesOf<CloudRecordingActivities>('create');
const cleanups = activitiesOf<CloudRecordingActivities>('cleanup');
/** the confirm and recording-phase polls: local activities (one workflow task per poll round) */
const reads = activitiesOf<CloudRecordingActivities>('read');

/** Storage credentials are refreshed at most this often, and a failed refresh is tried again after it. */
const STORAGE_REFRESH_MIN_INTERVAL_MS = 60_000;

type Stopped = Awaited<ReturnType<CloudRecordingActivities['stopRecording']>>;
type Started = Awaited<ReturnType<CloudRecordingActivities['startRecording']>>;

export type RecordingEnd =
  | { kind: 'stop'; reason: string }
  /** `confirmed`: the recorder itself reported it exited; otherwise the end is inferred (404s, NCS) */
  | { kind: 'ended'; reason: string; confirmed: boolean }
  | { kind: 'continue' };

const isNotFound = (err: unknown) => isRecorderNotFound(vendorInfo(err));
export const newRecorderUid = () => String(BOT_UID_MIN + Math.floor(Math.random() * BOT_UID_SPAN));

/** A new session's state; a continued one brings its own. */
export function initialState(input: CloudRecordingParams): CloudRecordingState {
  const start = startControls(input);
  return {
    uid: input.recorderUid ?? newRecorderUid(),
    deadline: Date.now() + input.maxDurationMs,
    files: [],
    segments: [],
    layout: desiredSlot(start.layout),
    subscriptions: desiredSlot(start.subscriptions),
    ...(input.mode === 'web' ? { webRecording: desiredSlot(start.webRecording), rtmpPublish: desiredSlot(start.rtmpPublish) } : {}),
    excludeResourceIds: [],
    unstopped: [],
    restarts: 0,
    continuedAsNew: 0,
  };
}

export class CloudRecordingSession {
  readonly phase: PhaseTracker<CloudRecordingPhase>;
  readonly ledger: UsageLedger;
  readonly frame: SessionFrame<CloudRecordingResult>;
  readonly grace: GoneGrace;
  layoutChanges?: ChangeChannel<Layout>;
  subscriptionChanges?: ChangeChannel<StreamSubscribe>;
  webRecordingChanges?: ChangeChannel<WebRecordingControl>;
  rtmpPublishChanges?: ChangeChannel<RtmpPublishControl>;
  // in-memory notes from handlers to the main loop (never carried: handlers finish before continue-as-new)
  private wake = false;
  private readonly deadline = new Alarm();
  private readonly refresh = new Alarm();
  private startedEventFor?: string;
  private uploadEvent?: { status: UploadingStatus; files: RecordedFile[] };
  /** recorder_leave / session_exit for the current sid: a 404 then means it is over, not a failover */
  private readonly notices: { leave?: string; exit?: string } = {};

  constructor(
    readonly input: CloudRecordingParams,
    readonly s: CloudRecordingState,
  ) {
    this.ledger = new UsageLedger((s.usage ??= []), 'cloud-recording', cloudRecordingUsageClass(input.mode, input.clientRequest));
    this.phase = trackPhase<CloudRecordingPhase>(s.sid ? 'recording' : 'acquiring', {
      transient: CLOUD_RECORDING_TRANSIENT_PHASES,
      // billed from the start call's answer until the stop call's (agora.md: a recorder bills while it runs)
      billing: { ledger: this.ledger, phases: ['confirming', 'recording', 'stopping'] },
    });
    stageSearchAttributes([
      { key: SA.vendor, value: 'agora' },
      { key: SA.product, value: 'cloud-recording' },
      { key: SA.channel, value: input.channel },
      ...(s.sid ? [{ key: SA.sid, value: s.sid }] : []),
    ]);
    this.frame = new SessionFrame<CloudRecordingResult>(s);
    this.grace = new GoneGrace(s, input.notFoundGraceMs);
    if (input.mode === 'web') {
      // states carried by runs older than these controls lack their slots
      const start = startControls(input);
      s.webRecording ??= desiredSlot(start.webRecording);
      s.rtmpPublish ??= desiredSlot(start.rtmpPublish);
    }
  }

  /** Deliveries race, so both notices are kept and the more telling (leave, with its leaveCode) wins. */
  private exitNotice = () => this.notices.leave ?? this.notices.exit;

  // ---- handlers ----

  onNcsEvent(event: NcsEvent): void {
    const p = event.payload ?? {};
    const { s, input } = this;
    const ours = (p.sid !== undefined && p.sid === s.sid) || (p.sid === undefined && p.uid === s.uid && p.cname === input.channel);
    if (!ours && !(event.eventType === NCS_EVENT.recorderStarted && p.uid === s.uid && p.cname === input.channel)) return;
    switch (event.eventType) {
      case NCS_EVENT.recorderStarted:
        this.startedEventFor = p.sid;
        break;
      case NCS_EVENT.uploaded:
      case NCS_EVENT.backuped:
        this.uploadEvent = { status: event.eventType === NCS_EVENT.uploaded ? 'uploaded' : 'backuped', files: uploadedFiles(p.details) };
        break;
      case NCS_EVENT.recorderLeave:
        this.notices.leave ??= recorderLeaveReason(p.details?.leaveCode);
        break;
      case NCS_EVENT.sessionExit:
        this.notices.exit ??= sessionExitReason(p.details?.exitStatus);
        break;
      case NCS_EVENT.sessionFailover:
        // the migrated recorder starts from its start configuration: re-apply what was changed since
        this.resetDesired();
        break;
    }
    this.wake = true;
  }

  status(): CloudRecordingStatus {
    const { s, input, phase } = this;
    return {
      ...this.frame.statusBase(phase, s),
      channel: input.channel,
      mode: input.mode,
      recorderUid: s.uid,
      resourceId: s.resourceId,
      sid: s.sid,
      recorderStatus: s.recorderStatus,
      lastQueryAt: s.lastQueryAt,
      suspectSince: s.suspectSince !== undefined ? new Date(s.suspectSince).toISOString() : undefined,
      files: s.files,
      layout: s.layout.value,
      layoutApplied: !isPending(s.layout),
      subscriptions: s.subscriptions.value,
      controls: this.controls(),
      segments: s.segments,
      usage: this.ledger.report(),
    };
  }

  /** The controls this mode takes, each with its desired and applied value. */
  private controls(): RecordingControls {
    const { s, input } = this;
    return {
      // a web session of an older deploy may have taken layouts: show them while it runs
      ...(input.mode === 'mix' || s.layout.version > 0 ? { layout: controlStatus(s.layout) } : {}),
      ...(input.mode !== 'web' ? { subscriptions: controlStatus(s.subscriptions) } : {}),
      ...(s.webRecording ? { webRecording: controlStatus(s.webRecording) } : {}),
      ...(s.rtmpPublish ? { rtmpPublish: controlStatus(s.rtmpPublish) } : {}),
    };
  }

  // ---- the session ----

  /** The main loop: start, record until stop/end/continue-as-new, and account for how it ended. */
  async run(): Promise<CloudRecordingResult> {
    return this.frame.run(
      async () => {
        if (!this.s.sid) await this.startRecording();
        for (;;) {
          const end = await this.record();
          if (end.kind === 'continue') return continueSession(this.input, this.s);
          if (end.kind === 'stop') return this.stopAndDrain(end.reason);
          const next = await this.endedExternally(end.reason, end.confirmed);
          if (next !== 'restart') return next;
          await this.startRecording();
        }
      },
      { onCancel: () => this.stopOnCancel(), onFailure: (failure) => this.stopOnFailure(failure), files: (result) => result.files },
    );
  }

  // ---- acquiring → starting → confirming → recording ----

  private ref(): RecordingRef {
    const { s, input } = this;
    return { profile: input.profile, resourceId: s.resourceId!, sid: s.sid!, mode: input.mode, cname: input.channel, uid: s.uid, baseUrl: s.baseUrl };
  }

  private startParams() {
    const { s, input } = this;
    return {
      profile: input.profile,
      storageProfile: input.storageProfile,
      resourceId: s.resourceId!,
      mode: input.mode,
      cname: input.channel,
      uid: s.uid,
      clientRequest: input.clientRequest,
      tokenTtlSeconds: input.tokenTtlSeconds,
    };
  }

  private async startRecording(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (attempt > this.input.maxStartAttempts + 2) {
        throw ApplicationFailure.create({ type: 'RecordingNotStarted', message: `no recorder could be started after ${attempt - 1} attempts`, nonRetryable: true });
      }
      await this.acquire();
      const started = await this.start();
      if (started === 'again') continue;
      this.s.baseUrl = started.baseUrl;
      this.s.storageExpiresAt = started.storageExpiresAt;
      const sid = started.sid ?? (await this.sidFromStartedEvent());
      this.beginSegment(sid);
      this.phase.set('confirming');
      if (await this.confirm()) {
        this.phase.set('recording');
        return;
      }
      await this.replaceUnconfirmed(attempt);
    }
  }

  private async acquire(): Promise<void> {
    const { s, input } = this;
    this.phase.set('acquiring');
    this.startedEventFor = undefined;
    const acquired = await calls.acquireRecordingResource({
      profile: input.profile,
      cname: input.channel,
      uid: s.uid,
      clientRequest: {
        ...input.acquire,
        // REST control must outlast the session (agora.md §2.2)
        resourceExpiredHour: input.acquire?.resourceExpiredHour ?? Math.min(720, Math.ceil(input.maxDurationMs / 3_600_000) + 1),
        ...(s.excludeResourceIds.length ? { excludeResourceIds: s.excludeResourceIds } : {}),
      },
    });
    s.resourceId = acquired.resourceId;
  }

  /** start, reconciled by starting again with the same resourceId (201/code 7 = it happened). */
  private async start(): Promise<Started | 'again'> {
    this.phase.set('starting');
    try {
      return await createWithReconcile(() => creates.startRecording(this.startParams()), { what: 'start' });
    } catch (err) {
      const info = vendorInfo(err);
      if (isLapsedResource(info)) {
        log.warn('resource or token no longer usable; acquiring again', { code: info?.code });
        return 'again';
      }
      if (isUidConflict(info)) {
        // cname+uid already records (or a user has the uid): a parallel recorder needs its own uid
        this.s.uid = newRecorderUid();
        return 'again';
      }
      throw err;
    }
  }

  /** 201/code 7 without a sid: only its NCS recorder_started event can tell which recording it is. */
  private async sidFromStartedEvent(): Promise<string> {
    this.phase.set('confirming', 'recording runs but Agora gave no sid; waiting for its recorder_started event');
    if (!(await condition(() => this.startedEventFor !== undefined, this.input.confirmTimeoutMs))) {
      throw ApplicationFailure.create({
        type: 'RecordingUnreachable',
        message: `a recording runs for resource ${this.s.resourceId} but its sid is unknown (it stops at maxIdleTime)`,
        nonRetryable: true,
        details: [{ resourceId: this.s.resourceId, recorderUid: this.s.uid }],
      });
    }
    return this.startedEventFor!;
  }

  private beginSegment(sid: string): void {
    const { s } = this;
    s.sid = sid;
    s.startedAt = new Date().toISOString();
    s.files = [];
    s.suspectSince = undefined;
    stageSearchAttributes([{ key: SA.sid, value: sid }]);
  }

  /** The recorder must report "in progress" (or send recorder_started) within confirmTimeoutMs. */
  private confirm(): Promise<boolean> {
    const settled = () => this.startedEventFor === this.s.sid || this.s.stopReason !== undefined;
    return confirmRunning({
      probe: async (): Promise<ProbeVerdict> => {
        const status = await this.query();
        return recorderIsRunning(status) ? 'running' : recorderHasExited(status) ? 'exited' : 'pending';
      },
      // 404 right after start: the asynchronous parameter check may have killed it, or a failover
      tolerate: (err) => isNotFound(err) || vendorInfo(err)?.retryable === true,
      settled,
      timeoutMs: this.input.confirmTimeoutMs,
      pollMs: this.input.confirmPollMs,
    });
  }

  /** A recorder that never reported in: stop it, keep its resource out, try a new uid. */
  private async replaceUnconfirmed(attempt: number): Promise<void> {
    const { s } = this;
    log.warn('recorder did not confirm; replacing it', { sid: s.sid, attempt });
    await this.stopQuietly('recorder did not confirm');
    s.excludeResourceIds.push(s.resourceId!);
    s.sid = undefined;
    s.uid = newRecorderUid();
    if (attempt >= this.input.maxStartAttempts) {
      throw ApplicationFailure.create({
        type: 'RecordingNotConfirmed',
        message: `the recorder did not report recording within ${this.input.confirmTimeoutMs} ms, ${attempt} times`,
        nonRetryable: true,
      });
    }
  }

  // ---- recording ----

  /** One query; keeps what it says. */
  private async query(): Promise<number | undefined> {
    const q = await reads.queryRecording(this.ref());
    this.s.recorderStatus = q.status;
    this.s.lastQueryAt = new Date().toISOString();
    if (q.files.length) this.s.files = q.files;
    return q.status;
  }

  /** The recording loop: serialised calls until stop, end, or continue-as-new. */
  private record(): Promise<RecordingEnd> {
    const { s, input } = this;
    // a recorder suspected gone (failover grace) takes no change or refresh and does not continue as new
    const reachable = () => !this.grace.suspect;
    return watch<RecordingEnd>({
      ...sessionWatch(this.frame, this.deadline, s, input),
      work: [
        // awaited as the loop written out awaited it; the refresh check after it is synchronous, as it was
        () => (reachable() ? this.applyOneChange().then((sent) => (sent ? 'again' : undefined)) : undefined),
        () => (reachable() && this.refresh.due(this.storageRefreshAt()) ? this.refreshStorage().then(() => 'again' as const) : undefined),
      ],
      mayContinue: reachable,
      pollEveryMs: () => (reachable() ? input.pollIntervalMs : Math.min(input.pollIntervalMs, SUSPECT_POLL_MS)),
      firstPollInMs: reachable() ? input.pollIntervalMs : 0,
      wakeWhen: () => reachable() && (this.changePending() || this.refresh.rang),
      // an unreachable task cannot take a refresh: its time is no reason to wake
      wakeAt: () => (reachable() ? this.refresh.wakeAt(this.storageRefreshAt()) : Infinity),
      wake: { isSet: () => this.wake, clear: () => (this.wake = false) },
      poll: () => this.poll(),
    });
  }

  /** A control whose desired value the recorder does not have yet. */
  private changePending(): boolean {
    const { s } = this;
    return (
      isPending(s.layout) || isPending(s.subscriptions) || (s.webRecording !== undefined && isPending(s.webRecording)) || (s.rtmpPublish !== undefined && isPending(s.rtmpPublish))
    );
  }

  /** Sends one pending change (layout, subscriptions, pause/resume, CDN push, in that order); true if there was one. */
  private async applyOneChange(): Promise<boolean> {
    const lost = (err: unknown) => {
      // the task is migrating: the change stays pending until it is reachable again
      if (!isNotFound(err)) return false;
      this.grace.notFound();
      return true;
    };
    if (isPending(this.s.layout)) {
      await this.layoutChanges!.apply((layout) => calls.updateRecordingLayout({ ...this.ref(), layout }), lost, describe);
      return true;
    }
    if (isPending(this.s.subscriptions)) {
      await this.subscriptionChanges!.apply((streamSubscribe) => calls.updateRecordingSubscriptions({ ...this.ref(), streamSubscribe }), lost, describe);
      return true;
    }
    if (this.s.webRecording && isPending(this.s.webRecording)) {
      await this.webRecordingChanges!.apply(({ onhold }) => calls.updateRecordingOnhold({ ...this.ref(), onhold }), lost, describe);
      return true;
    }
    if (this.s.rtmpPublish && isPending(this.s.rtmpPublish)) {
      await this.rtmpPublishChanges!.apply(({ outputs }) => calls.updateRecordingRtmpOutputs({ ...this.ref(), rtmpUrls: outputs }), lost, describe);
      return true;
    }
    return false;
  }

  /** A query; returns how the recording ended, if it did. A 404 opens the grace window. */
  private async poll(): Promise<RecordingEnd | undefined> {
    try {
      const status = await this.query();
      if (this.grace.recovered()) {
        log.info('recording reachable again after 404s (HA failover)', { sid: this.s.sid });
        this.resetDesired();
      }
      if (recorderHasExited(status)) return { kind: 'ended', reason: `recorder exited (status ${status})`, confirmed: true };
      return undefined;
    } catch (err) {
      if (isNotFound(err)) {
        if (this.exitNotice()) return { kind: 'ended', reason: 'notice', confirmed: false };
        if (!this.grace.notFoundAndGone()) return undefined;
        return { kind: 'ended', reason: notFoundFor(this.input.notFoundGraceMs), confirmed: false };
      }
      if (isTransient(err)) {
        log.warn('query failed; recording goes on', { error: describe(err) });
        return undefined;
      }
      // the vendor refuses to let us watch it (credentials revoked...): stop it rather than let it bill unseen
      return { kind: 'stop', reason: `query failed: ${describe(err)}` };
    }
  }

  /** A migrated or new recorder starts from its start configuration: send what was changed since. */
  private resetDesired(): void {
    const { s } = this;
    const start = startControls(this.input);
    backToStart(s.layout, start.layout);
    backToStart(s.subscriptions, start.subscriptions);
    if (s.webRecording) backToStart(s.webRecording, start.webRecording);
    if (s.rtmpPublish) backToStart(s.rtmpPublish, start.rtmpPublish);
  }

  private storageRefreshAt(): number | undefined {
    const { s, input } = this;
    return s.storageExpiresAt !== undefined ? Math.max(s.storageExpiresAt - input.storageRefreshMarginMs, s.storageRefreshAfter ?? 0) : undefined;
  }

  private async refreshStorage(): Promise<void> {
    const { s } = this;
    const previous = s.storageExpiresAt;
    // whatever happens, the next attempt waits: never a burst of update calls
    s.storageRefreshAfter = Date.now() + STORAGE_REFRESH_MIN_INTERVAL_MS;
    try {
      const r = await calls.refreshRecordingStorage({ ...this.ref(), storageProfile: this.input.storageProfile });
      s.storageExpiresAt = r.storageExpiresAt;
      if (previous !== undefined && r.storageExpiresAt !== undefined && r.storageExpiresAt <= previous) {
        log.error('storage credentials were not renewed; uploads fall back to Agora backup if they lapse', { expiresAt: previous });
      }
    } catch (err) {
      if (isNotFound(err)) this.grace.notFound();
      else log.error('storage credential refresh failed; trying again later', { error: describe(err) });
    }
  }

  // ---- stopping → draining → completed ----

  /** Stops the current recording through a failover; any other failure is raised. */
  private stopCurrent(): Promise<Stopped> {
    return stopUntilGone(() => cleanups.stopRecording(this.ref()), {
      isNotFound,
      grace: this.grace,
      gone: () => ({ outcome: 'already_stopped', files: [], uploadingStatus: 'unknown' }),
    });
  }

  /** The current recorder could not be stopped: it is reported in the result, never forgotten. */
  private recordUnstopped(err: unknown): void {
    const { s } = this;
    if (!s.sid || !s.resourceId) return;
    log.error('a recording could not be stopped', { sid: s.sid, error: describe(err) });
    s.unstopped.push({ resourceId: s.resourceId, sid: s.sid, recorderUid: s.uid, error: describe(err) });
  }

  /** Stops a recorder we are giving up on; a failure is recorded, not raised (cancellation is). */
  private stopQuietly(why: string): Promise<void> {
    return stopQuietly(
      () => this.stopCurrent(),
      why,
      (err) => this.recordUnstopped(err),
    );
  }

  private async stopAndDrain(reason: string): Promise<CloudRecordingResult> {
    this.phase.set('stopping', reason);
    let stopped: Stopped;
    try {
      stopped = await this.stopCurrent();
    } catch (err) {
      // cancelled while stopping: the cancellation path stops it again, in a non-cancellable scope
      if (isCancellation(err)) throw err;
      this.recordUnstopped(err);
      throw ApplicationFailure.create({
        type: 'StopFailed',
        message: `recording ${this.s.sid} (channel ${this.input.channel}) may still be running: stop failed: ${describe(err)}`,
        nonRetryable: true,
        details: [{ unstopped: this.s.unstopped }],
      });
    }
    const files = stopped.files.length ? stopped.files : this.s.files;
    if (stopped.outcome === 'no_files') {
      this.closeSegment(NOTHING_RECORDED, [], 'uploaded');
      return this.finish('stopped', `${reason}; ${NOTHING_RECORDED}`, 'uploaded', false);
    }
    const drained = await this.drain(stopped.uploadingStatus, files);
    this.closeSegment(reason, drained.files, drained.status);
    return this.finish('stopped', reason, drained.status, drained.needsReview);
  }

  /** Waits (bounded) for the upload outcome that only NCS can report after stop. */
  private async drain(status: UploadingStatus, files: RecordedFile[]) {
    if (status !== 'unknown') return { status, files, needsReview: false };
    this.phase.set('draining', 'waiting for the upload to finish');
    const got = await waitUntil(() => this.uploadEvent !== undefined, this.input.drainTimeoutMs);
    if (!got || !this.uploadEvent) return { status, files, needsReview: true };
    return { status: this.uploadEvent.status, files: this.uploadEvent.files.length ? this.uploadEvent.files : files, needsReview: false };
  }

  /** The recording ended on its own: keep its files; restart when asked to. */
  private async endedExternally(why: string, confirmed: boolean): Promise<'restart' | CloudRecordingResult> {
    if (!confirmed) {
      // inferred from 404s or a notice: one stop makes sure (404, 49 or 435 all mean it is over)
      try {
        await cleanups.stopRecording(this.ref());
      } catch (err) {
        if (isCancellation(err)) throw err;
        if (!isNotFound(err)) this.recordUnstopped(err);
      }
    }
    const drained = await this.drain('unknown', this.s.files);
    // decided after draining: by then the recorder_leave notice has usually arrived too
    const reason = why === 'notice' ? (this.exitNotice() ?? 'recording ended') : why;
    this.closeSegment(reason, drained.files, drained.status);
    const { s, input } = this;
    if (input.restartOnFailure && s.restarts < input.maxRestarts && s.stopReason === undefined && !this.deadline.due(s.deadline)) {
      this.prepareRestart();
      return 'restart';
    }
    return this.finish('ended', reason, drained.status, drained.needsReview);
  }

  private prepareRestart(): void {
    const { s } = this;
    s.restarts++;
    s.uid = newRecorderUid();
    s.resourceId = undefined;
    s.sid = undefined;
    this.uploadEvent = undefined;
    this.notices.leave = undefined;
    this.notices.exit = undefined;
    this.resetDesired();
  }

  private closeSegment(endReason: string, files: RecordedFile[], uploadingStatus?: UploadingStatus): void {
    const { s } = this;
    if (!s.sid || !s.resourceId) return;
    s.segments.push({
      resourceId: s.resourceId,
      sid: s.sid,
      recorderUid: s.uid,
      startedAt: s.startedAt ?? '',
      endedAt: new Date().toISOString(),
      endReason,
      files,
      uploadingStatus,
    });
  }

  private finish(outcome: CloudRecordingOutcome, reason: string, uploadingStatus: UploadingStatus, needsReview: boolean): CloudRecordingResult {
    const { s, input } = this;
    this.phase.set(outcome === 'failed' ? 'failed' : 'completed', reason);
    const last = s.segments[s.segments.length - 1];
    return {
      workflowId: workflowInfo().workflowId,
      channel: input.channel,
      mode: input.mode,
      recorderUid: last?.recorderUid ?? s.uid,
      resourceId: last?.resourceId ?? s.resourceId,
      sid: last?.sid ?? s.sid,
      outcome,
      reason,
      files: s.segments.flatMap((seg) => seg.files),
      uploadingStatus,
      startedAt: s.segments[0]?.startedAt ?? s.startedAt,
      endedAt: new Date().toISOString(),
      segments: s.segments,
      needsReview,
      screenshots: input.clientRequest.snapshotConfig !== undefined,
      restarts: s.restarts,
      unstopped: s.unstopped,
      usage: this.ledger.report(),
    };
  }

  // ---- never leak ----

  /** On cancellation: stop whatever may be running, including a start whose answer we never got. */
  private async stopOnCancel(): Promise<void> {
    const { s, phase } = this;
    if (!s.sid && s.resourceId && (phase.current === 'starting' || phase.current === 'confirming')) {
      try {
        s.sid = (await creates.startRecording(this.startParams())).sid;
      } catch (err) {
        log.warn('could not learn the sid of a start interrupted by cancellation', { error: describe(err) });
      }
    }
    if (s.sid && phase.current !== 'completed' && phase.current !== 'failed') {
      phase.set('stopping', 'workflow cancelled');
      try {
        await this.stopCurrent();
        phase.set('completed', 'workflow cancelled; recording stopped');
      } catch (err) {
        this.recordUnstopped(err);
        phase.set('failed', `workflow cancelled; stop failed: ${describe(err)}`);
      }
    }
  }

  /** Never leave a recording running behind a failure. */
  private async stopOnFailure(failure: string): Promise<void> {
    const p = this.phase.current;
    if (this.s.sid && p !== 'completed' && p !== 'stopping' && p !== 'draining') await this.stopQuietly(`session failed: ${failure}`);
    if (this.phase.current !== 'completed') this.phase.set('failed', failure);
  }
}

/** What a recorder has right after its start, and again after a failover (it restarts from its start configuration). */
function startControls(input: CloudRecordingParams) {
  const cr = input.clientRequest;
  return {
    layout: initialLayout(input),
    subscriptions: initialSubscriptions(input),
    webRecording: { onhold: startOnhold(cr) } as WebRecordingControl,
    rtmpPublish: { outputs: startRtmpOutputs(cr) } as RtmpPublishControl,
  };
}

/** The recorder is back at its start configuration: that is what it has; what was changed since is sent again. */
function backToStart<T>(slot: DesiredSlot<T>, start: T | undefined): void {
  markUnapplied(slot);
  if (slot.tracksVendor) slot.vendorValue = start;
}

function controlStatus<T>(slot: DesiredSlot<T>): ControlStatus<T> {
  const pending = isPending(slot);
  // slots carried from runs older than vendor tracking only know that the vendor has the value once applied
  return { desired: slot.value, applied: slot.tracksVendor ? slot.vendorValue : pending ? undefined : slot.value, pending };
}

/** The subscription lists a recording starts with (recordingConfig), in update's shape. */
function initialSubscriptions(input: CloudRecordingParams): StreamSubscribe | undefined {
  const rc = input.clientRequest.recordingConfig;
  if (input.mode === 'web' || !rc) return undefined;
  const pick = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.filter((k) => rc[k] !== undefined).map((k) => [k, rc[k]])) as Partial<Record<K, string[]>>;
  const audio = pick(['subscribeAudioUids', 'unSubscribeAudioUids'] as const);
  const video = pick(['subscribeVideoUids', 'unSubscribeVideoUids'] as const);
  const subs: StreamSubscribe = {
    ...(Object.keys(audio).length ? { audioUidList: audio } : {}),
    ...(Object.keys(video).length ? { videoUidList: video } : {}),
  };
  return Object.keys(subs).length ? subs : undefined;
}

/** The layout a mix recording starts with (from transcodingConfig), so failover can restore changes. */
function initialLayout(input: CloudRecordingParams): Layout | undefined {
  const tc = input.clientRequest.recordingConfig?.transcodingConfig;
  if (input.mode !== 'mix' || !tc) return undefined;
  const r = Layout.safeParse({
    mixedVideoLayout: tc.mixedVideoLayout ?? 0,
    ...(tc.backgroundColor ? { backgroundColor: tc.backgroundColor } : {}),
    ...(tc.layoutConfig ? { layoutConfig: tc.layoutConfig } : {}),
    ...(tc.maxResolutionUid ? { maxResolutionUid: tc.maxResolutionUid } : {}),
  });
  return r.success ? r.data : undefined;
}
