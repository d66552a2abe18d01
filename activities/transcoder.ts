/**
 * Agora Cloud Transcoder activities: one vendor call each (agora.md §8). The input (uid 0) and output
 * RTC tokens are minted here from the profile, so none of them reaches workflow history.
 */
import { RtcRole, RtcTokenBuilder } from 'agora-token';
import * as tc from '../src/agora/transcoder';
import type { CreateTaskRequest, TranscoderConfig } from '../src/schemas/agora/transcoder';
import { SERVICE_TYPE } from '../src/schemas/agora/transcoder';
import { vendorConfigOf, type TranscoderLayout } from '../src/schemas/workflows/transcoder';
import { agoraContext, resolveAgoraProfile, type ActivityDeps } from './deps';
import { vendorCall } from './errors';

/** What the create and every update send: the whole body (agora.md §8: an update repeats the create body). */
export interface TranscoderBodyInput {
  profile: string;
  channel: string;
  layout: TranscoderLayout;
  outputUids: number[];
  idleTimeout?: number;
  tokenTtlSeconds: number;
}

export interface TranscoderTaskRef {
  profile: string;
  builderToken: string;
  taskId: string;
}

export interface TranscoderHeld {
  taskId: string;
  status?: string;
  /** found by its builderToken (409 / an unanswered create) rather than answered by this create */
  adopted: boolean;
}

/** Input tokens are built for uid 0 (the transcoder's input uid is Agora's to pick); output tokens for its output uid. */
function withTokens(deps: ActivityDeps, input: TranscoderBodyInput): CreateTaskRequest {
  const p = resolveAgoraProfile(deps.config, input.profile);
  const ttl = Math.max(60, Math.min(input.tokenTtlSeconds, 24 * 3600));
  const token = (channel: string, uid: number, publisher: boolean) =>
    p.appCertificate ? RtcTokenBuilder.buildTokenWithUid(p.appId, p.appCertificate, channel, uid, publisher ? RtcRole.PUBLISHER : RtcRole.SUBSCRIBER, ttl, ttl) : undefined;
  const t: TranscoderConfig = vendorConfigOf(input.layout, input);
  const inputRtc = <R extends { rtc: { rtcChannel: string; rtcUid: number } }>(x: R): R => {
    const rtcToken = token(x.rtc.rtcChannel, 0, false);
    return { ...x, rtc: { ...x.rtc, ...(rtcToken ? { rtcToken } : {}) } };
  };
  const transcoder: TranscoderConfig = {
    ...t,
    audioInputs: t.audioInputs?.map(inputRtc),
    ...(t.videoInputs ? { videoInputs: t.videoInputs.map(inputRtc) } : {}),
    outputs: t.outputs.map((o) => {
      const rtcToken = token(o.rtc.rtcChannel, o.rtc.rtcUid, true);
      return { ...o, rtc: { ...o.rtc, ...(rtcToken ? { rtcToken } : {}) } };
    }),
  };
  return { services: { cloudTranscoder: { serviceType: SERVICE_TYPE, config: { transcoder } } } };
}

export function createTranscoderActivities(deps: ActivityDeps) {
  const ctx = (profile: string) => agoraContext(deps, profile);
  const ref = (r: TranscoderTaskRef) => ({ builderToken: r.builderToken, taskId: r.taskId });
  return {
    async acquireTranscoderToken(input: { profile: string; instanceId: string }): Promise<{ builderToken: string }> {
      return vendorCall(async () => ({ builderToken: (await tc.acquireBuilderToken(ctx(input.profile), { instanceId: input.instanceId })).tokenName }));
    },
    /**
     * Creates the task of `builderToken`. A 409 (this token's task already started) or a 202 without a
     * taskId is answered by reading the task of the token: the one task, adopted.
     */
    async createTranscoderTask(input: TranscoderBodyInput & { builderToken: string }): Promise<TranscoderHeld> {
      return vendorCall(async () => {
        const r = await tc.createTask(ctx(input.profile), { builderToken: input.builderToken, request: withTokens(deps, input) });
        if (r.taskId && !r.alreadyStarted) return { taskId: r.taskId, status: r.status, adopted: false };
        const found = await tc.findTaskByBuilderToken(ctx(input.profile), input.builderToken);
        if (!found?.taskId) throw new Error(`create answered ${r.alreadyStarted ? '409' : '202'} but no task of this builderToken can be read`);
        return { taskId: found.taskId, status: found.status, adopted: r.alreadyStarted };
      });
    },
    /** The task this builderToken started (the reconcile read), or undefined: it started none. */
    async findTranscoderTask(input: { profile: string; builderToken: string }): Promise<TranscoderHeld | undefined> {
      return vendorCall(async () => {
        const found = await tc.findTaskByBuilderToken(ctx(input.profile), input.builderToken);
        return found?.taskId ? { taskId: found.taskId, status: found.status, adopted: true } : undefined;
      });
    },
    async queryTranscoderTask(input: TranscoderTaskRef): Promise<{ status?: string }> {
      return vendorCall(async () => ({ status: (await tc.queryTask(ctx(input.profile), ref(input))).status }));
    },
    /** The whole body with `sequenceId` (a retry repeats the same sequenceId: harmless). */
    async updateTranscoderTask(input: TranscoderTaskRef & TranscoderBodyInput & { sequenceId: number }): Promise<{ status?: string }> {
      return vendorCall(async () => ({
        status: (await tc.updateTask(ctx(input.profile), ref(input), { sequenceId: input.sequenceId, request: withTokens(deps, input) })).status,
      }));
    },
    /** 2xx or 404 = done. */
    async deleteTranscoderTask(input: TranscoderTaskRef): Promise<{ outcome: string; status?: string }> {
      return vendorCall(async () => {
        const r = await tc.deleteTask(ctx(input.profile), ref(input));
        return { outcome: r.outcome, status: r.status };
      });
    },
  };
}

export type TranscoderActivities = ReturnType<typeof createTranscoderActivities>;
