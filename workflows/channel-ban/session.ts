/**
 * The steps of one timed channel ban (agora.md §9.1, §14.8) on the session kernel: create the kicking
 * rule (an ambiguous create is reconciled by listing the rules of the same target and privileges
 * before any new create), hold it until its end while Updates move that end (one PUT of the rule's
 * time each, from the session loop), and delete it at the end, on a lift, on cancellation and on any
 * failure. The rule's own time always agrees with the session's end, so a ban whose worker is gone
 * still ends on time (Agora removes an expired rule itself); the session deletes it anyway, and a rule
 * already gone (404) is fine. What Agora's answers mean is asked of src/agora/meanings/channel.ts.
 */
import { ApplicationFailure, log, workflowInfo } from '@temporalio/workflow';
import { endRefusal, isRuleGone, ruleSecondsUntil } from '../../src/agora/meanings/channel';
import type { BanChange, BanOutcome, BanParams, BanResult, BanState, BanTerm } from '../../src/schemas/workflows/channel-ban';
import { continueSession, shouldContinueAsNew } from '../lib/continue-as-new';
import { desiredSlot, isPending, type ChangeChannel } from '../lib/desired';
import { describe, vendorInfo } from '../lib/failures';
import { Alarm, waitForWork } from '../lib/loop';
import { trackPhase, type PhaseTracker } from '../lib/phase';
import { SA, stageSearchAttributes, writeSearchAttributes } from '../lib/search-attributes';
import { SessionFrame } from '../lib/session';
import { stopQuietly } from '../lib/stop';
import type { BanPhase, BanStatus } from './messages';
import { banVendor, type BanVendor } from './vendor';
import { holdingDeliveries } from '../lib/inbox';

const iso = (ms: number) => new Date(ms).toISOString();

export function initialState(input: BanParams): BanState {
  const now = Date.now();
  return {
    createSent: false,
    adopted: false,
    term: desiredSlot<BanTerm>({ endsAt: iso(now + input.durationSeconds * 1000) }),
    updates: 0,
    unstopped: [],
    deadline: now + input.maxDurationMs,
    continuedAsNew: 0,
  };
}

/** The term a change asks for, or why it is refused (a rule's time is 10 … 86430 s from now, within the deadline). */
export function termOf(s: BanState, change: BanChange, now: number): BanTerm | string {
  const endsAt = change.extendBySeconds !== undefined ? Date.parse(s.term.value!.endsAt) + change.extendBySeconds * 1000 : now + change.endsInSeconds! * 1000;
  if (endsAt > s.deadline) return `the ban cannot outlast the session's maxDurationMs (until ${iso(s.deadline)})`;
  return endRefusal(endsAt, now) ?? { endsAt: iso(endsAt) };
}

export class BanSession {
  readonly phase: PhaseTracker<BanPhase>;
  readonly frame: SessionFrame<BanResult>;
  readonly vendor: BanVendor;
  termChanges?: ChangeChannel<BanTerm>;
  /** an update of the rule's time answered 404: the rule is gone before the ban's end */
  private ruleGone = false;
  private readonly expiry = new Alarm();
  private removed: BanResult['rule'] = 'none';

  constructor(
    readonly input: BanParams,
    readonly s: BanState,
  ) {
    this.phase = trackPhase<BanPhase>(s.ruleId !== undefined ? 'active' : 'creating');
    stageSearchAttributes([
      { key: SA.vendor, value: 'agora' },
      { key: SA.product, value: 'channel-ban' },
      ...(input.channel !== undefined ? [{ key: SA.channel, value: input.channel }] : []),
      ...(s.ruleId !== undefined ? [{ key: SA.sid, value: String(s.ruleId) }] : []),
    ]);
    this.frame = new SessionFrame<BanResult>(s);
    this.vendor = banVendor(input);
  }

  private get endsAt(): number {
    return Date.parse(this.s.term.value!.endsAt);
  }

  status(): BanStatus {
    const { s, input, phase } = this;
    return {
      ...this.frame.statusBase(phase, s),
      target: { channel: input.channel, uid: input.uid, ip: input.ip },
      privileges: input.privileges,
      ruleId: s.ruleId,
      adopted: s.adopted,
      endsAt: s.term.value?.endsAt,
      termApplied: !isPending(s.term),
      ruleExpiresAt: s.ruleExpiresAt,
      updates: s.updates,
    };
  }

  // ---- the session ----

  async run(): Promise<BanResult> {
    return this.frame.run(
      async () => {
        if (this.s.ruleId === undefined) await this.create();
        return this.hold();
      },
      { onCancel: () => this.liftOnCancel(), onFailure: (failure) => this.liftOnFailure(failure) },
    );
  }

  // ---- creating → active ----

  private async create(): Promise<void> {
    const { s } = this;
    let sent = { version: s.term.version, value: s.term.value };
    const held = await this.vendor.create(
      () => ruleSecondsUntil(this.endsAt, Date.now()),
      () => {
        s.createSent = true;
        sent = { version: s.term.version, value: s.term.value };
      },
    );
    s.ruleId = held.ruleId;
    s.adopted = held.adopted;
    s.createdAt = new Date().toISOString();
    s.term.applied = Math.max(s.term.applied, sent.version);
    s.term.vendorValue = sent.value;
    // a rule found by listing carries the time of whoever made it: give it ours (the loop's next PUT)
    if (held.adopted) {
      log.info('adopted the ban rule an ambiguous create made', { ruleId: held.ruleId });
      s.term.version++;
    }
    writeSearchAttributes([{ key: SA.sid, value: String(held.ruleId) }]);
    this.phase.set('active');
  }

  // ---- active ----

  /** Holds the rule until its end, a lift, or its disappearance; applies changes of the end in between. */
  private hold(): Promise<BanResult> {
    return holdingDeliveries(() => this.holdLoop());
  }

  private async holdLoop(): Promise<BanResult> {
    const { s, input } = this;
    for (;;) {
      if (s.stopReason !== undefined) return this.lift('lifted', s.stopReason);
      if (this.ruleGone) return this.finish('ended', 'the rule was gone before the ban ended (deleted elsewhere)');
      if (isPending(s.term)) {
        await this.applyTerm();
        continue;
      }
      if (this.expiry.due(this.endsAt)) return this.lift('expired', `the ban ran its time (until ${s.term.value!.endsAt})`);
      if (shouldContinueAsNew(input.maxHistoryEvents)) return continueSession(input, s);
      await waitForWork(() => s.stopReason !== undefined || isPending(s.term) || this.expiry.rang, this.expiry.wakeAt(this.endsAt));
    }
  }

  /** Gives the rule the desired end (time_in_seconds counted from now). */
  private applyTerm(): Promise<void> {
    const { s } = this;
    return this.termChanges!.apply(
      async (term) => {
        s.ruleExpiresAt = await this.vendor.update(s.ruleId!, ruleSecondsUntil(Date.parse(term.endsAt), Date.now()));
        s.updates++;
      },
      // 404: the rule is gone (deleted elsewhere); the change stays unapplied and the session ends
      (err) => {
        if (!isRuleGone(vendorInfo(err))) return false;
        this.ruleGone = true;
        this.removed = 'already_gone';
        return true;
      },
      describe,
    );
  }

  // ---- lifting → completed ----

  private async lift(outcome: Exclude<BanOutcome, 'ended'>, reason: string): Promise<BanResult> {
    const { s } = this;
    this.phase.set('lifting', reason);
    try {
      this.removed = await this.vendor.remove(s.ruleId!);
    } catch (err) {
      this.recordUnstopped(err);
      this.phase.set('failed', `delete failed: ${describe(err)}`);
      throw ApplicationFailure.create({
        type: 'StopFailed',
        message: `ban rule ${s.ruleId} may stay in force until ${s.ruleExpiresAt ?? s.term.vendorValue?.endsAt}: ${describe(err)}`,
        nonRetryable: true,
        details: [{ unstopped: s.unstopped }],
      });
    }
    return this.finish(outcome, reason);
  }

  private finish(outcome: BanOutcome, reason: string): BanResult {
    const { s, input } = this;
    this.phase.set('completed', reason);
    return {
      workflowId: workflowInfo().workflowId,
      target: { channel: input.channel, uid: input.uid, ip: input.ip },
      privileges: input.privileges,
      outcome,
      reason,
      ruleId: s.ruleId,
      adopted: s.adopted,
      startedAt: s.createdAt,
      endedAt: new Date().toISOString(),
      endsAt: s.term.value!.endsAt,
      updates: s.updates,
      rule: this.removed,
      unstopped: s.unstopped,
    };
  }

  // ---- never leak ----

  private recordUnstopped(err: unknown): void {
    if (this.s.ruleId === undefined) return;
    log.error('a ban rule could not be deleted', { ruleId: this.s.ruleId, error: describe(err) });
    this.s.unstopped.push({ id: this.s.ruleId, error: describe(err) });
  }

  /** A create was sent but not answered: the rule, if it was made, is found by its target and privileges. */
  private async findUnanswered(): Promise<void> {
    const { s } = this;
    if (s.ruleId === undefined && s.createSent) s.ruleId = await this.vendor.find().catch(() => undefined);
  }

  private async liftOnCancel(): Promise<void> {
    const p = this.phase.current;
    if (p === 'completed' || p === 'failed') return;
    await this.findUnanswered();
    if (this.s.ruleId === undefined) return;
    this.phase.set('lifting', 'workflow cancelled');
    try {
      this.removed = await this.vendor.remove(this.s.ruleId);
      this.phase.set('completed', 'workflow cancelled; ban lifted');
    } catch (err) {
      this.recordUnstopped(err);
      this.phase.set('failed', `workflow cancelled; delete failed: ${describe(err)}`);
    }
  }

  private async liftOnFailure(failure: string): Promise<void> {
    const p = this.phase.current;
    if (p === 'completed' || p === 'failed') return; // a failed delete was recorded where it failed
    await this.findUnanswered();
    const ruleId = this.s.ruleId;
    if (ruleId !== undefined) {
      await stopQuietly(
        () => this.vendor.remove(ruleId),
        `session failed: ${failure}`,
        (err) => this.recordUnstopped(err),
      );
    }
    this.phase.set('failed', failure);
  }
}
