/**
 * What the Media Gateway, Media Push and Media Pull clients share: telling a vanished resource from a
 * wrong URL, reading a 404 as "already gone" (or `null` for a read), the ID of a created resource, and
 * walking a paged list.
 */
import { VendorError } from '../http/errors';
import type { AgoraResult } from './http';
import { isGoneAnswer } from './meanings/common';

/** True for a 404 that means the resource does not exist (any more). */
export function isGone(err: unknown): err is VendorError {
  return err instanceof VendorError && isGoneAnswer(err.info);
}

export type GoneOutcome<Done extends string> = { outcome: Done | 'already_gone'; requestId: string };

/** A destroy/delete/disconnect: `done` when it answered 2xx, `already_gone` on a 404 about the resource. */
export async function doneOrGone<Done extends string>(done: Done, call: Promise<AgoraResult<unknown>>): Promise<GoneOutcome<Done>> {
  try {
    const res = await call;
    return { outcome: done, requestId: res.requestId };
  } catch (err) {
    if (isGone(err)) return { outcome: 'already_gone', requestId: err.info.requestId ?? '' };
    throw err;
  }
}

/** A read: what `read` answers, or null on a 404 about the resource. */
export async function nullIfGone<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (err) {
    if (isGone(err)) return null;
    throw err;
  }
}

/** The ID a create answered, from the body or else X-Resource-ID; a 2xx that names neither is ambiguous. */
export function createdId(product: string, what: string, res: AgoraResult<unknown>, fromBody: string | undefined): string {
  const id = fromBody ?? res.headers['x-resource-id'];
  if (!id) {
    throw new VendorError({
      vendor: 'agora',
      product,
      operation: 'create',
      httpStatus: res.status,
      code: 'NO_RESOURCE_ID',
      reason: `the answer named no ${what} (neither ${what}.id nor X-Resource-ID)`,
      requestId: res.requestId,
      retryable: false,
      ambiguous: true,
    });
  }
  return id;
}

/**
 * Every item of a paged list. `page(token)` fetches one page (`undefined` for the first) and names the
 * next one; the walk ends at an empty next token, at one that repeats the token just used, or after
 * `maxPages` pages.
 */
export async function collectPages<T>(maxPages: number, page: (token: string | undefined) => Promise<{ items: T[]; next: string }>): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  for (let n = 0; n < maxPages; n++) {
    const { items, next } = await page(token);
    all.push(...items);
    if (!next || next === token) return all;
    token = next;
  }
  return all;
}
