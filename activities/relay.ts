/**
 * Agora Media Push relay activities: one vendor call each (agora.md §6). The converter's RTC token is
 * built here from the profile, so it never reaches workflow history.
 */
import { RtcRole, RtcTokenBuilder } from 'agora-token';
import * as push from '../src/agora/media-push';
import { VendorError } from '../src/http/errors';
import type { AgoraRegion, ConverterConfig, ConverterPatch } from '../src/schemas/agora/media-push';
import type { RelayConfig } from '../src/schemas/workflows/relay';
import { agoraContext, resolveAgoraProfile, type ActivityDeps } from './deps';
import { vendorCall } from './errors';

export interface RelayCreateInput {
  profile: string;
  region: AgoraRegion;
  channel: string;
  /** the idempotency key (a repeat answers 409 and the converter of that name is adopted) */
  name: string;
  config: RelayConfig;
  raw?: { rtcStreamUid: number };
  idleTimeout?: number;
  jitterBufferSizeMs?: number;
  regionHintIp?: string;
  tokenTtlSeconds: number;
}

export interface RelayHeld {
  converterId: string;
  state?: string;
  /** found by name (409, or the reconcile of an ambiguous create) rather than created by this call */
  adopted: boolean;
}

export interface RelayRef {
  profile: string;
  region: AgoraRegion;
  converterId: string;
}

/**
 * The converter's token. Its uid in the channel is Agora's to choose ([general]: as the transcoder's
 * input, agora.md §8), so the token is built for uid 0, which admits any uid; '' without a certificate.
 */
function converterToken(appId: string, appCertificate: string | undefined, channel: string, ttlSeconds: number): string | undefined {
  if (!appCertificate) return undefined;
  const ttl = Math.max(60, Math.min(ttlSeconds, 24 * 3600));
  return RtcTokenBuilder.buildTokenWithUid(appId, appCertificate, channel, 0, RtcRole.SUBSCRIBER, ttl, ttl);
}

function converterBody(input: RelayCreateInput, token: string | undefined): ConverterConfig {
  const source = input.raw
    ? { rawOptions: { rtcChannel: input.channel, rtcStreamUid: input.raw.rtcStreamUid, ...(token ? { token } : {}) } }
    : { transcodeOptions: { rtcChannel: input.channel, ...(token ? { token } : {}), ...input.config.transcoding } };
  return {
    name: input.name,
    ...source,
    rtmpUrl: input.config.rtmpUrl,
    ...(input.idleTimeout !== undefined ? { idleTimeout: input.idleTimeout } : {}),
    ...(input.jitterBufferSizeMs !== undefined ? { jitterBufferSizeMs: input.jitterBufferSizeMs } : {}),
  };
}

/** The update body of `fields` (FieldMask paths from changedFields): each named part whole, nothing else. */
function patchOf(config: RelayConfig, fields: string[]): ConverterPatch {
  const patch: ConverterPatch = {};
  if (fields.includes('rtmpUrl')) patch.rtmpUrl = config.rtmpUrl;
  const t = config.transcoding;
  if (fields.includes('transcodeOptions.audioOptions') && t?.audioOptions !== undefined) patch.transcodeOptions = { ...patch.transcodeOptions, audioOptions: t.audioOptions };
  if (fields.includes('transcodeOptions.videoOptions') && t?.videoOptions !== undefined) patch.transcodeOptions = { ...patch.transcodeOptions, videoOptions: t.videoOptions };
  return patch;
}

export function createRelayActivities(deps: ActivityDeps) {
  const ctx = (profile: string) => agoraContext(deps, profile);
  return {
    /** Creates the named converter, or adopts the live one of that name in the channel (409). */
    async createRelayConverter(input: RelayCreateInput): Promise<RelayHeld> {
      return vendorCall(async () => {
        const profile = resolveAgoraProfile(deps.config, input.profile);
        const token = converterToken(profile.appId, profile.appCertificate, input.channel, input.tokenTtlSeconds);
        const r = await push.createOrAdoptConverter(ctx(input.profile), { region: input.region, converter: converterBody(input, token), regionHintIp: input.regionHintIp });
        return { converterId: r.converterId, state: r.state, adopted: r.adopted };
      });
    },
    /**
     * The live converter with this name (the reconcile read of an ambiguous create); undefined when
     * there is none. One of that name in another channel is not ours: a final error.
     */
    async findRelayConverter(input: { profile: string; name: string; channel: string }): Promise<RelayHeld | undefined> {
      return vendorCall(async () => {
        const found = await push.findConverterByName(ctx(input.profile), { name: input.name, channel: input.channel });
        if (!found) return undefined;
        if (found.rtcChannel !== undefined && found.rtcChannel !== input.channel) {
          throw new VendorError({
            vendor: 'agora',
            product: 'media-push',
            operation: 'listByChannel',
            code: 'NAME_IN_USE',
            reason: `converter name ${input.name} is used by converter ${found.converterId} in channel ${found.rtcChannel}`,
            retryable: false,
            ambiguous: false,
          });
        }
        return { converterId: found.converterId, state: found.state, adopted: true };
      });
    },
    /** The converter's state; null when it is gone (deleted, idle-destroyed, destroyed by the service). */
    async getRelayConverter(input: RelayRef): Promise<{ state?: string } | null> {
      return vendorCall(async () => {
        const c = await push.getConverter(ctx(input.profile), { region: input.region, converterId: input.converterId });
        return c ? { state: c.state } : null;
      });
    },
    /** Sends the `fields` of the desired configuration with `sequence` (a repeat of the same sequence is harmless). */
    async updateRelayConverter(input: RelayRef & { sequence: number; config: RelayConfig; fields: string[] }): Promise<{ state?: string }> {
      return vendorCall(async () => {
        const r = await push.updateConverter(ctx(input.profile), {
          region: input.region,
          converterId: input.converterId,
          sequence: input.sequence,
          converter: patchOf(input.config, input.fields),
          fields: input.fields,
        });
        return { state: r.state };
      });
    },
    /**
     * Deletes the converter: 2xx or 404 = done. A 504 may or may not have deleted it: a get tells
     * (404 = gone); otherwise the 504 is raised and the delete retried.
     */
    async deleteRelayConverter(input: RelayRef): Promise<{ outcome: 'deleted' | 'already_gone' }> {
      return vendorCall(async () => {
        try {
          return { outcome: (await push.deleteConverter(ctx(input.profile), { region: input.region, converterId: input.converterId })).outcome };
        } catch (err) {
          if (!(err instanceof VendorError && err.info.httpStatus === 504)) throw err;
          const still = await push.getConverter(ctx(input.profile), { region: input.region, converterId: input.converterId }).catch(() => undefined);
          if (still === null) return { outcome: 'already_gone' as const };
          throw err;
        }
      });
    },
  };
}

export type RelayActivities = ReturnType<typeof createRelayActivities>;
