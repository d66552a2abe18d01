/**
 * The one recording interface over two vendors. `rtc.startRecording({ vendor, ... })` starts Agora Cloud
 * Recording (the default, its input unchanged) or a SparkRTC single/mixed-stream job; both workflows answer
 * the same query (`status`), stop signal/update (`stop`) and layout update (`updateLayout`), so
 * recordingStatus, stopRecording, requestStop and updateLayout work on either. A layout is validated
 * against its vendor's schema, told by the session id's prefix (`sparkrtc-recording/...`).
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { InvalidInputError } from '../errors';
import { parseInput, parsePublicInput } from '../schemas/parse';
import { PUBLIC_INPUT_POLICY } from '../schemas/policy';
import { parseStartInput, startSession, type InputChecks } from './sessions';
import type { Layout } from '../schemas/agora/cloud-recording';
import type { CloudRecordingInput, CloudRecordingResult } from '../schemas/workflows/cloud-recording';
import {
  RecordRuleId,
  SparkRtcLayout,
  SparkRtcRecordingInput,
  videoTypeSegment,
  type SparkRtcRecordingParams,
  type SparkRtcRecordingResult,
} from '../schemas/workflows/sparkrtc-recording';
import type { CloudRecordingStatus } from '../../workflows/cloud-recording/messages';
import { sparkRtcLayoutUpdate, sparkRtcRecordRuleUpdate, type SparkRtcRecordingStatus } from '../../workflows/sparkrtc-recording/messages';
import type { StartedSession } from './stop';

export const RECORDING_VENDORS = ['agora', 'sparkrtc'] as const;
export type RecordingVendor = (typeof RECORDING_VENDORS)[number];

/** What `startRecording` takes: an Agora request (`vendor` absent or 'agora') or a SparkRTC one. */
export type RecordingInput = (CloudRecordingInput & { vendor?: 'agora' }) | SparkRtcRecordingInput;
export type RecordingStatus = CloudRecordingStatus | SparkRtcRecordingStatus;
export type RecordingResult = CloudRecordingResult | SparkRtcRecordingResult;
export type RecordingLayout = Layout | SparkRtcLayout;

/** The discriminator; each vendor's own options are checked by its strict schema. */
const VendorOf = z.looseObject({ vendor: z.enum(RECORDING_VENDORS, { error: 'vendor must be "agora" or "sparkrtc"' }).default('agora') });

/** Which vendor a request is for (default agora), or InvalidInputError. */
export function recordingVendorOf(input: unknown): RecordingVendor {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return 'agora';
  return parseInput(VendorOf, input, 'recording request').vendor;
}

/** An Agora request as the Agora workflow takes it (an explicit `vendor: 'agora'` removed). */
export function agoraRecordingInput(input: RecordingInput): CloudRecordingInput {
  if (!input || typeof input !== 'object' || !('vendor' in input)) return input as CloudRecordingInput;
  const { vendor: _agora, ...rest } = input as CloudRecordingInput & { vendor?: string };
  return rest;
}

export const SPARKRTC_RECORDING_ID_PREFIX = 'sparkrtc-recording/';

/**
 * One SparkRTC recording per business key: (profile, role, room, mix) or (profile, role, room, single,
 * user, camera|screen|audio). A repeated start joins the running session (USE_EXISTING).
 */
export function sparkrtcRecordingWorkflowId(p: Pick<SparkRtcRecordingParams, 'profile' | 'role' | 'channel' | 'kind' | 'userId' | 'videoType'>): string {
  const base = `${SPARKRTC_RECORDING_ID_PREFIX}${p.profile}/${p.role}/${p.channel}`;
  return p.kind === 'mix' ? `${base}/mix` : `${base}/single/${p.userId}/${videoTypeSegment(p.videoType ?? 'CAMERASTREAM')}`;
}

export const isSparkRtcRecordingId = (id: string): boolean => id.startsWith(SPARKRTC_RECORDING_ID_PREFIX);

/** The input as the SparkRTC workflow gets it (defaults filled in), or InvalidInputError with every issue. */
export const parseSparkRtcRecordingInput = (input: unknown, checks: InputChecks = {}): SparkRtcRecordingParams =>
  parseStartInput(SparkRtcRecordingInput, input, 'SparkRTC recording request', checks, (p) => [{ kind: 'sparkrtc', name: p.profile, field: 'profile' }]);

export async function startSparkRtcRecording(temporal: Client, taskQueue: string, input: unknown, checks: InputChecks = {}): Promise<StartedSession> {
  const params = parseSparkRtcRecordingInput(input, checks);
  return startSession(temporal, taskQueue, 'sparkrtcRecording', sparkrtcRecordingWorkflowId(params), params);
}

/** A SparkRTC layout, or InvalidInputError with every issue. */
export const parseSparkRtcLayout = (layout: unknown): SparkRtcLayout => parsePublicInput(SparkRtcLayout, layout, 'SparkRTC layout', PUBLIC_INPUT_POLICY, '(layout)');

/** SparkRTC-only operations on a recording session (`rtc.sparkrtc`). */
export class SparkRtcRecordings {
  constructor(private readonly temporal: Client) {}

  /** Replaces the whole layout of a mixed job; returns once SparkRTC has it (rtc.updateLayout does the same). */
  async updateLayout(id: string, layout: SparkRtcLayout): Promise<SparkRtcLayout> {
    return this.temporal.workflow.getHandle(id).executeUpdate(sparkRtcLayoutUpdate, { args: [parseSparkRtcLayout(layout)] });
  }

  /** Changes the record rule a single job writes new files with; returns once SparkRTC has it. */
  async updateRecordRule(id: string, recordRuleId: string): Promise<string> {
    if (!isSparkRtcRecordingId(id)) throw new InvalidInputError('invalid record rule change', [`(id): ${id} is not a SparkRTC recording session`]);
    const parsed = parseInput(RecordRuleId, recordRuleId, 'record rule', '(recordRuleId)');
    return this.temporal.workflow.getHandle(id).executeUpdate(sparkRtcRecordRuleUpdate, { args: [parsed] });
  }
}
