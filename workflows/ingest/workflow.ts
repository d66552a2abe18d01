/**
 * Agora Media Gateway ingest session: stream key → push → disconnect (agora.md §5, §14.4):
 *
 *   creating-key → waiting-for-encoder → live ⇄ encoder-gone (a reconnect is a new sid) → stopping → completed
 *        ╰──────────────────┴────────────────┴──────────────┴─────────────────────────────────→ failed
 *
 * - The key: created for the channel and host uid with expiresAfter (and a template, by name); the
 *   status query shows it with the push address. 409 (concurrent creates) backs off 1 s, 3 s, 6 s; an
 *   ambiguous create is recorded (the gateway lists no keys) and the one key held is the next create's.
 * - The push: listing the online streams is the source of truth, NCS events (productId 10) wake the loop.
 *   A push that ends is encoder-gone until the encoder comes back (a new sid); encoderTimeoutMs bounds
 *   every wait. Key expiry ends the session with its reason.
 * - Mute: the updateIngest Update keeps the whole wanted state; the main loop sends it to the live push,
 *   verifies the push outlived the gateway's ~1 s, and sends it again to every new sid.
 * - Never leak: stop, max duration, key expiry, no encoder, cancellation and failure all run one teardown:
 *   destroy the key first, then force-disconnect the pushes, then confirm none is online.
 *
 * This file only wires messages to the session (./session.ts); the mechanisms are the kernel's (../lib).
 */
import { ApplicationFailure, log, setHandler } from '@temporalio/workflow';
import type { IngestActivities } from '../../activities/ingest';
import type { AgoraRegion } from '../../src/schemas/agora/media-gateway';
import type { IngestResult, IngestState, MuteState } from '../../src/schemas/workflows/ingest';
import { describe } from '../lib/failures';
import { activitiesOf } from '../lib/retry';
import { ingestStatusQuery, ingestStopSignal, ingestStopUpdate, ingestUpdate, ingestUpdateSignal, ncsEventSignal } from './messages';
import { IngestSession, initialState, mergeChange } from './session';
import { IngestChange, IngestInput, describeIssues } from '../../src/workflow-schemas';
import { deliverSignal } from '../lib/inbox';

/** `carried` is passed only by the session itself when it continues as new. */
export async function ingest(rawInput: IngestInput, carried?: IngestState): Promise<IngestResult> {
  const parsed = IngestInput.safeParse(rawInput);
  if (!parsed.success) {
    // a continued run holds a key and maybe a push: never fail without ending them (a deploy may have tightened the schema)
    await endCarriedIngest(rawInput, carried);
    throw ApplicationFailure.create({ type: 'InvalidInput', message: `invalid ingest input: ${describeIssues(parsed.error)}`, nonRetryable: true });
  }
  const input = parsed.data;
  const session = new IngestSession(input, carried ?? initialState(input));
  const { frame, s } = session;

  frame.registerStop(ingestStopSignal, ingestStopUpdate, 'Destroy the stream key, disconnect the pushes and return the result.');
  session.muteChanges = frame.registerChange<MuteState, IngestChange>({
    slot: s.mute,
    update: ingestUpdate,
    signal: ingestUpdateSignal,
    validate: (change) => {
      const r = IngestChange.safeParse(change);
      if (!r.success) throw ApplicationFailure.create({ type: 'InvalidChange', message: `invalid ingest change: ${describeIssues(r.error, '(change)')}`, nonRetryable: true });
      return mergeChange(s.mute.value!, r.data);
    },
    what: 'mute state',
    description: 'Mute or unmute the live push (audioMuted, videoMuted); returns the whole mute state once the push has it (at once when no push is live: the next one gets it).',
  });
  setHandler(ncsEventSignal, (event) => deliverSignal(() => session.onNcsEvent(event)));
  setHandler(ingestStatusQuery, () => session.status());

  return session.run();
}

/** Destroys the key (then disconnects the push) a continued run carries when its input can no longer be read; best effort. */
async function endCarriedIngest(rawInput: IngestInput, carried: IngestState | undefined): Promise<void> {
  if (!carried?.streamKey || carried.keyDestroyed) return;
  const raw = rawInput as Partial<Record<string, unknown>> | undefined;
  const profile = typeof raw?.profile === 'string' ? raw.profile : 'default';
  const region = typeof raw?.region === 'string' ? (raw.region as AgoraRegion) : 'na';
  const cleanups = activitiesOf<IngestActivities>('cleanup');
  try {
    await cleanups.destroyIngestKey({ profile, region, streamKey: carried.streamKey });
    if (carried.sid) await cleanups.disconnectIngestStream({ profile, region, sid: carried.sid });
  } catch (err) {
    log.error('could not end the carried ingest of an unreadable input', { sid: carried.sid, error: describe(err) });
  }
}
