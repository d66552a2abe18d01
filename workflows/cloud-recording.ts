/**
 * Agora Cloud Recording session, all modes (agora.md §2, §13, §14.1):
 *
 *   acquiring → starting → confirming → recording ⇄ (query, updateLayout, update) → stopping → draining → completed
 *        ╰──────────┴───────────┴─────────────┴──────────────────────────────────────────────────────→ failed
 *
 * - Start that really starts: acquire and start back to back; a lapsed or undecryptable resource (433,
 *   1001) or a bad token (109/110) is acquired again; a uid conflict (53) takes a new uid; an ambiguous
 *   start (no answer, 65, 504) is reconciled by starting again with the SAME resourceId, which answers
 *   201/code 7 with the sid when the first start did happen (never a second recording). Then the recorder
 *   must report "in progress" (or send recorder_started) within confirmTimeoutMs, else it is stopped and
 *   replaced by one with a new uid and the old resource excluded.
 * - Recording: query every pollIntervalMs is the source of truth; webhooks only wake the loop early. A
 *   404 opens a grace window (HA failover); recovery re-applies the desired layout and subscriptions.
 * - All calls on a session are made from the main loop, one at a time (never query during stop);
 *   update handlers only record what is wanted and wait for the loop to apply it.
 * - Never leak: stop on request, on max duration, on cancellation (non-cancellable), on any failure
 *   while a sid is held. Stop codes 49/435 and 404-after-grace count as already stopped.
 * - Long sessions continue as new with their whole state; history per run stays bounded.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  ContinueAsNew,
  isCancellation,
  log,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { CloudRecordingActivities, RecordingRef } from '../activities/cloud-recording';
import { Layout, StreamSubscribe, type RecordedFile, type UploadingStatus } from '../src/schemas/agora/cloud-recording';
import {
  CloudRecordingInput,
  type CloudRecordingOutcome,
  type CloudRecordingParams,
  type CloudRecordingResult,
} from '../src/schemas/workflows/cloud-recording';
import { withCleanupOnCancel } from './lib/cancel';
import { continueAsNewWhenReady, shouldContinueAsNew } from './lib/continue-as-new';
import { desiredSlot, isPending, markUnapplied, registerChange, type DesiredSlot } from './lib/desired';
import { describe, isAmbiguous, vendorInfo } from './lib/failures';
import { trackPhase } from './lib/phase';
import { activitiesOf } from './lib/retry';
import { SA } from './lib/search-attributes';
import {
  ncsEventSignal,
  recordingStatusQuery,
  stopSignal,
  stopUpdate,
  updateLayoutSignal,
  updateLayoutUpdate,
  updateSubscriptionsSignal,
  updateSubscriptionsUpdate,
  type CloudRecordingPhase,
  type CloudRecordingStatus,
  type NcsEvent,
  type RecordingSegment,
} from './messages';

const calls = activitiesOf<CloudRecordingActivities>('call');
const creates = activitiesOf<CloudRecordingActivities>('create');
const cleanups = activitiesOf<CloudRecordingActivities>('cleanup');

/** Recorder uids come from the top of the uid space, away from human users. */
const BOT_UID_MIN = 4_000_000_000;
const BOT_UID_SPAN = 294_967_295;
/** Recorder status values (agora.md §2.6). */
const IN_PROGRESS = 5;
const EXITED = new Set([8, 20]);
/** While suspect (404s), query at least this often to notice the recovery. */
const SUSPECT_POLL_MS = 5_000;
/** The main loop never goes round without waiting at least this long (no hot loop, ever). */
const MIN_LOOP_WAIT_MS = 50;
/** Storage credentials are refreshed at most this often, and a failed refresh is tried again after it. */
const STORAGE_REFRESH_MIN_INTERVAL_MS = 60_000;
/** NCS event types (webhooks.md §1) */
const NCS = { sessionExit: 11, sessionFailover: 12, uploaded: 31, backuped: 32, recorderStarted: 40, recorderLeave: 41 } as const;

/** Everything a session must remember, carried whole across continue-as-new. Plain JSON, no secrets. */
export interface CloudRecordingState {
  uid: string;
  resourceId?: string;
  sid?: string;
  baseUrl?: string;
  /** the current recording's start (ISO) */
  startedAt?: string;
  /** epoch ms at which the session is stopped regardless */
  deadline: number;
  files: RecordedFile[];
  segments: RecordingSegment[];
  recorderStatus?: number;
  lastQueryAt?: string;
  suspectSince?: number;
  layout: DesiredSlot<Layout>;
  subscriptions: DesiredSlot<StreamSubscribe>;
  storageExpiresAt?: number;
  /** no storage refresh before this (ms): refreshes are rate-limited and failed ones retried later */
  storageRefreshAfter?: number;
  /** recorders that could not be stopped (accounted for in the result, never dropped silently) */
  unstopped: Array<{ resourceId: string; sid: string; recorderUid: string; error: string }>;
  excludeResourceIds: string[];
  restarts: number;
  continuedAsNew: number;
  stopReason?: string;
}

type RecordingEnd =
  | { kind: 'stop'; reason: string }
  /** `confirmed`: the recorder itself reported it exited; otherwise the end is inferred (404s, NCS) */
  | { kind: 'ended'; reason: string; confirmed: boolean }
  | { kind: 'continue' };

export async function cloudRecording(rawInput: CloudRecordingInput): Promise<CloudRecordingResult> {
  const parsed = CloudRecordingInput.safeParse(rawInput);
  if (!parsed.success) {
    // a continued run carries a live recording: never fail without stopping it (a deploy may have
    // tightened the input schema since the session started)
    await stopCarriedRecording(rawInput);
    throw ApplicationFailure.create({
      type: 'InvalidInput',
      message: `invalid cloud recording input: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      nonRetryable: true,
    });
  }
  const input: CloudRecordingParams = parsed.data;
  const newUid = () => String(BOT_UID_MIN + Math.floor(Math.random() * BOT_UID_SPAN));
  const s: CloudRecordingState = (input.state as CloudRecordingState | undefined) ?? {
    uid: input.recorderUid ?? newUid(),
    deadline: Date.now() + input.maxDurationMs,
    files: [],
    segments: [],
    layout: desiredSlot(initialLayout(input)),
    subscriptions: desiredSlot<StreamSubscribe>(),
    excludeResourceIds: [],
    unstopped: [],
    restarts: 0,
    continuedAsNew: 0,
  };
  const phase = trackPhase<CloudRecordingPhase>(s.sid ? 'recording' : 'acquiring');
  upsertSearchAttributes([
    { key: SA.vendor, value: 'agora' },
    { key: SA.product, value: 'cloud-recording' },
    { key: SA.channel, value: input.channel },
    ...(s.sid ? [{ key: SA.sid, value: s.sid }] : []),
  ]);

  // ---- in-memory signals from handlers to the main loop (never carried: handlers finish before CAN) ----
  let wake = false;
  let startedEventFor: string | undefined;
  let uploadEvent: { status: UploadingStatus; files: RecordedFile[] } | undefined;
  /**
   * NCS recorder_leave / session_exit for the current sid: a 404 then means it is over, not a failover.
   * Deliveries race, so both are kept and the more telling (leave, with its leaveCode) is reported.
   */
  const notices: { leave?: string; exit?: string } = {};
  const exitNotice = () => notices.leave ?? notices.exit;
  let result: CloudRecordingResult | undefined;
  let failure: string | undefined;
  const terminal = () => result !== undefined || failure !== undefined;

  const requestStop = (reason: string) => {
    s.stopReason ??= reason;
  };

  setHandler(stopSignal, (req) => requestStop(req?.reason ?? 'stop requested'));
  setHandler(
    stopUpdate,
    async (req) => {
      requestStop(req?.reason ?? 'stop requested');
      await condition(terminal);
      if (!result) throw ApplicationFailure.create({ type: 'SessionFailed', message: failure ?? 'the session failed', nonRetryable: true });
      return result;
    },
    { description: 'Stop the recording and return the result (files and upload status).' },
  );

  const acceptingChanges = () => {
    if (terminal() || s.stopReason !== undefined) throw ApplicationFailure.create({ type: 'SessionEnding', message: 'the session is stopping or over', nonRetryable: true });
  };
  const validLayout = (layout: unknown): Layout => {
    if (input.mode === 'individual') throw ApplicationFailure.create({ type: 'InvalidLayout', message: 'layouts apply to mix and web recordings', nonRetryable: true });
    const r = Layout.safeParse(layout);
    if (!r.success) throw ApplicationFailure.create({ type: 'InvalidLayout', message: `invalid layout: ${r.error.issues.map((i) => `${i.path.join('.') || '(layout)'}: ${i.message}`).join('; ')}`, nonRetryable: true });
    return r.data;
  };
  const validSubscriptions = (subs: unknown): StreamSubscribe => {
    if (input.mode === 'web') throw ApplicationFailure.create({ type: 'InvalidSubscriptions', message: 'subscriptions apply to individual and mix recordings', nonRetryable: true });
    const r = StreamSubscribe.safeParse(subs);
    if (!r.success) throw ApplicationFailure.create({ type: 'InvalidSubscriptions', message: `invalid subscriptions: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, nonRetryable: true });
    return r.data;
  };
  const layoutChanges = registerChange({
    slot: s.layout,
    update: updateLayoutUpdate,
    signal: updateLayoutSignal,
    validate: validLayout,
    accepting: acceptingChanges,
    ended: terminal,
    what: 'layout',
    description: 'Replace the whole mix/web layout; returns once the recorder has it.',
  });
  const subscriptionChanges = registerChange({
    slot: s.subscriptions,
    update: updateSubscriptionsUpdate,
    signal: updateSubscriptionsSignal,
    validate: validSubscriptions,
    accepting: acceptingChanges,
    ended: terminal,
    what: 'subscriptions',
    description: 'Replace the subscription lists (individual/mix); returns once the recorder has them.',
  });

  setHandler(ncsEventSignal, (event: NcsEvent) => {
    const p = event.payload ?? {};
    const ours = (p.sid !== undefined && p.sid === s.sid) || (p.sid === undefined && p.uid === s.uid && p.cname === input.channel);
    if (!ours && !(event.eventType === NCS.recorderStarted && p.uid === s.uid && p.cname === input.channel)) return;
    switch (event.eventType) {
      case NCS.recorderStarted:
        startedEventFor = p.sid;
        break;
      case NCS.uploaded:
      case NCS.backuped: {
        const list = (p.details?.fileList ?? []) as Array<{ fileName?: string; filename?: string }>;
        uploadEvent = {
          status: event.eventType === NCS.uploaded ? 'uploaded' : 'backuped',
          files: list.map((f) => ({ ...f, fileName: f.fileName ?? f.filename ?? '' })).filter((f) => f.fileName),
        };
        break;
      }
      case NCS.recorderLeave: {
        const leaveCode = p.details?.leaveCode;
        notices.leave ??= `recorder left the channel (leaveCode ${String(leaveCode)}${leaveCode === 4 ? ': no users for maxIdleTime' : ''})`;
        break;
      }
      case NCS.sessionExit:
        notices.exit ??= `recording session exited (exitStatus ${String(p.details?.exitStatus)})`;
        break;
      case NCS.sessionFailover:
        // the migrated recorder starts from its start configuration: re-apply what was changed since
        markUnapplied(s.layout);
        markUnapplied(s.subscriptions);
        break;
    }
    wake = true;
  });

  setHandler(
    recordingStatusQuery,
    (): CloudRecordingStatus => ({
      phase: phase.current,
      reason: phase.reason,
      since: phase.since,
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
      stopRequested: s.stopReason !== undefined,
      segments: s.segments,
      deadline: new Date(s.deadline).toISOString(),
      continuedAsNew: s.continuedAsNew,
    }),
  );

  // ---- vendor calls of this session ----

  const ref = (): RecordingRef => ({
    profile: input.profile,
    resourceId: s.resourceId!,
    sid: s.sid!,
    mode: input.mode,
    cname: input.channel,
    uid: s.uid,
    baseUrl: s.baseUrl,
  });
  const isNotFound = (err: unknown) => {
    const i = vendorInfo(err);
    // Agora's "failed to find worker" carries code 404; a gateway 404 without a code is a wrong route
    return i?.httpStatus === 404 && i.code === 404;
  };
  const startParams = () => ({
    profile: input.profile,
    storageProfile: input.storageProfile,
    resourceId: s.resourceId!,
    mode: input.mode,
    cname: input.channel,
    uid: s.uid,
    clientRequest: input.clientRequest,
    tokenTtlSeconds: input.tokenTtlSeconds,
  });

  /** start, reconciling an ambiguous outcome by starting again with the same resourceId. */
  const startOnce = async () => {
    for (let reconcile = 0; ; reconcile++) {
      try {
        return await creates.startRecording(startParams());
      } catch (err) {
        if (!isAmbiguous(err) || reconcile >= 3) throw err;
        log.warn('start outcome unknown; asking again with the same resourceId', { error: describe(err) });
        await sleep(1_000 * (reconcile + 1));
      }
    }
  };

  /** Waits for the recorder to report "in progress" (or the recorder_started event). */
  const confirmed = async (): Promise<boolean> => {
    const until = Date.now() + input.confirmTimeoutMs;
    for (;;) {
      if (startedEventFor === s.sid || s.stopReason !== undefined) return true;
      try {
        const q = await calls.queryRecording(ref());
        s.recorderStatus = q.status;
        s.lastQueryAt = new Date().toISOString();
        if (q.files.length) s.files = q.files;
        if (q.status === IN_PROGRESS) return true;
        if (q.status !== undefined && EXITED.has(q.status)) return false;
      } catch (err) {
        // 404 right after start: the asynchronous parameter check may have killed it, or a failover
        if (!isNotFound(err) && !vendorInfo(err)?.retryable) throw err;
      }
      const left = until - Date.now();
      if (left <= 0) return false;
      await condition(() => startedEventFor === s.sid || s.stopReason !== undefined, Math.min(input.confirmPollMs, left));
    }
  };

  /** acquiring → starting → confirming → recording */
  const startRecording = async (): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      if (attempt > input.maxStartAttempts + 2) {
        throw ApplicationFailure.create({ type: 'RecordingNotStarted', message: `no recorder could be started after ${attempt - 1} attempts`, nonRetryable: true });
      }
      phase.set('acquiring');
      startedEventFor = undefined;
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
      phase.set('starting');
      let started;
      try {
        started = await startOnce();
      } catch (err) {
        const code = vendorInfo(err)?.code;
        if (code === 433 || code === 1001 || code === 109 || code === 110) {
          log.warn('resource or token no longer usable; acquiring again', { code });
          continue;
        }
        if (code === 53) {
          // cname+uid already records (or a user has the uid): a parallel recorder needs its own uid
          s.uid = newUid();
          continue;
        }
        throw err;
      }
      s.baseUrl = started.baseUrl;
      s.storageExpiresAt = started.storageExpiresAt;
      if (!started.sid) {
        // 201/code 7 without a sid: only its NCS events can tell us which recording it is
        phase.set('confirming', 'recording runs but Agora gave no sid; waiting for its recorder_started event');
        if (!(await condition(() => startedEventFor !== undefined, input.confirmTimeoutMs))) {
          throw ApplicationFailure.create({ type: 'RecordingUnreachable', message: 'a recording runs for this resource but its sid is unknown (it stops at maxIdleTime)', nonRetryable: true });
        }
        started.sid = startedEventFor;
      }
      s.sid = started.sid;
      s.startedAt = new Date().toISOString();
      s.files = [];
      s.suspectSince = undefined;
      upsertSearchAttributes([{ key: SA.sid, value: s.sid! }]);
      phase.set('confirming');
      if (await confirmed()) {
        phase.set('recording');
        return;
      }
      // a recorder that never reported in: stop it, keep its resource out, try a new uid
      log.warn('recorder did not confirm; replacing it', { sid: s.sid, attempt });
      await stopQuietly('recorder did not confirm');
      s.excludeResourceIds.push(s.resourceId);
      s.sid = undefined;
      s.uid = newUid();
      if (attempt >= input.maxStartAttempts) {
        throw ApplicationFailure.create({ type: 'RecordingNotConfirmed', message: `the recorder did not report recording within ${input.confirmTimeoutMs} ms, ${attempt} times`, nonRetryable: true });
      }
    }
  };

  /**
   * Stops the current recording. A 404 is an HA failover until the grace window has passed; after it
   * the recording is gone. Any other failure is raised.
   */
  const stopCurrent = async (): Promise<Awaited<ReturnType<CloudRecordingActivities['stopRecording']>>> => {
    for (;;) {
      try {
        return await cleanups.stopRecording(ref());
      } catch (err) {
        if (!isNotFound(err)) throw err;
        s.suspectSince ??= Date.now();
        const left = s.suspectSince + input.notFoundGraceMs - Date.now();
        if (left <= 0) return { outcome: 'already_stopped', files: [], uploadingStatus: 'unknown' };
        await sleep(Math.min(SUSPECT_POLL_MS, left));
      }
    }
  };

  /** The current recorder could not be stopped: it is reported in the result, never forgotten. */
  const recordUnstopped = (err: unknown) => {
    if (!s.sid || !s.resourceId) return;
    log.error('a recording could not be stopped', { sid: s.sid, error: describe(err) });
    s.unstopped.push({ resourceId: s.resourceId, sid: s.sid, recorderUid: s.uid, error: describe(err) });
  };

  /** Stops a recorder we are giving up on; a failure is recorded, not raised (cancellation is). */
  const stopQuietly = async (why: string) => {
    try {
      await stopCurrent();
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('could not stop a recorder', { why, error: describe(err) });
      recordUnstopped(err);
    }
  };

  /** a change that met a 404: the task is migrating, the change stays pending */
  const lostTask = (err: unknown) => {
    if (!isNotFound(err)) return false;
    s.suspectSince ??= Date.now();
    return true;
  };

  const storageRefreshAt = () =>
    s.storageExpiresAt !== undefined ? Math.max(s.storageExpiresAt - input.storageRefreshMarginMs, s.storageRefreshAfter ?? 0) : undefined;

  const refreshStorage = async () => {
    const previous = s.storageExpiresAt;
    // whatever happens, the next attempt waits: never a burst of update calls
    s.storageRefreshAfter = Date.now() + STORAGE_REFRESH_MIN_INTERVAL_MS;
    try {
      const r = await calls.refreshRecordingStorage({ ...ref(), storageProfile: input.storageProfile });
      s.storageExpiresAt = r.storageExpiresAt;
      if (previous !== undefined && r.storageExpiresAt !== undefined && r.storageExpiresAt <= previous) {
        log.error('storage credentials were not renewed; uploads fall back to Agora backup if they lapse', { expiresAt: previous });
      }
    } catch (err) {
      if (isNotFound(err)) s.suspectSince ??= Date.now();
      else log.error('storage credential refresh failed; trying again later', { error: describe(err) });
    }
  };

  /** One query; returns how the recording ended, if it did. */
  const poll = async (): Promise<RecordingEnd | undefined> => {
    try {
      const q = await calls.queryRecording(ref());
      s.recorderStatus = q.status;
      s.lastQueryAt = new Date().toISOString();
      if (q.files.length) s.files = q.files;
      if (s.suspectSince !== undefined) {
        log.info('recording reachable again after 404s (HA failover)', { sid: s.sid });
        s.suspectSince = undefined;
        // a migrated recorder starts from its start configuration
        markUnapplied(s.layout);
        markUnapplied(s.subscriptions);
      }
      if (q.status !== undefined && EXITED.has(q.status)) return { kind: 'ended', reason: `recorder exited (status ${q.status})`, confirmed: true };
      return undefined;
    } catch (err) {
      if (isNotFound(err)) {
        if (exitNotice()) return { kind: 'ended', reason: 'notice', confirmed: false };
        s.suspectSince ??= Date.now();
        const gone = Date.now() - s.suspectSince >= input.notFoundGraceMs;
        return gone ? { kind: 'ended', reason: `recording not found for ${Math.round(input.notFoundGraceMs / 1000)} s (query answered 404)`, confirmed: false } : undefined;
      }
      const info = vendorInfo(err);
      if (!info || info.retryable || info.ambiguous) {
        // a timeout or a transient failure: the recording goes on, the next poll tries again
        log.warn('query failed; recording goes on', { error: describe(err) });
        return undefined;
      }
      // the vendor refuses to let us watch it (credentials revoked...): stop it rather than let it bill unseen
      return { kind: 'stop', reason: `query failed: ${describe(err)}` };
    }
  };

  /** recording: the loop of serialised calls until stop, end, or continue-as-new. */
  const record = async (): Promise<RecordingEnd> => {
    let nextPollAt = Date.now() + (s.suspectSince !== undefined ? 0 : input.pollIntervalMs);
    for (;;) {
      if (s.stopReason !== undefined) return { kind: 'stop', reason: s.stopReason };
      if (Date.now() >= s.deadline) {
        requestStop(`max duration reached (${input.maxDurationMs} ms)`);
        continue;
      }
      const reachable = s.suspectSince === undefined;
      if (reachable && isPending(s.layout)) {
        await layoutChanges.apply((layout) => calls.updateRecordingLayout({ ...ref(), layout }), lostTask, describe);
        continue;
      }
      if (reachable && isPending(s.subscriptions)) {
        await subscriptionChanges.apply((streamSubscribe) => calls.updateRecordingSubscriptions({ ...ref(), streamSubscribe }), lostTask, describe);
        continue;
      }
      const refreshAt = storageRefreshAt();
      if (reachable && refreshAt !== undefined && Date.now() >= refreshAt) {
        await refreshStorage();
        continue;
      }
      if (reachable && shouldContinueAsNew(input.maxHistoryEvents)) return { kind: 'continue' };

      const now = Date.now();
      const pollEvery = reachable ? input.pollIntervalMs : Math.min(input.pollIntervalMs, SUSPECT_POLL_MS);
      nextPollAt = Math.min(nextPollAt, now + pollEvery);
      // an unreachable task cannot take a refresh: its time is no reason to wake
      const wakeAt = Math.min(nextPollAt, s.deadline, reachable ? (refreshAt ?? Infinity) : Infinity);
      const pending = () =>
        s.stopReason !== undefined ||
        wake ||
        (s.suspectSince === undefined && (isPending(s.layout) || isPending(s.subscriptions)));
      await condition(pending, Math.max(MIN_LOOP_WAIT_MS, wakeAt - now));
      if (s.stopReason !== undefined) continue;
      if (wake || Date.now() >= nextPollAt) {
        wake = false;
        const ended = await poll();
        if (ended) return ended;
        nextPollAt = Date.now() + (s.suspectSince !== undefined ? Math.min(input.pollIntervalMs, SUSPECT_POLL_MS) : input.pollIntervalMs);
      }
    }
  };

  /** Moves the current recording into the segment list. */
  const closeSegment = (endReason: string, files: RecordedFile[], uploadingStatus?: UploadingStatus) => {
    if (!s.sid || !s.resourceId) return;
    s.segments.push({ resourceId: s.resourceId, sid: s.sid, recorderUid: s.uid, startedAt: s.startedAt ?? '', endedAt: new Date().toISOString(), endReason, files, uploadingStatus });
  };

  const finish = (outcome: CloudRecordingOutcome, reason: string, uploadingStatus: UploadingStatus, needsReview: boolean): CloudRecordingResult => {
    phase.set(outcome === 'failed' ? 'failed' : 'completed', reason);
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
    };
  };

  /** Waits (bounded) for the upload outcome that only NCS can report after stop. */
  const drain = async (status: UploadingStatus, files: RecordedFile[]) => {
    if (status !== 'unknown') return { status, files, needsReview: false };
    phase.set('draining', 'waiting for the upload to finish');
    const got = await condition(() => uploadEvent !== undefined, input.drainTimeoutMs);
    if (!got || !uploadEvent) return { status, files, needsReview: true };
    return { status: uploadEvent.status, files: uploadEvent.files.length ? uploadEvent.files : files, needsReview: false };
  };

  /** stopping → draining → completed */
  const stopAndDrain = async (reason: string): Promise<CloudRecordingResult> => {
    phase.set('stopping', reason);
    let stopped: Awaited<ReturnType<typeof stopCurrent>>;
    try {
      stopped = await stopCurrent();
    } catch (err) {
      recordUnstopped(err);
      throw ApplicationFailure.create({
        type: 'StopFailed',
        message: `recording ${s.sid} (channel ${input.channel}) may still be running: stop failed: ${describe(err)}`,
        nonRetryable: true,
        details: [{ unstopped: s.unstopped }],
      });
    }
    const files = stopped.files.length ? stopped.files : s.files;
    if (stopped.outcome === 'no_files') {
      closeSegment('nothing was recorded (code 435)', [], 'uploaded');
      return finish('stopped', `${reason}; nothing was recorded (code 435)`, 'uploaded', false);
    }
    const drained = await drain(stopped.uploadingStatus, files);
    closeSegment(reason, drained.files, drained.status);
    return finish('stopped', reason, drained.status, drained.needsReview);
  };

  /** The recording ended on its own: keep its files; restart when asked to. */
  const endedExternally = async (why: string, confirmed: boolean): Promise<'restart' | CloudRecordingResult> => {
    if (!confirmed) {
      // inferred from 404s or a notice: one stop makes sure (404, 49 or 435 all mean it is over)
      try {
        await cleanups.stopRecording(ref());
      } catch (err) {
        if (isCancellation(err)) throw err;
        if (!isNotFound(err)) recordUnstopped(err);
      }
    }
    const drained = await drain('unknown', s.files);
    // decided after draining: by then the recorder_leave notice has usually arrived too
    const reason = why === 'notice' ? (exitNotice() ?? 'recording ended') : why;
    closeSegment(reason, drained.files, drained.status);
    const canRestart = input.restartOnFailure && s.restarts < input.maxRestarts && s.stopReason === undefined && Date.now() < s.deadline;
    if (canRestart) {
      s.restarts++;
      s.uid = newUid();
      s.resourceId = undefined;
      s.sid = undefined;
      uploadEvent = undefined;
      notices.leave = undefined;
      notices.exit = undefined;
      // the new recorder starts from its start configuration
      markUnapplied(s.layout);
      markUnapplied(s.subscriptions);
      return 'restart';
    }
    return finish('ended', reason, drained.status, drained.needsReview);
  };

  /** On cancellation: stop whatever may be running, including a start whose answer we never got. */
  const stopOnCancel = async () => {
    if (!s.sid && s.resourceId && (phase.current === 'starting' || phase.current === 'confirming')) {
      try {
        const again = await creates.startRecording(startParams());
        s.sid = again.sid;
      } catch (err) {
        log.warn('could not learn the sid of a start interrupted by cancellation', { error: describe(err) });
      }
    }
    if (s.sid && phase.current !== 'completed' && phase.current !== 'failed') {
      phase.set('stopping', 'workflow cancelled');
      try {
        await stopCurrent();
        phase.set('completed', 'workflow cancelled; recording stopped');
      } catch (err) {
        recordUnstopped(err);
        phase.set('failed', `workflow cancelled; stop failed: ${describe(err)}`);
      }
    }
  };

  // ---- the session ----
  try {
    result = await withCleanupOnCancel(async () => {
      if (!s.sid) await startRecording();
      for (;;) {
        const end = await record();
        if (end.kind === 'continue') {
          s.continuedAsNew++;
          return continueAsNewWhenReady<typeof cloudRecording>({ ...input, state: s });
        }
        if (end.kind === 'stop') return stopAndDrain(end.reason);
        const next = await endedExternally(end.reason, end.confirmed);
        if (next !== 'restart') return next;
        await startRecording();
      }
    }, stopOnCancel);
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    failure = describe(err);
    // never leave a recording running behind a failure
    if (s.sid && phase.current !== 'completed' && phase.current !== 'stopping' && phase.current !== 'draining') {
      await stopQuietly(`session failed: ${failure}`);
    }
    if (phase.current !== 'completed') phase.set('failed', failure);
    throw err;
  }
  await condition(allHandlersFinished);
  return result;
}

/** Stops the recording a continued run carries when its input can no longer be read; best effort. */
async function stopCarriedRecording(rawInput: CloudRecordingInput): Promise<void> {
  const raw = rawInput as Partial<CloudRecordingParams> | undefined;
  const state = raw?.state as Partial<CloudRecordingState> | undefined;
  if (!state?.sid || !state.resourceId || !state.uid || !raw?.channel) return;
  try {
    await cleanups.stopRecording({
      profile: typeof raw.profile === 'string' ? raw.profile : 'default',
      resourceId: state.resourceId,
      sid: state.sid,
      mode: raw.mode ?? 'mix',
      cname: raw.channel,
      uid: state.uid,
      baseUrl: state.baseUrl,
    });
  } catch (err) {
    log.error('could not stop the carried recording of an unreadable input', { sid: state.sid, error: describe(err) });
  }
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
