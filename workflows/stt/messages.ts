/** The Real-Time STT session's messages: its phases, status query, signals and updates. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CaptionDestination, SttAgent, SttChange, SttConfig, SttResult } from '../../src/schemas/workflows/stt';
import type { SessionStatusBase, StopRequest } from '../lib/session';
import type { UsageEntry } from '../lib/usage';

export type { StopRequest };
export { ncsEventSignal, type NcsEvent } from '../agora-ncs';

/** The phases of an STT session, in order (acquiring: 6.x builderToken only). */
export const STT_PHASES = ['acquiring', 'starting', 'confirming', 'running', 'stopping', 'completed', 'failed'] as const;
export type SttPhase = (typeof STT_PHASES)[number];

export interface SttStatus extends SessionStatusBase<SttPhase> {
  /** billable time so far (workflows/lib/usage.ts) */
  usage: UsageEntry[];
  channel: string;
  version: '6' | '7';
  /** the running agent (7.x agent_id) or task (6.x taskId) */
  agentId?: string;
  agentName?: string;
  /** the last state the vendor reported */
  lastStatus?: string;
  lastQueryAt?: string;
  /** the configuration wanted now, and whether the vendor has it */
  config?: SttConfig;
  configApplied: boolean;
  /** the last sequenceId sent with an update */
  sequenceId: number;
  /** 7.x: when Agora's 72-hour task lifetime of the current agent ends */
  lifetimeEndsAt?: string;
  agents: SttAgent[];
  captions?: CaptionDestination;
}

export const sttStatusQuery = defineQuery<SttStatus>('status');

/** Fire-and-forget stop; the workflow's result tells how it ended. */
export const sttStopSignal = defineSignal<[StopRequest?]>('stop');
/** Stop (leave) and wait: returns the session's result. */
export const sttStopUpdate = defineUpdate<SttResult, [StopRequest]>('stop');

/** Change languages, subscribed audio uids or translation targets; returns the whole configuration once the vendor has it. */
export const sttUpdate = defineUpdate<SttConfig, [SttChange]>('updateTranscription');
export const sttUpdateSignal = defineSignal<[SttChange]>('updateTranscription');
