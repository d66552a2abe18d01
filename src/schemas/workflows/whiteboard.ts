/**
 * The input, carried state and result of the whiteboard file-conversion session: one projector task
 * (agora.md §12) that converts a document into whiteboard pages. The input is strict and carries a
 * profile name, never the whiteboard key pair or a token (tokens are minted inside activities); the
 * carried state is the workflow's own second argument across continue-as-new.
 */
import { z } from 'zod';
import { ConversionType, HttpUrl, OutputFormat, ConversionPriority } from '../agora/whiteboard';
import { carriedControls, ProfileName } from './common';

/** The business key of a conversion (part of the workflow ID): a document id of the application. */
export const ConversionName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'name is 1-64 of A-Z a-z 0-9 _ . -');

export const WhiteboardConversionInput = z.strictObject({
  /** Agora profile whose whiteboard key pair, region and host are used (resolved by the worker) */
  profile: ProfileName.default('default'),
  /** the document's key: converting the same name again joins the running conversion; default: from the resource and type */
  name: ConversionName.optional(),
  /** the file to convert (http/https) */
  resource: HttpUrl,
  /** static: PPT/PPTX/DOC/DOCX/PDF to images; dynamic: PPTX to an animated page */
  type: ConversionType.default('static'),
  /** dynamic: also render preview images */
  preview: z.boolean().optional(),
  /** static: image scale 0.1 … 3 */
  scale: z.number().min(0.1, 'scale range is 0.1 … 3').max(3, 'scale range is 0.1 … 3').optional(),
  /** static: png (default), jpg/jpeg, webp */
  outputFormat: OutputFormat.optional(),
  /** the application's own progress callback, which the vendor calls (http/https) */
  webhookEndpoint: HttpUrl.optional(),
  webhookRetry: z.number().int().min(0).max(10).optional(),
  /** set on the task once it is created (e.g. "highest"); a failure to set it is logged, never fatal */
  priority: ConversionPriority.optional(),
  /** how often the task's progress is read */
  pollIntervalMs: z.number().int().min(100).max(600_000).default(5_000),
  /** the conversion is cancelled (its task deleted) after this long */
  maxDurationMs: z
    .number()
    .int()
    .min(1_000)
    .max(7 * 86_400_000)
    .default(2 * 3_600_000),
  /** test hook: continue as new once a run's history reaches this many events */
  maxHistoryEvents: z.number().int().min(100).optional(),
});
export type WhiteboardConversionInput = z.input<typeof WhiteboardConversionInput>;
export type WhiteboardConversionParams = z.output<typeof WhiteboardConversionInput>;

/** One converted page. */
export const ConvertedPage = z.object({
  page: z.number().int(),
  url: z.string(),
  width: z.number().optional(),
  height: z.number().optional(),
  preview: z.string().optional(),
});
export type ConvertedPage = z.infer<typeof ConvertedPage>;

export const ConversionProgress = z.object({
  /** 0 … 100 */
  percentage: z.number(),
  pagesConverted: z.number().int(),
  pageCount: z.number().int().optional(),
});
export type ConversionProgress = z.infer<typeof ConversionProgress>;

export const UnstoppedTask = z.object({ taskUuid: z.string(), error: z.string() });

export const WhiteboardCarried = z.object({
  /** the projector task held now (undefined before the create answered, and once it ended) */
  taskUuid: z.string().optional(),
  /** the task this session created or adopted (kept for the result after it ended) */
  createdUuid: z.string().optional(),
  adopted: z.boolean().optional(),
  /** epoch ms of the first create attempt: the reconcile looks for tasks created since */
  createAttemptAt: z.number().optional(),
  startedAt: z.string().optional(),
  lastStatus: z.string().optional(),
  progress: ConversionProgress,
  pages: z.array(ConvertedPage).optional(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
  priorityApplied: z.boolean(),
  polls: z.number().int(),
  unstopped: z.array(UnstoppedTask),
  ...carriedControls,
});
export type WhiteboardState = z.infer<typeof WhiteboardCarried>;

/** converted: Finished; failed: the vendor said Fail (or the task vanished); cancelled: stopped on request, max duration or cancellation. */
export type WhiteboardOutcome = 'converted' | 'failed' | 'cancelled';

export interface WhiteboardConversionResult {
  workflowId: string;
  outcome: WhiteboardOutcome;
  reason: string;
  startedAt?: string;
  endedAt: string;
  lifetimeMs: number;
  resource: string;
  type: 'static' | 'dynamic';
  taskUuid?: string;
  adopted?: boolean;
  /** the last status the projector reported (Waiting, Converting, Finished, Fail) */
  finalStatus?: string;
  progress: ConversionProgress;
  /** the converted pages, in order (empty unless converted) */
  pages: ConvertedPage[];
  errorCode?: string;
  errorMessage?: string;
  unstopped: Array<z.infer<typeof UnstoppedTask>>;
}

/** A short stable key of a resource and type (FNV-1a, hex): the default `name`. Pure. */
export function conversionKey(resource: string, type: string): string {
  let h = 0x811c9dc5;
  for (const ch of `${type}:${resource}`) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${type}-${h.toString(16).padStart(8, '0')}`;
}

/** One conversion per (profile, name): the business key that makes start idempotent. */
export function whiteboardWorkflowId(input: { profile: string; name?: string; resource: string; type: string }): string {
  return `whiteboard/${input.profile}/${input.name ?? conversionKey(input.resource, input.type)}`;
}
