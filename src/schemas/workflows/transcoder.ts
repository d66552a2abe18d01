/**
 * The input, carried state and result of the Cloud Transcoder session (inputs of one channel mixed
 * into outputs published in RTC channels, agora.md §8, §14.7). The input is strict and carries
 * references (a profile name), never an RTC token: the worker mints the input (uid 0) and output
 * tokens. The carried state is the workflow's own second argument across continue-as-new.
 */
import { z } from 'zod';
import { AUDIO_PROFILES, Canvas, ChannelName, FillMode, ImageUrl, Region, TranscoderConfig, VideoOption } from '../agora/transcoder';
import { rejectCredentials } from '../hygiene';
import { carriedControls, desiredSlotOf, ProfileName, sessionControls } from './common';

const U32 = 4_294_967_295;

/** A host whose audio is mixed; `rtcUid` 0 mixes the whole channel's audio (the "full channel mixing" scenario). */
export const TranscoderAudioInput = z.strictObject({ rtcUid: z.number().int().min(0).max(U32) });
/** A host whose video is placed on the canvas at `region` (a placeholder image while it is away). */
export const TranscoderVideoInput = z.strictObject({
  rtcUid: z.number().int().min(1).max(U32),
  placeholderImageUrl: ImageUrl,
  region: z.strictObject(Region.shape),
});
export const TranscoderCanvas = z.strictObject(Canvas.shape);
export const TranscoderWaterMark = z.strictObject({ imageUrl: ImageUrl, region: z.strictObject(Region.shape), fillMode: FillMode.optional() });
const AudioOption = z.strictObject({ profileType: z.enum(AUDIO_PROFILES).optional() });
const OutputVideoOption = z.strictObject(VideoOption.shape);

/** One output as the session keeps it: where it is published and how it is encoded (its uid is the session's). */
export const TranscoderOutputConfig = z.strictObject({
  rtcChannel: ChannelName,
  audioOption: AudioOption.optional(),
  videoOption: OutputVideoOption.optional(),
});

/** What the session keeps applied to its task: the inputs, the layout and the outputs' encoding. */
export const TranscoderLayout = z.object({
  audioInputs: z.array(TranscoderAudioInput),
  videoInputs: z.array(TranscoderVideoInput).optional(),
  canvas: TranscoderCanvas.optional(),
  waterMarks: z.array(TranscoderWaterMark).optional(),
  outputs: z.array(TranscoderOutputConfig).min(1),
});
export type TranscoderLayout = z.infer<typeof TranscoderLayout>;

/** What a caller may change mid-session: each given field replaces the current one as a whole. */
export const TranscoderChange = z
  .strictObject({
    audioInputs: z.array(TranscoderAudioInput).optional(),
    videoInputs: z.array(TranscoderVideoInput).optional(),
    /** canvas and waterMarks are not updatable in place (agora.md §8): the session replaces the task */
    canvas: TranscoderCanvas.optional(),
    waterMarks: z.array(TranscoderWaterMark).optional(),
    /** the encoding of each output, in order (their channels stay) */
    outputs: z.array(z.strictObject({ audioOption: AudioOption.optional(), videoOption: OutputVideoOption.optional() })).optional(),
  })
  .refine((c) => Object.values(c).some((v) => v !== undefined), 'nothing to change')
  .superRefine((c, ctx) => rejectCredentials(c, ctx));
export type TranscoderChange = z.infer<typeof TranscoderChange>;

/**
 * The vendor's `config.transcoder` for a layout, without tokens (the activity adds them): every input in
 * `channel`, the outputs at `outputUids`.
 */
export function vendorConfigOf(layout: TranscoderLayout, o: { channel: string; outputUids: readonly number[]; idleTimeout?: number }): TranscoderConfig {
  const rtc = (rtcUid: number) => ({ rtcChannel: o.channel, rtcUid });
  return {
    ...(o.idleTimeout !== undefined ? { idleTimeout: o.idleTimeout } : {}),
    audioInputs: layout.audioInputs.map((a) => ({ rtc: rtc(a.rtcUid) })),
    ...(layout.videoInputs?.length ? { videoInputs: layout.videoInputs.map((v) => ({ rtc: rtc(v.rtcUid), placeholderImageUrl: v.placeholderImageUrl, region: v.region })) } : {}),
    ...(layout.canvas ? { canvas: layout.canvas } : {}),
    ...(layout.waterMarks?.length ? { waterMarks: layout.waterMarks } : {}),
    outputs: layout.outputs.map((out, i) => ({
      rtc: { rtcChannel: out.rtcChannel, rtcUid: o.outputUids[i]! },
      ...(out.audioOption ? { audioOption: out.audioOption } : {}),
      ...(out.videoOption ? { videoOption: out.videoOption } : {}),
    })),
  };
}

/**
 * What the vendor's rules for a whole configuration (one input channel, canvas with video, an output's
 * videoOption with video inputs, ...) find wrong in the body a layout makes; none when it is valid. A start's
 * input and a session's change are checked by it.
 */
export function configProblems(layout: TranscoderLayout, o: { channel: string; outputUids: readonly number[]; idleTimeout?: number }): readonly z.core.$ZodIssue[] {
  const r = TranscoderConfig.safeParse(vendorConfigOf(layout, o));
  return r.success ? [] : r.error.issues;
}

/** configProblems as issues of the input being parsed. */
export function configIssues(layout: TranscoderLayout, o: { channel: string; outputUids: readonly number[]; idleTimeout?: number }, ctx: z.RefinementCtx): void {
  for (const issue of configProblems(layout, o)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
}

export const layoutOf = (input: Pick<TranscoderParams, 'audioInputs' | 'videoInputs' | 'canvas' | 'waterMarks' | 'outputs'>): TranscoderLayout => ({
  audioInputs: input.audioInputs,
  ...(input.videoInputs ? { videoInputs: input.videoInputs } : {}),
  ...(input.canvas ? { canvas: input.canvas } : {}),
  ...(input.waterMarks ? { waterMarks: input.waterMarks } : {}),
  outputs: input.outputs.map(({ rtcUid: _uid, ...out }) => out),
});

export const TranscoderInput = z
  .strictObject({
    /** Agora project profile (App ID + credentials), resolved by the worker */
    profile: ProfileName.default('default'),
    /** the channel of every input (all inputs are in one channel) */
    channel: ChannelName,
    audioInputs: z.array(TranscoderAudioInput).default([]),
    videoInputs: z.array(TranscoderVideoInput).optional(),
    canvas: TranscoderCanvas.optional(),
    waterMarks: z.array(TranscoderWaterMark).optional(),
    /** `rtcUid`: the transcoder's uid in that channel (default: one the session picks); a new one after a renewal */
    outputs: z.array(TranscoderOutputConfig.extend({ rtcUid: z.number().int().min(1).max(U32).optional() })).min(1),
    /** seconds all input hosts may be gone before Agora destroys the task (1-86400, Agora's default 300) */
    idleTimeout: z.number().int().min(1).max(86_400).optional(),
    /** how often the task is queried while it runs */
    pollIntervalMs: z.number().int().min(100).max(3_600_000).default(30_000),
    ...sessionControls,
  })
  .superRefine((input, ctx) => {
    rejectCredentials(input, ctx);
    // placeholder uids where the session will pick them: far from any input uid
    const outputUids = input.outputs.map((o, i) => o.rtcUid ?? U32 - i);
    configIssues(layoutOf(input), { channel: input.channel, outputUids, idleTimeout: input.idleTimeout }, ctx);
  });
export type TranscoderInput = z.input<typeof TranscoderInput>;
export type TranscoderParams = z.output<typeof TranscoderInput>;

/** One task of a session: more than one after a renewal (206/5xx) or a canvas/watermark change. */
export const TranscoderTask = z.object({
  taskId: z.string(),
  /** found by its builderToken (409, or the reconcile of an unanswered create), not answered by the create */
  adopted: z.boolean(),
  createdAt: z.string(),
  endedAt: z.string().optional(),
  endReason: z.string().optional(),
  lastStatus: z.string().optional(),
  /** the transcoder's uid in each output channel */
  outputUids: z.array(z.number().int()),
  updates: z.number().int(),
});
export type TranscoderTask = z.infer<typeof TranscoderTask>;

export const UnstoppedTask = z.object({ taskId: z.string(), error: z.string() });

export const TranscoderCarried = z.object({
  /** the builderTokens' instanceId (derived from the business key) */
  instanceId: z.string(),
  /** the transcoder's uid in each output channel (new ones after a renewal) */
  outputUids: z.array(z.number().int()),
  /** the builderToken of the current (or being created) task: one builderToken = one task */
  builderToken: z.string().optional(),
  builderTokenAt: z.number().optional(),
  taskId: z.string().optional(),
  lastStatus: z.string().optional(),
  /** the last update `sequenceId` sent (absent: none yet); only grows, across tasks, workers and runs */
  sequenceId: z.number().int().optional(),
  config: desiredSlotOf(TranscoderLayout),
  tasks: z.array(TranscoderTask),
  /** new builderToken + new output uids after 206/5xx outlasted the backoff */
  renewals: z.number().int(),
  /** tasks replaced to change the canvas or the watermarks */
  replacements: z.number().int(),
  unstopped: z.array(UnstoppedTask),
  updates: z.number().int(),
  ...carriedControls,
});
export type TranscoderState = z.infer<typeof TranscoderCarried>;

/** stopped: by request or max duration; ended: the task exited or was deleted elsewhere; failed: it exited abnormally */
export type TranscoderOutcome = 'stopped' | 'ended' | 'failed';

export interface TranscoderResult {
  workflowId: string;
  channel: string;
  outcome: TranscoderOutcome;
  reason: string;
  startedAt?: string;
  endedAt: string;
  lifetimeMs: number;
  /** the last status Agora reported for the last task */
  finalStatus?: string;
  tasks: TranscoderTask[];
  config?: TranscoderLayout;
  updates: number;
  renewals: number;
  replacements: number;
  unstopped: Array<z.infer<typeof UnstoppedTask>>;
}
