/**
 * Agora Media Pull session: a cloud player pulls a stream URL into a channel (agora.md §7, §14.6):
 *
 *   creating → connecting → playing ⇄ (List, updatePlayer) → stopping → completed
 *                              ╰→ recreating → connecting → playing      (restartOnFailure)
 *      ╰──────────────┴────────────┴─────────────────────────────────────→ failed
 *
 * - Create that never makes two: the player's `name` is derived from the workflow ID, so a create
 *   repeated after a lost answer meets 409 and adopts the player X-Resource-ID names; an unknown outcome
 *   (504, no answer) is first reconciled by the List (filtered by channel, listDelayMs after the create).
 * - Connecting → playing: the List shows the player only ~10 s after its creation; it must report
 *   running within confirmTimeoutMs, else it is deleted and replaced (maxStartAttempts).
 * - Playing: the List every pollIntervalMs is the source of truth; NCS productId-4 events only wake it.
 *   Updates (streamUrl, isPause, volume, seekPosition) are the desired playback, sent with a `sequence`
 *   that only grows, across runs too. A player that idles out (idleTimeout) or goes ends the session
 *   with the reason; one that fails is deleted and re-created with playTs (restartOnFailure), or ends it.
 * - Never leak: delete on stop, max duration, cancellation and any failure while a player is held.
 *
 * This file only wires messages to the session (./session.ts); the mechanisms are the kernel's (../lib).
 */
import { ApplicationFailure, log, setHandler } from '@temporalio/workflow';
import type { PullActivities } from '../../activities/pull';
import type { PullPlayback, PullResult, PullState } from '../../src/schemas/workflows/pull';
import { describe } from '../lib/failures';
import { activitiesOf } from '../lib/retry';
import { ncsEventSignal, pullStatusQuery, pullStopSignal, pullStopUpdate, pullUpdate, pullUpdateSignal } from './messages';
import { initialState, mergeChange, PullSession } from './session';
import { AgoraRegion, PullChange, PullInput, describeIssues } from '../../src/workflow-schemas';
import { deliverSignal } from '../lib/inbox';

/** `carried` is passed only by the session itself when it continues as new. */
export async function pull(rawInput: PullInput, carried?: PullState): Promise<PullResult> {
  const parsed = PullInput.safeParse(rawInput);
  if (!parsed.success) {
    // a continued run holds a live player: never fail without deleting it (a deploy may have tightened the schema)
    await deleteCarriedPlayer(rawInput, carried);
    throw ApplicationFailure.create({ type: 'InvalidInput', message: `invalid Media Pull input: ${describeIssues(parsed.error)}`, nonRetryable: true });
  }
  const input = parsed.data;
  const session = new PullSession(input, carried ?? initialState(input));
  const { frame, s } = session;

  frame.registerStop(pullStopSignal, pullStopUpdate, 'Delete the cloud player and return the result.');
  session.changes = frame.registerChange<PullPlayback, PullChange>({
    slot: s.playback,
    update: pullUpdate,
    signal: pullUpdateSignal,
    validate: (change) => {
      const r = PullChange.safeParse(change);
      if (!r.success) throw ApplicationFailure.create({ type: 'InvalidChange', message: `invalid Media Pull change: ${describeIssues(r.error, '(change)')}`, nonRetryable: true });
      return mergeChange(s.playback.value!, r.data);
    },
    what: 'playback',
    description: 'Change the stream URL, pause/resume, volume or seek; returns the whole playback once the player has it.',
  });
  setHandler(ncsEventSignal, (event) => deliverSignal(() => session.onNcsEvent(event)));
  setHandler(pullStatusQuery, () => session.status());

  return session.run();
}

/** Deletes the player a continued run carries when its input can no longer be read; best effort. */
async function deleteCarriedPlayer(rawInput: PullInput, carried: PullState | undefined): Promise<void> {
  const raw = rawInput as Partial<PullInput> | undefined;
  if (!carried?.playerId) return;
  const region = AgoraRegion.safeParse(raw?.region);
  const channel = typeof raw?.channel === 'string' ? raw.channel : undefined;
  if (!region.success || !channel) {
    log.error('the carried player of an unreadable input cannot be deleted (no region or channel)', { playerId: carried.playerId });
    return;
  }
  const profile = typeof raw?.profile === 'string' ? raw.profile : 'default';
  try {
    await activitiesOf<PullActivities>('cleanup').deletePullPlayer({ profile, region: region.data, channel, playerId: carried.playerId, listed: carried.listed });
  } catch (err) {
    log.error('could not delete the carried player of an unreadable input', { playerId: carried.playerId, error: describe(err) });
  }
}
