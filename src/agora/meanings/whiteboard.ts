/**
 * What the Interactive Whiteboard projector's answers mean (agora.md §12; the public netless projector
 * states, since the seeds document none): a conversion task is Waiting (queued), Converting, Finished or
 * Fail. Pure: workflow code imports it.
 */
import type { VendorErrorInfo } from '../../http/errors';
import { isGoneAnswer } from './common';

export type ConversionVerdict = 'queued' | 'converting' | 'finished' | 'failed';

/** A task's status as the conversion session reads it (an unknown status is still in progress). */
export function conversionVerdict(status: string | undefined): ConversionVerdict {
  switch ((status ?? '').toLowerCase()) {
    case 'finished':
      return 'finished';
    case 'fail':
    case 'failed':
      return 'failed';
    case 'waiting':
      return 'queued';
    default:
      return 'converting';
  }
}

/** A 404 on get or delete: the task does not exist (any more). */
export const isConversionGone = (i: VendorErrorInfo | undefined): boolean => isGoneAnswer(i);

/** One converted page as the session's result gives it. */
export interface ConvertedPage {
  page: number;
  url: string;
  width?: number;
  height?: number;
  preview?: string;
}

interface TaskLike {
  pageCount?: number;
  prefix?: string;
  images?: Record<string, { url: string; width?: number; height?: number }>;
  previews?: Record<string, string>;
  convertedPercentage?: number;
}

/**
 * The pages of a finished task, in page order: a static conversion's images (with their previews), or
 * for a dynamic conversion without images, page n under its `prefix` (or its preview image).
 */
export function convertedPages(task: TaskLike): ConvertedPage[] {
  const numbers = new Set<number>();
  for (const k of Object.keys(task.images ?? {})) numbers.add(Number(k));
  for (const k of Object.keys(task.previews ?? {})) numbers.add(Number(k));
  if (numbers.size === 0 && task.pageCount && task.prefix) for (let n = 1; n <= task.pageCount; n++) numbers.add(n);
  return [...numbers]
    .filter((n) => Number.isInteger(n) && n > 0)
    .sort((a, b) => a - b)
    .map((page) => {
      const img = task.images?.[String(page)];
      const preview = task.previews?.[String(page)];
      const url = img?.url ?? (task.prefix ? `${task.prefix.replace(/\/+$/, '')}/${page}` : (preview ?? ''));
      return {
        page,
        url,
        ...(img?.width !== undefined ? { width: img.width } : {}),
        ...(img?.height !== undefined ? { height: img.height } : {}),
        ...(preview ? { preview } : {}),
      };
    });
}

/** Progress as a whole percentage 0 … 100 (a finished task is 100 whatever it said). */
export function progressOf(task: TaskLike & { status?: string }): { percentage: number; pagesConverted: number; pageCount?: number } {
  const finished = conversionVerdict(task.status) === 'finished';
  const raw = finished ? 100 : (task.convertedPercentage ?? 0);
  const percentage = Math.max(0, Math.min(100, Math.round(raw)));
  const pageCount = task.pageCount;
  const pagesConverted = pageCount === undefined ? 0 : finished ? pageCount : Math.floor((pageCount * percentage) / 100);
  return { percentage, pagesConverted, ...(pageCount !== undefined ? { pageCount } : {}) };
}
