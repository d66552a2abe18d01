/**
 * API keys of the HTTP API: `Authorization: Bearer <key>`.
 *
 * Keys are configured by their SHA-256 (hex), never in clear (RTCFLOW_API_KEYS / RTCFLOW_API_KEYS_FILE,
 * see src/config): a leaked configuration does not leak a key. A key is a random 32-byte token, so a fast
 * hash is enough (no password stretching needed). The presented key is hashed and compared with every
 * configured hash in constant time.
 *
 * Each key is scoped to profiles (the tenants: an Agora project or SparkRTC tenant profile, the second
 * segment of every session ID); `"*"` means every profile. A key may start sessions only for its
 * profiles and sees only their sessions: another tenant's session answers 404, as if it did not exist.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ProfileName } from '../schemas/workflows/common';

export const ApiKeyEntry = z.strictObject({
  /** names the key in logs (never the key itself) */
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
  /** hex SHA-256 of the key (`rtcflow api-key new` prints it) */
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'sha256 must be 64 hex digits')
    .transform((s) => s.toLowerCase()),
  /** the profiles (tenants) this key may use; "*" for all */
  profiles: z.array(z.union([z.literal('*'), ProfileName])).min(1),
});
export type ApiKeyEntry = z.output<typeof ApiKeyEntry>;

/** Who made a request: the key's id and the profiles it may use. */
export interface ApiPrincipal {
  keyId: string;
  /** a key for every profile ("*") */
  allProfiles: boolean;
  mayUse(profile: string): boolean;
}

export const API_KEY_PREFIX = 'rtcf_';

/** A new random key (shown once; store only its hash). */
export function newApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The configured keys; `authenticate` answers who an Authorization header belongs to. */
export class ApiKeyring {
  private readonly entries: ReadonlyArray<{ id: string; hash: Buffer; all: boolean; profiles: ReadonlySet<string> }>;

  constructor(entries: readonly ApiKeyEntry[]) {
    const ids = new Set<string>();
    this.entries = entries.map((e) => {
      if (ids.has(e.id)) throw new Error(`API key id "${e.id}" is configured twice`);
      ids.add(e.id);
      return { id: e.id, hash: Buffer.from(e.sha256, 'hex'), all: e.profiles.includes('*'), profiles: new Set(e.profiles) };
    });
  }

  get size(): number {
    return this.entries.length;
  }

  /** The principal of a `Bearer` header, or undefined (missing, malformed or unknown key). */
  authenticate(header: string | string[] | undefined): ApiPrincipal | undefined {
    const value = Array.isArray(header) ? header[0] : header;
    const m = /^Bearer\s+([A-Za-z0-9_\-.~+/=]{16,256})\s*$/i.exec(value ?? '');
    if (!m) return undefined;
    const presented = createHash('sha256').update(m[1]!, 'utf8').digest();
    // every entry is compared (no early exit), each in constant time
    let found: (typeof this.entries)[number] | undefined;
    for (const e of this.entries) if (timingSafeEqual(presented, e.hash) && !found) found = e;
    if (!found) return undefined;
    const { id, all, profiles } = found;
    return { keyId: id, allProfiles: all, mayUse: (profile) => all || profiles.has(profile) };
  }
}

/** A keyring of one fresh key for every profile (`npm start`'s local key, tests). */
export function singleKeyring(id = 'local'): { key: string; keyring: ApiKeyring; entry: ApiKeyEntry } {
  const key = newApiKey();
  const entry: ApiKeyEntry = { id, sha256: hashApiKey(key), profiles: ['*'] };
  return { key, keyring: new ApiKeyring([entry]), entry };
}

/** The profile (tenant) a session ID belongs to: `<product>/<profile>/...`. */
export function profileOfSessionId(id: string): string | undefined {
  const parts = id.split('/');
  return parts.length >= 3 ? parts[1] : undefined;
}

/** Where `npm start` leaves this run's local key for the CLI (`rtcflow api-key show`). */
export function localApiKeyPath(dataDir: string): string {
  return join(dataDir, 'api-key');
}

export function writeLocalApiKey(dataDir: string, key: string): void {
  writeFileSync(localApiKeyPath(dataDir), `${key}\n`, { mode: 0o600 });
}

export function readLocalApiKey(dataDir: string): string | undefined {
  try {
    return readFileSync(localApiKeyPath(dataDir), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
