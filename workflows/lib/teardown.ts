/**
 * The one never-leak teardown of a lifecycle that holds one vendor resource at a time (a transcoder
 * task, a converter, a cloud player, an STT agent): stop it and finish, finish after it ended on its
 * own (one more stop makes sure), stop it on cancel (in the frame's non-cancellable scope, adopting
 * what a create whose answer was lost may have made) and on failure, and stop it quietly when the
 * session gives up on it. A stop that fails is recorded in the carried state (the result's
 * `unstopped`), never dropped. The lifecycle says only what is its own: which resource it holds, what
 * stopping it means, how to find a resource whose create went unanswered, and its result.
 */
import { ApplicationFailure, isCancellation, log, workflowInfo } from '@temporalio/workflow';
import { describe } from './failures';
import type { PhaseTracker } from './phase';
import type { UsageEntry } from './usage';
import { stopQuietly } from './stop';

/** The part of a result every lifecycle reports the same way. */
export interface SessionEnd<O extends string> {
  workflowId: string;
  outcome: O;
  reason: string;
  startedAt?: string;
  endedAt: string;
  lifetimeMs: number;
  /** billable time by usage class (./usage.ts) */
  usage: UsageEntry[];
}

export interface TeardownOptions<O extends string, R> {
  /** the lifecycle's phases include stopping, completed and failed */
  phase: PhaseTracker<string>;
  channel: string;
  /** the product's words, e.g. { what: 'transcoder task', short: 'task', doing: 'running', stop: 'delete', stopped: 'deleted' } */
  words: { what: string; short: string; doing: string; stop: string; stopped: string };
  /** the id of the resource the session holds now */
  held: () => string | undefined;
  /** stops it (delete, leave); the activity answers "already gone" as done */
  stop: (id: string) => Promise<unknown>;
  /** the session no longer holds it: close its record */
  release: (reason: string) => void;
  /** keeps a failed stop in the carried state, and the list of them for StopFailed */
  unstopped: { add: (id: string, error: string) => void; list: () => readonly unknown[] };
  /**
   * Ended (cancelled, failed) while a create's answer may be lost: adopt what it may have made, so it
   * is stopped too; best effort. `phase` is the phase the session ended in.
   */
  adoptLost?: (on: 'cancel' | 'failure', phase: string) => Promise<void>;
  /** when the first resource started */
  startedAt: () => string | undefined;
  /** the lifecycle's result around the common end */
  result: (end: SessionEnd<O>) => R;
  /**
   * A failed stop (any failure, a cancellation too) sets the phase failed at once, so the failure path
   * tries the stop once more. The relay recorded its histories so; the others re-raise a cancellation
   * (the cancellation path stops it again) and leave the failure path the phase `stopping`.
   */
  failedStopFails?: boolean;
}

export class Teardown<O extends string, R> {
  constructor(private readonly o: TeardownOptions<O, R>) {}

  /** The frame's hooks (SessionFrame.run). */
  get hooks(): { onCancel: () => Promise<void>; onFailure: (failure: string) => Promise<void> } {
    return { onCancel: () => this.onCancel(), onFailure: (failure) => this.onFailure(failure) };
  }

  private recordUnstopped(err: unknown): void {
    const id = this.o.held();
    if (!id) return;
    log.error(`could not ${this.o.words.stop} the ${this.o.words.what}`, { id, error: describe(err) });
    this.o.unstopped.add(id, describe(err));
  }

  /** Stops a resource the session is giving up on; a failure is recorded, not raised (cancellation is). */
  quietly(why: string): Promise<void> {
    const id = this.o.held();
    if (!id) return Promise.resolve();
    return stopQuietly(
      () => this.o.stop(id),
      why,
      (err) => this.recordUnstopped(err),
    );
  }

  /** Stop requested (or the session decided to end it): stopped, or StopFailed with what may still run. */
  async stopAndFinish(reason: string, outcome = 'stopped' as O): Promise<R> {
    const { o } = this;
    o.phase.set('stopping', reason);
    const id = o.held();
    if (id) {
      try {
        await o.stop(id);
      } catch (err) {
        // cancelled while stopping: the cancellation path stops it again, in a non-cancellable scope
        if (isCancellation(err) && !o.failedStopFails) throw err;
        this.recordUnstopped(err);
        if (o.failedStopFails) o.phase.set('failed', `${o.words.stop} failed: ${describe(err)}`);
        throw ApplicationFailure.create({
          type: 'StopFailed',
          message: `${o.words.what} ${id} (channel ${o.channel}) may still be ${o.words.doing}: ${describe(err)}`,
          nonRetryable: true,
          details: [{ unstopped: o.unstopped.list() }],
        });
      }
      o.release(reason);
    }
    return this.finish(outcome, reason);
  }

  /**
   * It ended on its own (idle, failed, gone): one stop makes sure (404 = gone) unless it is known not
   * to exist (`held: false`); `told` is the reason the result gives, when it says more.
   */
  async ended(reason: string, outcome: O, opts: { held?: boolean; told?: string } = {}): Promise<R> {
    if (opts.held ?? true) await this.quietly(reason);
    this.o.release(reason);
    return this.finish(outcome, opts.told ?? reason);
  }

  finish(outcome: O, reason: string): R {
    this.o.phase.set(outcome === 'failed' ? 'failed' : 'completed', reason);
    const startedAt = this.o.startedAt();
    return this.o.result({
      workflowId: workflowInfo().workflowId,
      outcome,
      reason,
      startedAt,
      endedAt: new Date().toISOString(),
      lifetimeMs: startedAt ? Date.now() - Date.parse(startedAt) : 0,
      usage: this.o.phase.usage(),
    });
  }

  private async onCancel(): Promise<void> {
    const { o } = this;
    const p = o.phase.current;
    if (p === 'completed' || p === 'failed') return;
    await o.adoptLost?.('cancel', p);
    const id = o.held();
    if (!id) return;
    o.phase.set('stopping', 'workflow cancelled');
    try {
      await o.stop(id);
      o.release('workflow cancelled');
      o.phase.set('completed', `workflow cancelled; ${o.words.short} ${o.words.stopped}`);
    } catch (err) {
      this.recordUnstopped(err);
      o.phase.set('failed', `workflow cancelled; ${o.words.stop} failed: ${describe(err)}`);
    }
  }

  private async onFailure(failure: string): Promise<void> {
    const { o } = this;
    const p = o.phase.current;
    await o.adoptLost?.('failure', p);
    if (o.held() && p !== 'completed' && p !== 'stopping') await this.quietly(`session failed: ${failure}`);
    if (o.phase.current !== 'completed') o.phase.set('failed', failure);
  }
}
