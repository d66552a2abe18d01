/** Agora RESTful authentication as the API gateway enforces it (agora.md §1.2, §2.9). */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hmacSignature, parseHmacAuthorization, sha256Digest } from '../../src/agora/auth';
import type { AgoraAccount, World } from '../world';

declare module 'fastify' {
  interface FastifyRequest {
    agoraAccount?: AgoraAccount;
  }
}

/** preHandler: Basic auth, then the App ID in the path must belong to the account. */
export function agoraBasicAuth(world: World) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.authorization ?? '';
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/.exec(header);
    let account: AgoraAccount | undefined;
    if (m) {
      const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i > 0) account = world.agoraAccountFor(decoded.slice(0, i), decoded.slice(i + 1));
    }
    if (!account) {
      return reply.code(401).send({ message: m ? 'Invalid authentication credentials' : 'Unauthorized' });
    }
    const appId = (req.params as { appid?: string }).appid;
    if (appId !== undefined && !(appId in account.apps)) {
      return reply.code(400).send({ message: 'appid is invalid' });
    }
    req.agoraAccount = account;
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** the exact body bytes, captured by captureRawJsonBody (HMAC digest checks need them) */
    rawBody?: string;
  }
}

/** Largest distance between the request's Date header and the emulator clock an HMAC request may have. */
export const HMAC_CLOCK_SKEW_MS = 15 * 60_000;

/**
 * Makes the routes registered on `instance` (an encapsulated plugin context) parse JSON themselves:
 * the exact body text is kept on `req.rawBody` for HMAC digest checks, an empty body is no body (DELETE
 * requests often carry `Content-Type: application/json` and nothing else), and malformed JSON answers 400.
 * Other content types get fastify's 415. The global parser is untouched.
 */
export function captureRawJsonBody(instance: FastifyInstance): void {
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    req.rawBody = text;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('Invalid JSON body.'), { statusCode: 400 }), undefined);
    }
  });
}

/**
 * preHandler: Basic auth or Agora's HMAC scheme (agora.md §1.2, webhooks.md §3), then the App ID in the
 * path must belong to the account. HMAC: `Authorization: hmac username=…, algorithm="hmac-sha256",
 * headers="host date request-line digest", signature=…` where the signature is base64 HMAC-SHA256 with
 * the customer secret over `host: …\ndate: …\n{METHOD} {path} HTTP/1.1\ndigest: SHA-256=…`. The Date
 * header must be within 15 minutes of the emulator clock; a Digest header, when sent, must match the raw
 * body. The host line may be the Host header or, as in the seed's Node sample, scheme + Host.
 * Routes using it must capture the raw body (captureRawJsonBody) for requests that carry one.
 */
export function agoraAuth(world: World) {
  const basic = agoraBasicAuth(world);
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.authorization ?? '';
    if (!/^hmac\s/i.test(header)) return basic(req, reply);
    const refusal = verifyHmac(world, req, header);
    if (typeof refusal === 'string') return reply.code(401).send({ message: refusal });
    const appId = (req.params as { appid?: string }).appid;
    if (appId !== undefined && !(appId in refusal.apps)) return reply.code(400).send({ message: 'appid is invalid' });
    req.agoraAccount = refusal;
  };
}

/** The account an HMAC Authorization header proves, or why it is refused. */
function verifyHmac(world: World, req: FastifyRequest, header: string): AgoraAccount | string {
  const fields = parseHmacAuthorization(header);
  const invalid = 'Invalid authentication credentials';
  if (!fields?.username || !fields.signature) return invalid;
  if ((fields.algorithm ?? '').toLowerCase() !== 'hmac-sha256') return 'HMAC algorithm not supported';
  if ((fields.headers ?? '').trim().split(/\s+/).join(' ') !== 'host date request-line digest')
    return 'HMAC signature cannot be verified: headers must be "host date request-line digest"';
  const account = world.agoraAccounts.find((a) => a.customerId === fields.username);
  if (!account) return invalid;
  const date = firstHeader(req, 'date');
  const at = date ? Date.parse(date) : NaN;
  if (!date || Number.isNaN(at) || Math.abs(at - world.now()) > HMAC_CLOCK_SKEW_MS) {
    return 'HMAC signature cannot be verified, a valid date header is required for HMAC Authentication';
  }
  const body = req.rawBody ?? '';
  const digestHeader = firstHeader(req, 'digest');
  if (digestHeader !== undefined && digestHeader !== sha256Digest(body)) return 'HMAC signature does not match: the Digest header does not match the body';
  const host = firstHeader(req, 'host') ?? '';
  const given = Buffer.from(fields.signature, 'utf8');
  for (const h of [host, `http://${host}`, `https://${host}`]) {
    const expected = Buffer.from(hmacSignature(account.customerSecret, { host: h, date, method: req.method, path: req.url, body }), 'utf8');
    if (expected.length === given.length && timingSafeEqual(expected, given)) return account;
  }
  return 'HMAC signature does not match';
}

function firstHeader(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
