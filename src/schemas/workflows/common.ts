/** What every lifecycle's schemas share: profile references and the carried desired-state slot. */
import { z } from 'zod';

/** A profile *name* (credentials are resolved by the worker, never passed in). */
export const ProfileName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'profile names are 1-64 of A-Z a-z 0-9 _ . -');

/** A change wanted on a running vendor resource, with its version (workflows/lib/desired.ts). */
export const desiredSlotOf = <T extends z.ZodType>(value: T) =>
  z.object({ value: value.optional(), version: z.number().int(), applied: z.number().int(), tracksVendor: z.boolean().optional(), vendorValue: value.optional() });

/**
 * The session controls every lifecycle's input has (each spread into its strict input schema): how
 * long it may run, how long a start has to confirm, the bots' token lifetime, the test hook.
 */
export const sessionControls = {
  /** who this session is for (part of the workflow ID): lets a channel have e.g. "main" and "backup" */
  role: z
    .string()
    .regex(/^[a-z0-9-]{1,32}$/)
    .default('main'),
  /** RTC token lifetime of the vendor's bots; it cannot be renewed, so it bounds the session */
  tokenTtlSeconds: z.number().int().min(300).max(86_400).default(86_400),
  /** the session is stopped after this long, whatever happens (a resource nobody stops keeps billing) */
  maxDurationMs: z
    .number()
    .int()
    .min(1_000)
    .max(30 * 86_400_000)
    .default(86_400_000),
  /** after a start, how long the resource has to report running before it is replaced */
  confirmTimeoutMs: z.number().int().min(1_000).max(600_000).default(60_000),
  confirmPollMs: z.number().int().min(100).max(60_000).default(2_000),
  /** how many resources to try before giving up on starting */
  maxStartAttempts: z.number().int().min(1).max(10).default(3),
  /** test hook: continue as new once a run's history reaches this many events */
  maxHistoryEvents: z.number().int().min(100).optional(),
};

/**
 * Sessions NCS events wake (Media Pull, Media Push): once a read finds the resource gone, how long the
 * session waits for the destroyed event that says why (an idle timeout, a delete, a server error). NCS
 * sends it about when the resource goes, so it can come after the read, and resends an event whose answer
 * took over 10 s (webhooks.md §1). 0 = end at once (a project without NCS).
 */
export const ncsControls = {
  destroyReasonWaitMs: z.number().int().min(0).max(120_000).default(15_000),
};

/** One billable interval of a session's cost ledger (workflows/lib/usage.ts keeps it; the shapes agree). */
export const UsageEntry = z.object({
  product: z.string(),
  /** the vendor's usage column (Agora Console: durationAudioAll, durationVideoHd, ...) */
  usageClass: z.string(),
  from: z.string(),
  /** absent while the interval is open */
  to: z.string().optional(),
  seconds: z.number().int().nonnegative(),
});
export type UsageEntry = z.infer<typeof UsageEntry>;

/** What every lifecycle's carried state has besides its own fields. */
export const carriedControls = {
  /** epoch ms at which the session is stopped regardless */
  deadline: z.number(),
  lastQueryAt: z.string().optional(),
  continuedAsNew: z.number().int(),
  stopReason: z.string().optional(),
  /** the session's cost ledger (workflows/lib/usage.ts); absent in states carried by older runs */
  usage: z.array(UsageEntry).optional(),
};
