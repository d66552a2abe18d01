/**
 * Agora Real-Time STT activities (6.x and 7.x): one vendor call each. The bots' RTC tokens and the
 * caption storage keys are built here from profile names, so none of them reaches workflow history.
 */
import { buildBotToken } from '../src/agora/token';
import * as stt from '../src/agora/stt';
import type { StorageProfile } from '../src/config';
import type { RtcConfig, SttUpdateBody, SttUpdatePath } from '../src/schemas/agora/stt';
import type { CaptionDestination, SttConfig } from '../src/schemas/workflows/stt';
import { agoraContext, resolveAgoraProfile, resolveStorage, type ActivityDeps } from './deps';
import { vendorCall } from './errors';

/** What a start (6.x) or join (7.x) needs besides credentials. */
export interface SttStartInput {
  profile: string;
  channel: string;
  subBotUid: string;
  pubBotUid: string;
  config: SttConfig;
  captions?: { storageProfile: string; sliceDuration?: number };
  maxIdleTime?: number;
  tokenTtlSeconds: number;
}

export interface SttStarted {
  /** absent when the vendor answered "already running" without it (6.x 201, 7.x 409) */
  id?: string;
  alreadyRunning: boolean;
  status?: string;
  /** where caption files go (bucket and prefix, never keys) */
  captions?: CaptionDestination;
}

export interface SttUpdateInput {
  profile: string;
  id: string;
  builderToken?: string;
  sequenceId: number;
  config: SttConfig;
}

/** The start body shared by both versions: bot tokens and caption storage resolved here. */
async function startBody(deps: ActivityDeps, input: SttStartInput) {
  const profile = resolveAgoraProfile(deps.config, input.profile);
  const bot = (uid: string, role: 'subscriber' | 'publisher') =>
    buildBotToken({ appId: profile.appId, appCertificate: profile.appCertificate, channel: input.channel, uid: Number(uid), ttlSeconds: input.tokenTtlSeconds, role });
  const rtcConfig: RtcConfig = {
    channelName: input.channel,
    subBotUid: input.subBotUid,
    subBotToken: bot(input.subBotUid, 'subscriber') || undefined,
    pubBotUid: input.pubBotUid,
    pubBotToken: bot(input.pubBotUid, 'publisher') || undefined,
    subscribeAudioUids: input.config.subscribeAudioUids,
  };
  const storage = input.captions ? await resolveStorage(deps, input.captions.storageProfile) : undefined;
  return {
    body: {
      languages: input.config.languages,
      rtcConfig,
      ...(input.maxIdleTime !== undefined ? { maxIdleTime: input.maxIdleTime } : {}),
      ...(storage ? { captionConfig: { ...(input.captions?.sliceDuration ? { sliceDuration: input.captions.sliceDuration } : {}), storage: captionStorage(storage) } } : {}),
      ...(input.config.translation.length ? { translateConfig: { enable: true, languages: input.config.translation } } : {}),
    },
    captions: storage ? destination(storage) : undefined,
  };
}

function captionStorage(p: StorageProfile) {
  return {
    accessKey: p.accessKey,
    secretKey: p.secretKey,
    bucket: p.bucket,
    vendor: p.vendor,
    region: p.region,
    ...(p.fileNamePrefix ? { fileNamePrefix: p.fileNamePrefix } : {}),
  };
}

function destination(p: StorageProfile): CaptionDestination {
  return { vendor: p.vendor, region: p.region, bucket: p.bucket, ...(p.fileNamePrefix ? { fileNamePrefix: p.fileNamePrefix } : {}) };
}

/** The whole desired configuration as an update: every updatable path, so the vendor has it all. */
function updateOf(config: SttConfig): { updateMask: SttUpdatePath[]; body: SttUpdateBody } {
  const translate = config.translation.length ? { enable: true, languages: config.translation } : { enable: false };
  return {
    updateMask: ['languages', 'rtcConfig.subscribeAudioUids', 'translateConfig.enable', ...(config.translation.length ? (['translateConfig.languages'] as const) : [])],
    body: { languages: config.languages, rtcConfig: { subscribeAudioUids: config.subscribeAudioUids }, translateConfig: translate },
  };
}

export function createSttActivities(deps: ActivityDeps) {
  const ctx = (profile: string) => agoraContext(deps, profile);
  return {
    // ---- 7.x ----
    async joinSttAgent(input: SttStartInput & { name: string }): Promise<SttStarted> {
      return vendorCall(async () => {
        const { body, captions } = await startBody(deps, input);
        const r = await stt.joinAgent(ctx(input.profile), { ...body, name: input.name });
        return { id: r.agentId, alreadyRunning: r.alreadyRunning, status: r.status, captions };
      });
    },
    /**
     * The live agents (idle, starting, running or recovering) on the channel that joined since `since` (Unix s): the
     * reconcile read of a join. Agora's list has no names, so the workflow adopts only a sole candidate.
     */
    async findSttAgents(input: { profile: string; channel: string; since: number }): Promise<string[]> {
      return vendorCall(async () => {
        const ids: string[] = [];
        for (const state of ['IDLE', 'STARTING', 'RUNNING', 'RECOVERING'] as const) {
          const { agents } = await stt.listAgents(ctx(input.profile), { channel: input.channel, fromTime: input.since, state, limit: 100 });
          ids.push(...agents.map((a) => a.agent_id));
        }
        return [...new Set(ids)];
      });
    },
    async querySttAgent(input: { profile: string; id: string }): Promise<{ status?: string }> {
      return vendorCall(async () => ({ status: (await stt.queryAgent(ctx(input.profile), input.id)).status }));
    },
    async updateSttAgent(input: SttUpdateInput): Promise<void> {
      await vendorCall(() => stt.updateAgent(ctx(input.profile), input.id, { sequenceId: input.sequenceId, ...updateOf(input.config) }));
    },
    async leaveSttAgent(input: { profile: string; id: string }): Promise<{ outcome: string }> {
      return vendorCall(async () => ({ outcome: (await stt.leaveAgent(ctx(input.profile), input.id)).outcome }));
    },

    // ---- 6.x ----
    async acquireSttBuilderToken(input: { profile: string; instanceId: string }): Promise<{ builderToken: string }> {
      return vendorCall(async () => ({ builderToken: (await stt.acquireBuilderToken(ctx(input.profile), { instanceId: input.instanceId })).tokenName }));
    },
    async startSttTask(input: SttStartInput & { builderToken: string }): Promise<SttStarted> {
      return vendorCall(async () => {
        const { body, captions } = await startBody(deps, input);
        const r = await stt.startTask(ctx(input.profile), { builderToken: input.builderToken, request: body });
        return { id: r.taskId, alreadyRunning: r.alreadyStarted, status: r.status, captions };
      });
    },
    async querySttTask(input: { profile: string; id: string; builderToken: string }): Promise<{ status?: string }> {
      return vendorCall(async () => ({ status: (await stt.queryTask(ctx(input.profile), { builderToken: input.builderToken, taskId: input.id })).status }));
    },
    async updateSttTask(input: SttUpdateInput & { builderToken: string }): Promise<void> {
      await vendorCall(() =>
        stt.updateTask(ctx(input.profile), { builderToken: input.builderToken, taskId: input.id }, { sequenceId: input.sequenceId, ...updateOf(input.config) }),
      );
    },
    async stopSttTask(input: { profile: string; id: string; builderToken: string }): Promise<{ outcome: string }> {
      return vendorCall(async () => ({ outcome: (await stt.stopTask(ctx(input.profile), { builderToken: input.builderToken, taskId: input.id })).outcome }));
    },
  };
}

export type SttActivities = ReturnType<typeof createSttActivities>;
