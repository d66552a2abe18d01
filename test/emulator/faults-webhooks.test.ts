/**
 * The emulator's shared mechanisms over HTTP: fault injection and signed webhooks.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { request } from 'undici';
import { buildBotToken } from '../../src/agora/token';
import { EMULATOR_AGORA, EMULATOR_STORAGE } from '../../src/emulator/defaults';
import { agoraNcsSigner } from '../../src/emulator/webhooks';
import { EmulatorControl, spawnEmulator, type SpawnedEmulator } from '../helpers/emulator';
import { eventually, uniqueId } from '../helpers/temporal';

let emu: SpawnedEmulator;
let control: EmulatorControl;
const APP = EMULATOR_AGORA.appId;
const tokenFor = (channel: string, uid: string) =>
  buildBotToken({ appId: EMULATOR_AGORA.appId, appCertificate: EMULATOR_AGORA.appCertificate, channel, uid: Number(uid), ttlSeconds: 3600 });
const AUTH = `Basic ${Buffer.from(`${EMULATOR_AGORA.customerId}:${EMULATOR_AGORA.customerSecret}`).toString('base64')}`;

beforeAll(async () => {
  emu = await spawnEmulator();
  control = new EmulatorControl(emu.url);
});
afterAll(async () => {
  await emu?.stop();
});
afterEach(async () => {
  await request(`${emu.url}/_emulator/faults`, { method: 'DELETE' }).then((r) => r.body.dump());
});

async function call(method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await request(`${emu.url}/v1/apps/${APP}/cloud_recording${path}`, {
    method,
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

async function addFault(rule: unknown): Promise<void> {
  const res = await request(`${emu.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
  expect(res.statusCode).toBe(201);
  await res.body.dump();
}

const startBody = (cname: string, uid: string) => ({ cname, uid, clientRequest: { token: tokenFor(cname, uid), storageConfig: { ...EMULATOR_STORAGE } } });

test('the NCS signer matches the documented test vector (webhooks.md §2)', () => {
  const body = '{"eventType":10,"noticeId":"4eb720f0-8da7-11e9-a43e-53f411c2761f","notifyMs":1560408533119,"payload":{"a":"1","b":2},"productId":1}';
  expect(agoraNcsSigner('secret', body, 0)).toEqual({
    'Agora-Signature': '5a3bb6a6d9fad2ea9ae3fb707a14c9d7f3136df1',
    'Agora-Signature-V2': 'de96da5acf03b0021ac3b4fa2225e7ae6f3533a30d50bb02c08ea4fa748bda24',
  });
});

test('drop-response applies the start but the caller gets no answer; the recording is running', async () => {
  const cname = uniqueId('fault-drop');
  const acq = await call('POST', '/acquire', { cname, uid: '77', clientRequest: {} });
  await addFault({ match: { product: 'cloud-recording', operation: 'start' }, action: { type: 'drop-response' }, count: 1 });
  const err = await call('POST', `/resourceid/${acq.body.resourceId}/mode/mix/start`, startBody(cname, '77')).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  expect(await control.tasks({ cname, running: true })).toHaveLength(1);
  // the fault was used up: the retry with the same resourceId learns it is running (201 / code 7)
  const retry = await call('POST', `/resourceid/${acq.body.resourceId}/mode/mix/start`, startBody(cname, '77'));
  expect(retry).toMatchObject({ status: 201, body: { code: 7 } });
  const log = await control.requests({ cname });
  expect(log.map((r) => `${r.operation}:${r.fault ?? ''}`)).toEqual(['acquire:', 'start:drop-response', 'start:']);
});

test('a failover window answers 404 to query for its duration, then recovers', async () => {
  const cname = uniqueId('fault-failover');
  const acq = await call('POST', '/acquire', { cname, uid: '78', clientRequest: {} });
  const st = await call('POST', `/resourceid/${acq.body.resourceId}/mode/mix/start`, startBody(cname, '78'));
  const q = `/resourceid/${acq.body.resourceId}/sid/${st.body.sid}/mode/mix/query`;
  await addFault({ match: { product: 'cloud-recording', operation: ['query', 'stop', 'updateLayout'] }, action: { type: 'failover', seconds: 60 } });
  expect(await call('GET', q)).toMatchObject({ status: 404, body: { code: 404 } });
  await control.advanceClock(30_000);
  expect((await call('GET', q)).status).toBe(404);
  await control.advanceClock(31_000);
  expect((await call('GET', q)).status).toBe(200);
});

test('rate-limit answers 429 with Retry-After; error injection stops after `count` hits', async () => {
  const cname = uniqueId('fault-429');
  await addFault({ match: { operation: 'acquire' }, action: { type: 'rate-limit', retryAfterSeconds: 3 }, count: 1 });
  const limited = await call('POST', '/acquire', { cname, uid: '1', clientRequest: {} });
  expect(limited.status).toBe(429);
  expect(limited.headers['retry-after']).toBe('3');
  await addFault({ match: { path: '/acquire$' }, action: { type: 'error', status: 503, body: { message: 'overloaded' } }, count: 2 });
  expect((await call('POST', '/acquire', { cname, uid: '1', clientRequest: {} })).status).toBe(503);
  expect((await call('POST', '/acquire', { cname, uid: '1', clientRequest: {} })).status).toBe(503);
  expect((await call('POST', '/acquire', { cname, uid: '1', clientRequest: {} })).status).toBe(200);
});

describe('webhooks', () => {
  let receiver: Server;
  let url: string;
  const received: Array<{ headers: IncomingMessage['headers']; raw: string }> = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        received.push({ headers: req.headers, raw });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const a = receiver.address();
    url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/ncs`;
  });
  afterAll(async () => {
    await request(`${emu.url}/_emulator/webhooks`, { method: 'DELETE' }).then((r) => r.body.dump());
    await new Promise((r) => receiver.close(r));
  });

  test('recording events arrive signed over the raw body, in sequence, with duplicates when asked', async () => {
    const res = await request(`${emu.url}/_emulator/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vendor: 'agora', url, secret: 'ncs-secret', duplicateProbability: 1 }),
    });
    expect(res.statusCode).toBe(201);
    expect(await res.body.json()).not.toHaveProperty('secret');
    const cname = uniqueId('hooks');
    const acq = await call('POST', '/acquire', { cname, uid: '90', clientRequest: {} });
    const st = await call('POST', `/resourceid/${acq.body.resourceId}/mode/mix/start`, startBody(cname, '90'));
    await call('POST', `/resourceid/${acq.body.resourceId}/sid/${st.body.sid}/mode/mix/stop`, { cname, uid: '90', clientRequest: {} });

    const mine = await eventually(async () => {
      const events = received.filter((r) => JSON.parse(r.raw).payload?.cname === cname);
      return events.length >= 10 ? events : undefined; // 5 events, each delivered twice
    }, 'ten deliveries');
    for (const e of mine) {
      expect(e.headers['agora-signature-v2']).toBe(createHmac('sha256', 'ncs-secret').update(e.raw).digest('hex'));
      expect(e.headers['agora-signature']).toBe(createHmac('sha1', 'ncs-secret').update(e.raw).digest('hex'));
    }
    const bodies = mine.map((e) => JSON.parse(e.raw));
    const unique = [...new Map(bodies.map((b) => [b.noticeId, b])).values()].sort((a, b) => a.payload.sequence - b.payload.sequence);
    expect(unique.map((b) => b.eventType)).toEqual([40, 30, 41, 31, 11]);
    expect(unique.every((b) => b.productId === 3 && b.payload.sid === st.body.sid)).toBe(true);
    expect(unique[3].payload.details.fileList[0].filename).toBe(`${st.body.sid}_${cname}.m3u8`);
  });
});
