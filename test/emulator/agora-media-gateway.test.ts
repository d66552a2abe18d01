/**
 * The emulated Agora Media Gateway over HTTP (agora.md §5, §14.4): stream keys, templates, online
 * streams, the simulated encoder, NCS events, auth (Basic and HMAC), limits. Bodies are the seed's
 * examples. This file owns its emulator and runs it at a crawl (time scale 0.001), so every window moves
 * only when a test advances the clock.
 */
import { hmacHeaders, sha256Digest } from '../../src/agora/auth';
import { agoraJson, APP, AUTH, CREDS, crawlingEmulatorWithNcs, send, type Res } from '../helpers/agora-http';
import type { EmulatorControl, SpawnedEmulator } from '../helpers/emulator';
import { CallbackReceiver } from '../helpers/receiver';
import { eventually, uniqueId } from '../helpers/wait';

let emu: SpawnedEmulator;
let control: EmulatorControl;
const ncs = new CallbackReceiver('/ncs');
const gw = (region = 'na') => `/${region}/v1/projects/${APP}/rtls/ingress`;

const raw = (method: string, path: string, opts: { body?: string; headers?: Record<string, string> } = {}): Promise<Res> => send(emu.url, method, path, opts);
const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> => agoraJson(emu.url, method, path, body, headers);

/** The simulated encoders (OBS) of the control API. */
interface EncoderView {
  id: string;
  streamKey: string;
  state: string;
  sid?: string;
  muted?: { video: boolean; audio: boolean };
  template?: Record<string, any>;
  lastAbort?: { errorCode: number; reason: string };
}
const encoders = {
  start: (streamKey: string, profile: Record<string, unknown> = {}) => control.json<EncoderView>('POST', '/_emulator/agora/media-gateway/encoders', { streamKey, ...profile }),
  list: async () => (await control.json<{ encoders: EncoderView[] }>('GET', '/_emulator/agora/media-gateway/encoders')).encoders,
  view: async (id: string) => (await encoders.list()).find((e) => e.id === id)!,
  drop: (id: string) => control.json<EncoderView>('POST', `/_emulator/agora/media-gateway/encoders/${id}/drop`),
  stop: (id: string) => control.json('DELETE', `/_emulator/agora/media-gateway/encoders/${id}`),
  /** a push the gateway refuses: the control API answers 409 and keeps the stopped encoder */
  refused: async (streamKey: string) => {
    const before = new Set((await encoders.list()).map((e) => e.id));
    await expect(encoders.start(streamKey)).rejects.toThrow(/: 409 /);
    return (await encoders.list()).find((e) => !before.has(e.id) && e.streamKey === streamKey)!;
  },
};

const emulatorNow = () => control.now();
const channelUsers = (cname: string) => control.users(APP, cname);

async function createKey(channel: string, uid = '100', expiresAfter = 3600, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await call('POST', `${gw()}/streamkeys`, { settings: { channel, uid, expiresAfter, ...extra } });
  expect(res.status).toBe(200);
  return res.body.data.streamKey;
}

const gatewayEvents = (sid: string) => ncs.bodies.filter((e) => e.productId === 10 && e.sid === sid);
async function eventFor(sid: string, eventType: number): Promise<Record<string, any>> {
  return eventually(async () => gatewayEvents(sid).find((e) => e.eventType === eventType), `NCS event ${eventType} for ${sid}`);
}

beforeAll(async () => {
  ({ emu, control } = await crawlingEmulatorWithNcs(ncs));
});
afterAll(async () => {
  await emu?.stop();
  await ncs.stop();
});
// rate-limit windows are per emulated second: start every test in a fresh one
afterEach(async () => control.advanceClock(1_001));

describe('auth', () => {
  const hmacGet = async (path: string, opts: { secret?: string; dateMs?: number; digest?: string } = {}) => {
    const url = new URL(emu.url + path);
    const date = new Date(opts.dateMs ?? (await emulatorNow())).toUTCString();
    const h = hmacHeaders({ ...CREDS, customerSecret: opts.secret ?? CREDS.customerSecret }, { host: url.host, date, method: 'GET', path, body: '' });
    return raw('GET', path, { headers: { ...h, ...(opts.digest ? { digest: opts.digest } : {}) } });
  };

  test('HMAC-SHA256 over host/date/request-line/digest is accepted; a wrong secret, a stale date or a wrong digest is 401', async () => {
    const key = await createKey(uniqueId('gw-hmac'));
    const path = `${gw()}/streamkeys/${key}`;
    const ok = await hmacGet(path);
    expect(ok.status).toBe(200);
    expect(ok.body.data.streamKey).toBe(key);

    const wrong = await hmacGet(path, { secret: 'not-the-secret' });
    expect(wrong).toMatchObject({ status: 401, body: { message: expect.stringMatching(/signature does not match/) } });
    expect(wrong.headers['x-request-id']).toBeUndefined();

    const stale = await hmacGet(path, { dateMs: (await emulatorNow()) - 16 * 60_000 });
    expect(stale).toMatchObject({ status: 401, body: { message: expect.stringMatching(/date/) } });
    const withinSkew = await hmacGet(path, { dateMs: (await emulatorNow()) - 14 * 60_000 });
    expect(withinSkew.status).toBe(200);

    const badDigest = await hmacGet(path, { digest: sha256Digest('something else') });
    expect(badDigest).toMatchObject({ status: 401, body: { message: expect.stringMatching(/Digest/) } });
  });

  test('an HMAC POST signs the exact body bytes: a body changed after signing is refused', async () => {
    const channel = uniqueId('gw-hmac-post');
    const path = `${gw()}/streamkeys`;
    const body = JSON.stringify({ settings: { channel, uid: '100', expiresAfter: 60 } });
    const url = new URL(emu.url + path);
    const h = hmacHeaders(CREDS, { host: url.host, date: new Date(await emulatorNow()).toUTCString(), method: 'POST', path, body });
    const ok = await raw('POST', path, { body, headers: { ...h, 'content-type': 'application/json' } });
    expect(ok.status).toBe(200);
    expect(ok.body.data.channel).toBe(channel);
    const tampered = body.replace('"uid":"100"', '"uid":"101"');
    const refused = await raw('POST', path, { body: tampered, headers: { ...h, 'content-type': 'application/json' } });
    expect(refused.status).toBe(401);
  });

  test('Basic with wrong credentials is 401; an App ID the account does not own is 400; an unknown or upper-case region matches no route', async () => {
    const bad = await call('GET', `${gw()}/online-streams`, undefined, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
    expect(bad).toMatchObject({ status: 401, body: { message: 'Invalid authentication credentials' } });
    const other = await call('GET', `/na/v1/projects/${'0'.repeat(32)}/rtls/ingress/online-streams`);
    expect(other).toMatchObject({ status: 400, body: { message: 'appid is invalid' } });
    for (const region of ['NA', 'us', 'xx']) {
      expect(await call('GET', `${gw(region)}/online-streams`)).toMatchObject({ status: 404, body: { message: 'no Route matched with those values' } });
    }
  });

  test('X-Request-ID is echoed when sent and generated when not', async () => {
    const sent = await call('GET', `${gw()}/online-streams`, undefined, { 'x-request-id': 'my-trace-1' });
    expect(sent.headers['x-request-id']).toBe('my-trace-1');
    const generated = await call('GET', `${gw()}/online-streams`);
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    const log = await control.requests({ product: 'media-gateway' });
    expect(log.some((e) => e.requestId === 'my-trace-1' && e.operation === 'listOnlineStreams')).toBe(true);
  });
});

describe('stream keys', () => {
  test('create (seed example), query, destroy; destroy and query answer 404 afterwards; the ledger follows', async () => {
    const channel = uniqueId('gw-key');
    const created = await call('POST', `${gw()}/streamkeys`, { settings: { channel, uid: '100', expiresAfter: 3600 } });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({
      status: 'success',
      data: { streamKey: expect.stringMatching(/^[A-Za-z0-9_-]{31}$/), channel, uid: '100', expiresAfter: 3600, createdAt: expect.stringMatching(/^\d{10}$/) },
    });
    const key = created.body.data.streamKey;
    expect(Number(created.body.data.createdAt)).toBe(Math.floor((await emulatorNow()) / 1000));

    const q = await call('GET', `${gw()}/streamkeys/${key}`);
    expect(q).toMatchObject({ status: 200, body: { status: 'success', data: created.body.data } });
    expect(await control.tasks({ cname: channel, running: true })).toEqual([expect.objectContaining({ product: 'media-gateway', id: key, state: 'active' })]);

    // the key belongs to its region
    expect(await call('GET', `${gw('eu')}/streamkeys/${key}`)).toMatchObject({ status: 400, body: { message: 'Streamkey exists in region: na.' } });

    expect(await call('DELETE', `${gw()}/streamkeys/${key}`)).toMatchObject({ status: 200, body: { status: 'success' } });
    expect(await call('DELETE', `${gw()}/streamkeys/${key}`)).toMatchObject({ status: 404, body: { message: 'Resource is not found and destroyed.' } });
    expect((await call('GET', `${gw()}/streamkeys/${key}`)).status).toBe(404);
    expect(await control.tasks({ cname: channel })).toEqual([expect.objectContaining({ id: key, billing: false, state: 'destroyed', endReason: 'destroy' })]);
  });

  test('a key expires expiresAfter seconds after creation on the emulator clock; 0 never expires', async () => {
    const channel = uniqueId('gw-expiry');
    const short = await createKey(channel, '7', 60);
    const forever = await createKey(channel, '8', 0);
    await control.advanceClock(59_000);
    expect((await call('GET', `${gw()}/streamkeys/${short}`)).status).toBe(200);
    await control.advanceClock(2_000);
    expect(await call('GET', `${gw()}/streamkeys/${short}`)).toMatchObject({ status: 404, body: { message: 'Resource is not found and destroyed.' } });
    expect(await encoders.refused(short)).toMatchObject({ state: 'stopped', lastAbort: { errorCode: 2 } });
    await control.advanceClock(400 * 86_400_000);
    expect((await call('GET', `${gw()}/streamkeys/${forever}`)).status).toBe(200);
    const tasks = await control.tasks({ cname: channel });
    expect(tasks.find((t) => t.id === short)).toMatchObject({ billing: false, state: 'expired' });
    expect(tasks.find((t) => t.id === forever)).toMatchObject({ billing: true, state: 'active' });
    await call('DELETE', `${gw()}/streamkeys/${forever}`);
  });

  test('bad settings get the vendor messages', async () => {
    const post = (settings: unknown) => call('POST', `${gw()}/streamkeys`, settings === undefined ? {} : { settings });
    expect(await post(undefined)).toMatchObject({ status: 400, body: { message: 'Invalid settings.' } });
    expect(await post({ channel: 'bad/channel', uid: '1', expiresAfter: 1 })).toMatchObject({ status: 400, body: { message: "Parameter 'channel' is invalid formatted." } });
    expect(await post({ channel: 'x'.repeat(64), uid: '1', expiresAfter: 1 })).toMatchObject({ status: 400, body: { message: "Parameter 'channel' is invalid formatted." } });
    for (const uid of ['', '0', '4294967296', 'a'.repeat(256), 100, null]) {
      expect(await post({ channel: 'ok', uid, expiresAfter: 1 })).toMatchObject({ status: 400, body: { message: "Parameter 'uid' is invalid formatted." } });
    }
    for (const expiresAfter of [-1, 1.5, '', null, undefined]) {
      expect(await post({ channel: 'ok', uid: 'host-account', expiresAfter })).toMatchObject({ status: 400, body: { message: 'Invalid settings.' } });
    }
    expect(await post({ channel: 'ok', uid: '5', expiresAfter: 5, templateId: 'nosuch' })).toMatchObject({ status: 400, body: { message: 'Invalid settings.' } });
    const malformed = await raw('POST', `${gw()}/streamkeys`, { body: '{"settings":', headers: { authorization: AUTH, 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toHaveProperty('message');
    expect(await control.tasks({ cname: 'ok' })).toEqual([]);
  });

  test('a second create for the same channel+uid while the first is in flight answers 409 (too many concurrent requests)', async () => {
    const channel = uniqueId('gw-409');
    await createKey(channel, '42');
    expect(await call('POST', `${gw()}/streamkeys`, { settings: { channel, uid: '42', expiresAfter: 60 } })).toMatchObject({
      status: 409,
      body: { message: 'Resource with the same name already exists.' },
    });
    // another uid of the channel is another resource
    await createKey(channel, '43');
    await control.advanceClock(1_000);
    await createKey(channel, '42');
    expect((await control.tasks({ cname: channel, running: true })).length).toBe(3);
  });

  test('stream-key create is limited to 100 a second per project (429 + Retry-After)', async () => {
    const channel = uniqueId('gw-rate');
    const results = await Promise.all(
      Array.from({ length: 101 }, (_, i) => call('POST', `${gw()}/streamkeys`, { settings: { channel, uid: String(1000 + i), expiresAfter: 60 } })),
    );
    const refused = results.filter((r) => r.status === 429);
    expect(results.filter((r) => r.status === 200)).toHaveLength(100);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.headers['retry-after']).toBeDefined();
    await control.advanceClock(1_000);
    await createKey(channel, '5000');
  });

  test('injected faults reach the gateway routes through their labels', async () => {
    await control.addFault({
      match: { product: 'media-gateway', operation: 'createStreamKey' },
      action: { type: 'error', status: 504, body: { message: 'Gateway timeout.' } },
      count: 1,
    });
    const channel = uniqueId('gw-fault');
    expect((await call('POST', `${gw()}/streamkeys`, { settings: { channel, uid: '1', expiresAfter: 5 } })).status).toBe(504);
    expect((await call('POST', `${gw()}/streamkeys`, { settings: { channel, uid: '1', expiresAfter: 5 } })).status).toBe(200);
  });
});

describe('stream configuration templates', () => {
  // the seed's create/reset body
  const seedTemplate = {
    settings: {
      transcoding: {
        video: { enabled: true, codec: 'H.264', width: 1280, height: 720, fps: 24, bitrate: 2200, simulcastStream: { width: 960, height: 540, fps: 24, bitrate: 1670 } },
        audio: { enabled: false, profile: 3 },
      },
      jitterBuffer: { size: 500, maxSize: 800 },
    },
  };

  test('PUT creates or resets, PATCH replaces video/audio/jitterBuffer independently, DELETE, GET one and all', async () => {
    const id = 'tpl720p';
    expect(await call('PUT', `${gw()}/stream-templates/${id}`, seedTemplate)).toMatchObject({ status: 200, body: { status: 'success' } });
    const got = await call('GET', `${gw()}/stream-templates/${id}`);
    expect(got).toMatchObject({ status: 200, body: { status: 'success', data: { templateId: id, ...seedTemplate.settings } } });

    // the seed's update body: only transcoding.video; audio and jitterBuffer stay
    const video = { enabled: true, codec: 'H.264', width: 1280, height: 720, fps: 30, bitrate: 2400 };
    expect((await call('PATCH', `${gw()}/stream-templates/${id}`, { settings: { transcoding: { video } } })).status).toBe(200);
    const patched = (await call('GET', `${gw()}/stream-templates/${id}`)).body.data;
    expect(patched.transcoding).toEqual({ video, audio: seedTemplate.settings.transcoding.audio });
    expect(patched.jitterBuffer).toEqual(seedTemplate.settings.jitterBuffer);

    // PUT again resets the whole template
    expect((await call('PUT', `${gw()}/stream-templates/${id}`, { settings: { transcoding: { audio: { enabled: true } } } })).status).toBe(200);
    expect((await call('GET', `${gw()}/stream-templates/${id}`)).body.data).toEqual({ templateId: id, transcoding: { audio: { enabled: true } } });

    const list = await call('GET', `${gw()}/stream-templates`);
    expect(list.body.data.map((t: { templateId: string }) => t.templateId)).toContain(id);
    expect(await call('DELETE', `${gw()}/stream-templates/${id}`)).toMatchObject({ status: 200, body: { status: 'success' } });
    expect(await call('DELETE', `${gw()}/stream-templates/${id}`)).toMatchObject({ status: 404, body: { message: 'Resource is not found and destroyed.' } });
    expect((await call('GET', `${gw()}/stream-templates/${id}`)).status).toBe(404);
    expect((await call('PATCH', `${gw()}/stream-templates/${id}`, { settings: { transcoding: { video } } })).status).toBe(404);
  });

  test('invalid template IDs and settings are 400; an App holds at most 10 templates (then 429)', async () => {
    expect(await call('PUT', `${gw()}/stream-templates/${'a'.repeat(13)}`, seedTemplate)).toMatchObject({
      status: 400,
      body: { message: "Parameter 'templateId' is invalid formatted." },
    });
    const bad = [
      { transcoding: { video: { enabled: true, fps: 0 } } },
      { transcoding: { video: { enabled: true, width: 1921 } } },
      { transcoding: { video: { enabled: true, bitrate: 14001 } } },
      { transcoding: { audio: { enabled: true, bitrate: 32 } } },
      { jitterBuffer: { size: 800, maxSize: 700 } },
      { transcoding: { video: { enabled: false } }, simulcastStream: { enabled: true, width: 320, height: 240 } },
      { transcoding: { video: { codec: 'H.264' } } },
    ];
    for (const settings of bad) {
      const res = await call('PUT', `${gw()}/stream-templates/badone`, { settings });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/^Invalid settings\./);
    }
    const ids = Array.from({ length: 10 }, (_, i) => `quota${i}`);
    for (const id of ids) expect((await call('PUT', `${gw()}/stream-templates/${id}`, seedTemplate)).status).toBe(200);
    expect(await call('PUT', `${gw()}/stream-templates/quota10`, seedTemplate)).toMatchObject({ status: 429, body: { message: 'Resources quota limit exceeded.' } });
    // resetting an existing one is not a new template
    expect((await call('PUT', `${gw()}/stream-templates/quota0`, seedTemplate)).status).toBe(200);
    for (const id of ids) await call('DELETE', `${gw()}/stream-templates/${id}`);
  });

  test('appconfig: the default template must exist; the deprecated transcoding form is kept until a default is set', async () => {
    expect(await call('PUT', `${gw()}/appconfig`, { settings: { defaultStreamTemplate: 'missing' } })).toMatchObject({ status: 400, body: { message: 'Invalid settings.' } });
    const legacy = {
      settings: {
        transcoding: { video: { enabled: true, width: 640, height: 480, fps: 15 }, audio: { enabled: false } },
        simulcastStream: { enabled: true, width: 320, height: 240, fps: 10 },
      },
    };
    expect((await call('PUT', `${gw()}/appconfig`, legacy)).status).toBe(200);
    expect((await call('GET', `${gw()}/appconfig`)).body.data.transcoding.video.width).toBe(640);
    expect((await call('PUT', `${gw()}/stream-templates/dflt`, seedTemplate)).status).toBe(200);
    expect((await call('PUT', `${gw()}/appconfig`, { settings: { defaultStreamTemplate: 'dflt' } })).status).toBe(200);
    expect((await call('GET', `${gw()}/appconfig`)).body.data).toEqual({ defaultStreamTemplate: 'dflt' });
    expect((await call('PUT', `${gw()}/appconfig`, { settings: {} })).status).toBe(400);
    await call('DELETE', `${gw()}/stream-templates/dflt`);
    // let the deletion reach the gateways, so later pushes run without the (dangling) default
    await control.advanceClock(181_000);
  });
});

describe('online streams and the simulated encoder', () => {
  test('a push joins the host as a publisher with a fresh sid (NCS 1); mute applies ~1 s later; force disconnect (NCS 2) is followed by a reconnect with a new unmuted sid', async () => {
    const channel = uniqueId('gw-push');
    await control.emptyChannel(APP, channel);
    const key = await createKey(channel, '100');
    const started = await encoders.start(key);
    const first = started.sid!;
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(await channelUsers(channel)).toEqual([expect.objectContaining({ uid: '100', publishing: true, bot: false })]);

    const connected = await eventFor(first, 1);
    expect(connected.payload).toMatchObject({ sid: first, region: 'na', domain: 'rtls-ingress-prod-na.agoramdn.com', rtcInfo: { channel, uid: '100' } });
    expect(connected.payload.streamKey).toBe(`${key.slice(0, 2)}***${key.slice(-3)}`);
    expect(connected.payload.beginAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const list = await call('GET', `${gw()}/online-streams`);
    const listed = list.body.data.find((s: { sid: string }) => s.sid === first);
    expect(listed).toEqual({
      sid: first,
      channel,
      uid: '100',
      url: `rtls-ingress-prod-na.agoramdn.com/live/${key}`,
      status: 'Running',
      beginAt: expect.stringMatching(/^\d{10}$/),
      bitrate: 2106,
      video: { width: 1280, height: 720, fps: 30 },
      audio: { channels: 2, sampleRate: 48000 },
    });
    expect((await call('GET', `${gw()}/online-streams/${first}`)).body).toEqual({ status: 'success', data: listed });
    expect((await call('GET', `${gw('eu')}/online-streams`)).body.data.some((s: { sid: string }) => s.sid === first)).toBe(false);

    expect(await call('POST', `${gw()}/online-streams/${first}/mute`, { settings: { videoMuted: true, audioMuted: true } })).toMatchObject({
      status: 200,
      body: { status: 'success' },
    });
    const encoderOf = () => encoders.view(started.id);
    expect((await encoderOf()).muted).toEqual({ video: false, audio: false });
    await control.advanceClock(1_000);
    expect((await encoderOf()).muted).toEqual({ video: true, audio: true });

    expect(await call('DELETE', `${gw()}/online-streams/${first}`)).toMatchObject({ status: 200, body: { status: 'success' } });
    const disconnected = await eventFor(first, 2);
    expect(disconnected.payload).toMatchObject({ sid: first, rtcInfo: { channel, uid: '100' }, endAt: expect.any(String) });
    expect(Object.keys(disconnected.payload.streamStats).sort()).toEqual(['inputAudioBytes', 'inputVideoBytes', 'outputAudioBytes', 'outputVideoBytes']);
    expect(disconnected.payload.streamStats.outputVideoBytes).toBe(0); // it was muted
    expect((await call('GET', `${gw()}/online-streams/${first}`)).status).toBe(404);
    expect(await call('DELETE', `${gw()}/online-streams/${first}`)).toMatchObject({ status: 404, body: { message: 'Resource is not found and destroyed.' } });
    expect(await channelUsers(channel)).toEqual([]);
    expect((await encoderOf()).state).toBe('reconnecting');

    await control.advanceClock(3_000);
    const again = await encoderOf();
    expect(again.state).toBe('pushing');
    expect(again.sid).not.toBe(first);
    expect(again.muted).toEqual({ video: false, audio: false });
    await eventFor(again.sid!, 1);
    expect(await channelUsers(channel)).toEqual([expect.objectContaining({ uid: '100', publishing: true })]);
    const tasks = await control.tasks({ cname: channel });
    expect(tasks.find((t) => t.id === first)).toMatchObject({ billing: false, state: 'disconnected', endReason: 'force-disconnect' });
    expect(tasks.find((t) => t.id === again.sid)).toMatchObject({ billing: true, state: 'running' });

    // the documented teardown: destroy the key first, then disconnect; the reconnect is refused (NCS 3)
    await call('DELETE', `${gw()}/streamkeys/${key}`);
    expect((await call('DELETE', `${gw()}/online-streams/${again.sid}`)).status).toBe(200);
    await control.advanceClock(3_000);
    const stopped = await encoderOf();
    expect(stopped).toMatchObject({ state: 'stopped', lastAbort: { errorCode: 2 } });
    const aborted = await eventually(async () => ncs.bodies.find((e) => e.productId === 10 && e.eventType === 3 && e.payload.rtcInfo?.channel === channel), 'NCS 3');
    expect(aborted.payload).toMatchObject({ errorCode: 2, region: 'na', rtcInfo: { channel, uid: '100' }, reason: expect.stringMatching(/destroyed/) });
    expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
    expect(await channelUsers(channel)).toEqual([]);
  });

  test('a key that expires while its encoder reconnects is refused (NCS 3, errorCode 2); a second encoder on a busy key is a conflict (errorCode 5)', async () => {
    const channel = uniqueId('gw-reexpire');
    const key = await createKey(channel, '200', 10);
    const enc = await encoders.start(key);
    expect(await encoders.refused(key)).toMatchObject({ lastAbort: { errorCode: 5 } });

    // the push outlives the key's validity...
    await control.advanceClock(11_000);
    expect((await call('GET', `${gw()}/online-streams/${enc.sid}`)).status).toBe(200);
    // ...until the network drops: the reconnect uses an expired key
    await encoders.drop(enc.id);
    await control.advanceClock(3_000);
    expect(await encoders.view(enc.id)).toMatchObject({ state: 'stopped', lastAbort: { errorCode: 2 } });
    expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
  });

  test('a stopped encoder does not reconnect; mute needs both booleans; unknown sids are 404', async () => {
    const channel = uniqueId('gw-stop');
    const key = await createKey(channel, 'host-account');
    const enc = await encoders.start(key, { bitrate: 800, video: { width: 640, height: 360, fps: 15 } });
    const sid = enc.sid!;
    expect((await call('GET', `${gw()}/online-streams/${sid}`)).body.data).toMatchObject({ uid: 'host-account', bitrate: 800, video: { width: 640, height: 360, fps: 15 } });
    expect(await call('POST', `${gw()}/online-streams/${sid}/mute`, { settings: { videoMuted: true } })).toMatchObject({ status: 400, body: { message: 'Invalid settings.' } });
    expect(await call('POST', `${gw()}/online-streams/${sid}/mute`, { settings: { videoMuted: 'yes', audioMuted: false } })).toMatchObject({ status: 400 });
    expect((await call('POST', `${gw()}/online-streams/nosuchsid/mute`, { settings: { videoMuted: true, audioMuted: false } })).status).toBe(404);
    await encoders.stop(enc.id);
    await eventFor(sid, 2);
    await control.advanceClock(10_000);
    expect((await call('GET', `${gw()}/online-streams`)).body.data.filter((s: { channel: string }) => s.channel === channel)).toEqual([]);
    await call('DELETE', `${gw()}/streamkeys/${key}`);
    expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
  });

  test('template changes reach the gateways 3 minutes later and apply to the next push only', async () => {
    const channel = uniqueId('gw-tpl');
    const v1 = { transcoding: { video: { enabled: true, width: 1280, height: 720, fps: 24, bitrate: 2200 } } };
    const v2 = { transcoding: { video: { enabled: true, width: 1920, height: 1080, fps: 30, bitrate: 3780 } } };
    expect((await call('PUT', `${gw()}/stream-templates/sync1`, { settings: v1 })).status).toBe(200);
    const key = await createKey(channel, '300', 0, { templateId: 'sync1' });
    const enc = await encoders.start(key);
    // created just now: the gateways do not know it yet
    expect(enc.template).toBeUndefined();
    const view = () => encoders.view(enc.id);

    await control.advanceClock(180_000);
    await encoders.drop(enc.id);
    await control.advanceClock(3_000);
    const second = await view();
    expect(second.template).toEqual({ templateId: 'sync1', transcoding: v1.transcoding });
    expect((await eventFor(second.sid!, 1)).payload.transcoding).toEqual(v1.transcoding);

    expect((await call('PATCH', `${gw()}/stream-templates/sync1`, { settings: v2 })).status).toBe(200);
    await encoders.drop(enc.id);
    await control.advanceClock(3_000);
    expect((await view()).template!.transcoding).toEqual(v1.transcoding); // not synced yet
    await control.advanceClock(180_000);
    expect((await view()).template!.transcoding).toEqual(v1.transcoding); // the running push keeps its settings
    await encoders.drop(enc.id);
    await control.advanceClock(3_000);
    expect((await view()).template!.transcoding).toEqual(v2.transcoding);

    await call('DELETE', `${gw()}/streamkeys/${key}`);
    await encoders.stop(enc.id);
    await call('DELETE', `${gw()}/stream-templates/sync1`);
  });
});
