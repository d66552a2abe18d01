/** The one way input is checked against a schema before any vendor call: InvalidInputError with every issue. */
import type { z } from 'zod';
import { InvalidInputError } from '../errors';
import { formatIssues } from './issues';
import { policyIssues, PUBLIC_INPUT_POLICY, type InputPolicy } from './policy';

/**
 * Parses `value` or throws InvalidInputError naming `what` (an issue on the value itself is named
 * `root`): bad input never reaches Temporal or a vendor.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string, root = '(input)'): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new InvalidInputError(`invalid ${what}`, formatIssues(r.error, root));
  return r.data;
}

/**
 * A caller's input to a public entry point: the schema's issues and the input policy's
 * (src/schemas/policy.ts: credentials, test hooks, interval floors), all reported together.
 */
export function parsePublicInput<S extends z.ZodType>(schema: S, value: unknown, what: string, policy: InputPolicy = PUBLIC_INPUT_POLICY, root = '(input)'): z.output<S> {
  const r = schema.safeParse(value);
  const issues = [...new Set([...(r.success ? [] : formatIssues(r.error, root)), ...policyIssues(value, policy)])];
  if (issues.length || !r.success) throw new InvalidInputError(`invalid ${what}`, issues);
  return r.data;
}
