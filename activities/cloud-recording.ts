/**
 * Agora Cloud Recording activities: one vendor call each. Credentials, the recorder's RTC token and the
 * storage keys are resolved here from profile names, so none of them reaches workflow history.
 */
import * as agora from '../src/agora/cloud-recording';
import { buildBotToken } from '../src/agora/token';
import type { AcquireClientRequest, Layout, RecordingMode, StartClientRequest, StorageConfig, StreamSubscribe } from '../src/schemas/agora/cloud-recording';
import type { StorageProfile } from '../src/config';
import type { RecordingRef } from '../src/schemas/workflows/cloud-recording';
import { agoraContext, resolveAgoraProfile, resolveStorage, type ActivityDeps } from './deps';
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

export type { RecordingRef };

export interface StartedRecording {
  sid?: string;
  alreadyRunning: boolean;
  /** the host that answered: later calls of the session go there first */
  baseUrl: string;
  /** when the storage profile's STS credentials lapse (ms since epoch), if they do */
  storageExpiresAt?: number;
}

/** Agora's storageConfig from a storage profile (keys included: it goes to Agora, never to history). */
function storageConfigOf(p: StorageProfile): StorageConfig {
  return {
    vendor: p.vendor,
    region: p.region,
    bucket: p.bucket,
    accessKey: p.accessKey,
    secretKey: p.secretKey,
    ...(p.fileNamePrefix ? { fileNamePrefix: p.fileNamePrefix } : {}),
    ...(p.extensionParams ? { extensionParams: p.extensionParams } : {}),
  };
}

/** When STS credentials in the profile lapse (ms since epoch); undefined for long-lived keys. */
function storageExpiry(p: StorageProfile): number | undefined {
  const exp = p.extensionParams?.stsExpiration;
  return typeof exp === 'number' ? exp * 1000 : undefined;
}

export function createCloudRecordingActivities(deps: ActivityDeps) {
  return {
    async acquireRecordingResource(input: AcquireRecordingInput): Promise<{ resourceId: string }> {
      return vendorCall(async () => {
        const { resourceId } = await agora.acquire(agoraContext(deps, input.profile), input);
        return { resourceId };
      });
    },

    async startRecording(input: StartRecordingInput): Promise<StartedRecording> {
      return vendorCall(async () => {
        const profile = resolveAgoraProfile(deps.config, input.profile);
        const storage = await resolveStorage(deps, input.storageProfile);
        const token = buildBotToken({
          appId: profile.appId,
          appCertificate: profile.appCertificate,
          channel: input.cname,
          uid: Number(input.uid),
          ttlSeconds: input.tokenTtlSeconds,
        });
        const { sid, alreadyRunning, baseUrl } = await agora.start(agoraContext(deps, input.profile), {
          resourceId: input.resourceId,
          mode: input.mode,
          cname: input.cname,
          uid: input.uid,
          clientRequest: { ...input.clientRequest, token, storageConfig: storageConfigOf(storage) },
        });
        return { sid, alreadyRunning, baseUrl, storageExpiresAt: storageExpiry(storage) };
      });
    },

    async queryRecording(input: RecordingRef): Promise<{ status?: number; files: agora.QueryResult['files'] }> {
      return vendorCall(async () => {
        const { status, files } = await agora.query(agoraContext(deps, input.profile, input.baseUrl), input);
        return { status, files };
      });
    },

    async updateRecordingLayout(input: RecordingRef & { layout: Layout }): Promise<void> {
      await vendorCall(() => agora.updateLayout(agoraContext(deps, input.profile, input.baseUrl), input));
    },

    async updateRecordingSubscriptions(input: RecordingRef & { streamSubscribe: StreamSubscribe }): Promise<void> {
      await vendorCall(() => agora.update(agoraContext(deps, input.profile, input.baseUrl), { ...input, clientRequest: { streamSubscribe: input.streamSubscribe } }));
    },

    async updateRecordingOnhold(input: RecordingRef & { onhold: boolean }): Promise<void> {
      await vendorCall(() => agora.updateOnhold(agoraContext(deps, input.profile, input.baseUrl), input));
    },

    async updateRecordingRtmpOutputs(input: RecordingRef & { rtmpUrls: string[] }): Promise<void> {
      await vendorCall(() => agora.updateRtmpOutputs(agoraContext(deps, input.profile, input.baseUrl), input));
    },

    /** Hands the recorder the storage profile's current (refreshed) STS credentials; returns their new expiry. */
    async refreshRecordingStorage(input: RecordingRef & { storageProfile: string }): Promise<{ storageExpiresAt?: number }> {
      return vendorCall(async () => {
        const storage = await resolveStorage(deps, input.storageProfile);
        await agora.update(agoraContext(deps, input.profile, input.baseUrl), { ...input, clientRequest: { storageConfig: storageConfigOf(storage) } });
        return { storageExpiresAt: storageExpiry(storage) };
      });
    },

    async stopRecording(input: RecordingRef): Promise<Omit<agora.StopResult, 'requestId'>> {
      return vendorCall(async () => {
        const { outcome, files, uploadingStatus } = await agora.stop(agoraContext(deps, input.profile, input.baseUrl), input);
        return { outcome, files, uploadingStatus };
      });
    },
  };
}

export type CloudRecordingActivities = ReturnType<typeof createCloudRecordingActivities>;
