/** What every lifecycle's schemas share: profile references and the carried desired-state slot. */
import { z } from 'zod';

/** A profile *name* (credentials are resolved by the worker, never passed in). */
export const ProfileName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'profile names are 1-64 of A-Z a-z 0-9 _ . -');

/** A change wanted on a running vendor resource, with its version (workflows/lib/desired.ts). */
export const desiredSlotOf = <T extends z.ZodType>(value: T) =>
  z.object({ value: value.optional(), version: z.number().int(), applied: z.number().int(), tracksVendor: z.boolean().optional(), vendorValue: value.optional() });
