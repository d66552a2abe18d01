/**
 * Agora Media Push relay: a channel pushed to a CDN by an RTMP converter (agora.md §6, §14.5):
 *
 *   creating → connecting → running ⇄ idle ⇄ (get, updateRelay) → stopping → completed
 *                                   ╰→ recreating → connecting …   (restartOnFailure)
 *      ╰──────────────┴──────────────┴─────────────────────────────────────→ failed
 *
 * - Create that never pushes twice: the converter's name is derived from the workflow ID; a 409 adopts
 *   the live converter of that name (found by list), an ambiguous create (504, no answer) is reconciled
 *   by the same list before any new create. The converter must then leave `connecting` within
 *   confirmTimeoutMs, else it is deleted and replaced.
 * - Running: get every pollIntervalMs; NCS productId 5 events only wake it. Updates (rtmpUrl, transcoding)
 *   are validated first (raw push, vertical layout, output switch) and sent with a `sequence` that only
 *   grows, across worker restarts and runs too, at most 2 per second.
 * - A converter that fails, or that the service destroys, is reported and, with restartOnFailure,
 *   replaced (a bounded number of times); an idle timeout ends the session with its reason.
 * - Never leak: delete on request, max duration, cancellation and any failure while a converter runs.
 *
 * This file only wires messages to the session (./session.ts); the mechanisms are the kernel's (../lib).
 */
import { ApplicationFailure, log, setHandler } from '@temporalio/workflow';
import type { RelayActivities } from '../../activities/relay';
import type { RelayConfig, RelayResult, RelayState } from '../../src/schemas/workflows/relay';
import { describe } from '../lib/failures';
import { activitiesOf } from '../lib/retry';
import { ncsEventSignal, relayStatusQuery, relayStopSignal, relayStopUpdate, relayUpdate, relayUpdateSignal } from './messages';
import { initialState, mergeChange, refusalOf, RelaySession } from './session';
import { RelayChange, RelayInput, describeIssues } from '../../src/workflow-schemas';
import { deliverSignal } from '../lib/inbox';

/** `carried` is passed only by the session itself when it continues as new. */
export async function relay(rawInput: RelayInput, carried?: RelayState): Promise<RelayResult> {
  const parsed = RelayInput.safeParse(rawInput);
  if (!parsed.success) {
    // a continued run holds a live converter: never fail without deleting it (a deploy may have tightened the schema)
    await deleteCarriedConverter(rawInput, carried);
    throw ApplicationFailure.create({ type: 'InvalidInput', message: `invalid relay input: ${describeIssues(parsed.error)}`, nonRetryable: true });
  }
  const input = parsed.data;
  const session = new RelaySession(input, carried ?? initialState(input));
  const { frame, s } = session;

  frame.registerStop(relayStopSignal, relayStopUpdate, 'Delete the converter and return the result.');
  session.configChanges = frame.registerChange<RelayConfig, RelayChange>({
    slot: s.config,
    update: relayUpdate,
    signal: relayUpdateSignal,
    validate: (change) => {
      const r = RelayChange.safeParse(change);
      if (!r.success) throw ApplicationFailure.create({ type: 'InvalidChange', message: `invalid relay change: ${describeIssues(r.error, '(change)')}`, nonRetryable: true });
      const next = mergeChange(s.config.value!, r.data);
      const refused = refusalOf(input, s.config.value!, next);
      if (refused) throw ApplicationFailure.create({ type: 'InvalidChange', message: `relay change refused: ${refused}`, nonRetryable: true });
      return next;
    },
    what: 'relay configuration',
    description: 'Change the CDN address (rtmpUrl) and/or the transcoding; returns the whole configuration once the converter has it.',
  });
  setHandler(ncsEventSignal, (event) => deliverSignal(() => session.onNcsEvent(event)));
  setHandler(relayStatusQuery, () => session.status());

  return session.run();
}

/** Deletes the converter a continued run carries when its input can no longer be read; best effort. */
async function deleteCarriedConverter(rawInput: RelayInput, carried: RelayState | undefined): Promise<void> {
  const raw = rawInput as Partial<RelayInput> | undefined;
  if (!carried?.converterId || typeof raw?.region !== 'string') return;
  const profile = typeof raw.profile === 'string' ? raw.profile : 'default';
  try {
    await activitiesOf<RelayActivities>('cleanup').deleteRelayConverter({ profile, region: raw.region as never, converterId: carried.converterId });
  } catch (err) {
    log.error('could not delete the carried converter of an unreadable input', { converterId: carried.converterId, error: describe(err) });
  }
}
