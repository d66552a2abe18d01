/** What activities need from the worker process; built once in worker.ts (or a test) and injected. */
import { resolveAgoraProfile, resolveStorageProfile, type Config, type StorageProfile } from '../src/config';
import type { HttpClient } from '../src/http/client';
import type { Client } from '@temporalio/client';
import type { AgoraContext } from '../src/agora/http';

export interface ActivityDeps {
  config: Config;
  http: HttpClient;
  /**
   * Where storage credentials come from at call time. Defaults to the configured profile; a deployment
   * with short-lived (STS) credentials plugs its credential source in here.
   */
  storageCredentials?: (profileName: string, profile: StorageProfile) => Promise<StorageProfile>;
  /** the worker's own Temporal client (visibility: the sweeper compares vendor resources with running sessions) */
  temporal?: Client;
}

export async function resolveStorage(deps: ActivityDeps, profileName: string): Promise<StorageProfile> {
  const profile = resolveStorageProfile(deps.config, profileName);
  return deps.storageCredentials ? deps.storageCredentials(profileName, profile) : profile;
}

export function agoraContext(deps: ActivityDeps, profileName: string, pinnedBaseUrl?: string): AgoraContext {
  const p = resolveAgoraProfile(deps.config, profileName);
  return {
    http: deps.http,
    baseUrls: p.baseUrls,
    // a pin the profile no longer lists is ignored
    pinnedBaseUrl: pinnedBaseUrl && p.baseUrls.includes(pinnedBaseUrl) ? pinnedBaseUrl : undefined,
    appId: p.appId,
    credentials: { customerId: p.customerId, customerSecret: p.customerSecret },
  };
}

export { resolveAgoraProfile, resolveStorageProfile };
