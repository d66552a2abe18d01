/**
 * Media Gateway ingest sessions through the typed client (`rtc.ingests`): the same surface as every
 * session kind (./sessions.ts) — idempotent start by business key, status (with the push address and
 * the stream key), mute/unmute updates, stop with the result.
 */
import type { Client } from '@temporalio/client';
import { IngestChange, IngestInput, type IngestParams, type IngestResult, type MuteState } from '../schemas/workflows/ingest';
import { ingestStatusQuery, ingestStopSignal, ingestStopUpdate, ingestUpdate, type IngestStatus } from '../../workflows/ingest/messages';
import { parseSessionChange, parseSessionInput, SessionKind, type InputChecks, type SessionKindSpec } from './sessions';

/** One ingest per (profile, channel, role): the business key that makes start idempotent. */
export function ingestWorkflowId(input: { profile: string; channel: string; role: string }): string {
  return `ingest/${input.profile}/${input.role}/${input.channel}`;
}

/**
 * `start` creates a stream key for the channel and host uid (status shows it with the push address);
 * `update` mutes/unmutes the live push's audio and/or video and returns the whole mute state; `stop`
 * destroys the key, disconnects the pushes and returns the result.
 */
export const INGEST_SESSIONS: SessionKindSpec<typeof IngestInput, IngestStatus, IngestResult, typeof IngestChange, MuteState> = {
  workflowType: 'ingest',
  what: 'ingest request',
  input: IngestInput,
  idOf: ingestWorkflowId,
  status: ingestStatusQuery,
  stop: ingestStopUpdate,
  stopSignal: ingestStopSignal,
  change: { schema: IngestChange, update: ingestUpdate, what: 'ingest change' },
};

export class Ingests extends SessionKind<typeof IngestInput, IngestStatus, IngestResult, typeof IngestChange, MuteState> {
  constructor(temporal: Client, taskQueue: string, checks?: InputChecks) {
    super(temporal, taskQueue, INGEST_SESSIONS, checks);
  }
}

/** The input as the workflow gets it (defaults filled in), or InvalidInputError with every issue. */
export const parseIngestInput = (input: IngestInput, checks?: InputChecks): IngestParams => parseSessionInput(INGEST_SESSIONS, input, checks);
/** A mid-session change, or InvalidInputError with every issue. */
export const parseIngestChange = (change: IngestChange): IngestChange => parseSessionChange(INGEST_SESSIONS, change);

export type { IngestChange, IngestInput, IngestResult, IngestStatus, MuteState };
