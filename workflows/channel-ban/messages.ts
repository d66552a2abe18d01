/** The timed channel ban session's messages: its phases, status query, stop (lift) and extend. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BanChange, BanParams, BanResult, BanTarget, BanTerm } from '../../src/schemas/workflows/channel-ban';
import type { SessionStatusBase, StopRequest } from '../lib/session';

export type { StopRequest };

/** The phases of a ban, in order: the rule is created, in force until its end or a lift, then deleted. */
export const BAN_PHASES = ['creating', 'active', 'lifting', 'completed', 'failed'] as const;
export type BanPhase = (typeof BAN_PHASES)[number];

export interface BanStatus extends SessionStatusBase<BanPhase> {
  target: BanTarget;
  privileges: BanParams['privileges'];
  ruleId?: number;
  adopted: boolean;
  /** when the ban ends (the desired end; `termApplied` says whether the rule has it) */
  endsAt?: string;
  termApplied: boolean;
  /** the expiry Agora last reported for the rule */
  ruleExpiresAt?: string;
  updates: number;
}

export const banStatusQuery = defineQuery<BanStatus>('status');

/** Fire-and-forget lift; the workflow's result tells how it ended. */
export const banStopSignal = defineSignal<[StopRequest?]>('stop');
/** Lift the ban now (delete the rule) and wait: returns the session's result. */
export const banStopUpdate = defineUpdate<BanResult, [StopRequest]>('stop');

/** Move the ban's end; returns the new term once the rule has it. */
export const banExtendUpdate = defineUpdate<BanTerm, [BanChange]>('extendBan');
export const banExtendSignal = defineSignal<[BanChange]>('extendBan');
