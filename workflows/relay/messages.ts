/** The Media Push relay session's messages: its phases, status query, signals and updates. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RelayChange, RelayConfig, RelayConverter, RelayResult } from '../../src/schemas/workflows/relay';
import type { SessionStatusBase, StopRequest } from '../lib/session';
import type { UsageEntry } from '../lib/usage';

export type { StopRequest };
export { ncsEventSignal, type NcsEvent } from '../agora-ncs';

/**
 * The phases of a relay, in order: idle means the converter is up but none of its source users
 * publishes (Agora destroys it after idleTimeout); recreating replaces a failed converter.
 */
export const RELAY_PHASES = ['creating', 'connecting', 'running', 'idle', 'recreating', 'stopping', 'completed', 'failed'] as const;
export type RelayPhase = (typeof RELAY_PHASES)[number];

export interface RelayStatus extends SessionStatusBase<RelayPhase> {
  /** billable time so far (workflows/lib/usage.ts) */
  usage: UsageEntry[];
  channel: string;
  region: string;
  converterId?: string;
  converterName?: string;
  /** the last state Agora reported (connecting, running, idle, failed) */
  converterState?: string;
  lastQueryAt?: string;
  /** the configuration wanted now, and whether the converter has it */
  config?: RelayConfig;
  configApplied: boolean;
  /** the last sequence sent to the current converter */
  sequence?: number;
  restarts: number;
  converters: RelayConverter[];
  updates: number;
}

export const relayStatusQuery = defineQuery<RelayStatus>('status');

/** Fire-and-forget stop; the workflow's result tells how it ended. */
export const relayStopSignal = defineSignal<[StopRequest?]>('stop');
/** Delete the converter and wait: returns the session's result. */
export const relayStopUpdate = defineUpdate<RelayResult, [StopRequest]>('stop');

/** Change the CDN address and/or the transcoding; returns the whole configuration once the converter has it. */
export const relayUpdate = defineUpdate<RelayConfig, [RelayChange]>('updateRelay');
export const relayUpdateSignal = defineSignal<[RelayChange]>('updateRelay');
