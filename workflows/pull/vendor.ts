/**
 * The Media Pull calls a pull session makes, through the kernel's activity kinds: a create reconciled
 * by name after an unknown outcome, List reads, updates and deletes.
 */
import { log } from '@temporalio/workflow';
import type { PullActivities, PullListed } from '../../activities/pull';
import type { PlayerPatch } from '../../src/schemas/agora/media-pull';
import type { PullParams, PullPlayback, PullState } from '../../src/schemas/workflows/pull';
import { createWithReconcile } from '../lib/reconcile';
import { activitiesOf } from '../lib/retry';

const calls = activitiesOf<PullActivities>('call');
const creates = activitiesOf<PullActivities>('create');
const cleanups = activitiesOf<PullActivities>('cleanup');
/** the steady-state poll's read: a local activity (../lib/retry.ts) */
const reads = activitiesOf<PullActivities>('read');

/** A player the session now holds. */
export interface HeldPlayer {
  playerId: string;
  status?: string;
  createTs?: number;
  /** a 409 named it, or the List found it after an unanswered create */
  adopted: boolean;
}

export interface PullVendor {
  /** creates the named player (409: adopt it); an unknown outcome is reconciled by List before any new create */
  create(o: { name: string; streamUrl: string; playTs?: number; seekPosition?: number }): Promise<HeldPlayer>;
  /** the held player as List shows it; undefined: not listed */
  read(playerId: string): Promise<PullListed | undefined>;
  /** the player with this name, as List shows it */
  find(name: string): Promise<PullListed | undefined>;
  update(playerId: string, sequence: number, patch: PlayerPatch): Promise<void>;
  /** delete; a 404 counts as gone (`listed`: the List may confirm a 504) */
  delete(playerId: string, listed: boolean): Promise<string>;
}

export function pullVendor(input: PullParams, s: PullState): PullVendor {
  const { profile, channel, region } = input;
  const find = (name: string) => calls.findPullPlayer({ profile, channel, name });
  return {
    async create(o) {
      const reconcile = async (): Promise<HeldPlayer | undefined> => {
        const p = await find(o.name);
        if (p) log.info('adopted the player an unanswered create made', { name: o.name, playerId: p.id });
        return p ? { playerId: p.id, status: p.status, createTs: p.createTs, adopted: true } : undefined;
      };
      return createWithReconcile(
        async () => {
          const r = await creates.createPullPlayer({
            profile,
            region,
            channel,
            uid: s.uid,
            name: o.name,
            streamUrl: o.streamUrl,
            streamIp: input.streamIp,
            idleTimeout: input.idleTimeout,
            playTs: o.playTs,
            repeatTime: input.repeatTime,
            seekPosition: o.seekPosition,
            audioOptions: input.audioOptions,
            videoOptions: input.videoOptions,
            tokenTtlSeconds: input.tokenTtlSeconds,
          });
          return { playerId: r.playerId, status: r.status, createTs: r.createTs, adopted: !r.created };
        },
        // List shows a player only ~10 s after its creation: ask it no sooner
        { what: 'create player', reconcile, backoffMs: () => input.listDelayMs },
      );
    },
    read: (playerId) => reads.readPullPlayer({ profile, channel, playerId }),
    find,
    update: (playerId, sequence, patch) => calls.updatePullPlayer({ profile, region, playerId, sequence, patch }),
    delete: async (playerId, listed) => (await cleanups.deletePullPlayer({ profile, region, playerId, channel, listed })).outcome,
  };
}

/** What the player gets from a create: the stream, playing, at full volume, with the seeks asked so far done. */
export const createdPlayback = (p: PullPlayback): PullPlayback => ({ streamUrl: p.streamUrl, isPause: false, volume: 100, seekPosition: p.seekPosition, seeks: p.seeks });

/** The Update that brings a player from what it has to what is wanted; undefined when it has it. */
export function patchOf(want: PullPlayback, has: PullPlayback): PlayerPatch | undefined {
  const patch: PlayerPatch = {};
  if (want.streamUrl !== has.streamUrl) patch.streamUrl = want.streamUrl;
  if (want.isPause !== has.isPause) patch.isPause = want.isPause;
  if (want.volume !== has.volume) patch.audioOptions = { volume: want.volume };
  if (want.seeks !== has.seeks && want.seekPosition !== undefined) patch.seekPosition = want.seekPosition;
  return Object.keys(patch).length ? patch : undefined;
}
