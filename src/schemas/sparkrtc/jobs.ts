/**
 * SparkRTC single-stream ("individual") and mixed-stream recording jobs (sparkrtc.md §7, §8). Request
 * schemas are strict and check the documented ranges and layout rules; response schemas are loose
 * (legacy fields such as job_unique_id, push_param, record_files kept; unknown enum values tolerated).
 *
 * Custom issues carry `params.rtc`, the SparkRTC code the service answers for that mistake, so the
 * emulator answers with the same code a real call would get.
 */
import { z } from 'zod';
import { LooseId, RecordParam, RecordParamOut } from './common';

export const VIDEO_TYPES = ['CAMERASTREAM', 'SCREENSTREAM'] as const;
export const STREAM_TYPES = ['LD', 'SD', 'HD', 'FHD'] as const;
export const JOB_STATES = ['INIT', 'RUNNING', 'STOPPED'] as const;
export const STOP_REASONS = ['TENANT_STOP', 'EXCEED_MAX_IDLE_TIME', 'INTERNAL_ERROR'] as const;
export type JobState = (typeof JOB_STATES)[number];
export type StopReason = (typeof STOP_REASONS)[number];

/** The documented output profiles WIDTH*HEIGHT_FPS_KBPS, plus audio_only (§8.1). */
export const ENCODE_TEMPLATES = [
  '1920*1080_30_4620',
  '1920*1080_30_3150',
  '1920*1080_15_3460',
  '1920*1080_15_2080',
  '1280*720_30_3420',
  '1280*720_30_1710',
  '1280*720_15_2260',
  '1280*720_15_1130',
  '640*480_30_1500',
  '640*480_30_1000',
  '640*480_15_500',
  '480*360_30_490',
  '480*360_15_320',
  'audio_only',
] as const;
export type EncodeTemplate = (typeof ENCODE_TEMPLATES)[number];
export const AUDIO_ONLY = 'audio_only';

/** The tables write `1280*720_15_2260`, the examples `1280x720_15_2260` (§18.1): one canonical form. */
export function normaliseEncodeTemplate(value: string): string {
  return value.replace(/^(\d+)[xX*](\d+)_/, '$1*$2_');
}

export function isKnownEncodeTemplate(value: string): boolean {
  return (ENCODE_TEMPLATES as readonly string[]).includes(normaliseEncodeTemplate(value));
}

/** width, height, fps, kbps of a template (0s for audio_only) */
export function encodeTemplateParts(value: string): { width: number; height: number; fps: number; kbps: number } {
  const m = /^(\d+)\*(\d+)_(\d+)_(\d+)$/.exec(normaliseEncodeTemplate(value));
  return m ? { width: +m[1]!, height: +m[2]!, fps: +m[3]!, kbps: +m[4]! } : { width: 0, height: 0, fps: 0, kbps: 0 };
}

export const LAYOUT_TEMPLATES = ['nine_grids_view', 'screen_share_left', 'screen_share_right', 'custom'] as const;
export type LayoutTemplate = (typeof LAYOUT_TEMPLATES)[number];
/** tiles of the gallery, windows of the screen-share layouts, zorder levels of custom (§17.6) */
export const MAX_GRID_TILES = 25;
export const MAX_SCREEN_SHARE_WINDOWS = 17;
export const MAX_ZORDER = 25;

export const MaxIdleTime = z.number().int('max_idle_time must be an integer').min(5, 'max_idle_time is 5..43200').max(43200, 'max_idle_time is 5..43200');
export const DEFAULT_MAX_IDLE_TIME = 30;

const RoomId = z.string().min(1, 'room_id is empty').max(256);
const UserId = z.string().min(1, 'user_id is empty').max(256);
const Unit = z.number().min(0, 'must be within 0..1').max(1, 'must be within 0..1');
/** `s3://bucket/object` on OBS (§8.1) */
export const S3Uri = z.string().regex(/^s3:\/\/[^/\s]+\/\S+$/, 'must be s3://bucket/object');

const combination = (ctx: z.RefinementCtx, path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message, params: { rtc: 'RTC.00001004' } });
const invalid = (ctx: z.RefinementCtx, path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message, params: { rtc: 'RTC.00001003' } });

export const MixLayoutPane = z.strictObject({
  /** window ID, from 1 */
  id: z.number().int().min(1, 'pane ids start at 1').optional(),
  /** empty: whoever shares the screen */
  user_id: z.string().max(256).optional(),
  video_type: z.enum(VIDEO_TYPES).optional(),
  x: Unit.optional(),
  y: Unit.optional(),
  width: Unit.optional(),
  height: Unit.optional(),
  zorder: z.number().int().min(0).max(MAX_ZORDER).optional(),
  crop_mode: z.enum(['KEEP_RATIO_PADDING', 'KEEP_RATIO_CROP']).optional(),
  /** required for screen_share_left/right only */
  filling_policy: z.enum(['FIXED_USER', 'SHARED_SCREEN']).optional(),
});
export type MixLayoutPane = z.infer<typeof MixLayoutPane>;

export const MixUserBackgroundImage = z.strictObject({ user_id: UserId, image_uri: S3Uri });

const EncodeTemplateSchema = z.string().refine(isKnownEncodeTemplate, 'unknown encode_template (e.g. 1280*720_15_2260 or audio_only)');

const mixShape = {
  room_id: RoomId,
  encode_template: EncodeTemplateSchema,
  max_idle_time: MaxIdleTime.optional(),
  layout_template: z.enum(LAYOUT_TEMPLATES).optional(),
  default_user_background_image: S3Uri.optional(),
  screen_background_image: S3Uri.optional(),
  background_image: S3Uri.optional(),
  layout_panes: z.array(MixLayoutPane).optional(),
  user_background_images: z.array(MixUserBackgroundImage).max(100).optional(),
};

type LayoutFields = {
  encode_template?: string;
  layout_template?: string;
  layout_panes?: MixLayoutPane[];
};

/**
 * The layout rules of §8.1/§8.2: video needs a layout (panes too, except for the gallery),
 * screen-share needs pane 1 with a filling_policy, custom panes stay on the canvas, ids are unique,
 * and the documented window counts hold. Audio-only ignores layout fields.
 */
export function checkMixLayout(p: LayoutFields, ctx: z.RefinementCtx, base: (string | number)[] = []): void {
  if (p.encode_template === undefined || normaliseEncodeTemplate(p.encode_template) === AUDIO_ONLY) return;
  const panes = p.layout_panes ?? [];
  if (!p.layout_template) return combination(ctx, [...base, 'layout_template'], 'layout_template is required unless encode_template is audio_only');
  checkPanes(panes, ctx, base);
  switch (p.layout_template) {
    case 'nine_grids_view':
      if (panes.length > MAX_GRID_TILES) invalid(ctx, [...base, 'layout_panes'], `nine_grids_view shows at most ${MAX_GRID_TILES} tiles`);
      return;
    case 'screen_share_left':
    case 'screen_share_right': {
      if (panes.length === 0) return combination(ctx, [...base, 'layout_panes'], `${p.layout_template} needs layout_panes with the main window (id 1)`);
      if (panes.length > MAX_SCREEN_SHARE_WINDOWS) invalid(ctx, [...base, 'layout_panes'], `${p.layout_template} shows at most ${MAX_SCREEN_SHARE_WINDOWS} windows`);
      const main = panes.find((x) => x.id === 1);
      if (!main) return combination(ctx, [...base, 'layout_panes'], 'the main window must be the pane with id 1');
      if (!main.filling_policy) return combination(ctx, [...base, 'layout_panes', panes.indexOf(main), 'filling_policy'], `filling_policy is required for ${p.layout_template}`);
      if (main.filling_policy === 'FIXED_USER' && !main.user_id) {
        combination(ctx, [...base, 'layout_panes', panes.indexOf(main), 'user_id'], 'FIXED_USER needs the user_id of the presenter');
      }
      return;
    }
    case 'custom': {
      if (panes.length === 0) return combination(ctx, [...base, 'layout_panes'], 'custom needs layout_panes');
      if (panes.length > MAX_GRID_TILES) invalid(ctx, [...base, 'layout_panes'], `custom shows at most ${MAX_GRID_TILES} panes`);
      panes.forEach((pane, i) => {
        if (pane.x === undefined || pane.y === undefined || pane.width === undefined || pane.height === undefined) {
          combination(ctx, [...base, 'layout_panes', i], 'custom panes need x, y, width and height');
        }
      });
      return;
    }
  }
}

/** What holds for any pane list, whatever the template: unique ids, panes on the canvas. */
export function checkPanes(panes: MixLayoutPane[], ctx: z.RefinementCtx, base: (string | number)[] = []): void {
  const ids = new Set<number>();
  panes.forEach((pane, i) => {
    const where = [...base, 'layout_panes', i];
    if (pane.id !== undefined) {
      if (ids.has(pane.id)) invalid(ctx, [...where, 'id'], `pane id ${pane.id} is used twice`);
      ids.add(pane.id);
    }
    if (pane.x !== undefined && pane.width !== undefined && pane.x + pane.width > 1.0001) invalid(ctx, where, 'pane extends beyond the canvas (x + width > 1)');
    if (pane.y !== undefined && pane.height !== undefined && pane.y + pane.height > 1.0001) invalid(ctx, where, 'pane extends beyond the canvas (y + height > 1)');
    if (pane.width === 0 || pane.height === 0) invalid(ctx, where, 'pane has no area');
  });
}

export const MixParam = z.strictObject(mixShape).superRefine((p, ctx) => checkMixLayout(p, ctx));
export type MixParam = z.infer<typeof MixParam>;

/** POST /v2/apps/{app_id}/mix-stream-jobs. record_param is marked optional but is the only storage destination (§8.1, §18.3). */
export const MixStreamJobRequest = z.strictObject({
  mix_param: MixParam,
  record_param: RecordParam,
});
export type MixStreamJobRequest = z.infer<typeof MixStreamJobRequest>;
export type MixStreamJobInput = z.input<typeof MixStreamJobRequest>;

/** The fields a layout change may carry (§8.4); room_id, encode_template and record_param are fixed. */
export const UpdateMixParam = z
  .strictObject({
    layout_template: mixShape.layout_template,
    background_image: mixShape.background_image,
    default_user_background_image: mixShape.default_user_background_image,
    screen_background_image: mixShape.screen_background_image,
    max_idle_time: mixShape.max_idle_time,
    layout_panes: mixShape.layout_panes,
    user_background_images: mixShape.user_background_images,
  })
  // what the layout needs besides the panes depends on the job (the service checks the result as a whole)
  .superRefine((p, ctx) => checkPanes(p.layout_panes ?? [], ctx));
export type UpdateMixParam = z.infer<typeof UpdateMixParam>;

export const UpdateMixStreamJobRequest = z.strictObject({ mix_param: UpdateMixParam });
export type UpdateMixStreamJobRequest = z.infer<typeof UpdateMixStreamJobRequest>;

/** POST /v2/apps/{app_id}/individual-stream-jobs (§7.1). */
export const IndividualStreamJobRequest = z.strictObject({
  room_id: RoomId,
  user_id: UserId,
  is_record_audio: z.boolean().optional(),
  /** "" (or absent, §18.2) records no video */
  video_type: z.enum([...VIDEO_TYPES, '']).optional(),
  select_stream_type: z.enum(STREAM_TYPES).optional(),
  max_idle_time: MaxIdleTime.optional(),
  record_param: RecordParam,
});
export type IndividualStreamJobRequest = z.infer<typeof IndividualStreamJobRequest>;

/** PUT /v2/apps/{app_id}/individual-stream-jobs/{job_id}: only the rule can change (§7.3). */
export const UpdateIndividualStreamJobRequest = z.strictObject({ record_param: RecordParam });
export type UpdateIndividualStreamJobRequest = z.infer<typeof UpdateIndividualStreamJobRequest>;

// ---- responses (tolerant) ----

const jobCommon = {
  job_id: LooseId,
  stream_name: z.string().optional(),
  app_id: z.string().optional(),
  room_id: LooseId.optional(),
  record_param: RecordParamOut.optional(),
  create_time: z.string().optional(),
  update_time: z.string().optional(),
  /** INIT, RUNNING or STOPPED; unknown values are kept */
  state: z.string(),
  stop_reason: z.string().optional(),
  description: z.string().optional(),
  start_time: z.string().optional(),
  /** "0001-01-01T00:00:00Z" until stopped */
  stop_time: z.string().optional(),
};

export const IndividualStreamJob = z.looseObject({
  ...jobCommon,
  user_id: LooseId.optional(),
  is_record_audio: z.boolean().optional(),
  video_type: z.string().optional(),
  select_stream_type: z.string().optional(),
  max_idle_time: z.number().optional(),
});
export type IndividualStreamJob = z.infer<typeof IndividualStreamJob>;

export const MixStreamJob = z.looseObject({
  ...jobCommon,
  mix_param: z
    .looseObject({
      room_id: LooseId.optional(),
      encode_template: z.string().optional(),
      max_idle_time: z.number().optional(),
      layout_template: z.string().optional(),
      layout_panes: z.array(z.looseObject({})).nullish(),
    })
    .optional(),
});
export type MixStreamJob = z.infer<typeof MixStreamJob>;

export function isStopped(job: { state: string }): boolean {
  return job.state === 'STOPPED';
}

// ---- stream names (§6, §7, §8, §9) ----

export type StreamNameInfo =
  | { kind: 'individual'; jobId: string; roomId: string; userId: string }
  | { kind: 'mix'; jobId: string; roomId: string }
  | { kind: 'auto'; appId: string; roomId: string; userId: string; mediaType: 'av' | 'v'; videoType: 'm' | 'a' };

export function individualStreamName(jobId: string, roomId: string, userId: string): string {
  return `s_${jobId}_${roomId}_${userId}`;
}
export function mixStreamName(jobId: string, roomId: string): string {
  return `m_${jobId}_${roomId}`;
}
export function autoStreamName(appId: string, roomId: string, userId: string, mediaType: 'av' | 'v', videoType: 'm' | 'a'): string {
  return `${appId}_${roomId}_${userId}_${mediaType}_${videoType}`;
}

/**
 * Reads a stream name back. Job IDs are 32 hex characters, which makes the API forms unambiguous even
 * when room or user IDs contain "_"; an individual stream's room/user split needs `roomId` when the room
 * ID itself contains "_". Auto-record names need the app ID (24 or 32 hex) and are split from the end.
 */
export function parseStreamName(name: string, hint: { roomId?: string } = {}): StreamNameInfo | undefined {
  let m = /^m_([0-9a-f]{32})_(.+)$/.exec(name);
  if (m) return { kind: 'mix', jobId: m[1]!, roomId: m[2]! };
  m = /^s_([0-9a-f]{32})_(.+)$/.exec(name);
  if (m) {
    const rest = m[2]!;
    if (hint.roomId !== undefined) {
      if (!rest.startsWith(`${hint.roomId}_`)) return undefined;
      return { kind: 'individual', jobId: m[1]!, roomId: hint.roomId, userId: rest.slice(hint.roomId.length + 1) };
    }
    const i = rest.indexOf('_');
    if (i <= 0) return undefined;
    return { kind: 'individual', jobId: m[1]!, roomId: rest.slice(0, i), userId: rest.slice(i + 1) };
  }
  m = /^([0-9a-f]{24}|[0-9a-f]{32})_(.+)_(av|v)_(m|a)$/.exec(name);
  if (m) {
    const rest = m[2]!;
    const roomId = hint.roomId ?? rest.slice(0, Math.max(0, rest.indexOf('_')));
    if (!roomId || !rest.startsWith(`${roomId}_`)) return undefined;
    return { kind: 'auto', appId: m[1]!, roomId, userId: rest.slice(roomId.length + 1), mediaType: m[3] as 'av' | 'v', videoType: m[4] as 'm' | 'a' };
  }
  return undefined;
}
