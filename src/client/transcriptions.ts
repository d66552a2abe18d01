/**
 * Real-Time STT sessions through the typed client (`rtc.transcriptions`): the same surface as every
 * session kind (./sessions.ts) — idempotent start by business key, status, validated updates, stop
 * with the result.
 */
import type { Client } from '@temporalio/client';
import { SttChange, SttInput, type SttConfig, type SttParams, type SttResult } from '../schemas/workflows/stt';
import { sttStatusQuery, sttStopSignal, sttStopUpdate, sttUpdate, type SttStatus } from '../../workflows/stt/messages';
import { parseSessionChange, parseSessionInput, SessionKind, type InputChecks, type SessionKindSpec } from './sessions';

/** One transcription per (profile, channel, role): the business key that makes start idempotent. */
export function transcriptionWorkflowId(input: { profile: string; channel: string; role: string }): string {
  return `stt/${input.profile}/${input.role}/${input.channel}`;
}

/**
 * `start` joins a 7.x agent or starts a 6.x task; `update` changes languages, transcribed audio uids
 * and/or translation targets (each given field replaces the current one) and returns the whole
 * configuration once the agent has it; `stop` leaves (7.x) / stops (6.x) and returns the result.
 */
export const STT_SESSIONS: SessionKindSpec<typeof SttInput, SttStatus, SttResult, typeof SttChange, SttConfig> = {
  workflowType: 'stt',
  what: 'STT request',
  input: SttInput,
  idOf: transcriptionWorkflowId,
  status: sttStatusQuery,
  stop: sttStopUpdate,
  stopSignal: sttStopSignal,
  // the captions' bucket is a storage profile: it must exist before anything starts
  profilesOf: (p) => [
    { kind: 'agora', name: p.profile, field: 'profile' },
    ...(p.captions ? [{ kind: 'storage' as const, name: p.captions.storageProfile, field: 'captions.storageProfile' }] : []),
  ],
  change: { schema: SttChange, update: sttUpdate, what: 'STT change' },
};

export class Transcriptions extends SessionKind<typeof SttInput, SttStatus, SttResult, typeof SttChange, SttConfig> {
  constructor(temporal: Client, taskQueue: string, checks?: InputChecks) {
    super(temporal, taskQueue, STT_SESSIONS, checks);
  }
}

/** The input as the workflow gets it (defaults filled in), or InvalidInputError with every issue. */
export const parseSttInput = (input: SttInput, checks?: InputChecks): SttParams => parseSessionInput(STT_SESSIONS, input, checks);
/** A mid-session change, or InvalidInputError with every issue. */
export const parseSttChange = (change: SttChange): SttChange => parseSessionChange(STT_SESSIONS, change);

export type { SttChange, SttConfig, SttInput, SttResult, SttStatus };
