/** Agora RESTful API authentication (agora.md §1.2, webhooks.md §3). */
import { createHash, createHmac } from 'node:crypto';

export interface AgoraCredentials {
  customerId: string;
  customerSecret: string;
}

export type AgoraAuthScheme = 'basic' | 'hmac';

/**
 * Computed once per credential pair: looked up by the customer ID (a profile's own strings, whose hashes V8
 * keeps), checked against the secret. A worker has a handful of profiles; the cache is bounded all the same.
 */
const basicHeaders = new Map<string, { secret: string; header: string }>();

export function basicAuthorization(c: AgoraCredentials): string {
  const cached = basicHeaders.get(c.customerId);
  if (cached !== undefined && cached.secret === c.customerSecret) return cached.header;
  const header = `Basic ${Buffer.from(`${c.customerId}:${c.customerSecret}`).toString('base64')}`;
  if (basicHeaders.size >= 256) basicHeaders.clear();
  basicHeaders.set(c.customerId, { secret: c.customerSecret, header });
  return header;
}

export interface HmacRequestParts {
  /** host[:port] as sent in the Host header */
  host: string;
  /** RFC 1123 date, sent as the Date header */
  date: string;
  method: string;
  /** path with query string */
  path: string;
  /** the exact body bytes ('' when none) */
  body: string;
}

export function sha256Digest(body: string): string {
  return `SHA-256=${createHash('sha256').update(body, 'utf8').digest('base64')}`;
}

/** The string Agora's HMAC scheme signs: host, date, request line and digest, joined by LF. */
export function hmacSigningString(p: HmacRequestParts): string {
  return `host: ${p.host}\ndate: ${p.date}\n${p.method.toUpperCase()} ${p.path} HTTP/1.1\ndigest: ${sha256Digest(p.body)}`;
}

export function hmacSignature(secret: string, p: HmacRequestParts): string {
  return createHmac('sha256', secret).update(hmacSigningString(p), 'utf8').digest('base64');
}

/** The headers (Date, Digest, Authorization) of an HMAC-authenticated Agora request. */
export function hmacHeaders(c: AgoraCredentials, p: HmacRequestParts): Record<string, string> {
  const signature = hmacSignature(c.customerSecret, p);
  return {
    date: p.date,
    digest: sha256Digest(p.body),
    authorization: `hmac username="${c.customerId}", algorithm="hmac-sha256", headers="host date request-line digest", signature="${signature}"`,
  };
}

/** Parses an `Authorization: hmac ...` header into its fields (emulator side). */
export function parseHmacAuthorization(header: string): Record<string, string> | undefined {
  if (!/^hmac\s/i.test(header)) return undefined;
  const fields: Record<string, string> = {};
  for (const m of header.slice(5).matchAll(/(\w+)="([^"]*)"/g)) fields[m[1]!] = m[2]!;
  return fields;
}
