/**
 * The HTTP layer's shortcuts must not change what is sent: a URL it splits itself goes to exactly the
 * origin and path undici's own parsing (new URL) would give, anything else takes that parsing; the
 * request IDs stay UUID-shaped and unique; a cached Basic header is the header of its own credentials.
 */
import { fc, test } from '@fast-check/jest';
import { MockAgent } from 'undici';
import { HttpClient, splitUrl } from '../../src/http/client';
import { basicAuthorization } from '../../src/agora/auth';

const SITE = { vendor: 'agora' as const, product: 'p', operation: 'o', idempotent: true };

function viaUrl(url: string): { origin: string; path: string } | undefined {
  try {
    const u = new URL(url);
    return { origin: u.origin, path: u.pathname + u.search };
  } catch {
    return undefined;
  }
}

const CHARS = [
  'a',
  'Z',
  '0',
  '-',
  '.',
  '_',
  '~',
  '%',
  '%2e',
  '%2E',
  '%41',
  '/',
  '?',
  '#',
  '&',
  '=',
  ':',
  '@',
  "'",
  ' ',
  '"',
  '\\',
  '..',
  './',
  'é',
  '<',
  '{',
  '+',
  '!',
  '$',
  ',',
  ';',
  '*',
  '(',
  ')',
];
const pathArb = fc.array(fc.constantFrom(...CHARS), { maxLength: 12 }).map((parts) => `/${parts.join('')}`);
const originArb = fc.constantFrom(
  'http://127.0.0.1:8480',
  'https://api.sd-rtn.com',
  'HTTP://API.Agora.IO:443',
  'http://host:80',
  'https://u:p@h',
  'http://h?q=',
  'http://h#f',
  'ftp://h',
  'http://',
  'https://[::1]:9',
);

test.prop([originArb, pathArb], { numRuns: 20_000 })('a URL split without new URL() has the origin and path new URL() gives', (origin, path) => {
  const url = origin + path;
  const split = splitUrl(url);
  if (split) expect(split).toEqual(viaUrl(url));
});

test('plain vendor URLs take the shortcut; odd ones fall back to new URL()', () => {
  expect(splitUrl('http://127.0.0.1:8480/v1/apps/abc/cloud_recording/resourceid/r%2F1/sid/s/mode/mix/query')).toEqual({
    origin: 'http://127.0.0.1:8480',
    path: '/v1/apps/abc/cloud_recording/resourceid/r%2F1/sid/s/mode/mix/query',
  });
  expect(splitUrl('https://api.sd-rtn.com/v1/projects/p/rtmp-converters?cursor=12')).toEqual({
    origin: 'https://api.sd-rtn.com',
    path: '/v1/projects/p/rtmp-converters?cursor=12',
  });
  for (const odd of ['http://h/a/../b', 'http://h/a b', 'http://h/a#x', 'https://u:p@h/x', 'http://h', 'http://h/%2e%2E/x', 'http://h/é', 'http://h/x?'])
    expect(splitUrl(odd)).toBeUndefined();
});

test('both paths send to the same place: a plain and an odd URL reach the mocked origin with the normalised path', async () => {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get('http://h.test');
  const seen: string[] = [];
  pool
    .intercept({ path: () => true, method: 'GET' })
    .reply((opts) => {
      seen.push(opts.path);
      return { statusCode: 200, data: { ok: true }, responseOptions: { headers: { 'content-type': 'application/json' } } };
    })
    .times(2);
  const http = new HttpClient({ dispatcher: agent });
  const plain = await http.send({ method: 'GET', url: 'http://h.test/a/b?c=d', site: SITE });
  const odd = await http.send({ method: 'GET', url: 'http://h.test/a/./x/../b c', site: SITE });
  expect(plain).toMatchObject({ status: 200, body: { ok: true } });
  expect(odd).toMatchObject({ status: 200, body: { ok: true } });
  expect(seen).toEqual(['/a/b?c=d', '/a/b%20c']);
});

test('request IDs are UUID-shaped and never repeat', async () => {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const ids: string[] = [];
  agent
    .get('http://h.test')
    .intercept({ path: '/x', method: 'GET' })
    .reply((opts) => {
      ids.push((opts.headers as Record<string, string>)['x-request-id']!);
      return { statusCode: 204, data: '' };
    })
    .times(500);
  const http = new HttpClient({ dispatcher: agent });
  for (let i = 0; i < 500; i++) expect((await http.send({ method: 'GET', url: 'http://h.test/x', site: SITE })).requestId).toBe(ids[i]);
  for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(new Set(ids).size).toBe(500);
});

test('the cached Basic header is that of the credentials asked for', () => {
  const a = { customerId: 'id-a', customerSecret: 'secret-a' };
  const b = { customerId: 'id-a', customerSecret: 'secret-b' };
  for (let i = 0; i < 3; i++) {
    expect(basicAuthorization(a)).toBe(`Basic ${Buffer.from('id-a:secret-a').toString('base64')}`);
    expect(basicAuthorization({ ...b })).toBe(`Basic ${Buffer.from('id-a:secret-b').toString('base64')}`);
  }
});
