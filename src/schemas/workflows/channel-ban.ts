/**
 * The input, carried state and result of the timed channel ban session (an Agora Channel Management
 * kicking rule held for a bounded time, agora.md §9.1, §14.8). The input is strict and carries a
 * profile name, never credentials; the carried state is the workflow's own second argument across
 * continue-as-new, never a caller's input.
 */
import { z } from 'zod';
import { BanIp, BanPrivilege, ChannelName, ChannelUid } from '../agora/channel';
import { RULE_MAX_SECONDS, RULE_MIN_SECONDS } from '../../agora/meanings/channel';
import { rejectCredentials } from '../hygiene';
import { carriedControls, desiredSlotOf, ProfileName, sessionControls } from './common';

/** How long a rule lasts from now: 10 … 86430 s (what the vendor keeps of `time_in_seconds`). */
export const BanSeconds = z
  .number()
  .int('whole seconds')
  .min(RULE_MIN_SECONDS, `a ban lasts at least ${RULE_MIN_SECONDS} s`)
  .max(RULE_MAX_SECONDS, `a ban rule lasts at most ${RULE_MAX_SECONDS} s from now (extend it later for longer)`);

export const BanInput = z
  .strictObject({
    /** Agora project profile (App ID + credentials), resolved by the worker */
    profile: ProfileName.default('default'),
    /** the channel: alone, the whole channel is banned; with `uid`, that user in that channel */
    channel: ChannelName.optional(),
    /** the user (integer uid): alone, in every channel of the project */
    uid: ChannelUid.optional(),
    /** an IP address, in every channel (it may hit several users behind one NAT); stands alone */
    ip: BanIp.optional(),
    /** what is taken away; `join_channel` kicks the matching users out and keeps them out */
    privileges: z.array(BanPrivilege).min(1, 'privileges must name at least one privilege').default(['join_channel']),
    /** how long the ban lasts from its start (the vendor rule's own time agrees); Update `extend` moves its end */
    durationSeconds: BanSeconds.default(3600),
    ...sessionControls,
  })
  .superRefine((input, ctx) => {
    if (input.channel === undefined && input.uid === undefined && input.ip === undefined) {
      ctx.addIssue({ code: 'custom', path: ['channel'], message: 'a ban targets a channel, a uid, a channel and a uid, or an ip; none was given' });
    }
    if (input.ip !== undefined && (input.channel !== undefined || input.uid !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['ip'], message: 'an ip ban stands alone (Agora documents ip only, channel only, uid only, channel + uid)' });
    }
    if (new Set(input.privileges).size !== input.privileges.length) ctx.addIssue({ code: 'custom', path: ['privileges'], message: 'privileges has duplicates' });
    if (input.durationSeconds * 1000 > input.maxDurationMs) {
      ctx.addIssue({ code: 'custom', path: ['durationSeconds'], message: `the ban cannot outlast maxDurationMs (${input.maxDurationMs} ms)` });
    }
    rejectCredentials(input, ctx);
  });
export type BanInput = z.input<typeof BanInput>;
export type BanParams = z.output<typeof BanInput>;

/** Who a ban targets, as the session and its id name it. */
export type BanTarget = Pick<BanParams, 'channel' | 'uid' | 'ip'>;

/**
 * A change of a running ban's end: `extendBySeconds` moves the current end later; `endsInSeconds`
 * sets it this many seconds from now (shorter or longer). The new end must lie 10 … 86430 s from now
 * and within the session's maxDurationMs.
 */
export const BanChange = z
  .strictObject({
    extendBySeconds: z.number().int().min(1).max(RULE_MAX_SECONDS).optional(),
    endsInSeconds: BanSeconds.optional(),
  })
  .refine((c) => (c.extendBySeconds === undefined) !== (c.endsInSeconds === undefined), 'give exactly one of extendBySeconds and endsInSeconds');
export type BanChange = z.infer<typeof BanChange>;

/** What the session keeps applied to the rule: when the ban ends (ISO 8601). */
export const BanTerm = z.object({ endsAt: z.string() });
export type BanTerm = z.infer<typeof BanTerm>;

export const BanCarried = z.object({
  /** the vendor's rule id, once known */
  ruleId: z.number().int().optional(),
  /** a create was sent: until `ruleId` is known, a rule of ours may exist (found by listing) */
  createSent: z.boolean(),
  /** the rule was found by listing after an ambiguous create, not answered by it */
  adopted: z.boolean(),
  createdAt: z.string().optional(),
  /** the expiry the vendor last reported (an update's `ts`) */
  ruleExpiresAt: z.string().optional(),
  /** the desired end of the ban, applied to the rule's time */
  term: desiredSlotOf(BanTerm),
  /** PUTs of the rule's time (extensions, and the term given to an adopted rule) */
  updates: z.number().int(),
  unstopped: z.array(z.object({ id: z.number().int(), error: z.string() })),
  ...carriedControls,
});
export type BanState = z.infer<typeof BanCarried>;

/**
 * expired: it ran to its end (the session deleted the rule, or Agora had already removed it);
 * lifted: by request (lift, stop, cancellation); ended: the rule vanished before its end (deleted elsewhere).
 */
export type BanOutcome = 'expired' | 'lifted' | 'ended';

export interface BanResult {
  workflowId: string;
  target: BanTarget;
  privileges: BanParams['privileges'];
  outcome: BanOutcome;
  reason: string;
  ruleId?: number;
  adopted: boolean;
  startedAt?: string;
  endedAt: string;
  /** the end the ban had last */
  endsAt: string;
  updates: number;
  /** deleted: the session deleted the rule; already_gone: Agora had removed it; none: no rule was ever made */
  rule: 'deleted' | 'already_gone' | 'none';
  /** rules that could not be deleted (reported, never dropped) */
  unstopped: Array<{ id: number; error: string }>;
}
