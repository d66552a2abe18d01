/**
 * The emulated Agora Signaling (RTM) REST over raw HTTP (agora.md §10): Basic and token auth (the token
 * is agora-token's RTM token; a token for another uid, App ID or certificate is refused, and a token
 * sends only as its uid), message limits, wait_for_ack codes, events consumed on read per region, the
 * same event in two regions, 1000 per read, 2000 kept, 10 requests/s per App ID. This file owns its
 * emulator and runs it at a crawl (time scale 0.001): rate windows move only when a test moves the clock.
 */
import { RtmTokenBuilder } from 'agora-token';
import { agoraJson, APP, AUTH, send, type Res } from '../helpers/agora-http';
import { EmulatorControl, spawnEmulator, type SpawnedEmulator } from '../helpers/emulator';
import { uniqueId } from '../helpers/wait';
import { EMULATOR_AGORA } from '../../emulator/defaults';

let emu: SpawnedEmulator;
let control: EmulatorControl;
const P = `/dev/v2/project/${APP}`;

const token = (uid: string, cert: string = EMULATOR_AGORA.appCertificate, appId: string = APP, ttl = 600) => RtmTokenBuilder.buildToken(appId, cert, uid, ttl);
const tokenHeaders = (uid: string, t = token(uid)) => ({ 'x-agora-token': t, 'x-agora-uid': uid, authorization: '' });
const peer = (from: string, body: unknown, headers: Record<string, string> = {}, query = ''): Promise<Res> =>
  agoraJson(emu.url, 'POST', `${P}/rtm/users/${encodeURIComponent(from)}/peer_messages${query}`, body, headers);
const events = (kind: 'user' | 'channel', region?: string, headers: Record<string, string> = { authorization: AUTH }): Promise<Res> =>
  send(emu.url, 'GET', `${region ? `/${region}` : ''}${P}/rtm/vendor/${kind}_events`, { headers });
const login = (uid: string, online = true, regions?: string[]) => control.json('POST', `/_emulator/agora/signaling/${APP}/users/${encodeURIComponent(uid)}`, { online, regions });
const inbox = (to: string) =>
  control.json<{ messages: Array<{ from: string; payload: string; code: string }> }>('GET', `/_emulator/agora/signaling/${APP}/inbox?to=${encodeURIComponent(to)}`);

beforeAll(async () => {
  emu = await spawnEmulator({ timeScale: 0.001 });
  control = new EmulatorControl(emu.url);
});
afterAll(async () => {
  await emu?.stop();
});
// a fresh one-second window for every test
beforeEach(async () => {
  await control.advanceClock(1_000);
});

describe('messages', () => {
  test('peer message over Basic from any uid; wait_for_ack: delivered to an online user, offline otherwise; every accepted send is a delivery', async () => {
    const to = uniqueId('sig-rcv');
    const sent = await peer('server-a', { destination: to, payload: 'hello', enable_offline_messaging: false, enable_historical_messaging: false });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ result: 'success', code: 'message_sent' });
    expect((await peer('server-a', { destination: to, payload: 'x' }, {}, '?wait_for_ack=true')).body).toEqual({ request_id: expect.any(String), code: 'message_offline' });
    await login(to);
    expect((await peer('server-b', { destination: to, payload: 'y' }, {}, '?wait_for_ack=true')).body).toMatchObject({ result: 'success', code: 'message_delivered' });
    expect((await inbox(to)).messages.map((m) => `${m.from}:${m.payload}:${m.code}`)).toEqual([
      'server-a:hello:message_sent',
      'server-a:x:message_offline',
      'server-b:y:message_delivered',
    ]);
  });

  test('channel message, also with the Postman form `Authorization: agora token=…`', async () => {
    const channel = uniqueId('sig-ch');
    const res = await agoraJson(
      emu.url,
      'POST',
      `${P}/rtm/users/bot-1/channel_messages`,
      { channel_name: channel, payload: 'to all' },
      { authorization: `agora token=${token('bot-1')}`, 'x-agora-uid': 'bot-1' },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ code: 'message_sent', result: 'success' });
  });

  test('token auth: sends only as its uid; a token for another uid, certificate or App ID, an expired one, or no uid header is 401', async () => {
    const to = uniqueId('sig-tok');
    expect((await peer('bot-2', { destination: to, payload: 'p' }, tokenHeaders('bot-2'))).status).toBe(200);
    expect((await peer('someone-else', { destination: to, payload: 'p' }, tokenHeaders('bot-2'))).status).toBe(401);
    expect((await peer('bot-2', { destination: to, payload: 'p' }, tokenHeaders('bot-2', token('bot-3')))).status).toBe(401);
    expect((await peer('bot-2', { destination: to, payload: 'p' }, tokenHeaders('bot-2', token('bot-2', '00000000000000000000000000000000')))).status).toBe(401);
    expect(
      (await peer('bot-2', { destination: to, payload: 'p' }, tokenHeaders('bot-2', token('bot-2', EMULATOR_AGORA.appCertificate, 'ffffffffffffffffffffffffffffffff')))).status,
    ).toBe(401);
    const expiring = token('bot-2', EMULATOR_AGORA.appCertificate, APP, 60);
    await control.advanceClock(120_000);
    expect((await peer('bot-2', { destination: to, payload: 'p' }, tokenHeaders('bot-2', expiring))).status).toBe(401);
    expect((await peer('bot-2', { destination: to, payload: 'p' }, { 'x-agora-token': token('bot-2'), authorization: '' })).status).toBe(401);
    expect((await peer('bot-2', { destination: to, payload: 'p' }, { authorization: 'Basic bm86bm8=' })).status).toBe(401);
    expect((await inbox(to)).messages).toHaveLength(1);
  });

  test('limits: ids ≤ 64 printable ASCII, payload non-empty ≤ 32 KB (exactly 32 KB passes)', async () => {
    const to = uniqueId('sig-lim');
    expect((await peer('a', { destination: to, payload: '' })).status).toBe(400);
    expect((await peer('a', { destination: to, payload: 'x'.repeat(32 * 1024 + 1) })).status).toBe(400);
    expect((await peer('a', { destination: to, payload: 'x'.repeat(32 * 1024) })).status).toBe(200);
    expect((await peer('a', { destination: 'd'.repeat(65), payload: 'p' })).status).toBe(400);
    expect((await peer('a', { destination: 'é', payload: 'p' })).status).toBe(400);
    expect((await peer('u'.repeat(65), { destination: to, payload: 'p' })).status).toBe(400);
    expect((await peer('with space', { destination: to, payload: 'p' })).status).toBe(200);
  });
});

describe('events', () => {
  test('consumed on read per region; the same Login is in every region; the unprefixed host is na; an unknown region matches no route', async () => {
    const uid = uniqueId('sig-ev');
    // what earlier tests left
    for (const r of ['na', 'eu', 'ap', 'cn']) await events('user', r);
    await control.advanceClock(1_000);
    const ev = await control.json<{ ms: number }>('POST', `/_emulator/agora/signaling/${APP}/users/${uid}`, { online: true, regions: ['na', 'eu'] });
    const na = await events('user', 'na');
    expect(na.status).toBe(200);
    expect(na.body).toMatchObject({ result: 'success', request_id: expect.any(String) });
    expect(na.body.events).toEqual([{ user_id: uid, type: 'Login', ms: ev.ms }]);
    expect((await events('user')).body.events).toEqual([]);
    expect((await events('user', 'eu')).body.events).toEqual([{ user_id: uid, type: 'Login', ms: ev.ms }]);
    expect((await events('user', 'eu')).body.events).toEqual([]);
    expect((await events('user', 'ap')).body.events).toEqual([]);
    expect((await events('user', 'us')).status).toBe(404);
    await control.json('POST', `/_emulator/agora/signaling/${APP}/channels/room-1/users/${uid}`, { joined: true, regions: ['ap'] });
    expect((await events('channel', 'ap')).body.events).toEqual([{ group_id: 'room-1', user_id: uid, type: 'Join', ms: expect.any(Number) }]);
  });

  test('at most 1000 per read, oldest first; at most 2000 kept (the newest overwrite the oldest)', async () => {
    const many = Array.from({ length: 2500 }, (_, i) => ({ user_id: `bulk-${i}`, type: 'Login', ms: 1_000_000 + i }));
    await control.json('POST', `/_emulator/agora/signaling/${APP}/events`, { kind: 'user', events: many, regions: ['cn'] });
    const first = (await events('user', 'cn')).body.events;
    expect(first).toHaveLength(1000);
    expect(first[0].user_id).toBe('bulk-500');
    const second = (await events('user', 'cn')).body.events;
    expect(second).toHaveLength(1000);
    expect(second[999].user_id).toBe('bulk-2499');
    expect((await events('user', 'cn')).body.events).toEqual([]);
  });

  test('10 requests/s per App ID (both kinds, every region): the 11th is 429 with Retry-After; the next second is open again', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await events(i % 2 ? 'user' : 'channel', i % 3 ? 'na' : 'eu')).status);
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses[10]).toBe(429);
    await control.advanceClock(1_000);
    expect((await events('user')).status).toBe(200);
  });

  test('events over token auth; without any auth 401', async () => {
    expect((await events('user', 'na', tokenHeaders('poller'))).status).toBe(200);
    expect((await events('user', 'na', {})).status).toBe(401);
  });
});
