/**
 * Agora Media Gateway activities for the ingest session: one vendor call each (observeIngest reads the
 * key and the online streams together). Credentials are resolved here from the profile name; the only
 * thing a result carries back is the stream key, which is the session's product.
 */
import * as gateway from '../src/agora/media-gateway';
import { isOwnStream, type KeyBinding } from '../src/agora/meanings/media-gateway';
import type { AgoraRegion } from '../src/schemas/agora/media-gateway';
import { agoraContext, type ActivityDeps } from './deps';
import { vendorCall } from './errors';

export interface OnRegion {
  profile: string;
  region: AgoraRegion;
}

export interface CreateIngestKeyInput extends OnRegion {
  channel: string;
  uid: string;
  expiresAfter: number;
  template?: string;
}

export interface CreatedIngestKey {
  streamKey: string;
  /** the vendor's clock (Unix s) */
  createdAt?: number;
  expiresAfter?: number;
}

export interface ObserveIngestInput extends OnRegion, KeyBinding {
  /** also ask whether the key still exists (not after it was destroyed) */
  checkKey: boolean;
}

export interface IngestObservation {
  /** the key still exists (always true when not checked) */
  keyActive: boolean;
  /** the key's pushes online now, oldest first */
  streams: Array<{ sid: string; beginAt?: number }>;
}

export function createIngestActivities(deps: ActivityDeps) {
  const ctx = (profile: string) => agoraContext(deps, profile);
  return {
    /** Not idempotent: every call makes a new key (the workflow reconciles ambiguous outcomes). */
    async createIngestKey(input: CreateIngestKeyInput): Promise<CreatedIngestKey> {
      return vendorCall(async () => {
        const r = await gateway.createStreamKey(ctx(input.profile), {
          region: input.region,
          settings: { channel: input.channel, uid: input.uid, expiresAfter: input.expiresAfter, ...(input.template ? { templateId: input.template } : {}) },
        });
        return { streamKey: r.streamKey, createdAt: r.createdAt, expiresAfter: r.expiresAfter };
      });
    },
    /** The key's existence and its pushes online now (listing online streams is the source of truth). */
    async observeIngest(input: ObserveIngestInput): Promise<IngestObservation> {
      return vendorCall(async () => {
        const c = ctx(input.profile);
        const keyActive = input.checkKey ? (await gateway.getStreamKey(c, { region: input.region, streamKey: input.streamKey })) !== null : true;
        const online = await gateway.listOnlineStreams(c, { region: input.region });
        const streams = online
          .filter((s) => isOwnStream(s, input))
          .map((s) => ({ sid: s.sid, ...(s.beginAt !== undefined && Number.isFinite(s.beginAt) ? { beginAt: s.beginAt } : {}) }))
          .sort((a, b) => (a.beginAt ?? 0) - (b.beginAt ?? 0));
        return { keyActive, streams };
      });
    },
    /** Sends both booleans; the gateway applies them about a second later, to this sid only. */
    async muteIngestStream(input: OnRegion & { sid: string; audioMuted: boolean; videoMuted: boolean }): Promise<void> {
      await vendorCall(() => gateway.muteOnlineStream(ctx(input.profile), input));
    },
    /** 404 = already gone. */
    async destroyIngestKey(input: OnRegion & { streamKey: string }): Promise<{ outcome: string }> {
      return vendorCall(async () => ({ outcome: (await gateway.destroyStreamKey(ctx(input.profile), input)).outcome }));
    },
    /** 404 = the push had ended. */
    async disconnectIngestStream(input: OnRegion & { sid: string }): Promise<{ outcome: string }> {
      return vendorCall(async () => ({ outcome: (await gateway.disconnectOnlineStream(ctx(input.profile), input)).outcome }));
    },
  };
}

export type IngestActivities = ReturnType<typeof createIngestActivities>;
