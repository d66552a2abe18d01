/**
 * Timed channel bans through the typed client (`rtc.bans`): the same surface as every session kind
 * (./sessions.ts) — idempotent start by business key, status, a validated change of the end, lift
 * (the stop) with the result — plus `list`, the running ban sessions of this task queue.
 */
import type { Client } from '@temporalio/client';
import { BanChange, BanInput, type BanParams, type BanResult, type BanTerm } from '../schemas/workflows/channel-ban';
import { canonicalPrivileges } from '../agora/meanings/channel';
import { banExtendUpdate, banStatusQuery, banStopSignal, banStopUpdate, type BanStatus } from '../../workflows/channel-ban/messages';
import { Sessions } from './session-list';
import { parseSessionChange, parseSessionInput, SessionKind, type InputChecks, type SessionKindSpec } from './sessions';

/**
 * One ban per (profile, channel, target, privileges): `channel-ban/<profile>/<channel or *>/<uid-N | ip-A | all>/<privileges>`.
 * A repeated start of the same ban joins the running one (its end is moved only by `extend`).
 */
export function banWorkflowId(input: Pick<BanParams, 'profile' | 'channel' | 'uid' | 'ip' | 'privileges'>): string {
  const target = input.uid !== undefined ? `uid-${input.uid}` : input.ip !== undefined ? `ip-${input.ip}` : 'all';
  return `channel-ban/${input.profile}/${input.channel ?? '*'}/${target}/${canonicalPrivileges(input.privileges).join('+')}`;
}

/** `start` creates the rule; `update` moves its end and returns it once the rule has it; `stop` lifts it. */
export const BAN_SESSIONS: SessionKindSpec<typeof BanInput, BanStatus, BanResult, typeof BanChange, BanTerm> = {
  workflowType: 'channelBan',
  what: 'ban request',
  input: BanInput,
  idOf: banWorkflowId,
  status: banStatusQuery,
  stop: banStopUpdate,
  stopSignal: banStopSignal,
  change: { schema: BanChange, update: banExtendUpdate, what: 'ban change' },
};

/** A running ban session as the Temporal visibility store lists it. */
export interface BanListing {
  id: string;
  startedAt: string;
  channel?: string;
  phase?: string;
  /** the vendor's rule id, once created */
  ruleId?: string;
}

export class Bans extends SessionKind<typeof BanInput, BanStatus, BanResult, typeof BanChange, BanTerm> {
  constructor(temporal: Client, taskQueue: string, checks?: InputChecks) {
    super(temporal, taskQueue, BAN_SESSIONS, checks);
  }

  /** Moves the ban's end (`extendBySeconds`, or `endsInSeconds` from now); returns it once the rule has it. */
  extend(id: string, change: BanChange): Promise<BanTerm> {
    return this.update(id, change);
  }

  /** Lifts the ban now (deletes the rule) and returns the result; a ban that already ended returns its result. */
  lift(id: string, reason?: string): Promise<BanResult> {
    return this.stop(id, reason);
  }

  /** The running ban sessions of this task queue (newest first), from the visibility store: no query, no vendor call. */
  async list(): Promise<BanListing[]> {
    // the one session listing (./session-list.ts), narrowed to bans
    const out: BanListing[] = [];
    for await (const l of new Sessions(this.temporal, this.taskQueue).all({ product: 'channel-ban', status: 'running' })) {
      out.push({ id: l.id, startedAt: l.startedAt, channel: l.channel, phase: l.phase, ruleId: l.sid });
    }
    return out;
  }
}

/** The input as the workflow gets it (defaults filled in), or InvalidInputError with every issue. */
export const parseBanInput = (input: BanInput, checks?: InputChecks): BanParams => parseSessionInput(BAN_SESSIONS, input, checks);
/** A change of the end, or InvalidInputError with every issue. */
export const parseBanChange = (change: BanChange): BanChange => parseSessionChange(BAN_SESSIONS, change);

export type { BanChange, BanInput, BanResult, BanStatus, BanTerm };
