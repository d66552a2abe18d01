/**
 * Media Pull sessions through the typed client (`rtc.pulls`): the same surface as every session kind
 * (./sessions.ts) — idempotent start by business key, status, validated updates, stop with the result.
 */
import type { Client } from '@temporalio/client';
import { PullChange, PullInput, type PullParams, type PullPlayback, type PullResult } from '../schemas/workflows/pull';
import { pullStatusQuery, pullStopSignal, pullStopUpdate, pullUpdate, type PullStatus } from '../../workflows/pull/messages';
import { parseSessionChange, parseSessionInput, SessionKind, type InputChecks, type SessionKindSpec } from './sessions';

/** One cloud player per (profile, channel, role): the business key that makes start idempotent. */
export function pullWorkflowId(input: { profile: string; channel: string; role: string }): string {
  return `pull/${input.profile}/${input.role}/${input.channel}`;
}

/**
 * `start` creates a cloud player pulling `streamUrl` into `channel`; `update` changes the stream URL,
 * pauses/resumes, sets the volume or seeks (each given field replaces the current one) and returns the
 * whole playback once the player has it; `stop` deletes the player and returns the result.
 */
export const PULL_SESSIONS: SessionKindSpec<typeof PullInput, PullStatus, PullResult, typeof PullChange, PullPlayback> = {
  workflowType: 'pull',
  what: 'Media Pull request',
  input: PullInput,
  idOf: pullWorkflowId,
  status: pullStatusQuery,
  stop: pullStopUpdate,
  stopSignal: pullStopSignal,
  change: { schema: PullChange, update: pullUpdate, what: 'Media Pull change' },
};

export class Pulls extends SessionKind<typeof PullInput, PullStatus, PullResult, typeof PullChange, PullPlayback> {
  constructor(temporal: Client, taskQueue: string, checks?: InputChecks) {
    super(temporal, taskQueue, PULL_SESSIONS, checks);
  }
}

/** The input as the workflow gets it (defaults filled in), or InvalidInputError with every issue. */
export const parsePullInput = (input: PullInput, checks?: InputChecks): PullParams => parseSessionInput(PULL_SESSIONS, input, checks);
/** A mid-session change, or InvalidInputError with every issue. */
export const parsePullChange = (change: PullChange): PullChange => parseSessionChange(PULL_SESSIONS, change);

export type { PullChange, PullInput, PullPlayback, PullResult, PullStatus };
