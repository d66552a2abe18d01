/**
 * The frame every lifecycle runs in: stop requests (signal and update), the terminal outcome, and the
 * never-leak run: cancellation runs `onCancel` in a non-cancellable scope, any other failure runs
 * `onFailure` (which stops what is still held) before the workflow fails, continue-as-new passes
 * through, and the result is returned only once every update handler has finished. Its end is told to
 * the application (./events.ts): files.ready (the lifecycle's `files` hook) and session.ended, or
 * session.failed once onFailure stopped what was held.
 */
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { allHandlersFinished, ApplicationFailure, CancellationScope, condition, ContinueAsNew, isCancellation, setHandler } from '@temporalio/workflow';
import { withCleanupOnCancel } from './cancel';
import { registerChange, type ChangeChannel, type ChangeOptions } from './desired';
import { describe } from './failures';
import { emitEvent, eventsStarted } from './events';
import { deliverSignal, deliverUpdate } from './inbox';
import type { PhaseTracker } from './phase';

export interface StopRequest {
  reason?: string;
}

/** The part of a lifecycle's carried state the frame reads and writes. */
export interface Stoppable {
  stopReason?: string;
}

/** What every session's `status` query reports the same way (the lifecycle's status adds its own fields). */
export interface SessionStatusBase<P extends string> {
  phase: P;
  /** why it is in this phase, when that is worth saying */
  reason?: string;
  since: string;
  /** the session ends by this time whatever is asked (maxDurationMs) */
  deadline: string;
  /** a stop was asked (signal or update), even while the session still finishes a vendor call in flight */
  stopRequested: boolean;
  /** how many runs this session has continued across */
  continuedAsNew: number;
}

const sessionEnding = () => ApplicationFailure.create({ type: 'SessionEnding', message: 'the session is stopping or over', nonRetryable: true });

export class SessionFrame<R> {
  result?: R;
  failure?: string;

  constructor(private readonly state: Stoppable) {}

  get terminal(): boolean {
    return this.result !== undefined || this.failure !== undefined;
  }

  get stopRequested(): boolean {
    return this.state.stopReason !== undefined;
  }

  requestStop(reason: string): void {
    this.state.stopReason ??= reason;
  }

  /**
   * A stop was asked, though its effect may still wait for the loop (./inbox.ts). Set by the stop handlers
   * themselves; read only through `stopAsked`, by update validators and the status query, and neither runs a
   * command, so it changes none.
   */
  private asked = false;

  /** The workflow's root scope: considered cancelled from the moment the workflow's cancellation arrives. */
  private readonly root = rootScope();

  /**
   * A stop was asked or the workflow was cancelled, even if the loop has not taken it yet (the status query's
   * `stopRequested`). For update validators and queries only: the loop must never read it, or a stop's effect
   * would depend on when its signal was delivered rather than on when the loop took it (./inbox.ts), and
   * replays would diverge.
   */
  get stopAsked(): boolean {
    return this.asked || this.root.consideredCancelled || this.stopRequested;
  }

  /** The fields of the `status` query every lifecycle reports the same way. */
  statusBase<P extends string>(phase: PhaseTracker<P>, s: { deadline: number; continuedAsNew: number }): SessionStatusBase<P> {
    return {
      phase: phase.current,
      reason: phase.reason,
      since: phase.since,
      deadline: new Date(s.deadline).toISOString(),
      stopRequested: this.stopAsked,
      continuedAsNew: s.continuedAsNew,
    };
  }

  /**
   * Throws once the session takes no more changes: it is over, stopping, a stop was asked, or the workflow
   * was cancelled (its stop on cancel runs). Update validators call it: a change sent then is refused at
   * once, not accepted and failed when the session ends. (An update delivered in the same workflow task as
   * the cancellation is validated before it, so it is accepted and then fails.)
   */
  readonly acceptingChanges = (): void => {
    if (this.stopAsked) throw sessionEnding();
    this.takingChanges();
  };

  /** The same on the session's state alone: a change signal taken at the loop's wait, after what came before it. */
  readonly takingChanges = (): void => {
    if (this.terminal || this.stopRequested) throw sessionEnding();
  };

  /** A fire-and-forget stop signal and a stop update that returns the session's result. */
  registerStop(signal: SignalDefinition<[StopRequest?]>, update: UpdateDefinition<R, [StopRequest]>, description: string): void {
    setHandler(signal, (req) => {
      this.asked = true;
      deliverSignal(() => this.requestStop(req?.reason ?? 'stop requested'));
    });
    setHandler(
      update,
      async (req) => {
        this.asked = true;
        const taken = deliverUpdate(() => this.requestStop(req?.reason ?? 'stop requested'));
        if (taken instanceof Promise) await taken;
        await condition(() => this.terminal);
        if (this.result === undefined) throw ApplicationFailure.create({ type: 'SessionFailed', message: this.failure ?? 'the session failed', nonRetryable: true });
        return this.result;
      },
      { description },
    );
  }

  /** A mid-session change (update + signal) that is accepted only while the session takes changes. */
  registerChange<T, A = T>(opts: Omit<ChangeOptions<T, A>, 'accepting' | 'taking' | 'ended'>): ChangeChannel<T> {
    return registerChange<T, A>({ ...opts, accepting: this.acceptingChanges, taking: this.takingChanges, ended: () => this.terminal });
  }

  /** `files`: the files a result holds, for the application's files.ready event (lifecycles that make files). */
  async run(
    body: () => Promise<R>,
    hooks: { onCancel: () => Promise<void>; onFailure: (failure: string) => Promise<void>; files?: (result: R) => readonly unknown[] | undefined },
  ): Promise<R> {
    try {
      this.result = await withCleanupOnCancel(body, hooks.onCancel);
    } catch (err) {
      if (err instanceof ContinueAsNew) {
        await eventsStarted();
        throw err;
      }
      this.failure = describe(err);
      await hooks.onFailure(this.failure);
      if (isCancellation(err)) emitEvent('session.ended', { outcome: 'cancelled', reason: this.failure });
      else emitEvent('session.failed', { failure: this.failure });
      await eventsStarted();
      throw err;
    }
    const files = hooks.files?.(this.result);
    if (files?.length) emitEvent('files.ready', { files });
    const { outcome, reason } = (this.result ?? {}) as { outcome?: unknown; reason?: unknown };
    emitEvent('session.ended', { ...(typeof outcome === 'string' ? { outcome } : {}), ...(typeof reason === 'string' ? { reason } : {}) });
    await condition(allHandlersFinished);
    await eventsStarted();
    return this.result;
  }
}

/** The workflow's root scope (the workflow function runs in it; the walk up is only a guard). */
function rootScope(): CancellationScope {
  let scope = CancellationScope.current();
  while (scope.parent) scope = scope.parent;
  return scope;
}
