/** Tolerant parsing of a vendor's 2xx body; a body of the wrong shape is a typed VendorError. */
import type { z } from 'zod';
import type { CallSite } from './client';
import { describeIssues } from '../schemas/issues';
import { VendorError } from './errors';

export function parseVendorResponse<S extends z.ZodType>(schema: S, body: unknown, site: CallSite, status: number, requestId: string): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new VendorError({
    vendor: site.vendor,
    product: site.product,
    operation: site.operation,
    httpStatus: status,
    code: 'RESPONSE_SCHEMA',
    reason: `unexpected response body: ${describeIssues(parsed.error, '(body)')}`,
    requestId,
    retryable: false,
    // the call itself went through: for a create we do not know what was created
    ambiguous: !site.idempotent,
  });
}
