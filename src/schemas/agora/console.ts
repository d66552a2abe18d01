/**
 * Agora Console API payloads (agora.md §11; the seed's "Console API" folder): projects and usage. Pure
 * zod, no Node imports. Requests are strict (bad input is refused before any call); responses are loose
 * (unknown fields pass through, `recording_server` may be null).
 */
import { z } from 'zod';

/** `POST /dev/v1/project`: name 1–255 characters, unique per account. */
export const CreateProjectRequest = z.strictObject({
  name: z.string().min(1, 'name must not be empty').max(255, 'name is at most 255 characters'),
  enable_sign_key: z.boolean(),
});
export type CreateProjectRequest = z.infer<typeof CreateProjectRequest>;

export const ProjectId = z.string().min(1, 'project id must not be empty').max(255);

/** `POST /dev/v1/project_status`: 1 enabled, 0 disabled. */
export const ProjectStatusRequest = z.strictObject({ id: ProjectId, status: z.union([z.literal(0), z.literal(1)]) });
/** `POST /dev/v1/signkey` */
export const SignKeyRequest = z.strictObject({ id: ProjectId, enable: z.boolean() });
/** `POST /dev/v1/reset_signkey` */
export const ResetSignKeyRequest = z.strictObject({ id: ProjectId });
/** `GET /dev/v1/project?id=&name=` (both required by the seed) */
export const GetProjectQuery = z.strictObject({ id: ProjectId, name: z.string().min(1).max(255) });

/** A project as the Console answers it. `sign_key` is the primary App Certificate: a secret. */
export const Project = z.looseObject({
  id: z.string(),
  name: z.string(),
  vendor_key: z.string(),
  sign_key: z.string().nullish(),
  recording_server: z.string().nullish(),
  status: z.number(),
  created: z.number(),
});
export type Project = z.infer<typeof Project>;

export const ProjectResponse = z.looseObject({ project: Project });
export const ProjectsResponse = z.looseObject({ projects: z.array(Project) });

/** `business` of the usage query (§11): default = RTC audio and video. */
export const USAGE_BUSINESSES = ['default', 'transcodeDuration', 'recording', 'cloudRecording', 'miniapp'] as const;
export const UsageBusiness = z.enum(USAGE_BUSINESSES);
export type UsageBusiness = z.infer<typeof UsageBusiness>;

/** The usage columns, in seconds (§11). */
export const USAGE_CLASSES = ['durationAudioAll', 'durationVideoHd', 'durationVideoHdp', 'durationVideo1080P', 'durationVideo2K', 'durationVideo4K'] as const;
export type UsageClass = (typeof USAGE_CLASSES)[number];

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a UTC date YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'is not a calendar date');
export const UsageDate = isoDate;

/** `GET /dev/v3/usage` */
export const UsageQuery = z
  .strictObject({
    project_id: ProjectId,
    from_date: isoDate,
    to_date: isoDate,
    business: UsageBusiness.default('default'),
  })
  .refine((q) => q.from_date <= q.to_date, { path: ['to_date'], message: 'to_date is before from_date' });
export type UsageQuery = z.input<typeof UsageQuery>;

const seconds = z.number().nonnegative();
export const UsageEntry = z.looseObject({
  /** the seed's table says a Unix timestamp, its example an ISO string: both are taken */
  date: z.union([z.string(), z.number()]),
  usage: z.looseObject(Object.fromEntries(USAGE_CLASSES.map((c) => [c, seconds.optional()])) as Record<UsageClass, z.ZodOptional<typeof seconds>>),
});
export const UsageResponse = z.looseObject({
  meta: z.record(z.string(), z.unknown()).optional(),
  usages: z.array(UsageEntry),
});
export type UsageResponse = z.infer<typeof UsageResponse>;

/** The `meta` block the Console sends with every usage answer (the seed's example). */
export const USAGE_META: Record<UsageClass, { en: string; unit: 'second' }> = {
  durationAudioAll: { en: 'Total Audio Duration', unit: 'second' },
  durationVideo1080P: { en: 'Full HD Video Duration（including Recording)', unit: 'second' },
  durationVideo2K: { en: '2K Video Duration（including Recording)', unit: 'second' },
  durationVideo4K: { en: '4K Video Duration（including Recording)', unit: 'second' },
  durationVideoHd: { en: 'HD Video Duration（including Recording）', unit: 'second' },
  durationVideoHdp: { en: 'HDP Video Duration（including Recording)', unit: 'second' },
};

/**
 * Which usage column a video of `width`×`height` bills under (the mapping the emulator uses, and the
 * one rtcflow's own ledger should use to compare with it). Agora bills by aggregate resolution:
 *   audio only                     → durationAudioAll
 *   ≤ 921 600 px   (≤ 1280×720)    → durationVideoHd
 *   ≤ 2 073 600 px (≤ 1920×1080)   → durationVideoHdp   ("HDP", the Full HD tier; see below)
 *   ≤ 3 686 400 px (≤ 2560×1440)   → durationVideo2K
 *   above                          → durationVideo4K    ("2K+")
 * The seed lists both durationVideoHdp and durationVideo1080P without saying how they differ; the emulator
 * books 1080p under durationVideoHdp and leaves durationVideo1080P at 0, so compare their sum.
 */
export function usageClassFor(video: { width: number; height: number } | 'audio'): UsageClass {
  if (video === 'audio') return 'durationAudioAll';
  const px = video.width * video.height;
  if (px <= 0) return 'durationAudioAll';
  if (px <= 921_600) return 'durationVideoHd';
  if (px <= 2_073_600) return 'durationVideoHdp';
  if (px <= 3_686_400) return 'durationVideo2K';
  return 'durationVideo4K';
}

/**
 * The usage column a Cloud Recording bills under, from its start request's `clientRequest` (the emulator's
 * mapping; a ledger that wants to match the emulated Console uses the same):
 *   recordingConfig.streamTypes 0 (audio only, individual/mix)   → durationAudioAll
 *   mix: recordingConfig.transcodingConfig width×height (default 640×360, Agora's default)
 *   web: web_recorder_service.serviceParam videoWidth×videoHeight (default 1280×720)
 *   individual: each stream at its publisher's resolution, which the request does not say: 640×360
 * then by pixels (usageClassFor).
 */
export function cloudRecordingUsageClass(mode: string, clientRequest: Record<string, unknown>): UsageClass {
  const cr = clientRequest as {
    recordingConfig?: { streamTypes?: number; transcodingConfig?: { width?: number; height?: number } };
    extensionServiceConfig?: { extensionServices?: Array<{ serviceName?: string; serviceParam?: { videoWidth?: number; videoHeight?: number } }> };
  };
  const rc = cr.recordingConfig ?? {};
  if (mode !== 'web' && rc.streamTypes === 0) return 'durationAudioAll';
  let width = 640;
  let height = 360;
  if (mode === 'mix') {
    width = Number(rc.transcodingConfig?.width) || 640;
    height = Number(rc.transcodingConfig?.height) || 360;
  } else if (mode === 'web') {
    const svc = cr.extensionServiceConfig?.extensionServices?.find((s) => s?.serviceName === 'web_recorder_service');
    width = Number(svc?.serviceParam?.videoWidth) || 1280;
    height = Number(svc?.serviceParam?.videoHeight) || 720;
  }
  return usageClassFor({ width, height });
}
