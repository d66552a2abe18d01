/**
 * The steps of one Media Pull session (agora.md §7, §14.6) on the session kernel: create a cloud player
 * (named after the business key), confirm it plays, keep the desired playback applied, watch it through
 * the List, replace it when it fails (if asked), and make sure it is deleted. What Agora's answers mean
 * is asked of src/agora/meanings/media-pull.ts.
 */
import { ApplicationFailure, condition, log, sleep, workflowInfo } from '@temporalio/workflow';
import type { PullListed } from '../../activities/pull';
import {
  answeredPlaying,
  destroyedBecause,
  isPlayerGone,
  playerName,
  playerVerdict,
  PULL_NCS_EVENT,
  PULL_UID_MIN,
  PULL_UID_SPAN,
  resumePlayTs,
} from '../../src/agora/meanings/media-pull';
import type { PullChange, PullOutcome, PullParams, PullPlayback, PullResult, PullState } from '../../src/schemas/workflows/pull';
import { confirmRunning } from '../lib/confirm';
import { continueSession } from '../lib/continue-as-new';
import { desiredSlot, isPending, markUnapplied, type ChangeChannel } from '../lib/desired';
import { describe, isTransient, vendorInfo } from '../lib/failures';
import { Alarm, waitForWord, sessionWatch, watch } from '../lib/loop';
import { trackPhase, type PhaseTracker } from '../lib/phase';
import { UsageLedger } from '../lib/usage';
import { SA, stageSearchAttributes, writeSearchAttributes } from '../lib/search-attributes';
import { SessionFrame } from '../lib/session';
import { Teardown } from '../lib/teardown';
import type { NcsEvent, PullPhase, PullStatus } from './messages';
import { createdPlayback, patchOf, pullVendor, type HeldPlayer, type PullVendor } from './vendor';
import { MEDIA_PULL_NCS_PRODUCT_ID } from '../../src/workflow-schemas';

type Watched = { kind: 'stop'; reason: string } | { kind: 'gone'; reason: string } | { kind: 'failed'; reason: string } | { kind: 'continue' };
/** How a start ended: playing, or why the player is given up on. */
type Confirmed = { kind: 'playing' } | { kind: 'stop' } | { kind: 'failed'; reason: string };

const isGone = (err: unknown) => isPlayerGone(vendorInfo(err));
const FAILED_REASON = 'the player failed (it cannot connect to or play the stream)';
const GONE_REASON = 'the player is gone (no longer in the List)';

export function initialState(input: PullParams): PullState {
  return {
    generation: 0,
    uid: input.uid ?? PULL_UID_MIN + Math.floor(Math.random() * PULL_UID_SPAN),
    listed: false,
    sequence: 0,
    playback: desiredSlot<PullPlayback>({ streamUrl: input.streamUrl, isPause: false, volume: 100, seekPosition: input.seekPosition, seeks: 0 }),
    players: [],
    unstopped: [],
    updates: 0,
    restarts: 0,
    deadline: Date.now() + input.maxDurationMs,
    continuedAsNew: 0,
  };
}

/** A change merged into the whole playback (each given field replaces the current one; a seek is counted). */
export const mergeChange = (current: PullPlayback, change: PullChange): PullPlayback => ({
  streamUrl: change.streamUrl ?? current.streamUrl,
  isPause: change.isPause ?? current.isPause,
  volume: change.volume ?? current.volume,
  seekPosition: change.seekPosition ?? current.seekPosition,
  seeks: current.seeks + (change.seekPosition !== undefined ? 1 : 0),
});

export class PullSession {
  readonly phase: PhaseTracker<PullPhase>;
  readonly frame: SessionFrame<PullResult>;
  readonly vendor: PullVendor;
  readonly end: Teardown<PullOutcome, PullResult>;
  changes?: ChangeChannel<PullPlayback>;
  private wake = false;
  /** NCS said the held player was destroyed (and why) */
  private destroyed?: { playerId: string; reason?: string };
  /** a change met a 404 or a transient failure: no more changes until a poll has looked at the player */
  private changesPaused = false;
  private readonly deadline = new Alarm();
  private readonly listable = new Alarm();

  constructor(
    readonly input: PullParams,
    readonly s: PullState,
  ) {
    this.phase = trackPhase<PullPhase>(s.playerId ? 'playing' : 'creating', {
      billing: { ledger: new UsageLedger((s.usage ??= []), 'media-pull', 'pullTime'), phases: ['connecting', 'playing', 'recreating', 'stopping'] },
    });
    stageSearchAttributes([
      { key: SA.vendor, value: 'agora' },
      { key: SA.product, value: 'media-pull' },
      { key: SA.channel, value: input.channel },
      ...(s.playerId ? [{ key: SA.sid, value: s.playerId }] : []),
    ]);
    this.frame = new SessionFrame<PullResult>(s);
    this.vendor = pullVendor(input, s);
    this.end = new Teardown<PullOutcome, PullResult>({
      phase: this.phase,
      channel: input.channel,
      words: { what: 'cloud player', short: 'player', doing: 'playing', stop: 'delete', stopped: 'deleted' },
      held: () => s.playerId,
      stop: (id) => this.vendor.delete(id, s.listed),
      release: (reason) => this.release(reason),
      unstopped: { add: (id, error) => s.unstopped.push({ id, error }), list: () => s.unstopped },
      adoptLost: (on, p) => (on === 'cancel' || (p !== 'completed' && p !== 'stopping') ? this.findUnanswered() : Promise.resolve()),
      startedAt: () => s.players[0]?.startedAt,
      result: (end) => ({
        ...end,
        channel: input.channel,
        region: input.region,
        uid: s.uid,
        finalStatus: s.players[s.players.length - 1]?.lastStatus,
        players: s.players,
        playback: s.playback.value!,
        updates: s.updates,
        restarts: s.restarts,
        unstopped: s.unstopped,
      }),
    });
  }

  // ---- handlers ----

  /** NCS events about the held player only wake the loop (a destroy also tells why it went). */
  onNcsEvent(event: NcsEvent): void {
    const player = event.payload?.player;
    if (event.productId !== MEDIA_PULL_NCS_PRODUCT_ID || !player?.id || player.id !== this.s.playerId) return;
    if (event.eventType === PULL_NCS_EVENT.destroyed) this.destroyed = { playerId: player.id, reason: player.destroyReason };
    this.wake = true;
  }

  status(): PullStatus {
    const { s, input, phase } = this;
    return {
      ...this.frame.statusBase(phase, s),
      channel: input.channel,
      region: input.region,
      uid: s.uid,
      playerId: s.playerId,
      playerName: s.playerName,
      lastStatus: s.lastStatus,
      lastQueryAt: s.lastQueryAt,
      playback: s.playback.value,
      playbackApplied: !isPending(s.playback),
      sequence: s.sequence,
      restarts: s.restarts,
      players: s.players,
      usage: this.phase.usage(),
    };
  }

  // ---- the session ----

  async run(): Promise<PullResult> {
    return this.frame.run(async () => {
      if (!this.s.playerId) await this.startPlayer(false);
      for (;;) {
        const w = await this.watch();
        if (w.kind === 'continue') return continueSession(this.input, this.s);
        if (w.kind === 'stop') return this.end.stopAndFinish(w.reason);
        if (w.kind === 'gone') return this.end.ended(w.reason, 'ended');
        if (!this.input.restartOnFailure) return this.end.ended(w.reason, 'failed');
        if (this.s.restarts >= this.input.maxRestarts) return this.end.ended(`${w.reason}; not re-created again (maxRestarts ${this.input.maxRestarts})`, 'failed');
        await this.recreate(w.reason);
      }
    }, this.end.hooks);
  }

  // ---- creating → connecting → playing ----

  /** Creates players until one plays (at most maxStartAttempts), or a stop is asked for. */
  private async startPlayer(resume: boolean): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (this.s.stopReason !== undefined) return;
      await this.create(resume);
      const c = await this.confirm();
      if (c.kind === 'playing') {
        this.notePlaying();
        this.phase.set('playing');
        return;
      }
      if (c.kind === 'stop') return;
      log.warn('the player did not start playing; replacing it', { id: this.s.playerId, attempt, reason: c.reason });
      await this.end.quietly(c.reason);
      this.release(c.reason);
      if (attempt >= this.input.maxStartAttempts) {
        throw ApplicationFailure.create({ type: 'PlayerNotPlaying', message: `no player started playing, ${attempt} tried; the last: ${c.reason}`, nonRetryable: true });
      }
    }
  }

  /** `resume`: a replacement, created with playTs = the first player's start so a VOD goes on where it was. */
  private async create(resume: boolean): Promise<void> {
    const { s, input } = this;
    if (!resume) this.phase.set('creating');
    s.playerName = playerName(input.channel, workflowInfo().workflowId, s.generation);
    const sent = { ...s.playback.value! };
    const playTs = resume ? resumePlayTs(s.firstStartTs, Date.now() - (s.firstStartedAt ?? Date.now())) : undefined;
    const held = await this.vendor.create({ name: s.playerName, streamUrl: sent.streamUrl, playTs, seekPosition: resume ? undefined : input.seekPosition });
    this.hold(held, sent, playTs);
  }

  /** `sent`: the playback the create configured (a later change, or pause and volume, still have to be sent). */
  private hold(held: HeldPlayer, sent: PullPlayback, playTs: number | undefined): void {
    const { s } = this;
    s.playerId = held.playerId;
    s.heldSince = Date.now();
    s.listed = false;
    s.lastStatus = held.status;
    this.destroyed = undefined;
    const slot = s.playback;
    slot.vendorValue = createdPlayback(sent);
    if (patchOf(slot.value!, slot.vendorValue)) markUnapplied(slot);
    else slot.applied = slot.version;
    s.players.push({
      id: held.playerId,
      name: s.playerName!,
      createTs: held.createTs,
      ...(playTs !== undefined ? { playTs } : {}),
      startedAt: new Date().toISOString(),
      lastStatus: held.status,
      ...(held.adopted ? { adopted: true } : {}),
    });
    writeSearchAttributes([{ key: SA.sid, value: held.playerId }]);
    this.phase.set('connecting', held.adopted ? 'adopted the player with our name' : undefined);
  }

  /** The first player that played: its start (Agora's createTs) is where a replacement resumes. */
  private notePlaying(): void {
    const { s } = this;
    const rec = s.players.find((p) => p.id === s.playerId);
    if (s.firstStartTs !== undefined || rec?.createTs === undefined) return;
    s.firstStartTs = rec.createTs;
    s.firstStartedAt = s.heldSince;
  }

  /** The session no longer holds the current player: close its record. */
  private release(endReason: string): void {
    const { s } = this;
    const rec = s.players.find((p) => p.id === s.playerId && p.endedAt === undefined);
    if (rec) Object.assign(rec, { endedAt: new Date().toISOString(), endReason, lastStatus: s.lastStatus });
    s.playerId = undefined;
    s.playerName = undefined;
    s.heldSince = undefined;
    s.listed = false;
    s.generation++;
    this.destroyed = undefined;
  }

  private async confirm(): Promise<Confirmed> {
    const { s, input } = this;
    if (answeredPlaying(s.lastStatus)) return { kind: 'playing' };
    // List shows a new player only after ~10 s: it is not asked before (NCS saying it was destroyed ends the wait)
    const listedAt = (s.heldSince ?? 0) + input.listDelayMs;
    if (!this.listable.due(listedAt)) {
      const left = listedAt - Date.now();
      await condition(() => s.stopReason !== undefined || this.destroyed !== undefined || this.listable.rang, left > 0 ? left : input.listDelayMs);
    }
    let failure: string | undefined;
    return confirmRunning({
      probe: async () => {
        const p = await this.read();
        if (!p) {
          failure = this.goneReason();
          return 'exited';
        }
        const v = playerVerdict(p.status, true);
        if (v === 'failed') failure = FAILED_REASON;
        return v === 'playing' ? 'running' : v === 'failed' ? 'exited' : 'pending';
      },
      tolerate: (err) => isTransient(err),
      settled: () => s.stopReason !== undefined,
      timeoutMs: input.confirmTimeoutMs,
      pollMs: input.confirmPollMs,
    }).then((ok): Confirmed => {
      if (s.stopReason !== undefined) return { kind: 'stop' };
      if (ok) return { kind: 'playing' };
      return { kind: 'failed', reason: failure ?? `the player did not start playing within ${input.confirmTimeoutMs} ms (status ${s.lastStatus ?? 'unknown'})` };
    });
  }

  /**
   * The List would show the held player if it existed: it was seen there before, or it is older than
   * listDelayMs, or NCS said it was destroyed. Before that the List is not asked (its absence says nothing);
   * after, an absence means gone.
   */
  private mayBeListed(): boolean {
    const { s, input } = this;
    return s.listed || this.destroyed !== undefined || this.listable.due((s.heldSince ?? 0) + input.listDelayMs);
  }

  private goneReason(): string {
    return destroyedBecause(this.destroyed?.reason, this.input.idleTimeout) ?? GONE_REASON;
  }

  /** The held player as List shows it; keeps its last status. */
  private async read(): Promise<PullListed | undefined> {
    const { s } = this;
    const p = await this.vendor.read(s.playerId!);
    s.lastQueryAt = new Date().toISOString();
    if (p) {
      s.listed = true;
      if (p.status !== undefined) s.lastStatus = p.status;
      const rec = s.players.find((x) => x.id === p.id);
      if (rec) {
        rec.lastStatus = s.lastStatus;
        rec.createTs ??= p.createTs;
      }
    }
    return p;
  }

  // ---- playing ----

  /** Watches the player until stop, its end, its failure or continue-as-new; applies changes in between. */
  private watch(): Promise<Watched> {
    const { s, input } = this;
    const changeDue = () => isPending(s.playback) && !this.changesPaused;
    return watch<Watched>({
      ...sessionWatch(this.frame, this.deadline, s, input),
      work: [() => (changeDue() ? this.applyPlayback().then(() => 'again' as const) : undefined)],
      wakeWhen: changeDue,
      wake: { isSet: () => this.wake, clear: () => (this.wake = false) },
      poll: async () => {
        const w = await this.poll();
        return w?.kind === 'gone' ? this.gone() : w;
      },
    });
  }

  /** List no longer shows the player: why, as NCS says (its destroyed event may come after the List). */
  private async gone(): Promise<Watched> {
    // a stop asked meanwhile ends the wait: the player is gone either way
    await waitForWord(() => this.destroyed !== undefined || this.s.stopReason !== undefined, this.input.destroyReasonWaitMs);
    // Agora deletes players after server errors: that is a failure, not an end
    if (this.destroyed?.reason === 'Internal Error') return { kind: 'failed', reason: this.goneReason() };
    return { kind: 'gone', reason: this.goneReason() };
  }

  /** Sends what the player lacks of the desired playback, with the next sequence (a retried call reuses it). */
  private applyPlayback(): Promise<void> {
    const { s } = this;
    return this.changes!.apply(
      async (want) => {
        const patch = patchOf(want, s.playback.vendorValue ?? want);
        if (!patch) return;
        s.sequence++;
        await this.vendor.update(s.playerId!, s.sequence, patch);
        s.updates++;
      },
      // the player is gone, or Agora did not answer: the change stays wanted and waits for the next poll
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
      if (!this.mayBeListed()) return undefined;
      const p = await this.read();
      if (!p) return { kind: 'gone', reason: GONE_REASON };
      this.changesPaused = false;
      const v = playerVerdict(p.status);
      if (v === 'failed') return { kind: 'failed', reason: FAILED_REASON };
      this.phase.set('playing', v === 'idle' ? `the player is idle (not playing); Agora destroys it after ${this.input.idleTimeout ?? 300} s` : undefined);
      return undefined;
    } catch (err) {
      if (isTransient(err)) {
        log.warn('List failed; the player goes on', { error: describe(err) });
        return undefined;
      }
      // the vendor refuses to let us watch it: delete it rather than let it bill unseen
      return { kind: 'stop', reason: `List failed: ${describe(err)}` };
    }
  }

  /** The player failed and the caller asked for restartOnFailure: delete it and create another, resuming with playTs. */
  private async recreate(reason: string): Promise<void> {
    log.info('re-creating a failed player', { id: this.s.playerId, reason, restart: this.s.restarts + 1 });
    this.phase.set('recreating', reason);
    this.s.restarts++;
    await this.end.quietly(reason);
    this.release(reason);
    await this.startPlayer(true);
  }

  // ---- never leak ----

  /**
   * Ended (cancelled, failed) while a create was in flight or its outcome unknown: the player it may have
   * made, found by its name once the List shows it; best effort.
   */
  private async findUnanswered(): Promise<void> {
    const { s } = this;
    if (s.playerId || !s.playerName) return;
    await sleep(this.input.listDelayMs);
    const found = await this.vendor.find(s.playerName).catch((err: unknown) => {
      log.warn('could not look for the player an unanswered create may have made', { name: s.playerName, error: describe(err) });
      return undefined;
    });
    if (!found) return;
    log.info('found the player an unanswered create made', { name: s.playerName, playerId: found.id });
    s.playerId = found.id;
    s.listed = true;
  }
}
