/** Agora IoT license activation (agora.md §12, the seed's "IoT License Activation" folder). Pure zod. */
import { z } from 'zod';

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;

/** `POST /dabiz/license/v2/active?pid&licenseKey&appid`: licenseKey (SN, MAC...) under 64 bytes. */
export const ActivateLicenseQuery = z.strictObject({
  pid: z.string().min(1, 'pid must not be empty').max(256),
  licenseKey: z
    .string()
    .min(1, 'licenseKey must not be empty')
    .refine((s) => utf8Bytes(s) < 64, 'licenseKey must be less than 64 bytes (UTF-8)'),
  appid: z.string().min(1),
});
export type ActivateLicenseQuery = z.infer<typeof ActivateLicenseQuery>;

/** SKU capability set: product 1 Video SDK, 2 IoT SDK, 3 FPA; mediaType 1 audio, 2 video, 3 both. */
export const SkuView = z.looseObject({
  product: z.number().optional(),
  name: z.string().optional(),
  mediaType: z.number().optional(),
  minutes: z.number().optional(),
  period: z.string().optional(),
});
export type SkuView = z.infer<typeof SkuView>;

/** `{code: 200, data: {license, skuView}}`; any other code carries `message`. */
export const ActivateLicenseResponse = z.looseObject({
  code: z.number(),
  message: z.string().optional(),
  data: z.looseObject({ license: z.string(), skuView: z.union([SkuView, z.array(SkuView)]).optional() }).nullish(),
});
export type ActivateLicenseResponse = z.infer<typeof ActivateLicenseResponse>;
