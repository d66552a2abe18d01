/**
 * Agora Cloud Transcoder: the inputs of one channel mixed into outputs published in RTC channels
 * (agora.md §8, §14.7):
 *
 *   acquiring → creating → starting → running ⇄ (query, updateTranscoder) → stopping → completed
 *                                    ╰→ replacing → acquiring …   (a canvas/watermark change)
 *      ╰────────────┴───────────┴──────────┴─────────────────────────────────→ failed
 *
 * - Create that never transcodes twice: a builderToken starts one task; acquire and create are
 *   adjacent (create within 2 s). An unanswered create is reconciled by reading the task of its
 *   builderToken before the same token is tried again; a 409 adopts the token's task. 206/50x are backed
 *   off (3 s, 6 s) with the same token, then, once the token is known to have started nothing, a new
 *   builderToken and new output uids, a bounded number of times.
 * - Running: query every pollIntervalMs. Updates (inputs, regions, the outputs' encoding) are validated
 *   first and sent as the whole body with a sequenceId that only grows, across worker restarts and runs;
 *   a canvas or watermark change replaces the task (the vendor's update cannot change them).
 * - Never leak: delete on request, max duration, cancellation (also mid-create: the token's task is
 *   found) and any failure while a task runs.
 *
 * This file only wires messages to the session (./session.ts); the mechanisms are the kernel's (../lib).
 */
import { ApplicationFailure, log, patched, setHandler } from '@temporalio/workflow';
import type { TranscoderActivities } from '../../activities/transcoder';
import { mergeLayout } from '../../src/agora/meanings/transcoder';
import type { TranscoderLayout, TranscoderResult, TranscoderState } from '../../src/schemas/workflows/transcoder';
import { describe } from '../lib/failures';
import { activitiesOf } from '../lib/retry';
import { transcoderStatusQuery, transcoderStopSignal, transcoderStopUpdate, transcoderUpdate, transcoderUpdateSignal } from './messages';
import { initialState, TranscoderSession } from './session';
import { TranscoderChange, TranscoderInput, describeIssues } from '../../src/workflow-schemas';

const invalidChange = (message: string) => ApplicationFailure.create({ type: 'InvalidChange', message, nonRetryable: true });

/** `carried` is passed only by the session itself when it continues as new. */
export async function transcoder(rawInput: TranscoderInput, carried?: TranscoderState): Promise<TranscoderResult> {
  const parsed = TranscoderInput.safeParse(rawInput);
  if (!parsed.success) {
    // a continued run holds a live task: never fail without deleting it (a deploy may have tightened the schema)
    await deleteCarriedTask(rawInput, carried);
    throw ApplicationFailure.create({ type: 'InvalidInput', message: `invalid transcoder input: ${describeIssues(parsed.error)}`, nonRetryable: true });
  }
  const input = parsed.data;
  const session = new TranscoderSession(input, carried ?? initialState(input));
  const { frame, s } = session;
  // a change whose whole body the update call refuses is refused before it is accepted; runs from before took
  // it and re-sent it after every poll (test/histories/transcoder-invalid-change-pending.json)
  const refusesWholeBody = patched('transcoder-whole-body-refused');

  frame.registerStop(transcoderStopSignal, transcoderStopUpdate, 'Delete the transcoding task and return the result.');
  session.configChanges = frame.registerChange<TranscoderLayout, TranscoderChange>({
    slot: s.config,
    update: transcoderUpdate,
    signal: transcoderUpdateSignal,
    validate: (change) => {
      const r = TranscoderChange.safeParse(change);
      if (!r.success) throw invalidChange(`invalid transcoder change: ${describeIssues(r.error, '(change)')}`);
      const next = mergeLayout(s.config.value!, r.data);
      if (typeof next === 'string') throw invalidChange(`invalid transcoder change: ${next}`);
      const refused = session.refusalOf(next, refusesWholeBody);
      if (refused) throw invalidChange(`transcoder change refused: ${refused}`);
      return next;
    },
    what: 'transcoder layout',
    description: 'Change the inputs, the layout (regions, canvas, watermarks) or the outputs’ encoding; returns the whole layout once the task has it.',
  });
  setHandler(transcoderStatusQuery, () => session.status());

  return session.run();
}

/** Deletes the task a continued run carries when its input can no longer be read; best effort. */
async function deleteCarriedTask(rawInput: TranscoderInput, carried: TranscoderState | undefined): Promise<void> {
  if (!carried?.taskId || !carried.builderToken) return;
  const raw = rawInput as Partial<TranscoderInput> | undefined;
  const profile = typeof raw?.profile === 'string' ? raw.profile : 'default';
  try {
    await activitiesOf<TranscoderActivities>('cleanup').deleteTranscoderTask({ profile, builderToken: carried.builderToken, taskId: carried.taskId });
  } catch (err) {
    log.error('could not delete the carried task of an unreadable input', { taskId: carried.taskId, error: describe(err) });
  }
}
