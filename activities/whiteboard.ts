/**
 * Interactive Whiteboard projector activities: one vendor call each (agora.md §12). The SDK token each
 * call needs is minted here from the profile's whiteboard key pair (short-lived, admin), so no token
 * and no key reaches workflow history.
 */
import * as wb from '../src/agora/whiteboard';
import type { ConversionTask, ConversionType } from '../src/schemas/agora/whiteboard';
import { ConfigurationError } from '../src/errors';
import { resolveAgoraProfile, type ActivityDeps } from './deps';
import { vendorCall } from './errors';

/** SDK tokens minted for one call live this long. */
export const ACTIVITY_TOKEN_LIFESPAN_MS = 10 * 60_000;

/** The profile's whiteboard context with a fresh SDK token; ConfigurationError when it has no whiteboard keys. */
export function whiteboardContext(deps: ActivityDeps, profileName: string): wb.WhiteboardContext {
  const p = resolveAgoraProfile(deps.config, profileName);
  if (!p.whiteboard) {
    throw new ConfigurationError(
      `Agora profile "${profileName}" has no whiteboard key pair: set AGORA_WHITEBOARD_ACCESS_KEY and AGORA_WHITEBOARD_SECRET_ACCESS_KEY, or "whiteboard" in RTCFLOW_PROFILES_FILE`,
    );
  }
  const { accessKey, secretAccessKey, region, baseUrl } = p.whiteboard;
  return { http: deps.http, baseUrl, region, token: wb.mintWhiteboardToken('sdk', { accessKey, secretAccessKey }, { role: 'admin', lifespanMs: ACTIVITY_TOKEN_LIFESPAN_MS }) };
}

export interface ConversionCreateInput {
  profile: string;
  resource: string;
  type: ConversionType;
  preview?: boolean;
  scale?: number;
  outputFormat?: 'png' | 'jpg' | 'jpeg' | 'webp';
  webhookEndpoint?: string;
  webhookRetry?: number;
}

export interface ConversionRef {
  profile: string;
  uuid: string;
}

export interface HeldConversion {
  uuid: string;
  status: string;
  /** found by the list after an unanswered create rather than answered by this create */
  adopted: boolean;
}

export function createWhiteboardActivities(deps: ActivityDeps) {
  const ctx = (profile: string) => whiteboardContext(deps, profile);
  return {
    /** `POST /projector/tasks`: not idempotent (an unknown outcome comes back ambiguous: reconcile with findWhiteboardConversion). */
    async createWhiteboardConversion(input: ConversionCreateInput): Promise<HeldConversion> {
      return vendorCall(async () => {
        const { profile, ...body } = input;
        const t = await wb.createConversion(ctx(profile), body);
        return { uuid: t.uuid, status: t.status, adopted: false };
      });
    },
    /** The task an unanswered create started (same resource and type, created since `since`, none of `known`), or undefined. */
    async findWhiteboardConversion(input: { profile: string; resource: string; type: ConversionType; since: number; known?: string[] }): Promise<HeldConversion | undefined> {
      return vendorCall(async () => {
        const t = await wb.findConversion(ctx(input.profile), input);
        return t ? { uuid: t.uuid, status: t.status, adopted: true } : undefined;
      });
    },
    /** `GET /projector/tasks/{uuid}`: the task as the projector reports it (progress; pages once Finished). */
    async getWhiteboardConversion(input: ConversionRef): Promise<ConversionTask> {
      return vendorCall(() => wb.getConversion(ctx(input.profile), input.uuid));
    },
    /** `DELETE /projector/tasks/{uuid}`: 2xx or 404 = done. */
    async deleteWhiteboardConversion(input: ConversionRef): Promise<{ outcome: string }> {
      return vendorCall(() => wb.deleteConversion(ctx(input.profile), input.uuid));
    },
    /** `PUT /projector/tasks/{uuid}` {priority}. */
    async setWhiteboardConversionPriority(input: ConversionRef & { priority: string }): Promise<void> {
      await vendorCall(() => wb.setConversionPriority(ctx(input.profile), input.uuid, input.priority));
    },
  };
}

export type WhiteboardActivities = ReturnType<typeof createWhiteboardActivities>;
