/**
 * Huawei SparkRTC recording session, single-stream and mixed-stream jobs (sparkrtc.md §7, §8, §16, §17),
 * behind the same recording interface as Agora Cloud Recording (same query, stop and layout names):
 *
 *   starting → confirming (INIT) → recording (RUNNING) ⇄ (query, updateLayout | updateRecordRule) → stopping → draining → completed
 *       ╰───────────┴─────────────────────┴────────────────────────────────────────────────────────────────────────→ failed
 *
 * - Start that never doubles: the start is not idempotent and there is no job list, so an ambiguous start
 *   (lost answer, 5xx, 409, JobRunning) is reconciled through the callbacks naming a job of this
 *   session's key before any new start (./vendor.ts). The job must then leave INIT within
 *   confirmTimeoutMs, else it is stopped and the session fails.
 * - Recording: the job query every pollIntervalMs is the source of truth for state; callbacks (signalled
 *   by src/api/sparkrtc-callbacks.ts) wake it and are the source of truth for files. Layout changes (mix)
 *   and record-rule changes (single) are kept whole and sent one PUT at a time; RTC.00001022 (INIT) is
 *   tried again later, RTC.00001009 (stopped) refuses the change for good.
 * - The job may end by itself (EXCEED_MAX_IDLE_TIME, INTERNAL_ERROR): the session completes with the
 *   reason and its files. After a stop, the last RECORD_FILE_COMPLETE is awaited (drainTimeoutMs).
 * - Never leak: stop on request, on max duration, on cancellation (non-cancellable), on any failure
 *   while a job is held. Long sessions continue as new with their whole state as a second argument.
 *
 * This file only wires messages to the session (./session.ts); the mechanisms are the kernel's (../lib).
 */
import { ApplicationFailure, log, setHandler } from '@temporalio/workflow';
import type { SparkRtcRecordingActivities } from '../../activities/sparkrtc-recording';
import type { SparkRtcRecordingParams, SparkRtcRecordingResult, SparkRtcRecordingState } from '../../src/schemas/workflows/sparkrtc-recording';
import { describe } from '../lib/failures';
import { activitiesOf } from '../lib/retry';
import {
  sparkRtcCallbackSignal,
  sparkRtcLayoutSignal,
  sparkRtcLayoutUpdate,
  sparkRtcRecordRuleSignal,
  sparkRtcRecordRuleUpdate,
  sparkRtcStatusQuery,
  sparkRtcStopSignal,
  sparkRtcStopUpdate,
} from './messages';
import { initialState, SparkRtcRecordingSession } from './session';
import { AUDIO_ONLY, RecordRuleId, SparkRtcLayout, SparkRtcRecordingCarried, SparkRtcRecordingInput, describeIssues, normaliseEncodeTemplate } from '../../src/workflow-schemas';
import { deliverSignal } from '../lib/inbox';

/** `carried` is passed only by the session itself when it continues as new. */
export async function sparkrtcRecording(rawInput: SparkRtcRecordingInput, carried?: SparkRtcRecordingState): Promise<SparkRtcRecordingResult> {
  const parsed = SparkRtcRecordingInput.safeParse(rawInput);
  if (!parsed.success) {
    // a continued run holds a live job: never fail without stopping it (a deploy may have tightened the schema)
    await stopCarriedJob(rawInput, carried);
    throw invalid('InvalidInput', `invalid SparkRTC recording input: ${describeIssues(parsed.error)}`);
  }
  const input = parsed.data;
  const session = new SparkRtcRecordingSession(input, carried ? readCarried(carried) : initialState(input));
  const { frame, s } = session;

  frame.registerStop(sparkRtcStopSignal, sparkRtcStopUpdate, 'Stop the job and return the result (its files, once the last one is complete).');
  session.layoutChanges = frame.registerChange({
    slot: s.layout,
    update: sparkRtcLayoutUpdate,
    signal: sparkRtcLayoutSignal,
    validate: (layout) => validLayout(input, layout),
    what: 'layout',
    description: 'Replace the whole layout of a mixed job (template, panes, backgrounds); returns once SparkRTC has it.',
  });
  session.ruleChanges = frame.registerChange({
    slot: s.recordRule,
    update: sparkRtcRecordRuleUpdate,
    signal: sparkRtcRecordRuleSignal,
    validate: (ruleId) => validRule(input, ruleId),
    what: 'record rule',
    description: 'Change the record rule a single job writes new files with; returns once SparkRTC has it.',
  });
  setHandler(sparkRtcCallbackSignal, (event) => deliverSignal(() => session.onCallback(event)));
  setHandler(sparkRtcStatusQuery, () => session.status());

  return session.run();
}

const invalid = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

function validLayout(input: SparkRtcRecordingParams, layout: unknown): SparkRtcLayout {
  if (input.kind !== 'mix') throw invalid('InvalidLayout', 'layouts apply to mixed-stream recordings');
  if (normaliseEncodeTemplate(input.encodeTemplate ?? '') === AUDIO_ONLY) throw invalid('InvalidLayout', 'an audio_only mix has no layout');
  const r = SparkRtcLayout.safeParse(layout);
  if (!r.success) throw invalid('InvalidLayout', `invalid layout: ${describeIssues(r.error, '(layout)')}`);
  return r.data;
}

function validRule(input: SparkRtcRecordingParams, ruleId: unknown): string {
  if (input.kind !== 'single') throw invalid('InvalidRecordRule', "a mixed job's record rule cannot change (sparkrtc.md §8.4): stop it and start another");
  const r = RecordRuleId.safeParse(ruleId);
  if (!r.success) throw invalid('InvalidRecordRule', `invalid record rule: ${describeIssues(r.error, '(recordRuleId)')}`);
  return r.data;
}

/** The carried state as the session wrote it; a state that does not read is a bug, not an input error. */
function readCarried(state: SparkRtcRecordingState): SparkRtcRecordingState {
  const r = SparkRtcRecordingCarried.safeParse(state);
  if (!r.success) log.error('carried state does not match its schema; continuing with it as it is', { issues: describeIssues(r.error, '(state)') });
  return state;
}

/** Stops the job a continued run carries when its input can no longer be read; best effort. */
async function stopCarriedJob(rawInput: unknown, carried: SparkRtcRecordingState | undefined): Promise<void> {
  const raw = rawInput as Partial<SparkRtcRecordingParams> | undefined;
  if (!carried?.jobId || (raw?.kind !== 'single' && raw?.kind !== 'mix')) return;
  try {
    await activitiesOf<SparkRtcRecordingActivities>('cleanup').stopSparkRtcJob({
      profile: typeof raw.profile === 'string' ? raw.profile : 'default',
      kind: raw.kind,
      jobId: carried.jobId,
    });
  } catch (err) {
    log.error('could not stop the carried job of an unreadable input', { jobId: carried.jobId, error: describe(err) });
  }
}
