/**
 * Timed channel ban: an Agora Channel Management kicking rule (by channel, uid, channel + uid or ip,
 * with privileges) held for a bounded time (agora.md §9.1, §14.8):
 *
 *   creating → active ⇄ (extendBan: PUT the rule's time) → lifting → completed
 *      ╰──────────┴──────────────────────────────────────────────────→ failed
 *
 * - Create that never bans twice: a POST is not idempotent and has no name, so an ambiguous create
 *   (no answer, 504) is reconciled by listing the rules of exactly this target and privileges before
 *   any new create; one found is adopted and given the session's end.
 * - Active: the rule's own time (`time_in_seconds`, at most 86430 s from now) always equals the
 *   session's end, so Agora lifts the ban on time even if no worker runs. `extendBan` moves the end
 *   (validated: 10 … 86430 s from now, within maxDurationMs) and returns it once the rule has it.
 * - Ends: at its end, on lift (the stop Update/signal), on cancellation and on any failure the rule is
 *   deleted; a rule already gone (404: Agora expired it, or someone deleted it) is fine.
 *
 * This file only wires messages to the session (./session.ts); the mechanisms are the kernel's (../lib).
 */
import { ApplicationFailure, log, setHandler } from '@temporalio/workflow';
import type { ChannelBanActivities } from '../../activities/channel-ban';
import type { BanResult, BanState, BanTerm } from '../../src/schemas/workflows/channel-ban';
import { describe } from '../lib/failures';
import { activitiesOf } from '../lib/retry';
import { banExtendSignal, banExtendUpdate, banStatusQuery, banStopSignal, banStopUpdate } from './messages';
import { BanSession, initialState, termOf } from './session';
import { BanChange, BanInput, describeIssues } from '../../src/workflow-schemas';

/** `carried` is passed only by the session itself when it continues as new. */
export async function channelBan(rawInput: BanInput, carried?: BanState): Promise<BanResult> {
  const parsed = BanInput.safeParse(rawInput);
  if (!parsed.success) {
    // a continued run holds a rule: never fail without deleting it (a deploy may have tightened the schema)
    await deleteCarriedRule(rawInput, carried);
    throw ApplicationFailure.create({ type: 'InvalidInput', message: `invalid ban input: ${describeIssues(parsed.error)}`, nonRetryable: true });
  }
  const input = parsed.data;
  const session = new BanSession(input, carried ?? initialState(input));
  const { frame, s } = session;

  frame.registerStop(banStopSignal, banStopUpdate, 'Lift the ban now (delete the rule) and return the result.');
  session.termChanges = frame.registerChange<BanTerm, BanChange>({
    slot: s.term,
    update: banExtendUpdate,
    signal: banExtendSignal,
    validate: (change) => {
      const r = BanChange.safeParse(change);
      if (!r.success) throw ApplicationFailure.create({ type: 'InvalidChange', message: `invalid ban change: ${describeIssues(r.error, '(change)')}`, nonRetryable: true });
      const term = termOf(s, r.data, Date.now());
      if (typeof term === 'string') throw ApplicationFailure.create({ type: 'InvalidChange', message: `ban change refused: ${term}`, nonRetryable: true });
      return term;
    },
    what: 'ban end',
    description: "Move the ban's end (extendBySeconds, or endsInSeconds from now); returns the new end once the rule has it.",
  });
  setHandler(banStatusQuery, () => session.status());

  return session.run();
}

/** Deletes the rule a continued run carries when its input can no longer be read; best effort. */
async function deleteCarriedRule(rawInput: BanInput, carried: BanState | undefined): Promise<void> {
  if (carried?.ruleId === undefined) return;
  const raw = rawInput as Partial<BanInput> | undefined;
  const profile = typeof raw?.profile === 'string' ? raw.profile : 'default';
  try {
    await activitiesOf<ChannelBanActivities>('cleanup').deleteBanRule({ profile, ruleId: carried.ruleId });
  } catch (err) {
    log.error('could not delete the carried ban rule of an unreadable input', { ruleId: carried.ruleId, error: describe(err) });
  }
}
