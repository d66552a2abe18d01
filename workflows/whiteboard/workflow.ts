/**
 * Interactive Whiteboard file conversion as a durable job (agora.md §12): one projector task that turns a
 * document into whiteboard pages.
 *
 *   creating → queued → converting → completed (converted, with the pages)
 *      │          ╰──────────┴──────→ failed (the projector said Fail, or the task vanished)
 *      ╰──────────┴──────────┴──→ stopping (delete) → completed (cancelled)
 *
 * - Create that never converts twice: the create has no idempotency key, so an unanswered one is
 *   reconciled by listing the team's tasks (same resource and type, created since the first attempt)
 *   before it is tried again.
 * - Progress: the task is read every pollIntervalMs (the `poke` signal reads it at once, e.g. from the
 *   application's webhookEndpoint); percentage and pages converted are in the `status` query and the
 *   workflow's current details; RtcPhase follows the phase.
 * - Never leak: the task is deleted on a stop request, max duration, cancellation (also mid-create: the
 *   listed task is adopted and deleted) and any failure while it converts.
 * - Tokens: the SDK token each call needs is minted inside the activities; none reaches history.
 *
 * This file only wires messages to the session (./session.ts); the mechanisms are the kernel's (../lib).
 */
import { ApplicationFailure, log, setHandler } from '@temporalio/workflow';
import type { WhiteboardActivities } from '../../activities/whiteboard';
import type { WhiteboardConversionResult, WhiteboardState } from '../../src/schemas/workflows/whiteboard';
import { describeIssues, WhiteboardConversionInput } from '../../src/workflow-schemas';
import { describe } from '../lib/failures';
import { activitiesOf } from '../lib/retry';
import { whiteboardPokeSignal, whiteboardStatusQuery, whiteboardStopSignal, whiteboardStopUpdate } from './messages';
import { initialState, WhiteboardSession } from './session';
import { deliverSignal } from '../lib/inbox';

/** `carried` is passed only by the session itself when it continues as new. */
export async function whiteboardConversion(rawInput: WhiteboardConversionInput, carried?: WhiteboardState): Promise<WhiteboardConversionResult> {
  const parsed = WhiteboardConversionInput.safeParse(rawInput);
  if (!parsed.success) {
    // a continued run holds a live task: never fail without deleting it (a deploy may have tightened the schema)
    await deleteCarriedTask(rawInput, carried);
    throw ApplicationFailure.create({ type: 'InvalidInput', message: `invalid whiteboard conversion input: ${describeIssues(parsed.error)}`, nonRetryable: true });
  }
  const session = new WhiteboardSession(parsed.data, carried ?? initialState(parsed.data));
  session.frame.registerStop(whiteboardStopSignal, whiteboardStopUpdate, 'Cancel the conversion (delete its task) and return the result.');
  setHandler(whiteboardStatusQuery, () => session.status());
  setHandler(whiteboardPokeSignal, () =>
    deliverSignal(() => {
      session.wake = true;
    }),
  );
  return session.run();
}

/** Deletes the task a continued run carries when its input can no longer be read; best effort. */
async function deleteCarriedTask(rawInput: WhiteboardConversionInput, carried: WhiteboardState | undefined): Promise<void> {
  if (!carried?.taskUuid) return;
  const raw = rawInput as Partial<WhiteboardConversionInput> | undefined;
  const profile = typeof raw?.profile === 'string' ? raw.profile : 'default';
  try {
    await activitiesOf<WhiteboardActivities>('cleanup').deleteWhiteboardConversion({ profile, uuid: carried.taskUuid });
  } catch (err) {
    log.error('could not delete the carried task of an unreadable input', { taskUuid: carried.taskUuid, error: describe(err) });
  }
}
