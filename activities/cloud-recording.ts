/**
 * Agora Cloud Recording activities: one vendor call each. Credentials, the recorder's RTC token and the
 * storage keys are resolved here from profile names, so none of them reaches workflow history.
 */
import * as agora from '../src/agora/cloud-recording';
import { buildBotToken } from '../src/agora/token';
import type { AcquireClientRequest, RecordingMode, StartClientRequest } from '../src/schemas/agora/cloud-recording';
import { agoraContext, resolveAgoraProfile, resolveStorageProfile, type ActivityDeps } from './deps';
import { vendorCall } from './errors';

export interface AcquireRecordingInput {
  profile: string;
  cname: string;
  uid: string;
  clientRequest?: AcquireClientRequest;
}

export interface StartRecordingInput {
  profile: string;
  storageProfile: string;
  resourceId: string;
  mode: RecordingMode;
  cname: string;
  uid: string;
  clientRequest: StartClientRequest;
  tokenTtlSeconds: number;
}

export interface RecordingRef {
  profile: string;
  resourceId: string;
  sid: string;
  mode: RecordingMode;
}

export interface StopRecordingInput extends RecordingRef {
  cname: string;
  uid: string;
}

export function createCloudRecordingActivities(deps: ActivityDeps) {
  return {
    async acquireRecordingResource(input: AcquireRecordingInput): Promise<{ resourceId: string }> {
      return vendorCall(async () => {
        const { resourceId } = await agora.acquire(agoraContext(deps, input.profile), input);
        return { resourceId };
      });
    },

    async startRecording(input: StartRecordingInput): Promise<{ sid?: string; alreadyRunning: boolean }> {
      return vendorCall(async () => {
        const profile = resolveAgoraProfile(deps.config, input.profile);
        const storage = resolveStorageProfile(deps.config, input.storageProfile);
        const token = buildBotToken({
          appId: profile.appId,
          appCertificate: profile.appCertificate,
          channel: input.cname,
          uid: Number(input.uid),
          ttlSeconds: input.tokenTtlSeconds,
        });
        const { sid, alreadyRunning } = await agora.start(agoraContext(deps, input.profile), {
          resourceId: input.resourceId,
          mode: input.mode,
          cname: input.cname,
          uid: input.uid,
          clientRequest: { ...input.clientRequest, token, storageConfig: { ...storage } },
        });
        return { sid, alreadyRunning };
      });
    },

    async queryRecording(input: RecordingRef): Promise<{ status?: number; files: agora.QueryResult['files'] }> {
      return vendorCall(async () => {
        const { status, files } = await agora.query(agoraContext(deps, input.profile), input);
        return { status, files };
      });
    },

    async stopRecording(input: StopRecordingInput): Promise<Omit<agora.StopResult, 'requestId'>> {
      return vendorCall(async () => {
        const { outcome, files, uploadingStatus } = await agora.stop(agoraContext(deps, input.profile), input);
        return { outcome, files, uploadingStatus };
      });
    },
  };
}

export type CloudRecordingActivities = ReturnType<typeof createCloudRecordingActivities>;
