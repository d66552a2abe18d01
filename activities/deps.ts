/** What activities need from the worker process; built once in worker.ts (or a test) and injected. */
import { resolveAgoraProfile, resolveStorageProfile, type Config } from '../src/config';
import type { HttpClient } from '../src/http/client';
import type { AgoraContext } from '../src/agora/http';

export interface ActivityDeps {
  config: Config;
  http: HttpClient;
}

export function agoraContext(deps: ActivityDeps, profileName: string): AgoraContext {
  const p = resolveAgoraProfile(deps.config, profileName);
  return {
    http: deps.http,
    baseUrl: p.baseUrls[0]!,
    appId: p.appId,
    credentials: { customerId: p.customerId, customerSecret: p.customerSecret },
  };
}

export { resolveAgoraProfile, resolveStorageProfile };
