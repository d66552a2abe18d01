/**
 * The transcoder's calls on Agora Cloud Transcoder, through the kernel's retry table: acquire and
 * create back to back (an unanswered create is reconciled by reading the task of its builderToken before
 * the same token is tried again: never a second task), query, update, delete.
 */
import { ApplicationFailure, isCancellation, log } from '@temporalio/workflow';
import type { TranscoderActivities, TranscoderBodyInput, TranscoderHeld } from '../../activities/transcoder';
import { needsNewBuilderToken, TRANSCODER_UID_MIN, TRANSCODER_UID_SPAN } from '../../src/agora/meanings/transcoder';
import type { TranscoderLayout, TranscoderParams, TranscoderState } from '../../src/schemas/workflows/transcoder';
import { describe, vendorInfo } from '../lib/failures';
import type { PhaseTracker } from '../lib/phase';
import { createWithReconcile } from '../lib/reconcile';
import { activitiesOf } from '../lib/retry';
import type { TranscoderPhase } from './messages';

const calls = activitiesOf<TranscoderActivities>('call');
const creates = activitiesOf<TranscoderActivities>('create');
const cleanups = activitiesOf<TranscoderActivities>('cleanup');
/** the steady-state poll's read: a local activity (../lib/retry.ts) */
const reads = activitiesOf<TranscoderActivities>('read');

/** New output uids, one per output, none equal to `avoid` (the ones a possibly lingering task holds). */
export function newOutputUids(count: number, avoid: readonly number[] = []): number[] {
  const uids: number[] = [];
  while (uids.length < count) {
    const uid = TRANSCODER_UID_MIN + Math.floor(Math.random() * TRANSCODER_UID_SPAN);
    if (!uids.includes(uid) && !avoid.includes(uid)) uids.push(uid);
  }
  return uids;
}

export interface TranscoderVendor {
  /** acquires a builderToken and creates the task with `layout`; renews token and uids past the backoff */
  create(layout: TranscoderLayout): Promise<TranscoderHeld>;
  /** the task the current builderToken started, if any (a cancelled or unanswered create) */
  findStarted(): Promise<TranscoderHeld | undefined>;
  query(taskId: string): Promise<string | undefined>;
  update(taskId: string, layout: TranscoderLayout, sequenceId: number): Promise<void>;
  /** 2xx or 404 = done */
  remove(taskId: string): Promise<string>;
}

export function transcoderVendor(input: TranscoderParams, s: TranscoderState, phase: PhaseTracker<TranscoderPhase>): TranscoderVendor {
  const { profile } = input;
  const body = (layout: TranscoderLayout): TranscoderBodyInput => ({
    profile,
    channel: input.channel,
    layout,
    outputUids: s.outputUids,
    idleTimeout: input.idleTimeout,
    tokenTtlSeconds: input.tokenTtlSeconds,
  });
  const find = (builderToken: string) => calls.findTranscoderTask({ profile, builderToken });
  const ref = (taskId: string) => ({ profile, builderToken: s.builderToken!, taskId });

  const withToken = async (layout: TranscoderLayout): Promise<TranscoderHeld> => {
    phase.set('acquiring');
    // acquire and create are adjacent (no timer between them): create within 2 s, never with a lapsed token
    s.builderToken = (await calls.acquireTranscoderToken({ profile, instanceId: s.instanceId })).builderToken;
    s.builderTokenAt = Date.now();
    phase.set('creating');
    const builderToken = s.builderToken;
    // an unanswered create may have started the task: the token's task is read before the same token is
    // tried again (which then answers 409 if it did), never a new token while it may have started one
    return createWithReconcile(() => creates.createTranscoderTask({ ...body(layout), builderToken }), { what: 'create transcoder task', reconcile: () => find(builderToken) });
  };

  return {
    async create(layout) {
      for (let round = 1; ; round++) {
        try {
          return await withToken(layout);
        } catch (err) {
          if (isCancellation(err) || !needsNewBuilderToken(vendorInfo(err)) || round >= input.maxStartAttempts) throw err;
          // 206/50x outlasted the backoff: a new uid and a new builderToken (agora.md §8), once this token
          // is known to have started nothing (a 50x may still have created it)
          const found = await find(s.builderToken!);
          if (found) return found;
          log.warn('create kept failing; acquiring a new builderToken with new output uids', { round, error: describe(err) });
          s.outputUids = newOutputUids(s.outputUids.length, s.outputUids);
          s.renewals++;
        }
      }
    },
    findStarted: async () => (s.builderToken ? find(s.builderToken) : undefined),
    query: async (taskId) => (await reads.queryTranscoderTask(ref(taskId))).status,
    update: async (taskId, layout, sequenceId) => {
      await calls.updateTranscoderTask({ ...ref(taskId), ...body(layout), sequenceId });
    },
    remove: async (taskId) => (await cleanups.deleteTranscoderTask(ref(taskId))).outcome,
  };
}

/** The session cannot go on without a task it could create. */
export function noTask(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'TranscoderNotStarted', message, nonRetryable: true });
}
