/**
 * Agora Cloud Recording session (agora.md §2, §14.1):
 *
 *   acquiring → starting → recording ⇄ (periodic query) → stopping → completed
 *        ╰──────────────┴──────────── failed (with the reason)
 *
 * A `stop` signal (or cancellation) ends the session; the result holds the recorder's file list.
 * The workflow is the only ledger of a running recording (Agora cannot list them), so every exit path
 * that knows a sid stops it first.
 */
import { ApplicationFailure, condition, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { CloudRecordingActivities } from '../activities/cloud-recording';
import type { RecordedFile, UploadingStatus } from '../src/schemas/agora/cloud-recording';
import { CloudRecordingInput, type CloudRecordingOutcome, type CloudRecordingResult } from '../src/schemas/workflows/cloud-recording';
import { withCleanupOnCancel } from './lib/cancel';
import { describe, vendorInfo } from './lib/failures';
import { trackPhase } from './lib/phase';
import { activitiesOf } from './lib/retry';
import { SA } from './lib/search-attributes';
import { recordingStatusQuery, stopSignal, type CloudRecordingPhase, type CloudRecordingStatus } from './messages';

const calls = activitiesOf<CloudRecordingActivities>('call');
const creates = activitiesOf<CloudRecordingActivities>('create');
const cleanups = activitiesOf<CloudRecordingActivities>('cleanup');

/** Recorder uids come from the top of the uid space, away from human users. */
const BOT_UID_MIN = 4_000_000_000;
const BOT_UID_SPAN = 294_967_295;

/** Recorder statuses that mean the recording is over (agora.md §2.6). */
const EXITED = new Set([8, 20]);

export async function cloudRecording(rawInput: CloudRecordingInput): Promise<CloudRecordingResult> {
  const parsed = CloudRecordingInput.safeParse(rawInput);
  if (!parsed.success) {
    throw ApplicationFailure.create({
      type: 'InvalidInput',
      message: `invalid cloud recording input: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      nonRetryable: true,
    });
  }
  const input = parsed.data;
  const uid = input.recorderUid ?? String(BOT_UID_MIN + Math.floor(Math.random() * BOT_UID_SPAN));
  const phase = trackPhase<CloudRecordingPhase>('acquiring');
  upsertSearchAttributes([
    { key: SA.vendor, value: 'agora' },
    { key: SA.product, value: 'cloud-recording' },
    { key: SA.channel, value: input.channel },
  ]);

  let resourceId: string | undefined;
  let sid: string | undefined;
  let startedAt: string | undefined;
  let recorderStatus: number | undefined;
  let lastQueryAt: string | undefined;
  let files: RecordedFile[] = [];
  let stopReason: string | undefined;

  setHandler(stopSignal, (req) => {
    stopReason ??= req?.reason ?? 'stop requested';
  });
  setHandler(
    recordingStatusQuery,
    (): CloudRecordingStatus => ({
      phase: phase.current,
      reason: phase.reason,
      since: phase.since,
      channel: input.channel,
      mode: input.mode,
      recorderUid: uid,
      resourceId,
      sid,
      recorderStatus,
      lastQueryAt,
      files,
      stopRequested: stopReason !== undefined,
    }),
  );

  const ref = () => ({ profile: input.profile, resourceId: resourceId!, sid: sid!, mode: input.mode });

  const finish = (outcome: CloudRecordingOutcome, reason: string, uploadingStatus: UploadingStatus): CloudRecordingResult => {
    phase.set(outcome === 'failed' ? 'failed' : 'completed', reason);
    return {
      workflowId: workflowInfo().workflowId,
      channel: input.channel,
      mode: input.mode,
      recorderUid: uid,
      resourceId,
      sid,
      outcome,
      reason,
      files,
      uploadingStatus,
      startedAt,
      endedAt: new Date().toISOString(),
    };
  };

  /** Stops the recording; the stop response's file list wins over what queries saw. */
  const stopRecording = async (reason: string): Promise<CloudRecordingResult> => {
    phase.set('stopping', reason);
    const stopped = await cleanups.stopRecording({ ...ref(), cname: input.channel, uid });
    if (stopped.files.length > 0) files = stopped.files;
    return finish('stopped', reason, stopped.uploadingStatus);
  };

  // ---- acquire → start ----
  try {
    const acquired = await calls.acquireRecordingResource({ profile: input.profile, cname: input.channel, uid, clientRequest: input.acquire });
    resourceId = acquired.resourceId;
    phase.set('starting');
    const started = await creates.startRecording({
      profile: input.profile,
      storageProfile: input.storageProfile,
      resourceId,
      mode: input.mode,
      cname: input.channel,
      uid,
      clientRequest: input.clientRequest,
      tokenTtlSeconds: input.tokenTtlSeconds,
    });
    sid = started.sid;
  } catch (err) {
    phase.set('failed', describe(err));
    throw err;
  }
  if (!sid) {
    phase.set('failed', 'start reported a running recording without a sid');
    throw ApplicationFailure.nonRetryable('start reported a running recording without a sid', 'RecordingUnreachable');
  }
  startedAt = new Date().toISOString();
  upsertSearchAttributes([{ key: SA.sid, value: sid }]);
  phase.set('recording');

  // ---- recording: query periodically until asked to stop or the recording ends ----
  return withCleanupOnCancel(
    async () => {
      for (;;) {
        if (await condition(() => stopReason !== undefined, input.pollIntervalMs)) return stopRecording(stopReason!);
        try {
          const q = await calls.queryRecording(ref());
          recorderStatus = q.status;
          lastQueryAt = new Date().toISOString();
          if (q.files.length > 0) files = q.files;
          if (q.status !== undefined && EXITED.has(q.status)) {
            return finish('ended', `recorder exited (status ${q.status})`, 'unknown');
          }
        } catch (err) {
          if (vendorInfo(err)?.httpStatus === 404) return finish('ended', 'recording no longer exists (query answered 404)', 'unknown');
          // any other failure: we still hold a sid, so stop it rather than leak it
          await stopRecording(`query failed: ${describe(err)}`);
          phase.set('failed', describe(err));
          throw err;
        }
      }
    },
    () => stopRecording('workflow cancelled'),
  );
}
