/**
 * The steps of one Media Gateway ingest session (agora.md §5, §14.4) on the session kernel: create a
 * stream key and hand it over (status), wait for the encoder's push, keep the wanted mute state on
 * whichever push is live, and end it all in the one safe order: destroy the key, then disconnect the
 * pushes, then confirm none is online. What the gateway's answers mean is asked of
 * src/agora/meanings/media-gateway.ts.
 */
import { ApplicationFailure, isCancellation, log, sleep, workflowInfo } from '@temporalio/workflow';
import type { IngestObservation } from '../../activities/ingest';
import {
  abortReason,
  GATEWAY_NCS_EVENT,
  isGatewayGone,
  isOwnEvent,
  isUnmuted,
  keyGoneReason,
  maskStreamKey,
  NCS_PRODUCT_MEDIA_GATEWAY,
  pushAddress,
  UNMUTED,
  defaultExpiresAfter,
} from '../../src/agora/meanings/media-gateway';
import type { IngestChange, IngestOutcome, IngestParams, IngestResult, IngestState, MuteState } from '../../src/schemas/workflows/ingest';
import { continueSession } from '../lib/continue-as-new';
import { desiredSlot, isPending, markUnapplied, type ChangeChannel } from '../lib/desired';
import { describe, isAmbiguous, isTransient, vendorInfo } from '../lib/failures';
import { Alarm, sessionWatch, watch } from '../lib/loop';
import { trackPhase, type PhaseTracker } from '../lib/phase';
import { UsageLedger } from '../lib/usage';
import { createWithReconcile } from '../lib/reconcile';
import { SA, stageSearchAttributes, writeSearchAttributes } from '../lib/search-attributes';
import { SessionFrame } from '../lib/session';
import type { IngestPhase, IngestStatus, NcsEvent } from './messages';
import { ingestVendor, type IngestVendor } from './vendor';

/** How many times a teardown looks for pushes of the destroyed key (and disconnects them) before giving up. */
const MAX_TEARDOWN_ROUNDS = 5;
/** How many reconnects a mute follows (each new sid starts unmuted) before waiting for the next poll. */
const MAX_MUTE_SENDS = 3;

type Ending = { kind: 'stop'; reason: string } | { kind: 'ended'; reason: string } | { kind: 'continue' };

const isGone = (err: unknown) => isGatewayGone(vendorInfo(err));
const iso = (ms = Date.now()) => new Date(ms).toISOString();

export function initialState(input: IngestParams): IngestState {
  return {
    expiresAfter: input.expiresAfter ?? defaultExpiresAfter(input.maxDurationMs),
    keyDestroyed: false,
    streams: [],
    mute: desiredSlot<MuteState>({ ...UNMUTED }),
    muteCalls: 0,
    uncertainCreates: [],
    unstopped: [],
    startedAt: iso(),
    deadline: Date.now() + input.maxDurationMs,
    continuedAsNew: 0,
  };
}

/** A change merged into the whole mute state (each given field replaces the current one). */
export const mergeChange = (current: MuteState, change: IngestChange): MuteState => ({
  audioMuted: change.audioMuted ?? current.audioMuted,
  videoMuted: change.videoMuted ?? current.videoMuted,
});

function initialPhase(s: IngestState): IngestPhase {
  if (!s.streamKey) return 'creating-key';
  if (s.sid) return 'live';
  return s.streams.length ? 'encoder-gone' : 'waiting-for-encoder';
}

export class IngestSession {
  readonly phase: PhaseTracker<IngestPhase>;
  readonly frame: SessionFrame<IngestResult>;
  readonly vendor: IngestVendor;
  muteChanges?: ChangeChannel<MuteState>;
  private wake = false;
  /** the key is gone (its query answered 404): why */
  private keyGone?: string;
  /** a mute met a vanished push or no answer: no more mute calls until a poll has looked at the pushes */
  private mutePaused = false;
  private readonly deadline = new Alarm();
  private readonly encoderGone = new Alarm();
  /** why the live push ended, when an NCS event said so */
  private endNotice?: string;
  /** the last ambiguous create's failure (the reconcile records it) */
  private ambiguousCreate?: string;

  constructor(
    readonly input: IngestParams,
    readonly s: IngestState,
  ) {
    this.phase = trackPhase<IngestPhase>(initialPhase(s), {
      billing: { ledger: new UsageLedger((s.usage ??= []), 'media-gateway', 'ingestTime'), phases: ['live'] },
    });
    stageSearchAttributes([
      { key: SA.vendor, value: 'agora' },
      { key: SA.product, value: 'media-gateway' },
      { key: SA.channel, value: input.channel },
      ...(s.sid ? [{ key: SA.sid, value: s.sid }] : []),
    ]);
    this.frame = new SessionFrame<IngestResult>(s);
    this.vendor = ingestVendor(input, s);
  }

  // ---- handlers ----

  onNcsEvent(event: NcsEvent): void {
    const { s } = this;
    if (event.productId !== NCS_PRODUCT_MEDIA_GATEWAY || !s.streamKey) return;
    if (!isOwnEvent(event.payload, { channel: this.input.channel, uid: this.input.uid, streamKey: s.streamKey })) return;
    if (event.eventType === GATEWAY_NCS_EVENT.aborted) {
      s.lastAbort = abortReason(event.payload);
      this.endNotice = s.lastAbort;
    }
    if (event.eventType === GATEWAY_NCS_EVENT.disconnected && event.payload.sid === s.sid) this.endNotice ??= 'the push ended (NCS live_stream_disconnected)';
    this.wake = true;
  }

  status(): IngestStatus {
    const { s, input, phase } = this;
    const keyUsable = s.streamKey !== undefined && !s.keyDestroyed && this.keyGone === undefined;
    return {
      ...this.frame.statusBase(phase, s),
      channel: input.channel,
      uid: input.uid,
      region: input.region,
      template: input.template,
      push: keyUsable ? pushAddress(input.region, s.streamKey!) : undefined,
      keyExpiresAt: keyUsable && s.keyExpiresAt !== undefined ? iso(s.keyExpiresAt) : undefined,
      sid: s.sid,
      streams: s.streams,
      encoderDeadline: this.waiting() ? iso(this.encoderDeadline()) : undefined,
      mute: s.mute.value ?? UNMUTED,
      muteApplied: !isPending(s.mute),
      lastAbort: s.lastAbort,
      lastQueryAt: s.lastQueryAt,
      usage: this.phase.usage(),
      uncertainCreates: s.uncertainCreates,
      unstopped: s.unstopped,
    };
  }

  // ---- the session ----

  async run(): Promise<IngestResult> {
    return this.frame.run(
      async () => {
        if (!this.s.streamKey) await this.createKey();
        const end = await this.watch();
        if (end.kind === 'continue') return continueSession(this.input, this.s);
        return this.stopAndFinish(end.kind === 'stop' ? 'stopped' : 'ended', end.reason);
      },
      { onCancel: () => this.teardownOnCancel(), onFailure: (failure) => this.teardownOnFailure(failure) },
    );
  }

  // ---- creating-key ----

  private async createKey(): Promise<void> {
    const { s } = this;
    this.phase.set('creating-key');
    const streamKey = await createWithReconcile(
      () =>
        this.vendor.createKey().catch((err: unknown) => {
          if (isAmbiguous(err)) this.ambiguousCreate = describe(err);
          throw err;
        }),
      {
        what: 'stream key create',
        // Media Gateway has no list of keys (create, query and destroy by key only, agora.md §5.1): a key
        // whose create answer was lost cannot be found, so nobody can push with it. It is recorded (it
        // runs out by itself at expiresAfter) and the one key this session holds is the next create's.
        reconcile: async () => {
          s.uncertainCreates.push({
            at: iso(),
            error: this.ambiguousCreate ?? 'no answer',
            expiresBy: s.expiresAfter > 0 ? iso(Date.now() + s.expiresAfter * 1000) : undefined,
          });
          return undefined;
        },
      },
    );
    s.streamKey = streamKey;
    s.keyCreatedAt = Date.now();
    s.keyExpiresAt = s.expiresAfter > 0 ? s.keyCreatedAt + s.expiresAfter * 1000 : undefined;
    s.waitingSince = Date.now();
    this.phase.set('waiting-for-encoder');
  }

  // ---- waiting-for-encoder ⇄ live ⇄ encoder-gone ----

  private waiting(): boolean {
    return this.s.streamKey !== undefined && this.s.sid === undefined && this.s.waitingSince !== undefined;
  }

  /** Epoch ms at which the wait for an encoder ends the session (Infinity while live). */
  private encoderDeadline(): number {
    return this.waiting() ? this.s.waitingSince! + this.input.encoderTimeoutMs : Infinity;
  }

  /** Watches the key and its pushes until stop, an end, or continue-as-new; applies mute changes in between. */
  private watch(): Promise<Ending> {
    const { s, input } = this;
    const muteDue = () => isPending(s.mute) && !this.mutePaused;
    return watch<Ending>({
      ...sessionWatch(this.frame, this.deadline, s, input),
      work: [
        () => {
          if (this.keyGone !== undefined) return Promise.resolve({ kind: 'ended', reason: this.keyGone });
          if (this.encoderGone.due(this.encoderDeadline())) return this.lastLook();
          return muteDue() ? this.applyMute().then(() => 'again' as const) : undefined;
        },
      ],
      // a continued or restarted run looks at once; so does a fresh key (cheap, and the loop's one rhythm)
      firstPollInMs: 0,
      pollAlsoAt: () => (s.keyExpiresAt !== undefined && s.keyExpiresAt > Date.now() ? s.keyExpiresAt : Infinity),
      wakeWhen: () => this.encoderGone.rang || muteDue(),
      wakeAt: () => this.encoderGone.wakeAt(this.encoderDeadline()),
      wake: { isSet: () => this.wake, clear: () => (this.wake = false) },
      poll: () => this.poll(),
    });
  }

  /** The wait for an encoder is over: one last look before giving up (an NCS event may have been lost). */
  private async lastLook(): Promise<Ending | 'again'> {
    const failed = await this.poll();
    if (failed) return failed;
    if (this.waiting() && this.keyGone === undefined) {
      const secs = Math.round(this.input.encoderTimeoutMs / 1000);
      return { kind: 'ended', reason: this.s.streams.length ? `the encoder did not come back within ${secs} s` : `no encoder pushed within ${secs} s` };
    }
    return 'again';
  }

  /** One look at the key and its pushes; a failure that is not transient stops the session. */
  private async poll(): Promise<Ending | undefined> {
    try {
      const seen = await this.vendor.observe(true);
      this.s.lastQueryAt = iso();
      this.mutePaused = false;
      this.see(seen);
      return undefined;
    } catch (err) {
      if (isTransient(err)) {
        log.warn('reading the stream key and its pushes failed; the session goes on', { error: describe(err) });
        return undefined;
      }
      // the gateway refuses to let us watch the key: end it rather than let a push go on unseen
      return { kind: 'stop', reason: `reading the stream key failed: ${describe(err)}` };
    }
  }

  /** What a look found: the key gone, the live push still on, ended, or a new push (a new sid). */
  private see(seen: IngestObservation): void {
    const { s } = this;
    if (!seen.keyActive) this.keyGone ??= keyGoneReason(s.expiresAfter);
    const online = seen.streams;
    if (s.sid && online.some((o) => o.sid === s.sid)) {
      if (this.phase.current !== 'live') this.phase.set('live');
      return;
    }
    const wasLive = s.sid !== undefined;
    if (wasLive) this.closeStream(s.sid!, this.endNotice ?? 'the push ended');
    const why = this.endNotice;
    this.endNotice = undefined;
    const next = online[online.length - 1];
    if (next) {
      s.sid = next.sid;
      s.streams.push({ sid: next.sid, connectedAt: iso() });
      s.waitingSince = undefined;
      // a new push starts unmuted: the wanted mute state goes to it again
      markUnapplied(s.mute);
      writeSearchAttributes([{ key: SA.sid, value: next.sid }]);
      this.phase.set('live');
      return;
    }
    if (wasLive) {
      s.waitingSince = Date.now();
      this.phase.set('encoder-gone', why ?? 'the push ended; waiting for the encoder to come back');
    }
  }

  /** Closes a push's record (adding one for a push first seen at teardown). */
  private closeStream(sid: string, reason: string): void {
    const { s } = this;
    let rec = s.streams.find((r) => r.sid === sid && r.endedAt === undefined);
    if (!rec && !s.streams.some((r) => r.sid === sid)) {
      rec = { sid, connectedAt: iso() };
      s.streams.push(rec);
    }
    if (rec) Object.assign(rec, { endedAt: iso(), endReason: reason });
    if (s.sid === sid) s.sid = undefined;
  }

  /**
   * Sends the whole wanted mute state to the live push and verifies it: the push that got it must still
   * be online once the gateway applied it (~1 s, agora.md §5.3); a push that reconnected meanwhile is a
   * new sid, unmuted, and is sent it again. With no push online there is nothing to send: the next push
   * gets it when it connects.
   */
  private applyMute(): Promise<void> {
    const { s, input } = this;
    return this.muteChanges!.apply(
      async (wanted) => {
        for (let n = 0; n < MAX_MUTE_SENDS; n++) {
          const sid = s.sid;
          if (!sid) return;
          // a push that was never sent a mute is unmuted already
          if (isUnmuted(wanted) && s.mutedSid !== sid) return;
          await this.vendor.mute(sid, wanted);
          s.mutedSid = sid;
          s.muteCalls++;
          await sleep(input.muteVerifyMs);
          this.see(await this.vendor.observe(false));
          if (s.sid === sid || s.sid === undefined) return;
        }
        throw ApplicationFailure.create({ type: 'MuteUnsettled', message: `the encoder reconnected ${MAX_MUTE_SENDS} times while it was being muted`, nonRetryable: true });
      },
      // the push vanished, the gateway did not answer, or the encoder kept reconnecting: the change stays
      // wanted and waits for the next poll (which tells what is online) instead of being sent again at once
      (err) => {
        const unsettled = err instanceof ApplicationFailure && err.type === 'MuteUnsettled';
        if (!unsettled && !isGone(err) && !isTransient(err)) return false;
        this.mutePaused = true;
        return true;
      },
      describe,
    );
  }

  // ---- stopping → completed ----

  /**
   * The one teardown of every ending (stop, max duration, key expiry, no encoder, cancellation, failure):
   * destroy the key FIRST (a push goes on, but its encoder can no longer come back), then force-disconnect
   * every push of the key the list shows, then look again after the encoder's reconnect time: a new sid
   * means it reconnected before the key was gone, and is disconnected too.
   */
  private async teardown(why: string): Promise<void> {
    const { s, input } = this;
    this.phase.set('stopping', why);
    if (!s.streamKey) return;
    if (!s.keyDestroyed) {
      await this.vendor.destroyKey();
      s.keyDestroyed = true;
    }
    for (let round = 1; ; round++) {
      const { streams } = await this.vendor.observe(false, true);
      if (streams.length === 0) break;
      if (round > MAX_TEARDOWN_ROUNDS) {
        throw ApplicationFailure.create({
          type: 'StreamsStillOnline',
          message: `pushes of the destroyed key are still online after ${MAX_TEARDOWN_ROUNDS} disconnects: ${streams.map((o) => o.sid).join(', ')}`,
          nonRetryable: true,
          details: [{ sids: streams.map((o) => o.sid) }],
        });
      }
      if (round > 1) log.warn('the encoder came back before its key was gone; disconnecting it again', { sids: streams.map((o) => o.sid) });
      for (const o of streams) {
        await this.vendor.disconnect(o.sid);
        this.closeStream(o.sid, `disconnected: ${why}`);
      }
      await sleep(input.reconnectWatchMs);
    }
    // the push the session knew had ended before the teardown looked
    if (s.sid) this.closeStream(s.sid, this.endNotice ?? 'the push ended');
    s.waitingSince = undefined;
  }

  private recordUnstopped(err: unknown): void {
    const { s } = this;
    const error = describe(err);
    if (s.streamKey && !s.keyDestroyed) s.unstopped.push({ kind: 'streamKey', id: maskStreamKey(s.streamKey), error });
    const sids = (err instanceof ApplicationFailure ? (err.details?.[0] as { sids?: string[] } | undefined)?.sids : undefined) ?? [];
    for (const sid of new Set([...sids, ...(s.sid ? [s.sid] : [])])) s.unstopped.push({ kind: 'stream', id: sid, error });
    log.error('an ingest could not be ended', { channel: this.input.channel, uid: this.input.uid, error, unstopped: s.unstopped });
  }

  private async stopAndFinish(outcome: IngestOutcome, reason: string): Promise<IngestResult> {
    try {
      await this.teardown(reason);
    } catch (err) {
      // cancelled while tearing down: the cancellation path tears down again, in a non-cancellable scope
      if (isCancellation(err)) throw err;
      this.recordUnstopped(err);
      throw ApplicationFailure.create({
        type: 'StopFailed',
        message: `the ingest of channel ${this.input.channel} (uid ${this.input.uid}) may still be live: ${describe(err)}`,
        nonRetryable: true,
        details: [{ unstopped: this.s.unstopped }],
      });
    }
    return this.finish(outcome, reason);
  }

  private finish(outcome: IngestOutcome, reason: string): IngestResult {
    const { s, input } = this;
    this.phase.set('completed', reason);
    const liveMs = s.streams.reduce((sum, r) => sum + Math.max(0, Date.parse(r.endedAt ?? iso()) - Date.parse(r.connectedAt)), 0);
    return {
      workflowId: workflowInfo().workflowId,
      channel: input.channel,
      uid: input.uid,
      region: input.region,
      template: input.template,
      outcome,
      reason,
      startedAt: s.startedAt,
      endedAt: iso(),
      keyDestroyed: s.keyDestroyed,
      streams: s.streams,
      liveMs,
      usage: this.phase.usage(),
      mute: s.mute.value ?? UNMUTED,
      muteCalls: s.muteCalls,
      uncertainCreates: s.uncertainCreates,
      unstopped: s.unstopped,
    };
  }

  // ---- never leak ----

  private async teardownOnCancel(): Promise<void> {
    const p = this.phase.current;
    if (p === 'completed' || p === 'failed') return;
    if (!this.s.streamKey) {
      this.phase.set('completed', 'workflow cancelled before a key was created');
      return;
    }
    try {
      await this.teardown('workflow cancelled');
      this.phase.set('completed', 'workflow cancelled; key destroyed, pushes disconnected');
    } catch (err) {
      this.recordUnstopped(err);
      this.phase.set('failed', `workflow cancelled; teardown failed: ${describe(err)}`);
    }
  }

  /** Also runs after a cancellation (the frame re-raises it): that path has torn down, or recorded why not. */
  private async teardownOnFailure(failure: string): Promise<void> {
    const p = this.phase.current;
    if (this.s.streamKey && p !== 'completed' && p !== 'stopping' && p !== 'failed') {
      try {
        await this.teardown(`session failed: ${failure}`);
      } catch (err) {
        if (isCancellation(err)) throw err;
        this.recordUnstopped(err);
      }
    }
    if (this.phase.current !== 'completed' && this.phase.current !== 'failed') this.phase.set('failed', failure);
  }
}
