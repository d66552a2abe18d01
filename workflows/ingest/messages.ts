/** The Media Gateway ingest session's messages: its phases, status query, signals and updates. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PushAddress } from '../../src/agora/meanings/media-gateway';
import type { IngestChange, IngestResult, IngestStream, MuteState, UncertainCreate, UnstoppedIngest } from '../../src/schemas/workflows/ingest';
import type { SessionStatusBase, StopRequest } from '../lib/session';
import type { UsageEntry } from '../lib/usage';

export type { StopRequest };
export { ncsEventSignal, type NcsEvent } from '../agora-ncs';

/**
 * The phases of an ingest session, in order: encoder-gone is the wait for a reconnect after a push
 * ended (a reconnect is a new sid and goes back to live).
 */
export const INGEST_PHASES = ['creating-key', 'waiting-for-encoder', 'live', 'encoder-gone', 'stopping', 'completed', 'failed'] as const;
export type IngestPhase = (typeof INGEST_PHASES)[number];

export interface IngestStatus extends SessionStatusBase<IngestPhase> {
  /** billable time so far (workflows/lib/usage.ts) */
  usage: UsageEntry[];
  channel: string;
  uid: string;
  region: string;
  template?: string;
  /** where the encoder pushes, with the stream key: the one place the key is shown (absent once destroyed) */
  push?: PushAddress;
  /** when the key runs out (absent: never) */
  keyExpiresAt?: string;
  /** the live push */
  sid?: string;
  streams: IngestStream[];
  /** until when the session waits for an encoder (while it waits) */
  encoderDeadline?: string;
  /** the mute state wanted, and whether the live push has it */
  mute: MuteState;
  muteApplied: boolean;
  lastAbort?: string;
  lastQueryAt?: string;
  uncertainCreates: UncertainCreate[];
  unstopped: UnstoppedIngest[];
}

export const ingestStatusQuery = defineQuery<IngestStatus>('status');

/** Fire-and-forget stop; the workflow's result tells how it ended. */
export const ingestStopSignal = defineSignal<[StopRequest?]>('stop');
/** Stop (destroy the key, disconnect the pushes) and wait: returns the session's result. */
export const ingestStopUpdate = defineUpdate<IngestResult, [StopRequest]>('stop');

/** Mute or unmute the live push's audio and/or video; returns the whole mute state once applied. */
export const ingestUpdate = defineUpdate<MuteState, [IngestChange]>('updateIngest');
export const ingestUpdateSignal = defineSignal<[IngestChange]>('updateIngest');
