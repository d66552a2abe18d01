/** The one way input is checked against a schema before any vendor call: InvalidInputError with every issue. */
import type { z } from 'zod';
import { InvalidInputError } from '../errors';
import { formatIssues } from './issues';

/**
 * Parses `value` or throws InvalidInputError naming `what` (an issue on the value itself is named
 * `root`): bad input never reaches Temporal or a vendor.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string, root = '(input)'): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new InvalidInputError(`invalid ${what}`, formatIssues(r.error, root));
  return r.data;
}
