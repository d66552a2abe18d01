/**
 * GET /openapi.json: served without a key, an OpenAPI 3.1 document that names every route the server
 * really registers (and no route it does not), whose auth claims hold, and whose schemas, generated from
 * the zod schemas, refuse and accept what the routes refuse and accept.
 */
import Ajv2020 from 'ajv/dist/2020';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { startApi, type TestApi } from '../helpers/api';
import { sharedEnvironment } from '../helpers/temporal';

const shared = sharedEnvironment();
let api: TestApi;
let doc: any;

beforeAll(async () => {
  api = await startApi(shared.env.client);
  const res = await request(`${api.base}/openapi.json`);
  expect(res.statusCode).toBe(200);
  doc = await res.body.json();
});
afterAll(async () => {
  await api?.server.close();
});

/**
 * "METHOD /path" for every route fastify registered (HEAD, which fastify adds to each GET, left out), read
 * from printRoutes' tree: each line is a node, indented 4 characters per level, with its methods in parentheses.
 */
function registeredRoutes(app: FastifyInstance): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    stack.length = depth;
    stack.push(m[2]);
    for (const method of (m[3] ?? '').split(', ').filter((x) => x && x !== 'HEAD')) routes.push(`${method} ${stack.join('')}`);
  }
  return routes.sort();
}

const documentedRoutes = (): string[] =>
  Object.entries(doc.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`))
    .sort();

describe('/openapi.json', () => {
  test('is an OpenAPI 3.1 document that covers exactly the routes the server registers', () => {
    expect(doc.openapi).toBe('3.1.0');
    const registered = registeredRoutes(api.server);
    // the reader of printRoutes must have found the routes every deployment has
    expect(registered).toEqual(expect.arrayContaining(['GET /healthz', 'GET /openapi.json', 'POST /v1/recordings', 'PATCH /v1/relays/:id', 'POST /webhooks/agora/ncs']));
    expect(registered.length).toBeGreaterThan(25);
    expect(documentedRoutes()).toEqual(registered);
  });

  test('its security holds: every /v1 route needs the key (401 without), the public routes answer without one', async () => {
    const sample = (path: string) => path.replace(/\{id\}/g, encodeURIComponent('cloud-recording/default/main/openapi')).replace(/\{profile\}/g, 'default');
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(ops)) {
        const keyed = op.security.some((s: Record<string, unknown>) => 'apiKey' in s);
        expect([path, keyed]).toEqual([path, path.startsWith('/v1/')]);
        if (!keyed && method !== 'get') continue; // the webhooks check their own signatures
        const res = await request(`${api.base}${sample(path)}`, {
          method: method.toUpperCase() as 'GET',
          headers: { 'content-type': 'application/json' },
          body: method === 'get' ? undefined : '{}',
        });
        await res.body.dump();
        expect([method, path, res.statusCode === 401]).toEqual([method, path, keyed]);
      }
    }
  });

  test('its schemas come from the zod schemas: they accept and refuse what the routes accept and refuse', async () => {
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, validateFormats: false });
    ajv.addKeyword('components'); // the document's schemas live under it; the root itself checks nothing
    ajv.addSchema({ $id: 'rtcflow', components: doc.components });
    const validate = (name: string, body: unknown) => {
      const check = ajv.getSchema(`rtcflow#/components/schemas/${name}`);
      if (!check) throw new Error(`no schema ${name}`);
      return check(body) ? 'valid' : 'invalid';
    };
    const bodyOf = (method: string, path: string) => doc.paths[path][method].requestBody.content['application/json'].schema;
    expect(bodyOf('post', '/v1/relays')).toEqual({ $ref: '#/components/schemas/RelayInput' });
    expect(bodyOf('post', '/v1/recordings').oneOf).toEqual([{ $ref: '#/components/schemas/AgoraRecordingInput' }, { $ref: '#/components/schemas/SparkRtcRecordingInput' }]);

    const relay = { channel: 'openapi', region: 'na', rtmpUrl: 'rtmp://cdn.example.com/live/a', raw: { rtcStreamUid: 701 } };
    const cases: Array<[string, string, unknown, 'valid' | 'invalid']> = [
      ['POST /v1/relays', 'RelayInput', { ...relay, surprise: 1 }, 'invalid'],
      ['POST /v1/relays', 'RelayInput', { ...relay, rtmpUrl: 'javascript:alert(1)' }, 'invalid'],
      ['POST /v1/transcriptions', 'SttInput', { channel: 'openapi', languages: ['en-US'], surprise: 1 }, 'invalid'],
      ['POST /v1/recordings', 'AgoraRecordingInput', { channel: 'openapi', mode: 'mix', surprise: 1 }, 'invalid'],
      ['POST /v1/recordings', 'AgoraRecordingInput', { channel: 'openapi', mode: 'stereo' }, 'invalid'],
      ['PATCH /v1/relays/relay%2Fdefault%2Fmain%2Fopenapi', 'RelayChange', { rtmpUrl: 'rtmp://cdn.example.com/live/b', surprise: 1 }, 'invalid'],
    ];
    for (const [route, schema, body, expected] of cases) {
      const [method, path] = route.split(' ');
      expect([route, body, validate(schema, body)]).toEqual([route, body, expected]);
      const res = await api.call(method as 'POST', path, body);
      expect([route, body, res.status]).toEqual([route, body, 400]);
    }
    // what the routes take, the document takes (defaults make fields optional: the input form)
    expect(validate('RelayInput', relay)).toBe('valid');
    expect(validate('SttInput', { channel: 'openapi', languages: ['en-US'] })).toBe('valid');
    expect(validate('AgoraRecordingInput', { channel: 'openapi' })).toBe('valid');
    expect(validate('AgoraRecordingInput', { channel: 'openapi', vendor: 'agora' })).toBe('valid');
    expect(validate('RecordingChange', { onhold: true })).toBe('valid');
  });
});
