/** SparkRTC OBS bucket helpers (sparkrtc.md §12). Pure zod. */
import { z } from 'zod';
import { OBS_LOCATIONS } from './rules';

export const ObsLocation = z.enum(OBS_LOCATIONS);

export const ListObjectsQuery = z.strictObject({
  bucket: z.string().min(1),
  prefix: z.string().optional(),
  type: z.enum(['folders', 'objects']),
  location: ObsLocation,
});
export type ListObjectsQuery = z.infer<typeof ListObjectsQuery>;

/** PUT /v2/rtc-ops/buckets/authentication; operation 1 authorizes SparkRTC, 0 cancels. */
export const BucketAuthorizationRequest = z.strictObject({
  bucket: z.string().min(1),
  operation: z.union([z.literal(0), z.literal(1)]),
  location: ObsLocation,
  project_id: z.string().min(1).optional(),
});
export type BucketAuthorizationRequest = z.infer<typeof BucketAuthorizationRequest>;

export const BucketList = z.looseObject({
  count: z.number().optional(),
  buckets: z
    .array(z.looseObject({ bucket: z.string().optional(), location: z.string().optional(), creation_date: z.string().optional(), is_authorized: z.boolean().optional() }))
    .nullish()
    .transform((b) => b ?? []),
});
export type BucketList = z.infer<typeof BucketList>;

export const ObjectList = z.looseObject({
  count: z.number().optional(),
  /** size is documented in KB, the example looks like bytes (§18.13) */
  objects: z
    .array(z.looseObject({ file_name: z.string(), size: z.number().optional(), last_modified: z.string().optional() }))
    .nullish()
    .transform((o) => o ?? []),
});
export type ObjectList = z.infer<typeof ObjectList>;
