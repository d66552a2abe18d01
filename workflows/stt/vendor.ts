/**
 * One interface over Real-Time STT 7.x (agents: join → query → update → leave) and 6.x (builderToken
 * → start → query → update → stop, all with the same token). The session (./session.ts) drives either.
 */
import { ApplicationFailure, log, patched, workflowInfo } from '@temporalio/workflow';
import { Alarm } from '../lib/loop';
import { localReads } from '../lib/search-attributes';
import type { SttActivities, SttStarted, SttStartInput } from '../../activities/stt';
import { agentName, agentVerdict, BUILDER_TOKEN_WINDOW_MS, instanceIdFor, mayBeLapsedBuilderToken, taskVerdict, type SttVerdict } from '../../src/agora/meanings/stt';
import type { SttConfig, SttParams, SttState } from '../../src/schemas/workflows/stt';
import { vendorInfo } from '../lib/failures';
import type { PhaseTracker } from '../lib/phase';
import { createWithReconcile } from '../lib/reconcile';
import { activitiesOf } from '../lib/retry';
import type { SttPhase } from './messages';

const calls = activitiesOf<SttActivities>('call');
const creates = activitiesOf<SttActivities>('create');
const cleanups = activitiesOf<SttActivities>('cleanup');
/** the steady-state poll's read: a local activity (../lib/retry.ts) */
const reads = activitiesOf<SttActivities>('read');

/** A running agent/task the session now holds. */
export type Held = SttStarted & { id: string };

export interface SttVendor {
  /** starts one agent/task with the desired configuration; reconciles an ambiguous outcome */
  start(): Promise<Held>;
  query(id: string): Promise<string | undefined>;
  /** `confirming`: the agent/task was just started */
  verdict(status: string | undefined, confirming?: boolean): SttVerdict;
  update(id: string, config: SttConfig, sequenceId: number): Promise<void>;
  /** leave (7.x) / stop (6.x); a 404 counts as gone */
  stop(id: string): Promise<string>;
  /** after the session gave up on this agent/task: what a new one needs anew */
  forget(): void;
  /** a cancelled start: the agent/task it may have started, if it can be told (7.x: a sole new agent) */
  findStarted(): Promise<string | undefined>;
}

export function sttVendor(input: SttParams, s: SttState, phase: PhaseTracker<SttPhase>): SttVendor {
  const startInput = (): SttStartInput => ({
    profile: input.profile,
    channel: input.channel,
    subBotUid: s.subBotUid,
    pubBotUid: s.pubBotUid,
    config: s.config.value!,
    captions: input.captions,
    maxIdleTime: input.maxIdleTime,
    tokenTtlSeconds: input.tokenTtlSeconds,
  });
  return input.version === '7' ? agents(input, s, phase, startInput) : tasks(input, s, phase, startInput);
}

function agents(input: SttParams, s: SttState, phase: PhaseTracker<SttPhase>, startInput: () => SttStartInput): SttVendor {
  const profile = input.profile;
  const unidentified = (candidates: string[]) =>
    // never adopt (and later leave) an agent that may be another session's: say which one is ours
    ApplicationFailure.create({
      type: 'AgentUnidentified',
      message: `an agent named ${s.agentName} may run on ${input.channel} but ${candidates.length} live agents could be it: check by hand (Agora ends it at maxIdleTime or after 72 h)`,
      nonRetryable: true,
      details: [{ name: s.agentName, candidates }],
    });
  /** The one live agent on the channel this session does not know yet (Agora's list has no names). */
  const soleNewAgent = async (since: number): Promise<string | undefined> => {
    const known = new Set(s.agents.map((a) => a.id));
    const candidates = (await calls.findSttAgents({ profile, channel: input.channel, since })).filter((id) => !known.has(id));
    if (candidates.length > 1) throw unidentified(candidates);
    if (candidates.length === 1) log.info('adopted the agent an ambiguous join started', { name: s.agentName, agentId: candidates[0] });
    return candidates[0];
  };
  return {
    async start() {
      phase.set('starting');
      s.agentName = agentName(input.channel, workflowInfo().workflowId, s.generation);
      const since = Math.floor(Date.now() / 1000) - 300;
      const find = () => soleNewAgent(since);
      // an ambiguous join is reconciled by listing the channel's live agents before any new join (Agora's
      // 409 for a repeated name is not documented); runs started before this read asked by joining again
      const reconcile =
        localReads() || patched('stt-join-reconcile-by-list')
          ? async () => {
              const id = await find();
              return id ? { alreadyRunning: true, id } : undefined;
            }
          : undefined;
      const r = await createWithReconcile(() => creates.joinSttAgent({ ...startInput(), name: s.agentName! }), { what: 'join', reconcile });
      if (r.id) return { ...r, id: r.id };
      // 409: an agent with our name runs
      const id = await find();
      if (id) return { ...r, id };
      throw unidentified([]);
    },
    async findStarted() {
      return s.agentName ? soleNewAgent(Math.floor(Date.now() / 1000) - 900).catch(() => undefined) : undefined;
    },
    query: async (id) => (await reads.querySttAgent({ profile, id })).status,
    verdict: agentVerdict,
    update: (id, config, sequenceId) => calls.updateSttAgent({ profile, id, config, sequenceId }),
    stop: async (id) => (await cleanups.leaveSttAgent({ profile, id })).outcome,
    forget() {
      s.agentName = undefined;
    },
  };
}

function tasks(input: SttParams, s: SttState, phase: PhaseTracker<SttPhase>, startInput: () => SttStartInput): SttVendor {
  const profile = input.profile;
  const token = () => s.builderToken!;
  const tokenLapsing = new Alarm();
  const acquire = async () => {
    phase.set('acquiring');
    s.builderToken = (await calls.acquireSttBuilderToken({ profile, instanceId: instanceIdFor(input.channel) })).builderToken;
    s.builderTokenAt = Date.now();
    // armed now, so the check before a start knows a lapsed token from the timer (./lib/loop.ts Alarm)
    tokenLapsing.set(s.builderTokenAt + BUILDER_TOKEN_WINDOW_MS - 30_000);
  };
  return {
    async start() {
      let attempts = 0;
      try {
        for (let renewed = false; ; renewed = true) {
          // a token starts its task within 5 minutes; acquiring is cheap, a lapsed token is never tried
          if (!s.builderToken || tokenLapsing.due((s.builderTokenAt ?? 0) + BUILDER_TOKEN_WINDOW_MS - 30_000)) await acquire();
          phase.set('starting');
          try {
            // an ambiguous start is repeated with the same builderToken: 201 then says it happened
            const r = await createWithReconcile(
              () => {
                attempts++;
                return creates.startSttTask({ ...startInput(), builderToken: token() });
              },
              { what: 'start' },
            );
            if (r.id) return { ...r, id: r.id };
            throw ApplicationFailure.create({
              type: 'TaskUnreachable',
              message: `a task runs for builderToken ${token()} but Agora gave no taskId (it stops at maxIdleTime)`,
              nonRetryable: true,
            });
          } catch (err) {
            // after an ambiguous attempt a task may run on this token: a new token could start a second one
            if (renewed || attempts > 1 || !mayBeLapsedBuilderToken(vendorInfo(err))) throw err;
            log.warn('start refused; trying once more with a new builderToken', { code: vendorInfo(err)?.code });
            s.builderToken = undefined;
          }
        }
      } finally {
        // the token is only ever checked before a start: its timer need not outlive it
        tokenLapsing.clear();
      }
    },
    query: async (id) => (await reads.querySttTask({ profile, id, builderToken: token() })).status,
    verdict: taskVerdict,
    update: (id, config, sequenceId) => calls.updateSttTask({ profile, id, builderToken: token(), config, sequenceId }),
    stop: async (id) => (await cleanups.stopSttTask({ profile, id, builderToken: token() })).outcome,
    forget() {
      // one builderToken per task
      s.builderToken = undefined;
      s.builderTokenAt = undefined;
    },
    // 6.x has no list: a task started with an unanswered start cannot be found (it ends at maxIdleTime)
    findStarted: async () => undefined,
  };
}
