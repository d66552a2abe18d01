/**
 * What Agora Channel Management's ban rules ("kicking rules", agora.md §9.1, §14.8) mean to a timed ban
 * session, as named questions. Pure: workflow code imports it.
 *
 * - A rule's duration is `time_in_seconds` counted from the call (create and PUT alike), in [10, 86430]
 *   (the vendor clamps values outside; 0 creates no rule). The vendor removes a rule by itself once its
 *   `ts` has passed: a rule is a ban with a built-in dead man's switch.
 * - Create is not idempotent (every POST is another rule) and has no name: an ambiguous create is
 *   reconciled by listing the rules of the same target and privileges (§13.1).
 * - A 404 on PUT or DELETE: the rule is gone (expired, or deleted by someone else).
 */
import type { VendorErrorInfo } from '../../http/errors';
import type { BanPrivilege } from '../../schemas/agora/channel';
import { isGoneAnswer } from './common';

/** The shortest and longest a rule can last from now, in seconds (`time_in_seconds`, agora.md §9.1). */
export const RULE_MIN_SECONDS = 10;
export const RULE_MAX_SECONDS = 86_430;

/** A 404 on update/delete: the rule is no longer in force (it expired, or was deleted elsewhere). */
export const isRuleGone = (i: VendorErrorInfo | undefined): boolean => isGoneAnswer(i);

/** Who a rule bans (the vendor's fields): cname only, uid only, cname + uid, or ip only. */
export interface BanTargetFields {
  cname?: string;
  uid?: number;
  ip?: string;
}

/**
 * The `time_in_seconds` that makes a rule end at `endsAt` when sent at `now`: whole seconds rounded up
 * (a ban never ends before its time), within what the vendor keeps (shorter would be clamped up to 10 s
 * by Agora anyway; the session deletes the rule at `endsAt` itself).
 */
export function ruleSecondsUntil(endsAt: number, now: number): number {
  const s = Math.ceil((endsAt - now) / 1000);
  return Math.min(RULE_MAX_SECONDS, Math.max(RULE_MIN_SECONDS, s));
}

/** Why a new end cannot be given to a rule now (undefined: it can). */
export function endRefusal(endsAt: number, now: number): string | undefined {
  const s = (endsAt - now) / 1000;
  if (s < RULE_MIN_SECONDS) return `a rule lasts at least ${RULE_MIN_SECONDS} s from now (lift the ban instead)`;
  if (s > RULE_MAX_SECONDS) return `a rule lasts at most ${RULE_MAX_SECONDS} s from now (extend it again later)`;
  return undefined;
}

/**
 * Which listed rule an ambiguous create made: among the rules of exactly this target and privileges,
 * the newest (rule ids grow). Another holder of the same target and privileges would be an rtcflow
 * session of the same business key, which cannot run twice; a rule left behind by someone else has
 * the same effect and is lifted with the session.
 */
export function adoptedRule<R extends { id: number }>(matching: readonly R[]): R | undefined {
  return matching.reduce<R | undefined>((best, r) => (best === undefined || r.id > best.id ? r : best), undefined);
}

/** Privileges in a canonical order (the vendor treats them as a set). */
export const canonicalPrivileges = (p: readonly BanPrivilege[]): BanPrivilege[] => [...new Set(p)].sort();
