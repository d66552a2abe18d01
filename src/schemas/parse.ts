/** The one way input is checked against a schema before any vendor call: InvalidInputError with every issue. */
import type { z } from 'zod';
import { InvalidInputError } from '../errors';
import { formatIssues } from './issues';

/** Parses `value` or throws InvalidInputError naming `what`: bad input never reaches a vendor. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new InvalidInputError(`invalid ${what}`, formatIssues(r.error));
  return r.data;
}
