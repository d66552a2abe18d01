/** What every Agora product's answers share (agora.md §1.6, §2.9). Pure: workflow code imports it. */
import type { VendorErrorInfo } from '../../http/errors';

/** The API gateway's 404 for a path nothing serves: a bug in the URL, never "already gone". */
const NO_ROUTE = /no route matched/i;

/** A 404 about the resource itself: it does not exist (any more). */
export const isGoneAnswer = (i: VendorErrorInfo | undefined): boolean => i?.httpStatus === 404 && !NO_ROUTE.test(i.reason);
