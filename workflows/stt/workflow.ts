/**
 * Agora Real-Time STT session, one interface over 7.x agents and 6.x tasks (agora.md §3, §4, §14.2-3):
 *
 *   (6.x: acquiring →) starting → confirming → running ⇄ (query, updateTranscription) → stopping → completed
 *          ╰────────────────┴─────────────┴──────────────────────────────────────────────────→ failed
 *
 * - Start that really starts: 7.x joins with a name derived from the workflow ID, so a join repeated
 *   after an ambiguous outcome answers 409 and the running agent is adopted, never a second one; 6.x
 *   starts within its builderToken's 5 minutes (a lapsed token is acquired again). The agent must then
 *   report running within confirmTimeoutMs, else it is left and replaced.
 * - Running: query every pollIntervalMs; NCS agent events only wake it. Updates (languages, audio uids,
 *   translation) are validated first and sent with a sequenceId that only grows, across runs too.
 * - 7.x agents end after 72 hours: the session ends then, or rolls over to a fresh agent.
 * - Never leak: leave/stop on request, max duration, cancellation and any failure while an agent runs.
 *
 * This file only wires messages to the session (./session.ts); the mechanisms are the kernel's (../lib).
 */
import { ApplicationFailure, log, setHandler } from '@temporalio/workflow';
import type { SttActivities } from '../../activities/stt';
import type { SttConfig, SttResult, SttState } from '../../src/schemas/workflows/stt';
import { describe } from '../lib/failures';
import { activitiesOf } from '../lib/retry';
import { ncsEventSignal, sttStatusQuery, sttStopSignal, sttStopUpdate, sttUpdate, sttUpdateSignal } from './messages';
import { initialState, mergeChange, SttSession } from './session';
import { SttChange, SttInput, describeIssues } from '../../src/workflow-schemas';
import { deliverSignal } from '../lib/inbox';

/** `carried` is passed only by the session itself when it continues as new. */
export async function stt(rawInput: SttInput, carried?: SttState): Promise<SttResult> {
  const parsed = SttInput.safeParse(rawInput);
  if (!parsed.success) {
    // a continued run holds a live agent: never fail without leaving it (a deploy may have tightened the schema)
    await leaveCarriedAgent(rawInput, carried);
    throw ApplicationFailure.create({ type: 'InvalidInput', message: `invalid STT input: ${describeIssues(parsed.error)}`, nonRetryable: true });
  }
  const input = parsed.data;
  const session = new SttSession(input, carried ?? initialState(input));
  const { frame, s } = session;

  frame.registerStop(sttStopSignal, sttStopUpdate, 'Leave (7.x) or stop (6.x) the transcription and return the result.');
  session.configChanges = frame.registerChange<SttConfig, SttChange>({
    slot: s.config,
    update: sttUpdate,
    signal: sttUpdateSignal,
    validate: (change) => {
      const r = SttChange.safeParse(change);
      if (!r.success) throw ApplicationFailure.create({ type: 'InvalidChange', message: `invalid STT change: ${describeIssues(r.error, '(change)')}`, nonRetryable: true });
      return mergeChange(s.config.value!, r.data);
    },
    what: 'transcription configuration',
    description: 'Change languages, subscribed audio uids or translation targets; returns the whole configuration once the agent has it.',
  });
  setHandler(ncsEventSignal, (event) => deliverSignal(() => session.onNcsEvent(event)));
  setHandler(sttStatusQuery, () => session.status());

  return session.run();
}

/** Leaves (7.x) or stops (6.x) the agent a continued run carries when its input can no longer be read; best effort. */
async function leaveCarriedAgent(rawInput: SttInput, carried: SttState | undefined): Promise<void> {
  const raw = rawInput as Partial<SttInput> | undefined;
  if (!carried?.agentId) return;
  const profile = typeof raw?.profile === 'string' ? raw.profile : 'default';
  const cleanups = activitiesOf<SttActivities>('cleanup');
  try {
    if (carried.builderToken) await cleanups.stopSttTask({ profile, id: carried.agentId, builderToken: carried.builderToken });
    else await cleanups.leaveSttAgent({ profile, id: carried.agentId });
  } catch (err) {
    log.error('could not leave the carried agent of an unreadable input', { agentId: carried.agentId, error: describe(err) });
  }
}
