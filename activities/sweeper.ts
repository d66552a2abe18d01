/**
 * The sweeper's activities (workflows/sweeper): list what each vendor runs for a profile, compare it with
 * what running sessions hold (the RtcSid search attribute every lifecycle sets), stop an orphan after
 * checking once more that no session took it, and list sessions running past their deadline.
 * Visibility needs the worker's Temporal client (ActivityDeps.temporal).
 */
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import * as gateway from '../src/agora/media-gateway';
import * as pull from '../src/agora/media-pull';
import * as push from '../src/agora/media-push';
import * as stt from '../src/agora/stt';
import { AGORA_REGIONS } from '../src/schemas/agora/media-gateway';
import type { Orphan, OverdueSession, SweptProduct } from '../src/schemas/workflows/sweeper';
import { agoraContext, type ActivityDeps } from './deps';
import { vendorCall } from './errors';

const SID = 'RtcSid';
const MAX_AGENT_PAGES = 100;

export interface FindOrphansInput {
  profile: string;
  product: SweptProduct;
  channels?: string[];
}

/** The vendor resources a running session holds: every running workflow's RtcSid. */
async function ownedIds(temporal: Client): Promise<Set<string>> {
  const owned = new Set<string>();
  for await (const wf of temporal.workflow.list({ query: 'ExecutionStatus = "Running"' })) {
    const sid = wf.searchAttributes?.[SID];
    for (const v of Array.isArray(sid) ? sid : []) owned.add(String(v));
  }
  return owned;
}

function needTemporal(deps: ActivityDeps): Client {
  if (!deps.temporal)
    throw ApplicationFailure.create({ type: 'ConfigurationError', message: 'the sweeper needs the worker Temporal client (ActivityDeps.temporal)', nonRetryable: true });
  return deps.temporal;
}

const ageOf = (createdSeconds: number | undefined, nowMs: number): number | undefined =>
  createdSeconds === undefined || createdSeconds <= 0 ? undefined : Math.max(0, Math.round(nowMs / 1000 - (createdSeconds > 1e12 ? createdSeconds / 1000 : createdSeconds)));

/** Every live resource of one product for one profile (optionally in some channels only). */
async function listResources(deps: ActivityDeps, input: FindOrphansInput): Promise<Orphan[]> {
  const ctx = agoraContext(deps, input.profile);
  const now = Date.now();
  const inChannels = (ch: string | undefined) => !input.channels || (ch !== undefined && input.channels.includes(ch));
  const base = { profile: input.profile, product: input.product };
  switch (input.product) {
    case 'media-push': {
      const scopes = input.channels ?? [undefined];
      const members = (await Promise.all(scopes.map((channel) => push.listAllConverters(ctx, { channel })))).flat();
      return members
        .filter((m) => inChannels(m.rtcChannel))
        .map((m) => ({ ...base, id: m.converterId, name: m.converterName, channel: m.rtcChannel, state: m.state ?? m.status, ageSeconds: ageOf(m.create, now) }));
    }
    case 'media-pull': {
      const scopes = input.channels ?? [undefined];
      const players = (await Promise.all(scopes.map((channel) => pull.listAllPlayers(ctx, { channel })))).flat();
      return players
        .filter((p) => inChannels(p.channelName))
        .map((p) => ({ ...base, id: p.id, name: p.name, channel: p.channelName, state: p.status, ageSeconds: ageOf(p.createTs, now) }));
    }
    case 'stt': {
      const found: Orphan[] = [];
      for (const channel of input.channels ?? [undefined]) {
        let cursor: string | undefined;
        for (let page = 0; page < MAX_AGENT_PAGES; page++) {
          const res = await stt.listAgents(ctx, { ...(channel !== undefined ? { channel } : {}), state: 'RUNNING', limit: 100, ...(cursor ? { cursor } : {}) });
          found.push(...res.agents.map((a) => ({ ...base, id: a.agent_id, channel, state: a.status, ageSeconds: ageOf(a.start_ts, now) })));
          if (!res.nextCursor) break;
          cursor = res.nextCursor;
        }
      }
      return found;
    }
    case 'media-gateway': {
      const streams = (await Promise.all(AGORA_REGIONS.map((region) => gateway.listOnlineStreams(ctx, { region })))).flat();
      return streams
        .filter((s) => inChannels(s.channel))
        .map((s) => ({ ...base, id: s.sid, channel: s.channel, state: s.status, ageSeconds: ageOf(s.beginAt === undefined ? undefined : Number(s.beginAt), now) }));
    }
  }
}

export function createSweeperActivities(deps: ActivityDeps) {
  return {
    /** The live resources of one product and profile that no running session holds. */
    async sweepFindOrphans(input: FindOrphansInput): Promise<Orphan[]> {
      const temporal = needTemporal(deps);
      return vendorCall(async () => {
        const resources = await listResources(deps, input);
        if (resources.length === 0) return [];
        const owned = await ownedIds(temporal);
        return resources.filter((r) => !owned.has(r.id));
      });
    },

    /**
     * Stops one orphan the sweeper may stop (Media Push converter, STT 7.x agent), unless a session has
     * started holding it since it was listed. A converter is deleted in the region that answers for it.
     */
    async sweepStopOrphan(orphan: Orphan): Promise<{ outcome: 'stopped' | 'already_gone' | 'owned' }> {
      const temporal = needTemporal(deps);
      if ((await ownedIds(temporal)).has(orphan.id)) return { outcome: 'owned' };
      const ctx = agoraContext(deps, orphan.profile);
      return vendorCall(async () => {
        if (orphan.product === 'media-push') {
          for (const region of AGORA_REGIONS) {
            if ((await push.getConverter(ctx, { region, converterId: orphan.id })) === null) continue;
            const r = await push.deleteConverter(ctx, { region, converterId: orphan.id });
            return { outcome: r.outcome === 'deleted' ? 'stopped' : 'already_gone' };
          }
          return { outcome: 'already_gone' };
        }
        if (orphan.product === 'stt') {
          const r = await stt.leaveAgent(ctx, orphan.id);
          return { outcome: r.outcome === 'already_left' ? 'already_gone' : 'stopped' };
        }
        throw ApplicationFailure.create({ type: 'InvalidInput', message: `the sweeper does not stop ${orphan.product} resources`, nonRetryable: true });
      });
    },

    /** Running rtcflow sessions (RtcProduct set) started before the deadline. */
    async sweepFindOverdueSessions(input: { startedBefore: string }): Promise<OverdueSession[]> {
      const temporal = needTemporal(deps);
      const out: OverdueSession[] = [];
      const first = (v: unknown) => (Array.isArray(v) && v.length ? String(v[0]) : undefined);
      for await (const wf of temporal.workflow.list({ query: `ExecutionStatus = "Running" AND StartTime < "${new Date(input.startedBefore).toISOString()}"` })) {
        const sa = wf.searchAttributes ?? {};
        const product = first(sa.RtcProduct);
        if (!product) continue;
        out.push({
          workflowId: wf.workflowId,
          runId: wf.runId,
          type: wf.type,
          startTime: wf.startTime.toISOString(),
          product,
          channel: first(sa.RtcChannel),
          phase: first(sa.RtcPhase),
        });
      }
      return out;
    },
  };
}

export type SweeperActivities = ReturnType<typeof createSweeperActivities>;
