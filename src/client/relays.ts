/**
 * Media Push relays through the typed client (`rtc.relays`): the same surface as every session kind
 * (./sessions.ts) — idempotent start by business key, status, validated updates, stop with the result.
 */
import type { Client } from '@temporalio/client';
import { RelayChange, RelayInput, type RelayConfig, type RelayParams, type RelayResult } from '../schemas/workflows/relay';
import { relayStatusQuery, relayStopSignal, relayStopUpdate, relayUpdate, type RelayStatus } from '../../workflows/relay/messages';
import { parseSessionChange, parseSessionInput, SessionKind, type InputChecks, type SessionKindSpec } from './sessions';

/** One relay per (profile, channel, role): the business key that makes start idempotent (and names the converter). */
export function relayWorkflowId(input: { profile: string; channel: string; role: string }): string {
  return `relay/${input.profile}/${input.role}/${input.channel}`;
}

/**
 * `start` creates the converter (or adopts the one of its name); `update` changes the CDN address
 * and/or the transcoding and returns the whole configuration once the converter has it; `stop` deletes
 * the converter and returns the result.
 */
export const RELAY_SESSIONS: SessionKindSpec<typeof RelayInput, RelayStatus, RelayResult, typeof RelayChange, RelayConfig> = {
  workflowType: 'relay',
  what: 'relay request',
  input: RelayInput,
  idOf: relayWorkflowId,
  status: relayStatusQuery,
  stop: relayStopUpdate,
  stopSignal: relayStopSignal,
  change: { schema: RelayChange, update: relayUpdate, what: 'relay change' },
};

export class Relays extends SessionKind<typeof RelayInput, RelayStatus, RelayResult, typeof RelayChange, RelayConfig> {
  constructor(temporal: Client, taskQueue: string, checks?: InputChecks) {
    super(temporal, taskQueue, RELAY_SESSIONS, checks);
  }
}

/** The input as the workflow gets it (defaults filled in), or InvalidInputError with every issue. */
export const parseRelayInput = (input: RelayInput, checks?: InputChecks): RelayParams => parseSessionInput(RELAY_SESSIONS, input, checks);
/** A mid-session change, or InvalidInputError with every issue. */
export const parseRelayChange = (change: RelayChange): RelayChange => parseSessionChange(RELAY_SESSIONS, change);

export type { RelayChange, RelayConfig, RelayInput, RelayResult, RelayStatus };
