/**
 * Agora Cloud Transcoder payloads (agora.md §8). Pure zod, no Node imports. Request schemas are strict
 * about the documented ranges (unknown fields kept); response schemas are loose.
 *
 * Scenarios (seed): audio+video (videoInputs present), audio-only, and whole-channel audio mix
 * (an audio input with `rtcUid` 0, as the community Go client documents). An update must keep the
 * scenario of the create.
 */
import { z } from 'zod';
import { ChannelName } from './cloud-recording';
import { BuilderTokenResponse, InstanceId, SequenceId } from './stt';

export { BuilderTokenResponse, ChannelName, InstanceId, SequenceId };

export const SERVICE_TYPE = 'cloudTranscoderV2';
/** The only updateMask the seed documents for update. */
export const TRANSCODER_UPDATE_MASK = 'services.cloudTranscoder.config';

const U32 = 4294967295;
/** Source user UID: 1 … 2^32-1, or 0 in an audio input for the whole-channel mix. */
const InputUid = z.number().int('rtcUid must be an integer').min(0).max(U32);
/** The transcoder's own UID in the output channel: 1 … 2^32-1, unique in that channel. */
const OutputUid = z.number().int('rtcUid must be an integer').min(1, 'output rtcUid must be 1..2^32-1').max(U32);
const Px = z.number().int().min(120).max(3840);
const Coord = z.number().int().min(0).max(3840);

/** "A legal URL with a jpg or png suffix" (seed). */
export const ImageUrl = z
  .string()
  .url('must be a URL')
  .refine((u) => /\.(jpg|png)$/i.test(u.split(/[?#]/)[0]!), 'image URL must end in .jpg or .png');

export const TranscoderRtc = z.looseObject({
  rtcChannel: ChannelName,
  rtcUid: InputUid,
  /** input tokens are built for uid 0 (the transcoder's input uid is random); needed with App Certificate */
  rtcToken: z.string().optional(),
});

export const Region = z.looseObject({ x: Coord, y: Coord, width: Px, height: Px, zOrder: z.number().int().min(0).max(100) });
export const FillMode = z.enum(['FILL', 'FIT']);

export const AudioInput = z.looseObject({ rtc: TranscoderRtc });
export const VideoInput = z.looseObject({ rtc: TranscoderRtc, placeholderImageUrl: ImageUrl, region: Region });

export const Canvas = z.looseObject({
  width: Px,
  height: Px,
  color: z.number().int().min(0).max(16_777_215),
  backgroundImage: ImageUrl.optional(),
  fillMode: FillMode.optional(),
});

export const WaterMark = z.looseObject({ imageUrl: ImageUrl, region: Region, fillMode: FillMode.optional() });

export const AUDIO_PROFILES = [
  'AUDIO_PROFILE_DEFAULT',
  'AUDIO_PROFILE_SPEECH_STANDARD',
  'AUDIO_PROFILE_MUSIC_STANDARD',
  'AUDIO_PROFILE_MUSIC_STANDARD_STEREO',
  'AUDIO_PROFILE_MUSIC_HIGH_QUALITY',
  'AUDIO_PROFILE_MUSIC_HIGH_QUALITY_STEREO',
] as const;

export const VideoOption = z.looseObject({
  fps: z.number().int().min(1).max(30).optional(),
  codec: z.enum(['H264', 'VP8']),
  bitrate: z.number().int().min(1).max(10_000).optional(),
  width: Px,
  height: Px,
  lowBitrateHighQuality: z.boolean().optional(),
});

export const Output = z.looseObject({
  rtc: TranscoderRtc.extend({ rtcUid: OutputUid }),
  audioOption: z.looseObject({ profileType: z.enum(AUDIO_PROFILES).optional() }).optional(),
  videoOption: VideoOption.optional(),
});

export type TranscoderScenario = 'audio-video' | 'audio-only' | 'channel-mix';

export const TranscoderConfig = z
  .looseObject({
    idleTimeout: z.number().int('idleTimeout must be an integer').min(1).max(86_400).optional(),
    audioInputs: z.array(AudioInput).optional(),
    videoInputs: z.array(VideoInput).optional(),
    canvas: Canvas.optional(),
    waterMarks: z.array(WaterMark).optional(),
    outputs: z.array(Output).min(1, 'at least one output'),
  })
  .superRefine((t, ctx) => {
    const inputs = [...(t.audioInputs ?? []), ...(t.videoInputs ?? [])];
    if (inputs.length === 0) ctx.addIssue({ code: 'custom', path: ['audioInputs'], message: 'at least one audio or video input' });
    const channels = new Set(inputs.map((i) => i.rtc.rtcChannel));
    if (channels.size > 1) ctx.addIssue({ code: 'custom', path: ['audioInputs'], message: 'all audio and video inputs must be in one channel' });
    (t.videoInputs ?? []).forEach((v, i) => {
      if (v.rtc.rtcUid === 0) ctx.addIssue({ code: 'custom', path: ['videoInputs', i, 'rtc', 'rtcUid'], message: 'a video input needs the uid of its host' });
    });
    const hasVideo = (t.videoInputs ?? []).length > 0;
    if (hasVideo && !t.canvas) ctx.addIssue({ code: 'custom', path: ['canvas'], message: 'canvas is required with videoInputs' });
    const inputUids = new Set(inputs.map((i) => i.rtc.rtcUid));
    const inputChannel = inputs[0]?.rtc.rtcChannel;
    const seen = new Set<string>();
    t.outputs.forEach((o, i) => {
      if (hasVideo && !o.videoOption) ctx.addIssue({ code: 'custom', path: ['outputs', i, 'videoOption'], message: 'videoOption is required with videoInputs' });
      if (!hasVideo && o.videoOption) ctx.addIssue({ code: 'custom', path: ['outputs', i, 'videoOption'], message: 'videoOption without videoInputs' });
      if (o.rtc.rtcChannel === inputChannel && inputUids.has(o.rtc.rtcUid)) {
        ctx.addIssue({ code: 'custom', path: ['outputs', i, 'rtc', 'rtcUid'], message: 'output rtcUid must differ from the input uids in the same channel' });
      }
      const key = `${o.rtc.rtcChannel}\u0000${o.rtc.rtcUid}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['outputs', i, 'rtc'], message: 'two outputs use the same channel and uid' });
      seen.add(key);
    });
  });
export type TranscoderConfig = z.infer<typeof TranscoderConfig>;

/** The create body, and the update body (the whole create body again, agora.md §8). */
export const CreateTaskRequest = z.looseObject({
  services: z.looseObject({
    cloudTranscoder: z.looseObject({
      serviceType: z.literal(SERVICE_TYPE, { message: `serviceType must be "${SERVICE_TYPE}"` }),
      config: z.looseObject({ transcoder: TranscoderConfig }),
    }),
  }),
});
export type CreateTaskRequest = z.infer<typeof CreateTaskRequest>;
export const UpdateTaskRequest = CreateTaskRequest;
export type UpdateTaskRequest = CreateTaskRequest;

export function scenarioOf(t: TranscoderConfig): TranscoderScenario {
  if ((t.videoInputs ?? []).length > 0) return 'audio-video';
  return (t.audioInputs ?? []).some((a) => a.rtc.rtcUid === 0) ? 'channel-mix' : 'audio-only';
}

/**
 * Why an update may not be applied to a task created with `before` (agora.md §8): only inputs,
 * video regions and the outputs' audio/video options may change, and the scenario must stay.
 */
export function updateViolations(before: TranscoderConfig, after: TranscoderConfig): string[] {
  const issues: string[] = [];
  if (scenarioOf(before) !== scenarioOf(after)) issues.push(`the scenario must stay ${scenarioOf(before)} (got ${scenarioOf(after)})`);
  const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);
  if ((before.idleTimeout ?? 300) !== (after.idleTimeout ?? 300)) issues.push('idleTimeout cannot change');
  if (!same(before.canvas, after.canvas)) issues.push('canvas cannot change');
  if (!same(before.waterMarks ?? [], after.waterMarks ?? [])) issues.push('waterMarks cannot change');
  if (before.outputs.length !== after.outputs.length) issues.push('outputs cannot be added or removed');
  else
    before.outputs.forEach((o, i) => {
      // the output's channel and uid are the transcoder's identity there; its rtcToken is a credential
      // minted per request (valid 24 h at most), so a fresh token for the same channel and uid is no change
      const a = after.outputs[i]!.rtc;
      if (o.rtc.rtcChannel !== a.rtcChannel || o.rtc.rtcUid !== a.rtcUid) issues.push(`outputs[${i}].rtc cannot change`);
    });
  const channelOf = (t: TranscoderConfig) => [...(t.audioInputs ?? []), ...(t.videoInputs ?? [])][0]?.rtc.rtcChannel;
  if (channelOf(before) !== channelOf(after)) issues.push('the input channel cannot change');
  return issues;
}

/** JSON with sorted keys, for order-insensitive comparison. */
export function canonical(v: unknown): string {
  return (
    JSON.stringify(v, (_k, val: unknown) =>
      val && typeof val === 'object' && !Array.isArray(val)
        ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : val,
    ) ?? 'undefined'
  );
}

// ---- statuses ----

export const TASK_STATUSES = ['IDLE', 'PREPARED', 'STARTING', 'CREATED', 'STARTED', 'IN_PROGRESS', 'STOPPING', 'STOPPED', 'EXIT', 'FAILURE_STOP'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
/** Task statuses that mean the transcoder is gone (agora.md §14.7). */
export const TASK_ENDED: readonly string[] = ['STOPPED', 'EXIT', 'FAILURE_STOP'];

export const SERVICE_STATUSES = [
  'serviceIdle',
  'serviceReady',
  'serviceStarted',
  'serviceInProgress',
  'serviceCompleted',
  'servicePartialCompleted',
  'serviceValidationFailed',
  'serviceAbnormal',
  'serviceUnknown',
] as const;

// ---- responses (tolerant) ----

/** create/query/update/delete response; update may be empty (doc) or the task (saved example). */
export const TaskResponse = z.looseObject({
  taskId: z.string().optional(),
  createTs: z.number().optional(),
  status: z.string().optional(),
  /** a string in the examples ("0") */
  sequenceId: z.union([z.string(), z.number()]).optional(),
  services: z
    .looseObject({
      cloudTranscoder: z
        .looseObject({
          serviceType: z.string().optional(),
          status: z.string().optional(),
          message: z.string().optional(),
          config: z.unknown().optional(),
          createTs: z.number().optional(),
          details: z.unknown().optional(),
        })
        .optional(),
    })
    .optional(),
  message: z.string().optional(),
});
export type TaskResponse = z.infer<typeof TaskResponse>;

// ---- transcoding templates (agora.md §8: create/reset and list; the seed documents no delete) ----

/** The `{codecId}` path segment of a template (the seed's example: "1080p"); its charset is not documented. */
export const CodecId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'codecId is 1-64 of A-Z a-z 0-9 _ . -');

/** `POST …/rtls/abr/config/codecs/{codecId}` body: `{"enabled":true,"video":{"width":1920,"height":1080,"fps":30}}` (ranges: seeds silent). */
export const CodecTemplate = z.looseObject({
  enabled: z.boolean(),
  video: z
    .looseObject({
      width: z.number().int().positive().optional(),
      height: z.number().int().positive().optional(),
      fps: z.number().int().positive().optional(),
    })
    .optional(),
});
export type CodecTemplate = z.infer<typeof CodecTemplate>;

/** `GET …/rtls/abr/config/codecs` → `{"status":"success","data":{"enabled":true,"codecs":[{"id":"1080p","enabled":true,"video":{…}}]}}`. */
export const CodecTemplateList = z.looseObject({
  status: z.string().optional(),
  data: z
    .looseObject({
      enabled: z.boolean().optional(),
      codecs: z.array(z.looseObject({ id: z.string(), enabled: z.boolean().optional(), video: z.record(z.string(), z.unknown()).optional() })).optional(),
    })
    .optional(),
});
export type CodecTemplateList = z.infer<typeof CodecTemplateList>;
