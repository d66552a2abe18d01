/**
 * Shared by the Real-Time STT and Cloud Transcoder clients (agora.md §3, §4, §8): input validation
 * before any call, the builderToken result, and telling a vanished resource from a wrong URL.
 */
import { VendorError } from '../http/errors';
import { isGoneAnswer } from './meanings/common';

/** A 404 about the resource (it is gone), not the API gateway's "no Route matched" for a wrong URL. */
export function isResourceGone(err: unknown): err is VendorError {
  return err instanceof VendorError && isGoneAnswer(err.info);
}

/** A 2xx that lacks the identifier a create must return: what was created cannot be told. */
export function missingId(product: string, operation: string, status: number, requestId: string, field: string): VendorError {
  return new VendorError({
    vendor: 'agora',
    product,
    operation,
    httpStatus: status,
    code: 'NO_ID',
    reason: `${operation} succeeded without ${field}`,
    requestId,
    retryable: false,
    ambiguous: true,
  });
}

export interface BuilderTokenResult {
  /** the builderToken */
  tokenName: string;
  /** Unix seconds, as Agora reports it */
  createTs?: number;
  requestId: string;
}
