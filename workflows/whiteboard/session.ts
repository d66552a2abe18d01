/**
 * The steps of one whiteboard file conversion (agora.md §12) on the session kernel: create the projector
 * task (an unanswered create is reconciled by listing the tasks, never a second task), set its priority
 * if asked, follow its progress (poll; a poke signal reads it at once) to Finished or Fail, and delete it
 * on a stop request, max duration, cancellation or any failure while it converts. What the projector's
 * answers mean is asked of src/agora/meanings/whiteboard.ts.
 */
import { log } from '@temporalio/workflow';
import type { HeldConversion, WhiteboardActivities } from '../../activities/whiteboard';
import { conversionVerdict, convertedPages, isConversionGone, progressOf } from '../../src/agora/meanings/whiteboard';
import type { WhiteboardConversionParams, WhiteboardConversionResult, WhiteboardOutcome, WhiteboardState } from '../../src/schemas/workflows/whiteboard';
import { conversionKey } from '../../src/workflow-schemas';
import { continueSession } from '../lib/continue-as-new';
import { describe, isTransient, vendorInfo } from '../lib/failures';
import { Alarm, sessionWatch, watch } from '../lib/loop';
import { trackPhase, type PhaseTracker } from '../lib/phase';
import { createWithReconcile } from '../lib/reconcile';
import { activitiesOf } from '../lib/retry';
import { SA, stageSearchAttributes, writeSearchAttributes } from '../lib/search-attributes';
import { SessionFrame } from '../lib/session';
import { Teardown } from '../lib/teardown';
import type { WhiteboardPhase, WhiteboardStatus } from './messages';

const calls = activitiesOf<WhiteboardActivities>('call');
const creates = activitiesOf<WhiteboardActivities>('create');
const cleanups = activitiesOf<WhiteboardActivities>('cleanup');

type Watched = { kind: 'stop'; reason: string } | { kind: 'converted'; reason: string } | { kind: 'failed'; reason: string } | { kind: 'continue' };

const GONE_REASON = 'the conversion task is gone (deleted outside this session)';

export function initialState(input: WhiteboardConversionParams): WhiteboardState {
  return {
    progress: { percentage: 0, pagesConverted: 0 },
    priorityApplied: input.priority === undefined,
    polls: 0,
    unstopped: [],
    deadline: Date.now() + input.maxDurationMs,
    continuedAsNew: 0,
  };
}

const phaseOf = (status: string | undefined): WhiteboardPhase => (conversionVerdict(status) === 'queued' ? 'queued' : 'converting');

export class WhiteboardSession {
  readonly phase: PhaseTracker<WhiteboardPhase>;
  readonly frame: SessionFrame<WhiteboardConversionResult>;
  readonly end: Teardown<WhiteboardOutcome, WhiteboardConversionResult>;
  /** a poke: read the task at once */
  wake = false;
  private readonly deadline = new Alarm();

  constructor(
    readonly input: WhiteboardConversionParams,
    readonly s: WhiteboardState,
  ) {
    const key = input.name ?? conversionKey(input.resource, input.type);
    this.phase = trackPhase<WhiteboardPhase>(s.taskUuid ? phaseOf(s.lastStatus) : 'creating');
    stageSearchAttributes([
      { key: SA.vendor, value: 'agora' },
      { key: SA.product, value: 'whiteboard' },
      { key: SA.channel, value: key },
      ...(s.taskUuid ? [{ key: SA.sid, value: s.taskUuid }] : []),
    ]);
    this.frame = new SessionFrame<WhiteboardConversionResult>(s);
    const ref = (uuid: string) => ({ profile: input.profile, uuid });
    this.end = new Teardown<WhiteboardOutcome, WhiteboardConversionResult>({
      phase: this.phase,
      channel: key,
      words: { what: 'conversion task', short: 'task', doing: 'converting', stop: 'delete', stopped: 'deleted' },
      held: () => s.taskUuid,
      stop: (uuid) => cleanups.deleteWhiteboardConversion(ref(uuid)),
      release: () => {
        s.taskUuid = undefined;
      },
      unstopped: { add: (taskUuid, error) => s.unstopped.push({ taskUuid, error }), list: () => s.unstopped },
      // ended between a create and its answer: the task it may have started, found by the list
      adoptLost: async () => {
        if (s.createdUuid || s.createAttemptAt === undefined) return;
        const found = await this.findCreated().catch((err: unknown) => {
          log.warn('could not look for the task an unanswered create may have started', { error: describe(err) });
          return undefined;
        });
        if (found) this.hold(found);
      },
      startedAt: () => s.startedAt,
      result: (end) => ({
        ...end,
        resource: input.resource,
        type: input.type,
        taskUuid: s.createdUuid,
        ...(s.adopted ? { adopted: true } : {}),
        finalStatus: s.lastStatus,
        progress: s.progress,
        pages: s.pages ?? [],
        ...(s.errorCode ? { errorCode: s.errorCode } : {}),
        ...(s.errorMessage ? { errorMessage: s.errorMessage } : {}),
        unstopped: s.unstopped,
      }),
    });
  }

  status(): WhiteboardStatus {
    const { s, input, phase } = this;
    return {
      ...this.frame.statusBase(phase, s),
      resource: input.resource,
      type: input.type,
      taskUuid: s.taskUuid ?? s.createdUuid,
      ...(s.adopted ? { adopted: true } : {}),
      lastStatus: s.lastStatus,
      lastQueryAt: s.lastQueryAt,
      progress: s.progress,
      priority: input.priority,
      priorityApplied: s.priorityApplied,
      polls: s.polls,
    };
  }

  // ---- the session ----

  async run(): Promise<WhiteboardConversionResult> {
    return this.frame.run(async () => {
      if (!this.s.createdUuid) {
        // cancelled before anything was asked of the vendor: nothing to delete
        if (this.s.stopReason !== undefined) return this.end.finish('cancelled', this.s.stopReason);
        await this.create();
      }
      for (;;) {
        const w = await this.watch();
        if (w.kind === 'continue') return continueSession(this.input, this.s);
        if (w.kind === 'stop') return this.end.stopAndFinish(w.reason, 'cancelled');
        return this.end.ended(w.reason, w.kind, { held: false });
      }
    }, this.end.hooks);
  }

  // ---- creating ----

  private findCreated(): Promise<HeldConversion | undefined> {
    const { input, s } = this;
    return calls.findWhiteboardConversion({ profile: input.profile, resource: input.resource, type: input.type, since: s.createAttemptAt! });
  }

  /** One task: an unanswered create is reconciled by the list before it is tried again. */
  private async create(): Promise<void> {
    const { input, s } = this;
    this.phase.set('creating');
    s.createAttemptAt ??= Date.now();
    const body = {
      profile: input.profile,
      resource: input.resource,
      type: input.type,
      ...(input.preview !== undefined ? { preview: input.preview } : {}),
      ...(input.scale !== undefined ? { scale: input.scale } : {}),
      ...(input.outputFormat !== undefined ? { outputFormat: input.outputFormat } : {}),
      ...(input.webhookEndpoint !== undefined ? { webhookEndpoint: input.webhookEndpoint } : {}),
      ...(input.webhookRetry !== undefined ? { webhookRetry: input.webhookRetry } : {}),
    };
    const held = await createWithReconcile(() => creates.createWhiteboardConversion(body), { what: 'create conversion task', reconcile: () => this.findCreated() });
    this.hold(held);
  }

  private hold(held: HeldConversion): void {
    const { s } = this;
    s.taskUuid = held.uuid;
    s.createdUuid = held.uuid;
    s.adopted = held.adopted || undefined;
    s.startedAt = new Date().toISOString();
    s.lastStatus = held.status;
    if (held.adopted) log.info('adopted the task an unanswered create started', { taskUuid: held.uuid });
    writeSearchAttributes([{ key: SA.sid, value: held.uuid }]);
    this.phase.set(phaseOf(held.status), held.adopted ? 'adopted the task an unanswered create started' : undefined);
  }

  // ---- queued → converting → finished / failed ----

  private watch(): Promise<Watched> {
    const { s, input } = this;
    return watch<Watched>({
      ...sessionWatch(this.frame, this.deadline, s, input),
      work: [() => (!s.priorityApplied ? this.applyPriority().then(() => 'again' as const) : undefined)],
      wake: { isSet: () => this.wake, clear: () => (this.wake = false) },
      poll: () => this.poll(),
    });
  }

  /** The priority is a wish: a refusal is logged and given up, a transient failure waits for the next poll. */
  private async applyPriority(): Promise<void> {
    const { s, input } = this;
    try {
      await calls.setWhiteboardConversionPriority({ profile: input.profile, uuid: s.taskUuid!, priority: input.priority! });
    } catch (err) {
      log.warn('could not set the conversion priority; the conversion goes on', { error: describe(err) });
    }
    s.priorityApplied = true;
  }

  private async poll(): Promise<Watched | undefined> {
    const { s, input } = this;
    try {
      const t = await calls.getWhiteboardConversion({ profile: input.profile, uuid: s.taskUuid! });
      s.polls++;
      s.lastStatus = t.status;
      s.lastQueryAt = new Date().toISOString();
      s.progress = progressOf(t);
      const v = conversionVerdict(t.status);
      if (v === 'finished') {
        s.pages = convertedPages(t);
        return { kind: 'converted', reason: `converted: ${s.pages.length} page${s.pages.length === 1 ? '' : 's'}` };
      }
      if (v === 'failed') {
        s.errorCode = t.errorCode || undefined;
        s.errorMessage = t.errorMessage || undefined;
        return { kind: 'failed', reason: `the projector failed the conversion${t.errorCode ? ` (${t.errorCode})` : ''}${t.errorMessage ? `: ${t.errorMessage}` : ''}` };
      }
      const p = s.progress;
      this.phase.set(
        phaseOf(t.status),
        v === 'queued' ? 'waiting in the projector queue' : `${p.percentage}%${p.pageCount !== undefined ? ` (${p.pagesConverted}/${p.pageCount} pages)` : ''}`,
      );
      return undefined;
    } catch (err) {
      if (isConversionGone(vendorInfo(err))) return { kind: 'failed', reason: GONE_REASON };
      if (isTransient(err)) {
        log.warn('reading the conversion failed; it goes on', { error: describe(err) });
        return undefined;
      }
      // the vendor refuses to let us watch it: cancel it rather than let it run unseen
      return { kind: 'stop', reason: `reading the conversion failed: ${describe(err)}` };
    }
  }
}
