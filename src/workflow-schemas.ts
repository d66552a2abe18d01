/**
 * The schemas workflows check their inputs, changes and carried state with — the same zod schemas the client,
 * HTTP API and CLI use — behind parse-only facades, and the few pure helpers that live beside them.
 *
 * Workflows (and the vendor meanings they use) import these from here and never from src/schemas/ or zod. The workflow bundle replaces this module
 * with a self-contained build of it (src/temporal/workflow-bundle.ts: esbuild, zod inside its closure) that
 * the worker evaluates once and every workflow shares (the SDK's `preloadModules`). Without that, each workflow
 * evaluated its own copy of zod and rtcflow's schemas when it started: about 1 MB of worker memory and ~9 ms
 * of workflow-thread CPU per live session (issue 14).
 *
 * Why facades: the SDK deep-freezes what shared modules export, and zod builds members of a schema lazily
 * (on first read and first parse), which a frozen schema refuses. A facade exports only a function; the
 * schema stays in the closure, unfrozen. Sharing is safe because nothing here keeps per-workflow state:
 * schemas are fixed once built, and parsing reads neither time, randomness nor the workflow context.
 * test/unit/workflow-bundle.test.ts holds the bundle to this (no zod or src/schemas module in it).
 */
import type { z } from 'zod';
import * as recordingVendor from './schemas/agora/cloud-recording';
import * as pullVendor from './schemas/agora/media-pull';
import * as ban from './schemas/workflows/channel-ban';
import * as recording from './schemas/workflows/cloud-recording';
import * as ingest from './schemas/workflows/ingest';
import * as pull from './schemas/workflows/pull';
import * as relay from './schemas/workflows/relay';
import * as spark from './schemas/workflows/sparkrtc-recording';
import * as stt from './schemas/workflows/stt';
import * as sweeper from './schemas/workflows/sweeper';
import * as transcoder from './schemas/workflows/transcoder';
import * as whiteboard from './schemas/workflows/whiteboard';

/** What a workflow may do with a schema: parse. */
export interface Parser<T> {
  safeParse(value: unknown): z.ZodSafeParseResult<T>;
}

function parser<S extends z.ZodType>(schema: S): Parser<z.output<S>> {
  return { safeParse: (value) => schema.safeParse(value) };
}

export { describeIssues } from './schemas/issues';

export const Layout = parser(recordingVendor.Layout);
export type Layout = recordingVendor.Layout;
export const StreamSubscribe = parser(recordingVendor.StreamSubscribe);
export type StreamSubscribe = recordingVendor.StreamSubscribe;
export const CloudRecordingInput = parser(recording.CloudRecordingInput);
export type CloudRecordingInput = recording.CloudRecordingInput;
export const CloudRecordingCarried = parser(recording.CloudRecordingCarried);
export const RtmpOutputsChange = parser(recording.RtmpOutputsChange);
export type RtmpOutputsChange = recording.RtmpOutputsChange;
export const WebRecordingControl = parser(recording.WebRecordingControl);
export type WebRecordingControl = recording.WebRecordingControl;
export { nextRtmpOutputs, nextSubscriptions } from './schemas/workflows/cloud-recording';
export { cloudRecordingUsageClass } from './schemas/agora/console';

export const AgoraRegion = parser(pullVendor.AgoraRegion);
export { MEDIA_PULL_NCS_PRODUCT_ID } from './schemas/agora/media-pull';
export { MEDIA_PUSH_NCS_PRODUCT_ID } from './schemas/agora/media-push';
export const PullInput = parser(pull.PullInput);
export type PullInput = pull.PullInput;
export const PullChange = parser(pull.PullChange);
export type PullChange = pull.PullChange;

export const BanInput = parser(ban.BanInput);
export type BanInput = ban.BanInput;
export const BanChange = parser(ban.BanChange);
export type BanChange = ban.BanChange;

export const IngestInput = parser(ingest.IngestInput);
export type IngestInput = ingest.IngestInput;
export const IngestChange = parser(ingest.IngestChange);
export type IngestChange = ingest.IngestChange;

export const RelayInput = parser(relay.RelayInput);
export type RelayInput = relay.RelayInput;
export const RelayChange = parser(relay.RelayChange);
export type RelayChange = relay.RelayChange;

export const SttInput = parser(stt.SttInput);
export type SttInput = stt.SttInput;
export const SttChange = parser(stt.SttChange);
export type SttChange = stt.SttChange;

export const TranscoderInput = parser(transcoder.TranscoderInput);
export type TranscoderInput = transcoder.TranscoderInput;
export const TranscoderChange = parser(transcoder.TranscoderChange);
export { configProblems, layoutOf, vendorConfigOf } from './schemas/workflows/transcoder';
export { updateViolations } from './schemas/agora/transcoder';
export type TranscoderChange = transcoder.TranscoderChange;

export const SweeperInput = parser(sweeper.SweeperInput);
export type SweeperInput = sweeper.SweeperInput;

export const WhiteboardConversionInput = parser(whiteboard.WhiteboardConversionInput);
export type WhiteboardConversionInput = whiteboard.WhiteboardConversionInput;
export { conversionKey } from './schemas/workflows/whiteboard';

export const SparkRtcRecordingInput = parser(spark.SparkRtcRecordingInput);
export type SparkRtcRecordingInput = spark.SparkRtcRecordingInput;
export const SparkRtcLayout = parser(spark.SparkRtcLayout);
export type SparkRtcLayout = spark.SparkRtcLayout;
export const SparkRtcRecordingCarried = parser(spark.SparkRtcRecordingCarried);
export const RecordRuleId = parser(spark.RecordRuleId);
export { AUDIO_ONLY, normaliseEncodeTemplate, parseStreamName } from './schemas/sparkrtc/jobs';
export { CLOUD_RECORD_OVER } from './schemas/sparkrtc/callbacks';
