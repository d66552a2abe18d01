/**
 * The steps of one Cloud Transcoder session (agora.md §8, §14.7) on the session kernel: acquire a
 * builderToken and create the task at once (206/50x backed off, then a new token and uid; 409 or an
 * unanswered create → the task of that token is adopted), confirm it started, keep the desired layout
 * applied with a sequenceId that only grows, watch it, and make sure it is deleted. What Agora's
 * answers mean is asked of src/agora/meanings/transcoder.ts.
 */
import { log, workflowInfo } from '@temporalio/workflow';
import type { TranscoderHeld } from '../../activities/transcoder';
import { changePlan, configRefusal, endedVerdict, GONE_REASON, instanceIdFor, isTaskGone, TRANSCODER_PRODUCT, taskVerdict } from '../../src/agora/meanings/transcoder';
import type { TranscoderLayout, TranscoderOutcome, TranscoderParams, TranscoderResult, TranscoderState } from '../../src/schemas/workflows/transcoder';
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
import type { TranscoderPhase, TranscoderStatus } from './messages';
import { newOutputUids, noTask, transcoderVendor, type TranscoderVendor } from './vendor';
import { layoutOf } from '../../src/workflow-schemas';

type Watched = { kind: 'stop'; reason: string } | { kind: 'ended'; reason: string; outcome: TranscoderOutcome } | { kind: 'replace' } | { kind: 'continue' };

const isGone = (err: unknown) => isTaskGone(vendorInfo(err));

export function initialState(input: TranscoderParams): TranscoderState {
  const given = input.outputs.map((o) => o.rtcUid);
  const picked = newOutputUids(
    input.outputs.length,
    given.filter((u): u is number => u !== undefined),
  );
  return {
    instanceId: instanceIdFor(input.channel, workflowInfo().workflowId),
    outputUids: given.map((u, i) => u ?? picked[i]!),
    config: desiredSlot<TranscoderLayout>(layoutOf(input)),
    tasks: [],
    renewals: 0,
    replacements: 0,
    unstopped: [],
    updates: 0,
    deadline: Date.now() + input.maxDurationMs,
    continuedAsNew: 0,
  };
}

export class TranscoderSession {
  readonly phase: PhaseTracker<TranscoderPhase>;
  readonly frame: SessionFrame<TranscoderResult>;
  readonly vendor: TranscoderVendor;
  readonly end: Teardown<TranscoderOutcome, TranscoderResult>;
  configChanges?: ChangeChannel<TranscoderLayout>;
  /** a change met a 404 or a transient failure: no more changes until a query has looked at the task */
  private changesPaused = false;
  private readonly deadline = new Alarm();

  constructor(
    readonly input: TranscoderParams,
    readonly s: TranscoderState,
  ) {
    this.phase = trackPhase<TranscoderPhase>(s.taskId ? 'running' : 'acquiring', {
      transient: ['creating', 'starting'],
      billing: { ledger: new UsageLedger((s.usage ??= []), 'cloud-transcoder', 'transcodingTime'), phases: ['starting', 'running', 'replacing', 'stopping'] },
    });
    stageSearchAttributes([
      { key: SA.vendor, value: 'agora' },
      { key: SA.product, value: TRANSCODER_PRODUCT },
      { key: SA.channel, value: input.channel },
      ...(s.taskId ? [{ key: SA.sid, value: s.taskId }] : []),
    ]);
    this.frame = new SessionFrame<TranscoderResult>(s);
    this.vendor = transcoderVendor(input, s, this.phase);
    this.end = new Teardown<TranscoderOutcome, TranscoderResult>({
      phase: this.phase,
      channel: input.channel,
      words: { what: 'transcoder task', short: 'task', doing: 'running', stop: 'delete', stopped: 'deleted' },
      held: () => s.taskId,
      stop: (taskId) => this.vendor.remove(taskId),
      release: (reason) => this.release(reason),
      unstopped: { add: (taskId, error) => s.unstopped.push({ taskId, error }), list: () => s.unstopped },
      // ended between a create and its answer: the task of the builderToken, if it started one
      adoptLost: async () => {
        if (!s.taskId && s.builderToken) s.taskId = (await this.vendor.findStarted().catch(() => undefined))?.taskId;
      },
      startedAt: () => s.tasks[0]?.createdAt,
      result: (end) => ({
        ...end,
        channel: input.channel,
        finalStatus: s.tasks[s.tasks.length - 1]?.lastStatus,
        tasks: s.tasks,
        config: s.config.value,
        updates: s.updates,
        renewals: s.renewals,
        replacements: s.replacements,
        unstopped: s.unstopped,
      }),
    });
  }

  status(): TranscoderStatus {
    const { s, input, phase } = this;
    return {
      ...this.frame.statusBase(phase, s),
      channel: input.channel,
      taskId: s.taskId,
      lastStatus: s.lastStatus,
      lastQueryAt: s.lastQueryAt,
      outputUids: s.outputUids,
      config: s.config.value,
      configApplied: !isPending(s.config),
      sequenceId: s.sequenceId,
      tasks: s.tasks,
      updates: s.updates,
      renewals: s.renewals,
      replacements: s.replacements,
      usage: this.phase.usage(),
    };
  }

  /**
   * Why a change cannot be applied to the current layout, or undefined. `wholeBody`: also refuse a change whose
   * whole body the update call would refuse (runs started before the patch took such changes; `validate` runs
   * on replay too, in the Update handler and the signal handler, so they keep taking them).
   */
  refusalOf(next: TranscoderLayout, wholeBody: boolean): string | undefined {
    const refused = changePlan(this.s.config.value!, next, this.input.channel).refused;
    if (refused || !wholeBody) return refused;
    return configRefusal(next, { channel: this.input.channel, outputUids: this.s.outputUids, idleTimeout: this.input.idleTimeout });
  }

  // ---- the session ----

  async run(): Promise<TranscoderResult> {
    return this.frame.run(async () => {
      if (!this.s.taskId) await this.startTask();
      for (;;) {
        const w = await this.watch();
        if (w.kind === 'continue') return continueSession(this.input, this.s);
        if (w.kind === 'stop') return this.end.stopAndFinish(w.reason);
        if (w.kind === 'ended') return this.end.ended(w.reason, w.outcome);
        await this.replace();
      }
    }, this.end.hooks);
  }

  // ---- acquiring → creating → starting → running ----

  private async startTask(): Promise<void> {
    const { s, input } = this;
    for (let attempt = 1; ; attempt++) {
      const sent = { version: s.config.version, value: s.config.value! };
      this.hold(await this.vendor.create(sent.value), sent);
      this.phase.set('starting');
      if (await this.confirm()) {
        if (s.stopReason === undefined) this.phase.set('running');
        return;
      }
      const why = `did not report started within ${input.confirmTimeoutMs} ms (status ${s.lastStatus ?? 'unknown'})`;
      log.warn('the transcoder did not start; replacing it', { taskId: s.taskId, attempt });
      await this.end.quietly(why);
      this.release(why);
      if (attempt >= input.maxStartAttempts) throw noTask(`no transcoder started on ${input.channel}, ${attempt} times (last: ${why})`);
      // the task that did not start may linger in the output channels: the next one takes other uids
      s.outputUids = newOutputUids(s.outputUids.length, s.outputUids);
    }
  }

  /** `sent`: the layout the create sent (a later change is still pending). */
  private hold(held: TranscoderHeld, sent: { version: number; value: TranscoderLayout }): void {
    const { s } = this;
    s.taskId = held.taskId;
    s.lastStatus = held.status;
    s.config.applied = Math.max(s.config.applied, sent.version);
    s.config.vendorValue = sent.value;
    s.tasks.push({ taskId: held.taskId, adopted: held.adopted, createdAt: new Date().toISOString(), lastStatus: held.status, outputUids: [...s.outputUids], updates: 0 });
    if (held.adopted) log.info('adopted the task of this builderToken', { taskId: held.taskId });
    writeSearchAttributes([{ key: SA.sid, value: held.taskId }]);
  }

  private record() {
    return this.s.tasks.find((t) => t.taskId === this.s.taskId && t.endedAt === undefined);
  }

  /** The session no longer holds the current task: close its record (one builderToken = one task). */
  private release(endReason: string): void {
    const { s } = this;
    const rec = this.record();
    if (rec) Object.assign(rec, { endedAt: new Date().toISOString(), endReason, lastStatus: s.lastStatus });
    s.taskId = undefined;
    s.builderToken = undefined;
    s.builderTokenAt = undefined;
  }

  private async query(): Promise<string | undefined> {
    const status = await this.vendor.query(this.s.taskId!);
    this.s.lastStatus = status;
    this.s.lastQueryAt = new Date().toISOString();
    const rec = this.record();
    if (rec) rec.lastStatus = status;
    return status;
  }

  /** Started (STARTED, CREATED, IN_PROGRESS) within confirmTimeoutMs; 202 and PREPARED/STARTING wait. */
  private confirm(): Promise<boolean> {
    if (taskVerdict(this.s.lastStatus) === 'running') return Promise.resolve(true);
    return confirmRunning({
      probe: async () => {
        const v = taskVerdict(await this.query());
        return v === 'running' ? 'running' : v === 'ended' ? 'exited' : 'pending';
      },
      tolerate: (err) => isGone(err) || isTransient(err),
      settled: () => this.s.stopReason !== undefined,
      timeoutMs: this.input.confirmTimeoutMs,
      pollMs: this.input.confirmPollMs,
    });
  }

  // ---- running ----

  /** Watches the task until stop, its end, a replacement or continue-as-new; applies changes in between. */
  private watch(): Promise<Watched> {
    const { s, input } = this;
    const changeDue = () => isPending(s.config) && !this.changesPaused;
    return watch<Watched>({
      ...sessionWatch(this.frame, this.deadline, s, input),
      work: [
        () => {
          if (!changeDue()) return undefined;
          if (changePlan(s.config.vendorValue ?? s.config.value!, s.config.value!, input.channel).replace) return Promise.resolve({ kind: 'replace' });
          return this.applyConfig().then(() => 'again' as const);
        },
      ],
      wakeWhen: changeDue,
      // a change is applied before a poll that fell due with it
      workFirst: changeDue,
      poll: () => this.poll(),
    });
  }

  /** Sends the whole body with the next sequenceId (an activity's retries reuse it; it never goes back). */
  private applyConfig(): Promise<void> {
    const { s } = this;
    return this.configChanges!.apply(
      async (layout) => {
        s.sequenceId = s.sequenceId === undefined ? 0 : s.sequenceId + 1;
        await this.vendor.update(s.taskId!, layout, s.sequenceId);
        s.updates++;
        const rec = this.record();
        if (rec) rec.updates++;
      },
      // the task is gone, or Agora did not answer: the change stays wanted and waits for the next query
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
      this.changesPaused = false;
      if (taskVerdict(status) === 'ended') {
        const v = endedVerdict(status, this.input.idleTimeout);
        return { kind: 'ended', reason: v.reason, outcome: v.failed ? 'failed' : 'ended' };
      }
      return undefined;
    } catch (err) {
      if (isGone(err)) return { kind: 'ended', reason: GONE_REASON, outcome: 'ended' };
      if (isTransient(err)) {
        log.warn('query failed; the transcoder goes on', { error: describe(err) });
        return undefined;
      }
      // Agora refuses to let us watch it: delete it rather than let it bill unseen
      return { kind: 'stop', reason: `query failed: ${describe(err)}` };
    }
  }

  /**
   * A canvas or watermark change (not updatable in place, agora.md §8): the task is deleted and a new
   * one created with the whole desired layout, on new output uids (the old transcoder may linger).
   */
  private async replace(): Promise<void> {
    const { s } = this;
    this.phase.set('replacing', 'the canvas or the watermarks changed');
    await this.vendor.remove(s.taskId!);
    this.release('replaced: the canvas or the watermarks changed');
    s.replacements++;
    s.outputUids = newOutputUids(s.outputUids.length, s.outputUids);
    await this.startTask();
  }
}
