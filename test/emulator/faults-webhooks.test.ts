/**
 * The emulator's shared mechanisms over HTTP: fault injection and signed webhooks.
 */
import { createHmac } from 'node:crypto';
import { request } from 'undici';
import { EMULATOR_STORAGE } from '../../emulator/defaults';
import { agoraNcsSigner } from '../../emulator/webhooks';
import { botToken, cloudRecordingCall } from '../helpers/agora-http';
import { EmulatorControl, spawnEmulator, type SpawnedEmulator } from '../helpers/emulator';
import { CallbackReceiver } from '../helpers/receiver';
import { failure } from '../helpers/vendor-error';
import { eventually, uniqueId } from '../helpers/wait';

let emu: SpawnedEmulator;
let control: EmulatorControl;

beforeAll(async () => {
  emu = await spawnEmulator();
  control = new EmulatorControl(emu.url);
});
afterAll(async () => {
  await emu?.stop();
});
afterEach(() => control.clearFaults());

const call = (method: 'GET' | 'POST', path: string, body?: unknown) => cloudRecordingCall(emu.url, method, path, body);

const startBody = (cname: string, uid: string) => ({ cname, uid, clientRequest: { token: botToken(cname, uid), storageConfig: { ...EMULATOR_STORAGE } } });

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
  await control.addFault({ match: { product: 'cloud-recording', operation: 'start' }, action: { type: 'drop-response' }, count: 1 });
  await failure(call('POST', `/resourceid/${acq.body.resourceId}/mode/mix/start`, startBody(cname, '77')), Error);
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
  await control.addFault({ match: { product: 'cloud-recording', operation: ['query', 'stop', 'updateLayout'] }, action: { type: 'failover', seconds: 60 } });
  expect(await call('GET', q)).toMatchObject({ status: 404, body: { code: 404 } });
  await control.advanceClock(30_000);
  expect((await call('GET', q)).status).toBe(404);
  await control.advanceClock(31_000);
  expect((await call('GET', q)).status).toBe(200);
});

test('rate-limit answers 429 with Retry-After; error injection stops after `count` hits', async () => {
  const cname = uniqueId('fault-429');
  await control.addFault({ match: { operation: 'acquire' }, action: { type: 'rate-limit', retryAfterSeconds: 3 }, count: 1 });
  const limited = await call('POST', '/acquire', { cname, uid: '1', clientRequest: {} });
  expect(limited.status).toBe(429);
  expect(limited.headers['retry-after']).toBe('3');
  await control.addFault({ match: { path: '/acquire$' }, action: { type: 'error', status: 503, body: { message: 'overloaded' } }, count: 2 });
  expect((await call('POST', '/acquire', { cname, uid: '1', clientRequest: {} })).status).toBe(503);
  expect((await call('POST', '/acquire', { cname, uid: '1', clientRequest: {} })).status).toBe(503);
  expect((await call('POST', '/acquire', { cname, uid: '1', clientRequest: {} })).status).toBe(200);
});

describe('webhooks', () => {
  const receiver = new CallbackReceiver('/ncs');
  const received = receiver.received;

  beforeAll(() => receiver.start());
  afterAll(async () => {
    try {
      await control.json('DELETE', '/_emulator/webhooks');
    } finally {
      await receiver.stop();
    }
  });

  test('recording events arrive signed over the raw body, in sequence, with duplicates when asked', async () => {
    // the emulator's own control answer: 201 with the target shown without its secret
    const res = await request(`${emu.url}/_emulator/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vendor: 'agora', url: receiver.url, secret: 'ncs-secret', duplicateProbability: 1 }),
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

  test('reordered deliveries arrive in reverse batches; dropped ones never arrive and are logged as dropped', async () => {
    await control.addWebhook({ vendor: 'agora', url: receiver.url, secret: 'ncs-secret', reorderWindow: 5 });
    const cname = uniqueId('reorder');
    const acq = await call('POST', '/acquire', { cname, uid: '91', clientRequest: {} });
    const st = await call('POST', `/resourceid/${acq.body.resourceId}/mode/mix/start`, startBody(cname, '91'));
    await call('POST', `/resourceid/${acq.body.resourceId}/sid/${st.body.sid}/mode/mix/stop`, { cname, uid: '91', clientRequest: {} });
    const reordered = await eventually(async () => {
      const events = received.filter((r) => JSON.parse(r.raw).payload?.cname === cname);
      return events.length >= 5 ? events : undefined;
    }, 'five reordered deliveries');
    // the five events of one recording, held and sent newest first: a receiver must use `sequence`
    expect(reordered.map((e) => JSON.parse(e.raw).payload.sequence)).toEqual([4, 3, 2, 1, 0]);

    await control.addWebhook({ vendor: 'agora', url: receiver.url, secret: 'ncs-secret', dropProbability: 1 });
    const dropped = uniqueId('dropped');
    const acq2 = await call('POST', '/acquire', { cname: dropped, uid: '92', clientRequest: {} });
    const st2 = await call('POST', `/resourceid/${acq2.body.resourceId}/mode/mix/start`, startBody(dropped, '92'));
    const log = await eventually(async () => {
      const recent = (await control.webhooks()).deliveries.slice(-2);
      return recent.length === 2 && recent.every((d) => d.outcome === 'dropped') ? recent : undefined;
    }, 'two dropped deliveries');
    expect(log.map((d) => d.label)).toEqual(['cloud-recording 40 recorder_started', 'cloud-recording 30 uploader_started']);
    // a barrier, not a sleep: delivering again, the recording's later events (sequence 2…4) arrive, in
    // order, on the same receiver; only then is the absence of the two dropped ones a fact
    await control.addWebhook({ vendor: 'agora', url: receiver.url, secret: 'ncs-secret' });
    await call('POST', `/resourceid/${acq2.body.resourceId}/sid/${st2.body.sid}/mode/mix/stop`, { cname: dropped, uid: '92', clientRequest: {} });
    const ofDropped = () => received.map((r) => JSON.parse(r.raw)).filter((b) => b.payload?.cname === dropped);
    await eventually(() => ofDropped().find((b) => b.eventType === 11), 'the last event of the dropped recording (11)');
    expect(ofDropped().map((b) => b.payload.sequence)).toEqual([2, 3, 4]);
  });
});
