/** The one way input is checked against a schema before any vendor call: InvalidInputError with every issue. */
import type { z } from 'zod';
import { InvalidInputError } from '../errors';

export function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
}

/** Parses `value` or throws InvalidInputError naming `what`: bad input never reaches a vendor. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new InvalidInputError(`invalid ${what}`, issuesOf(r.error));
  return r.data;
}
