/**
 * Agora Media Pull activities: one vendor call each (a delete answered 504 also asks the List). The
 * player's RTC token is built here from the profile, so it never reaches workflow history.
 */
import * as pull from '../src/agora/media-pull';
import { buildBotToken } from '../src/agora/token';
import { VendorError } from '../src/http/errors';
import type { AgoraRegion, PlayerConfig, PlayerPatch } from '../src/schemas/agora/media-pull';
import { agoraContext, resolveAgoraProfile, type ActivityDeps } from './deps';
import { vendorCall } from './errors';

/** What a create needs besides credentials. */
export interface PullCreateInput {
  profile: string;
  region: AgoraRegion;
  channel: string;
  uid: number;
  name: string;
  streamUrl: string;
  streamIp?: string;
  idleTimeout?: number;
  /** a resume: the first player's start time (Unix s) */
  playTs?: number;
  repeatTime?: number;
  seekPosition?: number;
  audioOptions?: PlayerConfig['audioOptions'];
  videoOptions?: PlayerConfig['videoOptions'];
  tokenTtlSeconds: number;
}

export interface PullCreated {
  playerId: string;
  /** false: a player with this name existed (409) and is adopted */
  created: boolean;
  status?: string;
  createTs?: number;
}

/** A player as List shows it (absent: not listed). */
export interface PullListed {
  id: string;
  status?: string;
  createTs?: number;
  streamUrl?: string;
}

export interface PullPlayerRef {
  profile: string;
  region: AgoraRegion;
  playerId: string;
}

export function createPullActivities(deps: ActivityDeps) {
  const ctx = (profile: string) => agoraContext(deps, profile);
  const listed = (p: { id: string; status?: string; createTs?: number; streamUrl?: string }): PullListed => ({
    id: p.id,
    status: p.status,
    createTs: p.createTs,
    streamUrl: p.streamUrl,
  });
  return {
    /** Creates the named player; a 409 answers the existing player's ID (adopt it). */
    async createPullPlayer(input: PullCreateInput): Promise<PullCreated> {
      return vendorCall(async () => {
        const profile = resolveAgoraProfile(deps.config, input.profile);
        const token = buildBotToken({ appId: profile.appId, appCertificate: profile.appCertificate, channel: input.channel, uid: input.uid, ttlSeconds: input.tokenTtlSeconds });
        const r = await pull.createPlayer(ctx(input.profile), {
          region: input.region,
          streamIp: input.streamIp,
          player: {
            streamUrl: input.streamUrl,
            channelName: input.channel,
            uid: input.uid,
            name: input.name,
            ...(token ? { token } : {}),
            ...(input.idleTimeout !== undefined ? { idleTimeout: input.idleTimeout } : {}),
            ...(input.playTs !== undefined ? { playTs: input.playTs } : {}),
            ...(input.repeatTime !== undefined ? { repeatTime: input.repeatTime } : {}),
            ...(input.seekPosition !== undefined ? { seekPosition: input.seekPosition } : {}),
            ...(input.audioOptions ? { audioOptions: input.audioOptions } : {}),
            ...(input.videoOptions ? { videoOptions: input.videoOptions } : {}),
          },
        });
        return r.outcome === 'created' ? { playerId: r.playerId, created: true, status: r.status, createTs: r.createTs } : { playerId: r.playerId, created: false };
      });
    },
    /** The player with this name on the channel, as List shows it: the reconcile read after an unanswered create. */
    async findPullPlayer(input: { profile: string; channel: string; name: string }): Promise<PullListed | undefined> {
      return vendorCall(async () => {
        const p = await pull.findPlayerByName(ctx(input.profile), { name: input.name, channel: input.channel });
        return p ? listed(p) : undefined;
      });
    },
    /** The player with this ID on the channel, as List shows it (List shows a player only ~10 s after its creation). */
    async readPullPlayer(input: { profile: string; channel: string; playerId: string }): Promise<PullListed | undefined> {
      return vendorCall(async () => {
        const p = (await pull.listAllPlayers(ctx(input.profile), { channel: input.channel })).find((x) => x.id === input.playerId);
        return p ? listed(p) : undefined;
      });
    },
    async updatePullPlayer(input: PullPlayerRef & { sequence: number; patch: PlayerPatch }): Promise<void> {
      await vendorCall(() => pull.updatePlayer(ctx(input.profile), { region: input.region, playerId: input.playerId, sequence: input.sequence, player: input.patch }));
    },
    /**
     * Deletes the player (404 = already gone). A 504 leaves it unknown: when the player had shown in the
     * List (`listed`), the List tells: absent = deleted; otherwise the 504 is raised and the delete repeated.
     */
    async deletePullPlayer(input: PullPlayerRef & { channel: string; listed: boolean }): Promise<{ outcome: string }> {
      return vendorCall(async () => {
        try {
          return { outcome: (await pull.deletePlayer(ctx(input.profile), input)).outcome };
        } catch (err) {
          if (!(err instanceof VendorError && err.info.httpStatus === 504 && input.listed)) throw err;
          const still = (await pull.listAllPlayers(ctx(input.profile), { channel: input.channel })).some((p) => p.id === input.playerId);
          if (still) throw err;
          return { outcome: 'deleted (504; no longer listed)' };
        }
      });
    },
  };
}

export type PullActivities = ReturnType<typeof createPullActivities>;
