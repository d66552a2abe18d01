/**
 * Secret hygiene and safe URLs for public inputs (every lifecycle's start and change schemas).
 *
 * Credentials come from profiles inside the worker, never from a caller: a credential-like field
 * anywhere in an input (any case, any spelling: `secretKey`, `SecretKey`, `secret_key`, `stsToken`,
 * `extensionParams.sts_token`...) is refused with its path, and so is a URL carrying a token in its
 * query or user-info. Such a value would otherwise reach the vendor *and* the workflow history.
 * URLs a vendor fetches (web pages to record, layout images, stream sources) are http(s) only:
 * `javascript:`, `file:`, `data:` and the like are refused.
 */
import { z } from 'zod';

/** Field names (normalised: lower case, no `_`/`-`) that carry credentials wherever they appear. */
const CREDENTIAL_NAMES = new Set([
  'token',
  'storageconfig',
  'credential',
  'credentials',
  'password',
  'passwd',
  'secret',
  'ak',
  'sk',
  'authorization',
  'appcertificate',
  'appcert',
  'signature',
  'pwd',
  'passphrase',
  'cookie',
  'bearer',
]);
/** ...and names ending so (`subBotToken`, `customerSecret`, `accessKey`, `authKey`, `apiKey`...). */
const CREDENTIAL_SUFFIXES = ['token', 'secret', 'secretkey', 'accesskey', 'accesskeyid', 'apikey', 'authkey', 'privatekey', 'privkey', 'password', 'passphrase', 'credentials'];
/** URL query parameters that carry credentials (presigned URLs, bearer tokens in links). */
const CREDENTIAL_PARAMS = [/token/i, /secret/i, /signature/i, /^sig$/i, /password/i, /^(api|access|auth)_?key$/i, /^key$/i, /credential/i];

const normalise = (name: string) => name.toLowerCase().replace(/[_-]/g, '');

/** True for a field name that carries a credential (case- and separator-insensitive). */
export function isCredentialName(name: string): boolean {
  const n = normalise(name);
  return CREDENTIAL_NAMES.has(n) || CREDENTIAL_SUFFIXES.some((s) => n.endsWith(s));
}

/**
 * True for an http(s) URL whose query or user-info carries a credential. Stream URLs (rtmp, srt) are
 * not judged: a CDN push address carries its stream key by design, and that key is the product.
 */
export function urlCarriesCredential(value: string): boolean {
  const text = value.trim();
  if (!/^https?:\/\//i.test(text)) return false;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.username || url.password) return true;
  // a token in the fragment (`#access_token=…`) leaks as surely as one in the query
  const fragment = new URLSearchParams(url.hash.replace(/^#/, ''));
  return [...url.searchParams.keys(), ...fragment.keys()].some((k) => CREDENTIAL_PARAMS.some((re) => re.test(k)));
}

export interface CredentialIssue {
  path: (string | number)[];
  message: string;
}

/** Every credential-like field or credential-carrying URL in `value`, with its path. */
export function findCredentials(value: unknown, path: (string | number)[] = [], depth = 0): CredentialIssue[] {
  if (depth > 64) return [];
  if (typeof value === 'string') return urlCarriesCredential(value) ? [{ path, message: 'URLs must not carry credentials (a token, signature or user:password in the URL)' }] : [];
  if (!value || typeof value !== 'object') return [];
  const issues: CredentialIssue[] = [];
  for (const [k, child] of Object.entries(value)) {
    const key = Array.isArray(value) ? Number(k) : k;
    if (typeof key === 'string' && isCredentialName(key)) {
      issues.push({ path: [...path, key], message: `"${key}" must not be passed in: credentials come from the worker's profiles` });
    } else issues.push(...findCredentials(child, [...path, key], depth + 1));
  }
  return issues;
}

/** A superRefine step: adds an issue for each credential found in the whole input. */
export function rejectCredentials(value: unknown, ctx: z.RefinementCtx, path: (string | number)[] = []): void {
  for (const issue of findCredentials(value, path)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
}

/** Wraps a public schema so credential-like fields anywhere in it are refused with their paths. */
export function withoutCredentials<S extends z.ZodType>(schema: S): z.ZodPipe<z.ZodAny, S> {
  return z
    .any()
    .superRefine((value, ctx) => rejectCredentials(value, ctx))
    .pipe(schema);
}

/** A URL a vendor will fetch: http or https only, and no credential in it. */
export const HttpUrl = z
  .string()
  .max(2_048)
  .refine((v) => /^https?:\/\//i.test(v) && URL.canParse(v), 'must be an http(s):// URL')
  .refine((v) => !urlCarriesCredential(v), 'URLs must not carry credentials');

/**
 * Schemes a vendor may be asked to fetch or push to: web pages and images (http, https), streams (rtmp,
 * rtmps, srt), and object storage where the vendor documents it (SparkRTC layout images are `s3://` OBS
 * objects, sparkrtc.md §mix layout).
 */
const FETCHABLE_SCHEMES = new Set(['http', 'https', 'rtmp', 'rtmps', 'srt', 's3']);
/** Fields that hold a URL, by name (`url`, `rtmpUrl`, `image_url`, `backgroundImage`, `imageUrl`...). */
const isUrlField = (name: string) => {
  const n = normalise(name);
  return n.endsWith('url') || n.endsWith('image') || n.endsWith('uri');
};

/**
 * Every URL-holding field (by name) anywhere in `value` whose scheme a vendor must never be given
 * (`javascript:`, `file:`, `data:`...): the rule also reaches the loosely typed parts of an input that
 * are passed through to the vendor.
 */
export function findUnsafeUrls(value: unknown, path: (string | number)[] = [], depth = 0): CredentialIssue[] {
  if (depth > 64 || !value || typeof value !== 'object') return [];
  const issues: CredentialIssue[] = [];
  for (const [k, child] of Object.entries(value)) {
    const key = Array.isArray(value) ? Number(k) : k;
    if (typeof key === 'string' && typeof child === 'string' && isUrlField(key)) {
      const scheme = /^\s*([a-z][a-z0-9+.-]*):/i.exec(child)?.[1]?.toLowerCase();
      if (scheme && !FETCHABLE_SCHEMES.has(scheme))
        issues.push({ path: [...path, key], message: `must be an http(s):// URL (or a stream or storage URL the vendor documents), not ${scheme}:` });
    } else issues.push(...findUnsafeUrls(child, [...path, key], depth + 1));
  }
  return issues;
}
