/**
 * Domain errors: what rtcflow itself refuses, before or apart from any vendor call. (What a vendor
 * answered is the taxonomy in src/http/errors.ts.) Free of Node imports so workflow code can import them.
 */

/** Bad input found before any vendor call was made. Never retryable. */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
  constructor(
    message: string,
    public readonly issues: string[] = [],
  ) {
    super(issues.length ? `${message}: ${issues.join('; ')}` : message);
  }
}

/** The worker's configuration cannot serve a request (e.g. a profile it does not have). Never retryable. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/** The environment or the profiles file is invalid or incomplete: found at start, one line per problem. */
export class ConfigValidationError extends ConfigurationError {
  override name = 'ConfigValidationError';
}
