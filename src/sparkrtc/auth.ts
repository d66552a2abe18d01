/**
 * SparkRTC authentication (sparkrtc.md §2): AK/SK request signing (recommended) or an IAM user token in
 * `X-Auth-Token`. Either way the credential is applied per attempt, right before sending: a signature
 * is good for 15 minutes around its X-Sdk-Date, a token for 24 hours.
 *
 * Secrets (SK, IAM password, tokens) live in private fields: they never serialise, never enter an error
 * message, and never leave the worker.
 */
import { randomUUID } from 'node:crypto';
import type { HttpClient } from '../http/client';
import { ConfigurationError } from '../errors';
import { VendorError } from '../http/errors';
import type { SparkRtcIam, SparkRtcProfile } from '../config';
import { TokenResponse, type TokenRequest } from '../schemas/sparkrtc/iam';
import { sparkRtcError } from './errors';
import { sign } from './signer';

/** One attempt's request, as the authenticator sees it. */
export interface AuthTarget {
  method: string;
  /** the absolute URL, query canonical */
  url: string;
  /** headers already chosen (content-type, host, x-project-id); the ones to sign with AK/SK */
  headers: Record<string, string>;
  /** the exact body bytes */
  body: string;
}

export interface SparkRtcAuth {
  readonly kind: 'aksk' | 'token';
  /** the credential headers of one attempt */
  authorize(target: AuthTarget): Promise<Record<string, string>>;
  /**
   * The vendor refused the credential (401, RTC.00001001). Returns true when a fresh credential may
   * succeed, so the call is repeated once; false when repeating cannot help.
   */
  refresh(): boolean;
}

/** AK/SK signing: Authorization + X-Sdk-Date (+ X-Security-Token for temporary credentials). */
export class AkSkAuth implements SparkRtcAuth {
  readonly kind = 'aksk' as const;
  readonly ak: string;
  readonly #sk: string;
  readonly #securityToken?: string;
  readonly #now: () => number;

  constructor(credentials: { ak: string; sk: string; securityToken?: string }, opts: { now?: () => number } = {}) {
    this.ak = credentials.ak;
    this.#sk = credentials.sk;
    this.#securityToken = credentials.securityToken;
    this.#now = opts.now ?? Date.now;
  }

  async authorize(t: AuthTarget): Promise<Record<string, string>> {
    const headers = { ...t.headers, ...(this.#securityToken ? { 'x-security-token': this.#securityToken } : {}) };
    const signed = sign({ ak: this.ak, sk: this.#sk }, { method: t.method, url: t.url, headers, body: t.body }, { date: this.#now() });
    return {
      authorization: signed.authorization,
      'x-sdk-date': signed.sdkDate,
      host: signed.headers.host!,
      ...(this.#securityToken ? { 'x-security-token': this.#securityToken } : {}),
    };
  }

  /** The same key signs the same way: a refused signature stays refused. */
  refresh(): boolean {
    return false;
  }

  toJSON(): Record<string, string> {
    return { kind: this.kind, ak: this.ak };
  }
}

export interface IamTokenOptions {
  /** refresh this long before the token expires (default 1 hour: a 24 h token is used for ~23 h) */
  refreshMarginMs?: number;
  /** the project scope's name (the region, e.g. cn-north-4) when `scope` is 'project' */
  projectName?: string;
  now?: () => number;
}

interface CachedToken {
  token: string;
  /** local clock */
  refreshAt: number;
  expiresAt: number;
}

/**
 * IAM password → token (POST {iam}/v3/auth/tokens, token in the X-Subject-Token response header),
 * cached until shortly before it expires, shared by concurrent calls, dropped on the first 401.
 */
export class IamTokenAuth implements SparkRtcAuth {
  readonly kind = 'token' as const;
  readonly #iam: SparkRtcIam;
  readonly #http: HttpClient;
  readonly #margin: number;
  readonly #projectName?: string;
  readonly #now: () => number;
  #cached?: CachedToken;
  #inflight?: Promise<CachedToken>;
  /** how many tokens this authenticator has fetched (observability, tests) */
  fetches = 0;

  constructor(iam: SparkRtcIam, http: HttpClient, opts: IamTokenOptions = {}) {
    this.#iam = iam;
    this.#http = http;
    this.#margin = opts.refreshMarginMs ?? 60 * 60_000;
    this.#projectName = opts.projectName;
    this.#now = opts.now ?? Date.now;
  }

  async authorize(): Promise<Record<string, string>> {
    return { 'x-auth-token': await this.token() };
  }

  /** A valid token: the cached one, or a new one when it is missing or near its expiry. */
  async token(): Promise<string> {
    const c = this.#cached;
    if (c && this.#now() < c.refreshAt) return c.token;
    this.#inflight ??= this.fetch().finally(() => (this.#inflight = undefined));
    return (await this.#inflight).token;
  }

  refresh(): boolean {
    this.#cached = undefined;
    return true;
  }

  toJSON(): Record<string, string> {
    return { kind: this.kind, user: this.#iam.userName, domain: this.#iam.domainName };
  }

  private async fetch(): Promise<CachedToken> {
    const site = { vendor: 'sparkrtc' as const, product: 'iam', operation: 'createToken', idempotent: true };
    const scope: NonNullable<TokenRequest['auth']['scope']> =
      this.#iam.scope === 'project' ? { project: { name: this.#projectName ?? 'cn-north-4' } } : { domain: { name: this.#iam.domainName } };
    const body: TokenRequest = {
      auth: {
        identity: { methods: ['password'], password: { user: { name: this.#iam.userName, password: this.#iam.password, domain: { name: this.#iam.domainName } } } },
        scope,
      },
    };
    const res = await this.#http.send({
      method: 'POST',
      url: `${this.#iam.endpoint.replace(/\/+$/, '')}/v3/auth/tokens`,
      headers: { 'content-type': 'application/json;charset=utf8' },
      body: JSON.stringify(body),
      site,
      requestId: randomUUID(),
    });
    if (res.status < 200 || res.status >= 300) throw sparkRtcError(site, res);
    const token = res.headers['x-subject-token'];
    const parsed = TokenResponse.safeParse(res.body);
    if (!token || !parsed.success) {
      throw new VendorError({
        vendor: 'sparkrtc',
        product: 'iam',
        operation: 'createToken',
        httpStatus: res.status,
        code: 'RESPONSE_SCHEMA',
        reason: !token ? 'IAM answered without an X-Subject-Token header' : 'IAM token response has no token.expires_at',
        requestId: res.requestId,
        retryable: false,
        ambiguous: false,
      });
    }
    // lifetime from the server's own issued/expires pair, applied to the local clock: immune to skew
    const expires = Date.parse(parsed.data.token.expires_at);
    const issued = parsed.data.token.issued_at ? Date.parse(parsed.data.token.issued_at) : NaN;
    const now = this.#now();
    const lifetime = Number.isNaN(issued) || Number.isNaN(expires) ? Math.max(0, (Number.isNaN(expires) ? now : expires) - now) : expires - issued;
    const margin = Math.min(this.#margin, lifetime / 2);
    this.fetches++;
    this.#cached = { token, expiresAt: now + lifetime, refreshAt: now + lifetime - margin };
    return this.#cached;
  }
}

/** The authenticator a profile asks for: AK/SK unless `auth: 'token'` (or no AK/SK). */
export function authFromProfile(profile: SparkRtcProfile, http: HttpClient, opts: IamTokenOptions = {}): SparkRtcAuth {
  const kind = profile.auth ?? (profile.ak && profile.sk ? 'aksk' : 'token');
  if (kind === 'aksk') {
    if (!profile.ak || !profile.sk) throw new ConfigurationError('the SparkRTC profile asks for AK/SK signing but has no ak/sk');
    return new AkSkAuth({ ak: profile.ak, sk: profile.sk, securityToken: profile.securityToken }, opts);
  }
  if (!profile.iam) throw new ConfigurationError('the SparkRTC profile asks for token authentication but has no iam credentials');
  return new IamTokenAuth(profile.iam, http, { projectName: profile.region, ...opts });
}
