/**
 * Agora Interactive Whiteboard (netless) payloads (agora.md §12): tokens, rooms, scenes, screenshots and
 * projector file-conversion tasks. Pure zod, no Node imports. Request schemas are strict; response schemas
 * are loose (the seeds document no response bodies: the shapes are the public netless API's).
 *
 * The seeds are silent on errors, lifespans and limits: nothing here is stricter than they are, beyond
 * the types their examples show.
 */
import { z } from 'zod';

/** `region` header values of the public netless API (the seed leaves `{{region}}` open: any non-empty value is sent). */
export const WhiteboardRegion = z
  .string()
  .min(1, 'region must not be empty')
  .max(32)
  .regex(/^[a-z0-9-]+$/, 'region is lower-case letters, digits and - (e.g. us-sv, cn-hz, in-mum, sg, gb-lon)');
export type WhiteboardRegion = z.infer<typeof WhiteboardRegion>;

/** Token roles: admin, writer, reader (the seed's `{{role}}`). */
export const WhiteboardRole = z.enum(['admin', 'writer', 'reader']);
export type WhiteboardRole = z.infer<typeof WhiteboardRole>;

/** Lifespan in milliseconds; 0 = never expires. */
export const Lifespan = z.number().int('lifespan is an integer (ms)').min(0, 'lifespan is >= 0 ms (0: never expires)');

/** A room or task UUID as the service hands it out (32 hex, or any id of URL-safe characters). */
export const WhiteboardUuid = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a whiteboard uuid is 1-64 of A-Z a-z 0-9 _ -');

export const SdkTokenRequest = z.strictObject({
  accessKey: z.string().min(1),
  secretAccessKey: z.string().min(1),
  lifespan: Lifespan,
  role: WhiteboardRole,
});
export type SdkTokenRequest = z.infer<typeof SdkTokenRequest>;

/** Room and task tokens: `ak` is optional for task tokens (the seed marks it so). */
export const ScopedTokenRequest = z.strictObject({
  ak: z.string().min(1).optional(),
  lifespan: Lifespan,
  role: WhiteboardRole,
});
export type ScopedTokenRequest = z.infer<typeof ScopedTokenRequest>;

/** A token endpoint answers a bare JSON string (read also when it comes as text with its quotes, as the seed's scripts strip them). */
export const TokenResponse = z
  .string()
  .transform((s) => s.replace(/^"|"$/g, ''))
  .pipe(z.string().min(1));

// ---- rooms ----

export const CreateRoomRequest = z.strictObject({
  /** "not supported yet" (seed): sent only when given */
  isRecord: z.boolean().optional(),
  /** max users in the room; 0 = no limit (optional) */
  limit: z.number().int().min(0).optional(),
});
export type CreateRoomRequest = z.infer<typeof CreateRoomRequest>;

export const Room = z.looseObject({
  uuid: z.string(),
  teamUUID: z.string().optional(),
  appUUID: z.string().optional(),
  isRecord: z.boolean().optional(),
  isBan: z.boolean().optional(),
  createdAt: z.string().optional(),
  limit: z.number().optional(),
});
export type Room = z.infer<typeof Room>;

export const BanRoomRequest = z.strictObject({ isBan: z.boolean() });

// ---- scenes ----

/** The seed's example sends width/height as strings; numbers are accepted as well. */
const Dimension = z.union([z.number().int().min(1), z.string().regex(/^[1-9][0-9]*$/, 'a positive integer')]);

/** A scene path: starts with `/` (e.g. /init, /ppt/1). */
export const ScenePath = z.string().regex(/^\/\S*$/, 'a scene path starts with / (e.g. /init)');

export const Scene = z.strictObject({
  name: z.string().min(1),
  /** optional per the seed */
  ppt: z.string().min(1).optional(),
  src: z.string().min(1).optional(),
  width: Dimension.optional(),
  height: Dimension.optional(),
});
export type Scene = z.infer<typeof Scene>;

export const AddScenesRequest = z.strictObject({ scenes: z.array(Scene).min(1), path: ScenePath });
export type AddScenesRequest = z.infer<typeof AddScenesRequest>;

/** The scene list is a bare array of paths (the seed's test script wraps it as `{"paths": …}`). */
export const ScenePaths = z.array(z.string());

export const SceneStateRequest = z.strictObject({ scenePath: ScenePath });

export const ScreenshotRequest = z.strictObject({ width: Dimension, height: Dimension, path: ScenePath });
export type ScreenshotRequest = z.infer<typeof ScreenshotRequest>;

export const Screenshot = z.looseObject({ url: z.string(), key: z.string().optional(), bucket: z.string().optional(), region: z.string().optional() });
export type Screenshot = z.infer<typeof Screenshot>;
export const ScreenshotList = z.array(Screenshot);

// ---- projector (file conversion) ----

/** dynamic: PPTX to an animated web page; static: PPT/PPTX/DOC/DOCX/PDF to images. */
export const ConversionType = z.enum(['dynamic', 'static']);
export type ConversionType = z.infer<typeof ConversionType>;

/** Static conversion output: png (default), jpg/jpeg, webp. */
export const OutputFormat = z.enum(['png', 'jpg', 'jpeg', 'webp']);

/** An http(s) URL the service fetches or calls. */
export const HttpUrl = z
  .string()
  .max(2048)
  .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/i, 'must be an http:// or https:// URL');

export const CreateConversionRequest = z.strictObject({
  /** the file's URL */
  resource: HttpUrl,
  type: ConversionType,
  /** dynamic: also render preview images (optional) */
  preview: z.boolean().optional(),
  /** static: image scale (optional; the seed shows 1.0) */
  scale: z.number().positive().max(3).optional(),
  outputFormat: OutputFormat.optional(),
  /** called on progress and at the end (optional in the seed's body, with its retry count) */
  webhookEndpoint: HttpUrl.optional(),
  webhookRetry: z.number().int().min(0).max(10).optional(),
});
export type CreateConversionRequest = z.infer<typeof CreateConversionRequest>;

/** Waiting (queued), Converting, Finished, Fail (the public netless projector states). */
export const ConversionStatus = z.string();

/** One converted page of a static conversion. */
export const ConvertedImage = z.looseObject({ width: z.number().optional(), height: z.number().optional(), url: z.string() });

export const ConversionTask = z.looseObject({
  uuid: z.string(),
  type: z.string().optional(),
  status: ConversionStatus,
  resource: z.string().optional(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
  convertedPercentage: z.number().optional(),
  /** dynamic: the folder the converted pages live under */
  prefix: z.string().optional(),
  pageCount: z.number().optional(),
  /** page number → preview image URL */
  previews: z.record(z.string(), z.string()).optional(),
  /** page number → converted image (static) */
  images: z.record(z.string(), ConvertedImage).optional(),
  note: z.unknown().optional(),
  priority: z.string().optional(),
  createdAt: z.string().optional(),
});
export type ConversionTask = z.infer<typeof ConversionTask>;

/** The list answers an array, or `{tasks: [...]}`: both read. */
export const ConversionTaskList = z.union([z.array(ConversionTask), z.looseObject({ tasks: z.array(ConversionTask) })]).transform((v) => (Array.isArray(v) ? v : v.tasks));

/** The seed's example is "highest"; the value is passed through as given. */
export const ConversionPriority = z.string().min(1).max(32);
export const PriorityRequest = z.strictObject({ priority: ConversionPriority });
