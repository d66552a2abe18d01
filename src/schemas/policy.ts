/**
 * What a caller may put in a session's input beyond what its schema accepts: the rules every public
 * entry point (typed client, HTTP API, CLI) applies before a workflow starts.
 *
 * - Interval floors: a caller cannot make a session query the vendor more than once per
 *   `pollIntervalMs` floor (5 s) nor confirm faster than once a second. The schemas themselves allow
 *   less, because the workflow parses its own input with them and tests run against an emulator.
 * - Test hooks (`maxHistoryEvents`): refused.
 * - Credential-like fields anywhere in the input, in any case or spelling, http(s) URLs carrying
 *   credentials, and URL fields with a scheme no vendor should fetch (`javascript:`, `file:`, `data:`):
 *   refused with their paths (src/schemas/hygiene.ts), also inside the loosely typed parts.
 *
 * `TEST_INPUT_POLICY` lifts the first two for tests against the emulator (a deployment that sets
 * RTCFLOW_TEST_HOOKS=1); credentials are refused under every policy.
 */
import { findCredentials, findUnsafeUrls } from './hygiene';

export interface InputPolicy {
  /** accept test-only knobs and intervals below the public floors */
  testHooks: boolean;
}

export const PUBLIC_INPUT_POLICY: InputPolicy = Object.freeze({ testHooks: false });
export const TEST_INPUT_POLICY: InputPolicy = Object.freeze({ testHooks: true });

/** The least a public caller may set each interval field to (top-level input fields, any lifecycle). */
export const PUBLIC_INTERVAL_FLOORS_MS: Readonly<Record<string, number>> = Object.freeze({
  pollIntervalMs: 5_000,
  confirmPollMs: 1_000,
  muteVerifyMs: 1_000,
  reconnectWatchMs: 1_000,
  listDelayMs: 1_000,
});

/** Input fields that exist only for tests. */
export const TEST_HOOK_FIELDS: readonly string[] = Object.freeze(['maxHistoryEvents']);

/**
 * The issues of a raw input under `policy` (formatted as `path: message`, like formatIssues). Runs on the
 * caller's raw value, before defaults, so only what the caller wrote is judged.
 */
export function policyIssues(raw: unknown, policy: InputPolicy = PUBLIC_INPUT_POLICY): string[] {
  const issues = [...findCredentials(raw), ...findUnsafeUrls(raw)].map((i) => `${i.path.length ? i.path.join('.') : '(input)'}: ${i.message}`);
  if (policy.testHooks || !raw || typeof raw !== 'object' || Array.isArray(raw)) return issues;
  const input = raw as Record<string, unknown>;
  for (const field of TEST_HOOK_FIELDS) {
    if (input[field] !== undefined) issues.push(`${field}: a test hook, not part of the public input`);
  }
  for (const [field, floor] of Object.entries(PUBLIC_INTERVAL_FLOORS_MS)) {
    const v = input[field];
    if (typeof v === 'number' && v < floor) issues.push(`${field}: must be at least ${floor} ms`);
  }
  return issues;
}
