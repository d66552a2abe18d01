/**
 * The steps of one Media Push relay (agora.md §6, §14.5) on the session kernel: create a named
 * converter (409 or an ambiguous create → the one of that name is adopted), confirm it leaves
 * `connecting`, keep the desired configuration applied with a `sequence` that only grows, watch it, and
 * make sure it is deleted. What Agora's answers mean is asked of src/agora/meanings/media-push.ts.
 */
import { ApplicationFailure, log, workflowInfo } from '@temporalio/workflow';
import {
  changedFields,
  changeRefusal,
  converterName,
  converterVerdict,
  FAILED_REASON,
  firstSequence,
  goneVerdict,
  isConverterGone,
  MEDIA_PUSH_NCS_PRODUCT_ID,
  PUSH_NCS_EVENT,
  UPDATE_MIN_INTERVAL_MS,
} from '../../src/agora/meanings/media-push';
import type { RelayHeld } from '../../activities/relay';
import type { RelayChange, RelayConfig, RelayOutcome, RelayParams, RelayResult, RelayState } from '../../src/schemas/workflows/relay';
import { confirmRunning } from '../lib/confirm';
import { continueSession } from '../lib/continue-as-new';
import { desiredSlot, isPending, type ChangeChannel } from '../lib/desired';
import { describe, isTransient, vendorInfo } from '../lib/failures';
import { Alarm, waitForWord, waitForWork, sessionWatch, watch } from '../lib/loop';
import { trackPhase, type PhaseTracker } from '../lib/phase';
import { UsageLedger } from '../lib/usage';
import { localReads, SA, stageSearchAttributes, writeSearchAttributes } from '../lib/search-attributes';
import { SessionFrame } from '../lib/session';
import { Teardown } from '../lib/teardown';
import type { NcsEvent, RelayPhase, RelayStatus } from './messages';
import { relayVendor, type RelayVendor } from './vendor';

/** The converter is gone or failed: `held` = it still exists and must be deleted. */
interface Lost {
  kind: 'lost';
  reason: string;
  outcome: Exclude<RelayOutcome, 'stopped'>;
  /** a new converter may help (failed, destroyed by the service); not after an idle timeout or a delete elsewhere */
  restartable: boolean;
  held: boolean;
}
type Watched = { kind: 'stop'; reason: string } | { kind: 'continue' } | Lost;

export function initialState(input: RelayParams): RelayState {
  return {
    generation: 0,
    sequenceBase: 0,
    config: desiredSlot<RelayConfig>({ rtmpUrl: input.rtmpUrl, ...(input.transcoding ? { transcoding: input.transcoding } : {}) }),
    converters: [],
    restarts: 0,
    unstopped: [],
    updates: 0,
    deadline: Date.now() + input.maxDurationMs,
    continuedAsNew: 0,
  };
}

/** A change merged into the whole configuration (each given field replaces the current one). */
export const mergeChange = (current: RelayConfig, change: RelayChange): RelayConfig => ({
  rtmpUrl: change.rtmpUrl ?? current.rtmpUrl,
  ...((change.transcoding ?? current.transcoding) ? { transcoding: change.transcoding ?? current.transcoding } : {}),
});

/** Why Agora would refuse this change of the current configuration (raw push, vertical layout, output switch). */
export const refusalOf = (input: RelayParams, current: RelayConfig, next: RelayConfig): string | undefined => changeRefusal(current, next, input.raw !== undefined);

const phaseOfState = (state: string | undefined): RelayPhase => {
  const v = converterVerdict(state);
  return v === 'failed' ? 'connecting' : v;
};

export class RelaySession {
  readonly phase: PhaseTracker<RelayPhase>;
  readonly frame: SessionFrame<RelayResult>;
  readonly vendor: RelayVendor;
  readonly end: Teardown<RelayOutcome, RelayResult>;
  configChanges?: ChangeChannel<RelayConfig>;
  private wake = false;
  /** the last read of the current converter answered 404 */
  private seenGone = false;
  /** NCS said this converter was destroyed (with or without a reason) */
  private destroyedSeen?: string;
  /** a change met a 404 or a transient failure: no more changes until a read has looked at the converter */
  private changesPaused = false;
  private readonly deadline = new Alarm();
  private readonly updateGap = new Alarm();

  constructor(
    readonly input: RelayParams,
    readonly s: RelayState,
  ) {
    this.phase = trackPhase<RelayPhase>(s.converterId ? phaseOfState(s.converterState) : 'creating', {
      billing: { ledger: new UsageLedger((s.usage ??= []), 'media-push', 'pushTime'), phases: ['connecting', 'running', 'idle', 'recreating', 'stopping'] },
    });
    stageSearchAttributes([
      { key: SA.vendor, value: 'agora' },
      { key: SA.product, value: 'media-push' },
      { key: SA.channel, value: input.channel },
      ...(s.converterId ? [{ key: SA.sid, value: s.converterId }] : []),
    ]);
    this.frame = new SessionFrame<RelayResult>(s);
    this.vendor = relayVendor(input, s);
    this.end = new Teardown<RelayOutcome, RelayResult>({
      phase: this.phase,
      channel: input.channel,
      words: { what: 'converter', short: 'converter', doing: 'pushing', stop: 'delete', stopped: 'deleted' },
      held: () => s.converterId,
      stop: (id) => this.vendor.remove(id),
      release: (reason) => this.release(reason),
      unstopped: { add: (id, error) => s.unstopped.push({ id, error }), list: () => s.unstopped },
      // cancelled between a create and its answer: the converter has our name, so it can be found
      adoptLost: async (on) => {
        if (on === 'cancel' && !s.converterId && s.converterName) s.converterId = (await this.vendor.find(s.converterName).catch(() => undefined))?.converterId;
      },
      startedAt: () => s.converters[0]?.createdAt,
      result: (end) => ({
        ...end,
        channel: input.channel,
        region: input.region,
        finalState: s.converters[s.converters.length - 1]?.lastState,
        converters: s.converters,
        config: s.config.value,
        updates: s.updates,
        restarts: s.restarts,
        unstopped: s.unstopped,
      }),
      failedStopFails: true,
    });
  }

  // ---- handlers ----

  /** NCS productId 5 events only wake the loop; its get is the source of truth (event 4 also says why it was destroyed). */
  onNcsEvent(event: NcsEvent): void {
    if (event.productId !== MEDIA_PUSH_NCS_PRODUCT_ID) return;
    const c = event.payload.converter;
    if (!c?.id || c.id !== this.s.converterId) return;
    if (event.eventType === PUSH_NCS_EVENT.destroyed) {
      this.destroyedSeen = c.id;
      if (c.destroyReason) this.s.destroyReason = c.destroyReason;
    }
    this.wake = true;
  }

  status(): RelayStatus {
    const { s, input, phase } = this;
    return {
      ...this.frame.statusBase(phase, s),
      channel: input.channel,
      region: input.region,
      converterId: s.converterId,
      converterName: s.converterName,
      converterState: s.converterState,
      lastQueryAt: s.lastQueryAt,
      config: s.config.value,
      configApplied: !isPending(s.config),
      sequence: s.sequence,
      restarts: s.restarts,
      converters: s.converters,
      updates: s.updates,
      usage: this.phase.usage(),
    };
  }

  // ---- the session ----

  async run(): Promise<RelayResult> {
    return this.frame.run(async () => {
      if (!this.s.converterId) await this.createConverter();
      for (;;) {
        const w = await this.watch();
        if (w.kind === 'continue') return continueSession(this.input, this.s);
        if (w.kind === 'stop') return this.end.stopAndFinish(w.reason);
        // never re-created once a stop was asked (a stop held while the converter was read lands when the watch ends)
        if (w.restartable && this.input.restartOnFailure && this.s.restarts < this.input.maxRestarts && !(localReads() && this.s.stopReason !== undefined)) await this.recreate(w);
        // failed or gone, and not re-created: deleted if it still exists, and reported
        else return this.end.ended(w.reason, w.outcome, { held: w.held, told: this.notRecreated(w) });
      }
    }, this.end.hooks);
  }

  // ---- creating → connecting → running | idle ----

  private async createConverter(): Promise<void> {
    const { s, input } = this;
    for (let attempt = 1; ; attempt++) {
      this.wake = false;
      s.converterName = converterName(input.channel, workflowInfo().workflowId, s.generation);
      const sent = { version: s.config.version, value: s.config.value };
      const held = await this.vendor.create(s.converterName);
      this.hold(held, sent);
      this.phase.set('connecting');
      if (await this.confirm()) {
        if (s.stopReason === undefined) this.phase.set(phaseOfState(s.converterState));
        // it failed or vanished at once: the watch loop reads it again first thing and decides (re-create, report)
        if (this.seenGone || converterVerdict(s.converterState) === 'failed') this.wake = true;
        return;
      }
      const why = `did not leave connecting within ${input.confirmTimeoutMs} ms`;
      log.warn('the converter did not come up; replacing it', { id: held.converterId, attempt, why });
      await this.end.quietly(why);
      this.release(why);
      if (attempt >= input.maxStartAttempts) {
        throw ApplicationFailure.create({
          type: 'ConverterNotRunning',
          message: `no converter came up on ${input.channel}, ${attempt} times (last: ${why})`,
          nonRetryable: true,
        });
      }
      this.phase.set('recreating', why);
    }
  }

  /** `sent`: the desired configuration the create sent (a later change is still pending). */
  private hold(held: RelayHeld, sent: { version: number; value?: RelayConfig }): void {
    const { s } = this;
    s.converterId = held.converterId;
    s.converterState = held.state;
    s.destroyReason = undefined;
    // a new converter is a new sequence space (agora.md §14.5), and its own 2-per-second budget
    s.sequence = undefined;
    s.sequenceBase = firstSequence(held.adopted, Date.now());
    s.lastUpdateAt = undefined;
    s.config.applied = Math.max(s.config.applied, sent.version);
    s.config.vendorValue = sent.value;
    s.converters.push({ id: held.converterId, name: s.converterName!, adopted: held.adopted, createdAt: new Date().toISOString(), lastState: held.state, updates: 0 });
    if (held.adopted) log.info('adopted the converter of this name', { name: s.converterName, converterId: held.converterId });
    writeSearchAttributes([{ key: SA.sid, value: held.converterId }]);
  }

  private record() {
    return this.s.converters.find((c) => c.id === this.s.converterId && c.endedAt === undefined);
  }

  /** The session no longer holds the current converter: close its record. */
  private release(endReason: string): void {
    const { s } = this;
    const rec = this.record();
    if (rec) Object.assign(rec, { endedAt: new Date().toISOString(), endReason, lastState: s.converterState });
    s.converterId = undefined;
    s.converterName = undefined;
    s.destroyReason = undefined;
    s.sequence = undefined;
    s.generation++;
  }

  /** Reads the converter's state (null: gone). */
  private async read(): Promise<{ state?: string } | null> {
    const got = await this.vendor.get(this.s.converterId!);
    this.s.lastQueryAt = new Date().toISOString();
    this.seenGone = got === null;
    if (got) {
      this.s.converterState = got.state;
      const rec = this.record();
      if (rec) rec.lastState = got.state;
    }
    return got;
  }

  /**
   * Waits until the converter leaves `connecting` (true), or replaces it when it does not within
   * confirmTimeoutMs (false). Whatever it became — running, idle, failed, gone — is the watch loop's to
   * judge, so a failure at once is reported or re-created by the same rules as a later one.
   */
  private confirm(): Promise<boolean> {
    return confirmRunning({
      probe: async () => {
        const got = await this.read();
        return got && converterVerdict(got.state) === 'connecting' ? 'pending' : 'running';
      },
      tolerate: isTransient,
      settled: () => this.s.stopReason !== undefined,
      timeoutMs: this.input.confirmTimeoutMs,
      pollMs: this.input.confirmPollMs,
    });
  }

  // ---- running ----

  /** Watches the converter until stop, loss or continue-as-new; applies changes in between. */
  private watch(): Promise<Watched> {
    const { s, input } = this;
    const changeDue = () => isPending(s.config) && !this.changesPaused;
    return watch<Watched>({
      ...sessionWatch(this.frame, this.deadline, s, input),
      work: [
        () => {
          if (!changeDue()) return undefined;
          // Media Push takes 2 updates per second per converter
          const readyAt = (s.lastUpdateAt ?? 0) + UPDATE_MIN_INTERVAL_MS;
          if (s.lastUpdateAt !== undefined && !this.updateGap.due(readyAt))
            return waitForWork(() => s.stopReason !== undefined || this.updateGap.rang, this.updateGap.wakeAt(readyAt)).then(() => 'again' as const);
          return this.applyConfig().then(() => 'again' as const);
        },
      ],
      wakeWhen: changeDue,
      wake: { isSet: () => this.wake, clear: () => (this.wake = false) },
      poll: async () => {
        const lost = await this.poll();
        if (lost === 'gone') return this.gone();
        return lost || undefined;
      },
    });
  }

  /** Sends what changed of the desired configuration with the next sequence (an activity's retries reuse it). */
  private applyConfig(): Promise<void> {
    const { s } = this;
    return this.configChanges!.apply(
      async (config) => {
        const fields = changedFields(s.config.vendorValue, config);
        if (fields.length === 0) return;
        const sequence = s.sequence === undefined ? s.sequenceBase : s.sequence + 1;
        s.sequence = sequence;
        s.lastUpdateAt = Date.now();
        await this.vendor.update(s.converterId!, sequence, config, fields);
        s.updates++;
        const rec = this.record();
        if (rec) rec.updates++;
      },
      // the converter is gone, or Agora did not answer: the change stays wanted and waits for the next
      // read (which tells whether the converter is gone) instead of being sent again at once
      (err) => {
        if (!isConverterGone(vendorInfo(err)) && !isTransient(err)) return false;
        this.changesPaused = true;
        this.wake = true;
        return true;
      },
      describe,
    );
  }

  /** What a read says: undefined while the converter goes on; 'gone' when get answered 404. */
  private async poll(): Promise<Lost | { kind: 'stop'; reason: string } | 'gone' | undefined> {
    try {
      const got = await this.read();
      if (!got) return 'gone';
      this.changesPaused = false;
      const v = converterVerdict(got.state);
      if (v === 'failed') return { kind: 'lost', reason: FAILED_REASON, outcome: 'failed', restartable: true, held: true };
      this.phase.set(v);
      return undefined;
    } catch (err) {
      if (isTransient(err)) {
        log.warn('get failed; the relay goes on', { error: describe(err) });
        return undefined;
      }
      // Agora refuses to let us watch it: delete it rather than let it bill unseen
      return { kind: 'stop', reason: `get failed: ${describe(err)}` };
    }
  }

  /** get answered 404: why, as NCS says (its destroyed event may come after the get). */
  private async gone(): Promise<Lost> {
    // a stop asked meanwhile ends the wait: the converter is gone either way
    await waitForWord(() => this.s.destroyReason !== undefined || this.destroyedSeen === this.s.converterId || this.s.stopReason !== undefined, this.input.destroyReasonWaitMs);
    const g = goneVerdict(this.s.destroyReason, this.s.converterState, this.input.idleTimeout);
    return { kind: 'lost', reason: g.reason, outcome: g.kind === 'service-failure' ? 'failed' : 'ended', restartable: g.kind === 'service-failure', held: false };
  }

  private notRecreated(lost: Lost): string {
    const { input, s } = this;
    return lost.restartable && input.restartOnFailure ? `${lost.reason}; not re-created again (${s.restarts} of ${input.maxRestarts} re-creations used)` : lost.reason;
  }

  /** restartOnFailure: delete the failed converter (if it still exists) and create a new one. */
  private async recreate(lost: Lost): Promise<void> {
    log.warn('re-creating the converter', { id: this.s.converterId, reason: lost.reason });
    this.phase.set('recreating', lost.reason);
    if (lost.held) await this.end.quietly(lost.reason);
    this.release(lost.reason);
    this.s.restarts++;
    await this.createConverter();
  }
}
