/**
 * The one zod-issue formatter: every place that reports a schema's verdict (input errors, the workflow's
 * update validators, response parsing, the emulator's 400s) words it the same way. Free of Node imports:
 * workflow code uses it too.
 */
import type { z } from 'zod';

/** `path.to.field: message` per issue; an issue on the value itself is named `root`. */
export function formatIssues(error: z.ZodError | readonly z.core.$ZodIssue[], root = '(input)'): string[] {
  const issues = Array.isArray(error) ? error : (error as z.ZodError).issues;
  return issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : root}: ${i.message}`);
}

/** The issues on one line, `; `-separated, for error messages. */
export function describeIssues(error: z.ZodError | readonly z.core.$ZodIssue[], root = '(input)'): string {
  return formatIssues(error, root).join('; ');
}
