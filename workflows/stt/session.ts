/**
 * The steps of one Real-Time STT session (agora.md §3, §4, §14.2, §14.3) on the session kernel: start
 * an agent (7.x) or task (6.x), confirm it runs, keep the desired configuration applied, watch it, and
 * make sure it is left/stopped. What Agora's answers mean is asked of src/agora/meanings/stt.ts.
 */
import { ApplicationFailure, log } from '@temporalio/workflow';
import { AGENT_MAX_LIFETIME_MS, GONE_REASON, isSttGone, leftAtLifetime, STT_BOT_UID_MIN, STT_BOT_UID_SPAN, STT_NCS_EVENT } from '../../src/agora/meanings/stt';
import type { SttChange, SttConfig, SttOutcome, SttParams, SttResult, SttState } from '../../src/schemas/workflows/stt';
import { confirmRunning } from '../lib/confirm';
import { continueSession } from '../lib/continue-as-new';
import { desiredSlot, isPending, type ChangeChannel } from '../lib/desired';
import { describe, isTransient, vendorInfo } from '../lib/failures';
import { Alarm, sessionWatch, watch } from '../lib/loop';
import { trackPhase, type PhaseTracker } from '../lib/phase';
import { UsageLedger } from '../lib/usage';
import { SA, stageSearchAttributes, writeSearchAttributes } from '../lib/search-attributes';
import { SessionFrame } from '../lib/session';
import { Teardown } from '../lib/teardown';
import type { NcsEvent, SttPhase, SttStatus } from './messages';
import { sttVendor, type Held, type SttVendor } from './vendor';

/** A rollover leaves the old agent this long before Agora's 72-hour lifetime would end it. */
const ROLLOVER_MARGIN_MS = 60_000;
const LIFETIME_REASON = "Agora's 72-hour task lifetime reached";

type Watched = { kind: 'stop'; reason: string } | { kind: 'ended'; reason: string } | { kind: 'lifetime' } | { kind: 'continue' };

const isGone = (err: unknown) => isSttGone(vendorInfo(err));
const newBotUid = () => String(STT_BOT_UID_MIN + Math.floor(Math.random() * STT_BOT_UID_SPAN));

export function initialState(input: SttParams): SttState {
  const subBotUid = input.subBotUid ?? newBotUid();
  let pubBotUid = input.pubBotUid ?? newBotUid();
  if (pubBotUid === subBotUid) pubBotUid = String(Number(subBotUid) + 1);
  return {
    generation: 0,
    subBotUid,
    pubBotUid,
    deadline: Date.now() + input.maxDurationMs,
    sequenceId: 0,
    config: desiredSlot<SttConfig>({ languages: input.languages, subscribeAudioUids: input.subscribeAudioUids, translation: input.translation }),
    agents: [],
    unstopped: [],
    updates: 0,
    continuedAsNew: 0,
  };
}

/** A change merged into the whole configuration (each given field replaces the current one). */
export const mergeChange = (current: SttConfig, change: SttChange): SttConfig => ({
  languages: change.languages ?? current.languages,
  subscribeAudioUids: change.subscribeAudioUids ?? current.subscribeAudioUids,
  translation: change.translation ?? current.translation,
});

export class SttSession {
  readonly phase: PhaseTracker<SttPhase>;
  readonly frame: SessionFrame<SttResult>;
  readonly vendor: SttVendor;
  readonly end: Teardown<SttOutcome, SttResult>;
  configChanges?: ChangeChannel<SttConfig>;
  private wake = false;
  private joinedEventFor?: string;
  private leftNotice?: string;
  /** Agora ended the agent at its 72-hour lifetime (told by NCS) */
  private lifetimeOver = false;
  /** a change met a 404 or a transient failure: no more changes until a poll has looked at the agent */
  private changesPaused = false;
  private readonly deadline = new Alarm();
  private readonly lifetime = new Alarm();

  constructor(
    readonly input: SttParams,
    readonly s: SttState,
  ) {
    this.phase = trackPhase<SttPhase>(s.agentId ? 'running' : input.version === '6' ? 'acquiring' : 'starting', {
      transient: ['starting', 'confirming'],
      billing: { ledger: new UsageLedger((s.usage ??= []), 'stt', 'agentTime'), phases: ['confirming', 'running', 'stopping'] },
    });
    stageSearchAttributes([
      { key: SA.vendor, value: 'agora' },
      { key: SA.product, value: 'stt' },
      { key: SA.channel, value: input.channel },
      ...(s.agentId ? [{ key: SA.sid, value: s.agentId }] : []),
    ]);
    this.frame = new SessionFrame<SttResult>(s);
    this.vendor = sttVendor(input, s, this.phase);
    this.end = new Teardown<SttOutcome, SttResult>({
      phase: this.phase,
      channel: input.channel,
      words: { what: 'STT agent', short: 'agent', doing: 'running', stop: 'leave', stopped: 'left' },
      held: () => s.agentId,
      stop: (id) => this.vendor.stop(id),
      release: (reason) => this.release(reason),
      unstopped: { add: (id, error) => s.unstopped.push({ id, error }), list: () => s.unstopped },
      // cancelled between a start and its answer: the agent it may have started, if it can be told
      adoptLost: async (on, p) => {
        if (on === 'cancel' && !s.agentId && (p === 'starting' || p === 'confirming')) s.agentId = await this.vendor.findStarted();
      },
      startedAt: () => s.agents[0]?.startedAt,
      result: (end) => ({
        ...end,
        channel: input.channel,
        version: input.version,
        finalState: s.agents[s.agents.length - 1]?.lastStatus,
        agents: s.agents,
        captions: { publishedInChannelBy: s.pubBotUid, ...(s.captions ? { files: s.captions } : {}) },
        languages: s.config.value?.languages ?? input.languages,
        updates: s.updates,
        unstopped: s.unstopped,
      }),
    });
  }

  // ---- handlers ----

  onNcsEvent(event: NcsEvent): void {
    const agentId = event.payload?.agent_id;
    if (!agentId || agentId !== this.s.agentId) return;
    if (event.eventType === STT_NCS_EVENT.agentJoined) this.joinedEventFor = agentId;
    if (event.eventType === STT_NCS_EVENT.agentLeft) {
      this.lifetimeOver = leftAtLifetime(event.payload);
      this.leftNotice ??= this.lifetimeOver ? LIFETIME_REASON : 'the agent left the channel (NCS agent left)';
    }
    this.wake = true;
  }

  status(): SttStatus {
    const { s, input, phase } = this;
    return {
      ...this.frame.statusBase(phase, s),
      channel: input.channel,
      version: input.version,
      agentId: s.agentId,
      agentName: s.agentName,
      lastStatus: s.lastStatus,
      lastQueryAt: s.lastQueryAt,
      config: s.config.value,
      configApplied: !isPending(s.config),
      sequenceId: s.sequenceId,
      lifetimeEndsAt: s.lifetimeEndsAt !== undefined ? new Date(s.lifetimeEndsAt).toISOString() : undefined,
      agents: s.agents,
      captions: s.captions,
      usage: this.phase.usage(),
    };
  }

  // ---- the session ----

  async run(): Promise<SttResult> {
    return this.frame.run(async () => {
      if (!this.s.agentId) await this.startAgent();
      for (;;) {
        const w = await this.watch();
        if (w.kind === 'continue') return continueSession(this.input, this.s);
        if (w.kind === 'stop') return this.end.stopAndFinish(w.reason);
        if (w.kind === 'ended') return this.end.ended(w.reason, 'ended');
        if (this.input.onLifetimeEnd === 'end') return this.end.stopAndFinish(LIFETIME_REASON, 'ended');
        await this.rollover();
      }
    }, this.end.hooks);
  }

  // ---- starting → confirming → running ----

  private async startAgent(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.joinedEventFor = undefined;
      this.leftNotice = undefined;
      this.lifetimeOver = false;
      const sent = { version: this.s.config.version, value: this.s.config.value };
      const held = await this.vendor.start();
      this.hold(held, sent);
      this.phase.set('confirming');
      if (await this.confirm()) {
        this.phase.set('running');
        return;
      }
      log.warn('the agent did not report running; replacing it', { id: held.id, attempt });
      await this.end.quietly('did not confirm');
      this.release('did not report running');
      if (attempt >= this.input.maxStartAttempts) {
        throw ApplicationFailure.create({
          type: 'AgentNotConfirmed',
          message: `the agent did not report running within ${this.input.confirmTimeoutMs} ms, ${attempt} times`,
          nonRetryable: true,
        });
      }
    }
  }

  /** `sent`: the desired configuration the start sent (a later change is still pending). */
  private hold(held: Held, sent: { version: number; value?: SttConfig }): void {
    const { s, input } = this;
    s.agentId = held.id;
    s.captions = held.captions;
    s.lastStatus = held.status;
    s.startedAt = new Date().toISOString();
    s.lifetimeEndsAt = input.version === '7' ? Date.now() + AGENT_MAX_LIFETIME_MS : undefined;
    s.config.applied = Math.max(s.config.applied, sent.version);
    s.config.vendorValue = sent.value;
    s.agents.push({ id: held.id, name: s.agentName, startedAt: s.startedAt, lastStatus: held.status });
    writeSearchAttributes([{ key: SA.sid, value: held.id }]);
  }

  /** The session no longer holds the current agent: close its record. */
  private release(endReason: string): void {
    const { s } = this;
    const rec = s.agents.find((a) => a.id === s.agentId && a.endedAt === undefined);
    if (rec) Object.assign(rec, { endedAt: new Date().toISOString(), endReason, lastStatus: s.lastStatus });
    s.agentId = undefined;
    s.generation++;
    this.vendor.forget();
  }

  private confirm(): Promise<boolean> {
    const settled = () => (this.joinedEventFor !== undefined && this.joinedEventFor === this.s.agentId) || this.s.stopReason !== undefined;
    return confirmRunning({
      probe: async () => {
        const v = this.vendor.verdict(await this.query(), true);
        return v === 'running' ? 'running' : v === 'ended' ? 'exited' : 'pending';
      },
      tolerate: (err) => isGone(err) || isTransient(err),
      settled,
      timeoutMs: this.input.confirmTimeoutMs,
      pollMs: this.input.confirmPollMs,
    });
  }

  private async query(): Promise<string | undefined> {
    const status = await this.vendor.query(this.s.agentId!);
    this.s.lastStatus = status;
    this.s.lastQueryAt = new Date().toISOString();
    return status;
  }

  // ---- running ----

  /** Watches the agent until stop, end, lifetime or continue-as-new; applies changes in between. */
  private watch(): Promise<Watched> {
    const { s, input } = this;
    const lifetimeAt = () => (s.lifetimeEndsAt !== undefined ? s.lifetimeEndsAt - ROLLOVER_MARGIN_MS : Infinity);
    const changeDue = () => isPending(s.config) && !this.changesPaused;
    return watch<Watched>({
      ...sessionWatch(this.frame, this.deadline, s, input),
      work: [
        () => {
          if (this.lifetime.due(lifetimeAt())) return Promise.resolve({ kind: 'lifetime' });
          return changeDue() ? this.applyConfig().then(() => 'again' as const) : undefined;
        },
      ],
      wakeWhen: () => this.lifetime.rang || changeDue(),
      wakeAt: () => this.lifetime.wakeAt(lifetimeAt()),
      wake: { isSet: () => this.wake, clear: () => (this.wake = false) },
      poll: () => this.poll(),
    });
  }

  /** Sends the whole desired configuration with the next sequenceId (repeated attempts reuse it). */
  private applyConfig(): Promise<void> {
    const { s } = this;
    return this.configChanges!.apply(
      async (config) => {
        s.sequenceId++;
        await this.vendor.update(s.agentId!, config, s.sequenceId);
        s.updates++;
      },
      // the agent is gone, or the vendor did not answer: the change stays wanted, and waits for the
      // next poll (which tells whether the agent ended) instead of being sent again at once
      (err) => {
        if (!isGone(err) && !isTransient(err)) return false;
        this.changesPaused = true;
        return true;
      },
      describe,
    );
  }

  private async poll(): Promise<Watched | undefined> {
    try {
      const status = await this.query();
      if (this.vendor.verdict(status) === 'ended') return this.ended(`the agent ended (state ${status})`);
      this.changesPaused = false;
      return undefined;
    } catch (err) {
      if (isGone(err)) return this.ended(GONE_REASON);
      if (isTransient(err)) {
        log.warn('query failed; transcription goes on', { error: describe(err) });
        return undefined;
      }
      // the vendor refuses to let us watch it: stop it rather than let it bill unseen
      return { kind: 'stop', reason: `query failed: ${describe(err)}` };
    }
  }

  /** How an agent that ended on its own is handled: at its lifetime, as the caller chose. */
  private ended(otherwise: string): Watched {
    if (this.lifetimeOver) return { kind: 'lifetime' };
    return { kind: 'ended', reason: this.leftNotice ?? otherwise };
  }

  /** 72-hour lifetime, caller chose rollover: leave the old agent and join a fresh one. */
  private async rollover(): Promise<void> {
    log.info("rolling over to a fresh agent before Agora's 72-hour lifetime ends the old one", { id: this.s.agentId });
    this.phase.set('stopping', 'rolling over to a fresh agent');
    await this.end.quietly('rollover');
    this.release('rolled over (72-hour lifetime)');
    await this.startAgent();
  }
}
