/** The Media Pull session's messages: its phases, status query, signals and updates. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PullChange, PullPlayback, PullPlayer, PullResult } from '../../src/schemas/workflows/pull';
import type { SessionStatusBase, StopRequest } from '../lib/session';
import type { UsageEntry } from '../lib/usage';

export type { StopRequest };
export { ncsEventSignal, type NcsEvent } from '../agora-ncs';

/** The phases of a pull session, in order (recreating: a failed player is replaced, resuming with playTs). */
export const PULL_PHASES = ['creating', 'connecting', 'playing', 'recreating', 'stopping', 'completed', 'failed'] as const;
export type PullPhase = (typeof PULL_PHASES)[number];

export interface PullStatus extends SessionStatusBase<PullPhase> {
  /** billable time so far (workflows/lib/usage.ts) */
  usage: UsageEntry[];
  channel: string;
  region: string;
  /** the player's uid in the channel */
  uid: number;
  /** the player held now and its name (the create's idempotency key) */
  playerId?: string;
  playerName?: string;
  /** the last status Agora reported (idle, connecting, running, failed) */
  lastStatus?: string;
  lastQueryAt?: string;
  /** the playback wanted now, and whether the player has it */
  playback?: PullPlayback;
  playbackApplied: boolean;
  /** the last sequence sent with an update */
  sequence: number;
  restarts: number;
  players: PullPlayer[];
}

export const pullStatusQuery = defineQuery<PullStatus>('status');

/** Fire-and-forget stop; the workflow's result tells how it ended. */
export const pullStopSignal = defineSignal<[StopRequest?]>('stop');
/** Delete the player and wait: returns the session's result. */
export const pullStopUpdate = defineUpdate<PullResult, [StopRequest]>('stop');

/** Change the stream URL, pause/resume, volume or seek; returns the whole playback once the player has it. */
export const pullUpdate = defineUpdate<PullPlayback, [PullChange]>('updatePlayer');
export const pullUpdateSignal = defineSignal<[PullChange]>('updatePlayer');
