/**
 * The Signaling (RTM) REST client against the emulator: messages carry a message ID inside the payload
 * (a 408 repeated with the same ID reaches the receiver twice, dedupable), 408/429 are retryable
 * VendorErrors, limits are refused before any request, token auth minted from the profile, and the
 * acceptance test: event polling over two regions returns each event once. This file owns its emulator
 * at a crawl (time scale 0.001): the events rate window moves only when a test moves the clock.
 */
import { HttpClient } from '../../src/http/client';
import { InvalidInputError } from '../../src/errors';
import type { AgoraContext } from '../../src/agora/http';
import * as sig from '../../src/agora/signaling';
import { EMULATOR_AGORA } from '../../emulator/defaults';
import { EmulatorControl, spawnEmulator, type SpawnedEmulator } from '../helpers/emulator';
import { uniqueId } from '../helpers/wait';
import { failure } from '../helpers/vendor-error';
import { json, rtcflowWith } from '../helpers/cli';

let emu: SpawnedEmulator;
let control: EmulatorControl;
const http = new HttpClient({ headersTimeoutMs: 10_000 });
const APP = EMULATOR_AGORA.appId;

const basic = (): AgoraContext => ({
  http,
  baseUrls: [emu.url],
  appId: APP,
  credentials: { customerId: EMULATOR_AGORA.customerId, customerSecret: EMULATOR_AGORA.customerSecret },
});
const withToken = (uid: string) => sig.signalingContext(basic(), { auth: 'token', uid, appCertificate: EMULATOR_AGORA.appCertificate });
const inbox = async (to: string) =>
  (await control.json<{ messages: Array<{ payload: string; from: string }> }>('GET', `/_emulator/agora/signaling/${APP}/inbox?to=${encodeURIComponent(to)}`)).messages;
const signalingRequests = async (since: number) => (await control.requests({ product: 'signaling', sinceSeq: since })).filter((e) => e.vendor === 'agora');
const lastSeq = async () => Math.max(0, ...(await control.requests({})).map((e) => e.seq));

beforeAll(async () => {
  emu = await spawnEmulator({ timeScale: 0.001 });
  control = new EmulatorControl(emu.url);
});
afterAll(async () => {
  try {
    await http.close();
  } finally {
    await emu?.stop();
  }
});
beforeEach(async () => {
  await control.advanceClock(1_000);
  await control.clearFaults();
});

describe('messages', () => {
  test('peer message over a minted Signaling token: the payload carries the message ID; wait_for_ack answers delivered', async () => {
    const to = uniqueId('cli-sig');
    await control.json('POST', `/_emulator/agora/signaling/${APP}/users/${to}`, { online: true });
    const r = await sig.sendPeerMessage(withToken('backend'), { fromUserId: 'backend', destination: to, payload: 'class starts', messageId: 'm-1', waitForAck: true });
    expect(r).toMatchObject({ code: 'message_delivered', messageId: 'm-1', attempts: 1 });
    const got = await inbox(to);
    expect(got).toHaveLength(1);
    expect(got[0]!.from).toBe('backend');
    expect(sig.unwrapMessage(got[0]!.payload)).toEqual({ messageId: 'm-1', payload: 'class starts' });
  });

  test('408 is retryable; repeated with the same message ID it reaches the receiver twice and the receiver drops the copy', async () => {
    const to = uniqueId('cli-sig-408');
    await control.addFault({
      match: { product: 'signaling', operation: 'peerMessage' },
      action: { type: 'error', status: 408, body: { result: 'failed', message: 'timeout' } },
      count: 1,
    });
    const once = await failure(sig.sendPeerMessage(basic(), { fromUserId: 'backend', destination: to, payload: 'hi' }));
    expect(once.info).toMatchObject({ product: 'signaling', operation: 'peerMessage', httpStatus: 408, retryable: true });

    // the vendor applied a timed-out send here (as a 408 may have), then the retry delivers it again
    await control.addFault({ match: { product: 'signaling', operation: 'channelMessage' }, action: { type: 'drop-response' }, count: 1 });
    const channel = uniqueId('cli-sig-ch');
    const r = await sig.sendChannelMessage(basic(), { fromUserId: 'backend', channelName: channel, payload: 'quiz open', attempts: 3 });
    expect(r.attempts).toBe(2);
    const copies = (await inbox(channel)).map((m) => sig.unwrapMessage(m.payload)!);
    expect(copies).toHaveLength(2);
    expect(new Set(copies.map((c) => c.messageId))).toEqual(new Set([r.messageId]));
  });

  test('429 is retried after Retry-After with the same message ID', async () => {
    const to = uniqueId('cli-sig-429');
    await control.addFault({ match: { product: 'signaling', operation: 'peerMessage' }, action: { type: 'rate-limit', retryAfterSeconds: 0 }, count: 1 });
    const since = await lastSeq();
    const r = await sig.sendPeerMessage(basic(), { fromUserId: 'backend', destination: to, payload: 'hello', attempts: 2 });
    expect(r).toMatchObject({ code: 'message_sent', attempts: 2 });
    const seen = await signalingRequests(since);
    expect(seen.map((e) => e.status)).toEqual([429, 200]);
    expect(seen.map((e) => sig.unwrapMessage((e.body as { payload: string }).payload)?.messageId)).toEqual([r.messageId, r.messageId]);
    await control.addFault({ match: { product: 'signaling' }, action: { type: 'rate-limit', retryAfterSeconds: 1 }, count: 1 });
    const single = await failure(sig.sendPeerMessage(basic(), { fromUserId: 'backend', destination: to, payload: 'y' }));
    expect(single.info).toMatchObject({ httpStatus: 429, retryable: true, retryAfterMs: 1000 });
  });

  test('limits are refused before any request: empty or > 32 KB payload, ids > 64 characters or not printable ASCII, a token sending as another uid', async () => {
    const since = await lastSeq();
    const bad = [
      sig.sendPeerMessage(basic(), { fromUserId: 'backend', destination: 'x', payload: '' }),
      sig.sendPeerMessage(basic(), { fromUserId: 'backend', destination: 'x', payload: 'p'.repeat(32 * 1024) }), // the envelope pushes it over
      sig.sendPeerMessage(basic(), { fromUserId: 'u'.repeat(65), destination: 'x', payload: 'p' }),
      sig.sendPeerMessage(basic(), { fromUserId: 'backend', destination: 'ünicode', payload: 'p' }),
      sig.sendChannelMessage(basic(), { fromUserId: 'backend', channelName: '', payload: 'p' }),
      sig.sendPeerMessage(withToken('backend'), { fromUserId: 'other', destination: 'x', payload: 'p' }),
      sig.sendPeerMessage(basic(), { fromUserId: 'backend', destination: 'x', payload: 'p', messageId: 'has space' }),
    ];
    for (const p of bad) await failure(p, InvalidInputError);
    expect(() => sig.signalingContext(basic(), { auth: 'token', uid: 'x' })).toThrow(InvalidInputError);
    expect(await signalingRequests(since)).toEqual([]);
  });
});

describe('events', () => {
  test('acceptance: polling two regions returns each event once (dedupe by user_id, type, ms), in ms order, and remembers across polls and pollers', async () => {
    const poller = new sig.SignalingEventPoller(basic(), 'user', { regions: ['na', 'eu'] });
    await poller.poll(); // drain what other tests left
    await control.advanceClock(1_000);
    const a = uniqueId('alice');
    const b = uniqueId('bob');
    // alice's login reached both regions; bob's only eu; alice's logout only na
    await control.json('POST', `/_emulator/agora/signaling/${APP}/users/${a}`, { online: true, regions: ['na', 'eu'] });
    await control.advanceClock(5);
    await control.json('POST', `/_emulator/agora/signaling/${APP}/users/${b}`, { online: true, regions: ['eu'] });
    await control.advanceClock(5);
    await control.json('POST', `/_emulator/agora/signaling/${APP}/users/${a}`, { online: false, regions: ['na'] });
    const first = await poller.poll();
    expect(first.events.map((e) => `${e.user_id}:${e.type}`)).toEqual([`${a}:Login`, `${b}:Login`, `${a}:Logout`]);
    expect(first.duplicates).toBe(1);
    expect(first.failures).toEqual([]);

    // a copy that only surfaces later in a third region is still dropped by the same poller and by a successor
    const login = first.events[0]!;
    await control.json('POST', `/_emulator/agora/signaling/${APP}/events`, { kind: 'user', events: [{ user_id: a, type: 'Login', ms: login.ms }], regions: ['na'] });
    await control.advanceClock(1_000);
    const successor = new sig.SignalingEventPoller(basic(), 'user', { regions: ['na', 'eu'], remembered: poller.remembered() });
    expect(await successor.poll()).toMatchObject({ events: [], duplicates: 1 });
  });

  test('channel events through the activity-friendly poll; a failing region is named and the other region`s events are still returned', async () => {
    const ch = uniqueId('room');
    const u = uniqueId('carol');
    await control.json('POST', `/_emulator/agora/signaling/${APP}/channels/${ch}/users/${u}`, { joined: true, regions: ['ap', 'cn'] });
    await control.addFault({ match: { product: 'signaling', path: '^/cn/' }, action: { type: 'error', status: 408 }, count: 1 });
    const r = await sig.pollSignalingEvents(basic(), { kind: 'channel', regions: ['ap', 'cn'] });
    expect(r.events.filter((e) => e.group_id === ch)).toEqual([{ group_id: ch, user_id: u, type: 'Join', ms: expect.any(Number) }]);
    expect(r.failedRegions).toEqual([{ region: 'cn', reason: expect.stringContaining('HTTP 408') }]);
    // the cn copy is still on the server; the next poll reads it and drops it as the same event
    const again = await sig.pollSignalingEvents(basic(), { kind: 'channel', regions: ['ap', 'cn'], remembered: r.remembered });
    expect(again.events.filter((e) => e.group_id === ch)).toEqual([]);
    expect(again.duplicates).toBeGreaterThanOrEqual(1);
  });

  test('the events rate limit (10/s per App ID) is a retryable 429; every region failing throws', async () => {
    for (let i = 0; i < 10; i++) await sig.getUserEvents(basic(), { region: 'ap' });
    const err = await failure(sig.getUserEvents(withToken('poller')));
    expect(err.info).toMatchObject({ product: 'signaling', operation: 'userEvents', httpStatus: 429, retryable: true });
    await failure(new sig.SignalingEventPoller(basic(), 'user', { regions: ['na', 'eu'] }).poll());
  });

  test('region base URLs: Agora hosts map to their regional domains, anything else serves a region under /{region}', () => {
    expect(sig.regionBaseUrl({ baseUrls: ['https://api.agora.io'] }, 'eu')).toBe('https://api-eu-central-1.agora.io');
    expect(sig.regionBaseUrl({ baseUrls: ['http://127.0.0.1:9/'] }, 'ap')).toBe('http://127.0.0.1:9/ap');
    expect(() => sig.regionBaseUrl({ baseUrls: ['https://api.agora.io'] }, 'EU' as 'eu')).toThrow(InvalidInputError);
  });
});

describe('CLI', () => {
  const cli = (...args: string[]) => rtcflowWith({ RTCFLOW_EMULATOR_URL: emu.url }, 'unused', 'signaling', ...args);

  test('rtcflow signaling send (token auth, message ID in the payload) and events over two regions, each event once; bad input exits 2 before any call', async () => {
    const to = uniqueId('cli-run');
    const sent = json(await cli('send', '--from', 'ops', '--to', to, '--payload', 'hello', '--message-id', 'cli-1', '--auth', 'token', '--json'));
    expect(sent).toMatchObject({ code: 'message_sent', messageId: 'cli-1', attempts: 1 });
    expect(sig.unwrapMessage((await inbox(to))[0]!.payload)).toEqual({ messageId: 'cli-1', payload: 'hello' });

    await new sig.SignalingEventPoller(basic(), 'user', { regions: ['na', 'eu'] }).poll();
    await control.advanceClock(1_000);
    await control.json('POST', `/_emulator/agora/signaling/${APP}/users/${to}`, { online: true, regions: ['na', 'eu'] });
    const read = json(await cli('events', '--kind', 'user', '--region', 'na', '--region', 'eu', '--json'));
    expect(read).toMatchObject({ events: [{ user_id: to, type: 'Login' }], duplicates: 1, failedRegions: [] });

    const since = await lastSeq();
    const bad = await cli('send', '--from', 'ops', '--to', 'x'.repeat(65), '--payload', 'p');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/destination/);
    expect(await signalingRequests(since)).toEqual([]);
  });
});
