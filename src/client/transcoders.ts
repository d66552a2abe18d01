/**
 * Cloud Transcoder sessions through the typed client (`rtc.transcoders`): the same surface as every
 * session kind (./sessions.ts) — idempotent start by business key, status, validated updates, stop with
 * the result — plus the transcoding templates (`TranscoderTemplates`, Agora credentials from the config).
 */
import type { Client } from '@temporalio/client';
import * as tc from '../agora/transcoder';
import type { AgoraContext } from '../agora/http';
import { resolveAgoraProfile, type Config } from '../config';
import { HttpClient } from '../http/client';
import type { CodecTemplate } from '../schemas/agora/transcoder';
import { TranscoderChange, TranscoderInput, type TranscoderLayout, type TranscoderParams, type TranscoderResult } from '../schemas/workflows/transcoder';
import { transcoderStatusQuery, transcoderStopSignal, transcoderStopUpdate, transcoderUpdate, type TranscoderStatus } from '../../workflows/transcoder/messages';
import { parseSessionChange, parseSessionInput, SessionKind, type InputChecks, type SessionKindSpec } from './sessions';

/** One transcoder per (profile, input channel, role): the business key that makes start idempotent. */
export function transcoderWorkflowId(input: { profile: string; channel: string; role: string }): string {
  return `transcoder/${input.profile}/${input.role}/${input.channel}`;
}

/**
 * `start` acquires a builderToken and creates the task; `update` changes inputs, layout or the outputs'
 * encoding and returns the whole layout once the task has it; `stop` deletes the task and returns the result.
 */
export const TRANSCODER_SESSIONS: SessionKindSpec<typeof TranscoderInput, TranscoderStatus, TranscoderResult, typeof TranscoderChange, TranscoderLayout> = {
  workflowType: 'transcoder',
  what: 'transcoder request',
  input: TranscoderInput,
  idOf: transcoderWorkflowId,
  status: transcoderStatusQuery,
  stop: transcoderStopUpdate,
  stopSignal: transcoderStopSignal,
  change: { schema: TranscoderChange, update: transcoderUpdate, what: 'transcoder change' },
};

export class Transcoders extends SessionKind<typeof TranscoderInput, TranscoderStatus, TranscoderResult, typeof TranscoderChange, TranscoderLayout> {
  constructor(temporal: Client, taskQueue: string, checks?: InputChecks) {
    super(temporal, taskQueue, TRANSCODER_SESSIONS, checks);
  }
}

/** The input as the workflow gets it (defaults filled in), or InvalidInputError with every issue. */
export const parseTranscoderInput = (input: TranscoderInput, checks?: InputChecks): TranscoderParams => parseSessionInput(TRANSCODER_SESSIONS, input, checks);
/** A mid-session change, or InvalidInputError with every issue. */
export const parseTranscoderChange = (change: TranscoderChange): TranscoderChange => parseSessionChange(TRANSCODER_SESSIONS, change);

/**
 * Transcoding templates of a project (agora.md §8): create or reset, list, and remove — the seed
 * documents no delete, so `remove` resets the template disabled (`enabled: false`, its video kept).
 */
export class TranscoderTemplates {
  private readonly ctx: AgoraContext;

  constructor(config: Config, profile = 'default', http = new HttpClient()) {
    const p = resolveAgoraProfile(config, profile);
    this.ctx = { http, baseUrls: p.baseUrls, appId: p.appId, credentials: { customerId: p.customerId, customerSecret: p.customerSecret } };
  }

  set(codecId: string, template: CodecTemplate): Promise<{ requestId: string }> {
    return tc.setCodecTemplate(this.ctx, { codecId, template });
  }

  list(): Promise<tc.CodecTemplates> {
    return tc.listCodecTemplates(this.ctx);
  }

  /** Disables the template (false when there is no template of that id). */
  async remove(codecId: string): Promise<boolean> {
    const found = (await this.list()).codecs.find((c) => c.id === codecId);
    if (!found) return false;
    await this.set(codecId, { enabled: false, ...(found.video ? { video: found.video } : {}) });
    return true;
  }
}

export type { TranscoderChange, TranscoderInput, TranscoderLayout, TranscoderResult, TranscoderStatus };
