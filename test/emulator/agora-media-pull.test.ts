/**
 * The emulated Agora Media Pull over HTTP (agora.md §7, §14.6; seed-002): cloud players create/delete/
 * update/list, names and X-Resource-ID, uid/account rules, the player as a channel publisher, idle
 * timeout, List visibility and rate limits, NCS events. Bodies are 002's examples. This file owns its
 * emulator and runs it at a crawl (time scale 0.001): every window moves only with the clock.
 */
import { request } from 'undici';
import { agoraJson, APP, AUTH, crawlingEmulatorWithNcs, type Res } from '../helpers/agora-http';
import type { EmulatorControl, SpawnedEmulator } from '../helpers/emulator';
import { CallbackReceiver } from '../helpers/receiver';
import { eventually, uniqueId } from '../helpers/wait';

let emu: SpawnedEmulator;
let control: EmulatorControl;
const ncs = new CallbackReceiver('/ncs');
const players = (region = 'na') => `/${region}/v1/projects/${APP}/cloud-player/players`;
const LIST = `/v1/projects/${APP}/cloud-player/players`;

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> => agoraJson(emu.url, method, path, body, headers);
/** A simulated event on a player, through the control API: the VOD finishes, the service fails or destroys it. */
const playerEvent = (id: string, event: 'finish' | 'fail' | 'destroy') => control.json('POST', `/_emulator/agora/media-pull/players/${id}/${event}`, {});

/** 002's "Media Pull without transcoding" request, in a channel of our own (playTs set per test). */
function player(channel: string, extra: Record<string, unknown> = {}) {
  return { player: { streamUrl: 'rtmp://example.agora.io/live/class32/101', channelName: channel, token: '2a784467d6', uid: 101, idleTimeout: 300, ...extra } };
}

async function create(body: unknown, region = 'na'): Promise<string> {
  const res = await call('POST', players(region), body);
  expect(res.status).toBe(200);
  return res.body.player.id;
}

async function emulatorNowS(): Promise<number> {
  return Math.floor((await control.now()) / 1000);
}

const channelUsers = (cname: string) => control.users(APP, cname);

async function playerView(id: string): Promise<Record<string, any> | undefined> {
  const all = await control.json<{ players: Array<Record<string, any>> }>('GET', '/_emulator/agora/media-pull/players');
  return all.players.find((p) => p.id === id);
}

const eventFor = (id: string, eventType: number, pred: (e: Record<string, any>) => boolean = () => true) =>
  eventually(
    async () => ncs.bodies.find((e) => e.productId === 4 && e.payload?.player?.id === id && e.eventType === eventType && pred(e)),
    `Media Pull NCS ${eventType} for ${id}`,
  );

beforeAll(async () => {
  ({ emu, control } = await crawlingEmulatorWithNcs(ncs));
});
afterAll(async () => {
  await emu?.stop();
  await ncs.stop();
});
// rate-limit windows: start every test in a fresh minute
afterEach(async () => control.advanceClock(60_001));

test("create answers 002's shape with X-Resource-ID; the player publishes in its channel once connected; NCS 1 and 4", async () => {
  const channel = uniqueId('pull-create');
  await control.emptyChannel(APP, channel);
  const playTs = await emulatorNowS();
  const res = await call('POST', players(), player(channel, { playTs, name: `p_${channel.slice(-8)}` }), { 'x-request-id': 'pull-req-1' });
  expect(res.status).toBe(200);
  const id = res.body.player.id;
  expect(res.body).toEqual({
    player: { uid: 101, id: expect.stringMatching(/^[0-9a-f]{32}$/), createTs: expect.any(Number), status: 'connecting' },
    fields: 'player.uid,player.id,player.createTs,player.status',
  });
  expect(res.body.player.createTs - playTs).toBeGreaterThanOrEqual(0);
  expect(res.body.player.createTs - playTs).toBeLessThanOrEqual(1);
  expect(res.headers['x-resource-id']).toBe(id);
  expect(res.headers['x-request-id']).toBe('pull-req-1');
  expect(await control.tasks({ cname: channel, running: true })).toEqual([expect.objectContaining({ product: 'media-pull', id, billing: true })]);
  expect(await channelUsers(channel)).toEqual([]);

  await control.advanceClock(2_000);
  expect(await channelUsers(channel)).toEqual([expect.objectContaining({ uid: '101', publishing: true, bot: false })]);
  expect((await playerView(id))?.status).toBe('running');
  const created = await eventFor(id, 1);
  expect(created.payload).toMatchObject({ player: { id, channelName: channel, uid: 101, status: 'connecting', idleTimeout: 300 }, xRequestId: 'pull-req-1' });
  await eventFor(id, 4, (e) => e.payload.player.status === 'running');

  const del = await call('DELETE', `${players()}/${id}`);
  expect(del.status).toBe(200);
  expect(del.text).toBe('');
  expect(del.headers['x-resource-id']).toBe(id);
  expect(await channelUsers(channel)).toEqual([]);
  expect(await call('DELETE', `${players()}/${id}`)).toMatchObject({ status: 404, body: { message: 'Resource is not found and destroyed.' } });
  expect(await control.tasks({ cname: channel })).toEqual([expect.objectContaining({ id, billing: false, state: 'deleted', endReason: 'delete' })]);
  expect((await eventFor(id, 3)).payload.player.destroyReason).toBe('Delete Request');
});

test('a duplicate name is 409 with X-Resource-ID of the existing player; names are per project, not per region', async () => {
  const channel = uniqueId('pull-name');
  const name = `dup_${channel.slice(-8)}`;
  const id = await create(player(channel, { name }));
  const dup = await call('POST', players(), player(channel, { name, uid: 102 }));
  expect(dup).toMatchObject({ status: 409, body: { message: 'Resource with the same name already exists.' } });
  expect(dup.headers['x-resource-id']).toBe(id);
  await control.advanceClock(1_000);
  const otherRegion = await call('POST', players('eu'), player(`${channel}-b`, { name }));
  expect(otherRegion.status).toBe(409);
  expect(otherRegion.headers['x-resource-id']).toBe(id);
  // unnamed players may repeat
  const a = await create(player(channel, { uid: 103 }));
  const b = await create(player(channel, { uid: 104 }));
  expect(a).not.toBe(b);
  for (const p of [id, a, b]) expect((await call('DELETE', `${players()}/${p}`)).status).toBe(200);
});

test('uid or account: one of them is required (400), uid 0 is assigned, an account is answered as account', async () => {
  const channel = uniqueId('pull-uid');
  const body = player(channel);
  delete (body.player as Record<string, unknown>).uid;
  expect(await call('POST', players(), body)).toMatchObject({ status: 400, body: { message: expect.stringMatching(/uid or account/) } });
  expect((await call('POST', players(), player(channel, { account: 'teacher101' }))).status).toBe(400);
  expect((await call('POST', players(), player(channel, { uid: null }))).status).toBe(400);
  expect((await call('POST', players(), player(channel, { uid: 4294967296 }))).status).toBe(400);
  expect((await call('POST', players(), player(channel, { uid: undefined, account: '' }))).status).toBe(400);

  const zero = await call('POST', players(), player(channel, { uid: 0 }));
  expect(zero.status).toBe(200);
  expect(zero.body.player.uid).toBeGreaterThan(0);
  const acc = await call('POST', players(), { player: { ...player(channel).player, uid: undefined, account: 'teacher101' } });
  expect(acc.status).toBe(200);
  expect(acc.body).toMatchObject({ player: { account: 'teacher101' }, fields: 'player.account,player.id,player.createTs,player.status' });
  expect(acc.body.player).not.toHaveProperty('uid');
  await control.advanceClock(2_000);
  const uids = (await channelUsers(channel)).map((u) => u.uid);
  expect(uids).toEqual(expect.arrayContaining([String(zero.body.player.uid), 'teacher101']));
  for (const p of [zero.body.player.id, acc.body.player.id]) await call('DELETE', `${players()}/${p}`);
});

test('List shows a player only 10 s after its creation, filters by channel, pages by pageSize/pageToken', async () => {
  const channel = uniqueId('pull-list');
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    ids.push(await create(player(channel, { uid: 200 + i, name: `list${i}_${channel.slice(-8)}` })));
    await control.advanceClock(1_000);
  }
  const other = await create(player(`${channel}-x`, { uid: 300 }));
  const filter = `?filter=${encodeURIComponent(`channelName eq ${channel}`)}`;
  expect((await call('GET', `${LIST}${filter}`)).body).toMatchObject({ totalSize: 0, players: [], nextPageToken: '' });
  await control.advanceClock(10_000);
  const full = await call('GET', `${LIST}${filter}`);
  expect(full.status).toBe(200);
  expect(full.body.totalSize).toBe(3);
  expect(full.body.players.map((p: { id: string }) => p.id)).toEqual(ids);
  expect(full.body.players[0]).toEqual({
    name: `list0_${channel.slice(-8)}`,
    streamUrl: 'rtmp://example.agora.io/live/class32/101',
    channelName: channel,
    uid: 200,
    id: ids[0],
    createTs: expect.any(Number),
    status: 'running',
  });
  expect(full.body.fields).toBe('player.name,player.streamUrl,player.channelName,player.uid,player.id,player.createTs,player.status');
  expect(full.body.players.some((p: { id: string }) => p.id === other)).toBe(false);

  await control.advanceClock(1_000);
  const page1 = await call('GET', `${LIST}${filter}&pageSize=2`);
  expect(page1.body.players.map((p: { id: string }) => p.id)).toEqual(ids.slice(0, 2));
  expect(page1.body.nextPageToken).not.toBe('');
  const page2 = await call('GET', `${LIST}${filter}&pageSize=2&pageToken=${page1.body.nextPageToken}`);
  expect(page2.body).toMatchObject({ totalSize: 3, nextPageToken: '' });
  expect(page2.body.players.map((p: { id: string }) => p.id)).toEqual(ids.slice(2));

  await control.advanceClock(1_000);
  const everything = await call('GET', LIST);
  expect(everything.body.players.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining([...ids, other]));
  await control.advanceClock(1_000);
  for (const [q, status] of [
    ['?filter=channel%3D1', 400],
    ['?pageSize=0', 400],
    ['?pageSize=501', 400],
    ['?pageToken=zz', 400],
  ] as const) {
    expect((await call('GET', `${LIST}${q}`)).status).toBe(status);
    await control.advanceClock(1_000);
  }
  for (const p of [...ids, other]) await call('DELETE', `${players()}/${p}`);
});

test('List limits: with a filter 2/s and 15/min, without 10/s and 20/min (429 + Retry-After)', async () => {
  const filtered = `${LIST}?filter=${encodeURIComponent('channelName eq some-channel')}`;
  expect((await call('GET', filtered)).status).toBe(200);
  expect((await call('GET', filtered)).status).toBe(200);
  const third = await call('GET', filtered);
  expect(third).toMatchObject({ status: 429, body: { message: 'Request rate limit exceeded.' } });
  expect(third.headers['retry-after']).toBeDefined();
  // 15 a minute: 2 + 12 more over 6 seconds, then the 15th, and the 16th is refused even in a new second
  for (let s = 0; s < 6; s++) {
    await control.advanceClock(1_000);
    expect((await call('GET', filtered)).status).toBe(200);
    expect((await call('GET', filtered)).status).toBe(200);
  }
  await control.advanceClock(1_000);
  expect((await call('GET', filtered)).status).toBe(200);
  expect((await call('GET', filtered)).status).toBe(429);
  // the unfiltered list has its own counters
  const unfiltered = await Promise.all(Array.from({ length: 11 }, () => call('GET', LIST)));
  expect(unfiltered.filter((r) => r.status === 429)).toHaveLength(1);
  await control.advanceClock(1_000);
  const more = await Promise.all(Array.from({ length: 10 }, () => call('GET', LIST)));
  expect(more.filter((r) => r.status === 200)).toHaveLength(10);
  await control.advanceClock(1_000);
  expect((await call('GET', LIST)).status).toBe(429); // 20 a minute used up
  await control.advanceClock(60_000);
  expect((await call('GET', filtered)).status).toBe(200);
  expect((await call('GET', LIST)).status).toBe(200);
});

test('create is limited per name (2/s) and without a name (50/s); a project has at most 20 live players (429)', async () => {
  const channel = uniqueId('pull-rate');
  const name = `r_${channel.slice(-8)}`;
  const first = await create(player(channel, { name }));
  expect((await call('POST', players(), player(channel, { name }))).status).toBe(409);
  expect(await call('POST', players(), player(channel, { name }))).toMatchObject({ status: 429, body: { message: 'Request rate limit exceeded.' } });
  // another name is another counter
  const second = await create(player(channel, { name: `${name}b`, uid: 102 }));
  await control.advanceClock(1_000);

  const made: string[] = [first, second];
  for (let i = 0; made.length < 20; i++) made.push(await create(player(channel, { uid: 1_000 + i })));
  expect(await call('POST', players(), player(channel, { uid: 5_000 }))).toMatchObject({ status: 429, body: { message: 'Resources quota limit exceeded.' } });
  await call('DELETE', `${players()}/${made.pop()}`);
  const replacement = await create(player(channel, { uid: 5_001 }));
  made.push(replacement);
  await control.advanceClock(1_000);
  for (const p of made) expect((await call('DELETE', `${players()}/${p}`)).status).toBe(200);

  await control.advanceClock(1_000);
  const unnamed = await Promise.all(Array.from({ length: 51 }, (_, i) => call('POST', players(), player(channel, { uid: 6_000 + i }))));
  // 20 are created, 30 hit the quota, 1 hits the rate limit first
  expect(unnamed.filter((r) => r.body?.message === 'Request rate limit exceeded.')).toHaveLength(1);
  expect(unnamed.filter((r) => r.status === 200)).toHaveLength(20);
  await control.advanceClock(1_000);
  for (const r of unnamed.filter((x) => x.status === 200)) await call('DELETE', `${players()}/${r.body.player.id}`);
  expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
});

test('idleTimeout is clamped to 5 … 600; a player that stops playing (VOD finished) is destroyed after it (NCS 3 Idle Timeout)', async () => {
  const channel = uniqueId('pull-idle');
  const low = await create(player(channel, { uid: 1, idleTimeout: 1 }));
  const high = await create(player(channel, { uid: 2, idleTimeout: 9_999 }));
  const dflt = await create(player(channel, { uid: 3, idleTimeout: undefined }));
  expect((await playerView(low))?.idleTimeout).toBe(5);
  expect((await playerView(high))?.idleTimeout).toBe(600);
  expect((await playerView(dflt))?.idleTimeout).toBe(300);

  await control.advanceClock(3_000);
  await playerEvent(dflt, 'finish');
  expect((await playerView(dflt))?.status).toBe('idle');
  expect((await channelUsers(channel)).map((u) => u.uid)).not.toContain('3');
  await control.advanceClock(299_000);
  expect((await playerView(dflt))?.destroyed).toBeUndefined();
  await control.advanceClock(2_000);
  expect((await playerView(dflt))?.destroyed).toMatchObject({ reason: 'Idle Timeout' });
  expect((await call('DELETE', `${players()}/${dflt}`)).status).toBe(404);
  expect((await control.tasks({ cname: channel })).find((t) => t.id === dflt)).toMatchObject({ billing: false, state: 'destroyed', endReason: 'idle' });
  expect((await eventFor(dflt, 3)).payload.player.destroyReason).toBe('Idle Timeout');
  for (const p of [low, high]) expect((await call('DELETE', `${players()}/${p}`)).status).toBe(200);
});

test('update (002): sequence required and growing (repeat = no-op, stale = 400); isPause stops publishing and idles the player out; a new streamUrl reconnects', async () => {
  const channel = uniqueId('pull-upd');
  await control.emptyChannel(APP, channel);
  const id = await create(player(channel, { idleTimeout: 30 }));
  await control.advanceClock(2_000);
  const patch = (seq: number | undefined, body: unknown) => call('PATCH', `${players()}/${id}${seq === undefined ? '' : `?sequence=${seq}`}`, body);

  expect((await patch(undefined, { player: { isPause: true } })).status).toBe(400);
  expect((await patch(0, {})).status).toBe(400);
  expect((await patch(0, { player: { audioOptions: { volume: 201 } } })).status).toBe(400);
  expect((await patch(0, { player: { streamUrl: 'ftp://example/file' } })).status).toBe(400);

  // 002's example body
  const res = await patch(0, { player: { audioOptions: { volume: 10 }, isPause: false, streamUrl: 'http://example.agora.io/vod/movie.mp4', seekPosition: 40 } });
  expect(res.status).toBe(200);
  expect(res.text).toBe('');
  expect(res.headers['x-resource-id']).toBe(id);
  expect(await playerView(id)).toMatchObject({ volume: 10, seekPosition: 40, streamUrl: 'http://example.agora.io/vod/movie.mp4', status: 'connecting', sequence: 0 });
  await control.advanceClock(2_000);
  expect((await playerView(id))?.status).toBe('running');

  expect((await patch(0, { player: { isPause: true } })).status).toBe(200); // the same sequence again: no change
  expect((await playerView(id))?.paused).toBe(false);
  expect((await patch(2, { player: { isPause: true } })).status).toBe(200);
  expect(await patch(1, { player: { isPause: false } })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/sequence/) } });
  expect(await channelUsers(channel)).toEqual([expect.objectContaining({ uid: '101', publishing: false })]);

  // paused is not playing: the idle timeout runs
  await control.advanceClock(29_000);
  expect((await playerView(id))?.destroyed).toBeUndefined();
  await control.advanceClock(2_000);
  expect((await playerView(id))?.destroyed).toMatchObject({ reason: 'Idle Timeout' });
  expect(await channelUsers(channel)).toEqual([]);
  expect((await patch(3, { player: { isPause: false } })).status).toBe(404);
  // 002's variant path is not served
  expect((await call('PATCH', `/na/v1/projects/${APP}/cloud-player/${id}?sequence=4`, { player: { isPause: false } })).status).toBe(404);
});

test('playTs: a future start keeps the player idle (and not idling out) until then; outside [createTs − 86400, createTs + 300] it is 400', async () => {
  const channel = uniqueId('pull-playts');
  const now = await emulatorNowS();
  expect((await call('POST', players(), player(channel, { playTs: now + 301 }))).status).toBe(400);
  expect((await call('POST', players(), player(channel, { playTs: now - 86_401 }))).status).toBe(400);
  // 002's example playTs (2019) is far in the past
  expect((await call('POST', players(), player(channel, { playTs: 1575508644 }))).status).toBe(400);
  const resumed = await create(player(channel, { uid: 7, playTs: now - 3_600 }));
  const scheduled = await call('POST', players(), player(channel, { uid: 8, playTs: now + 250, idleTimeout: 5 }));
  expect(scheduled.body.player.status).toBe('idle');
  await control.advanceClock(200_000);
  expect(await playerView(scheduled.body.player.id)).toMatchObject({ status: 'idle' });
  expect((await playerView(scheduled.body.player.id))?.destroyed).toBeUndefined();
  await control.advanceClock(53_000);
  expect((await playerView(scheduled.body.player.id))?.status).toBe('running');
  expect((await playerView(resumed))?.status).toBe('running');
  for (const p of [resumed, scheduled.body.player.id]) await call('DELETE', `${players()}/${p}`);
});

test('players that cannot play fail: unreachable source, no token with App Certificate, uid already in the channel', async () => {
  const channel = uniqueId('pull-fail');
  await control.emptyChannel(APP, channel);
  await control.join(APP, channel, '555');
  const unreachable = await create(player(channel, { uid: 1, streamUrl: 'rtmp://origin.invalid/live/x' }));
  const noToken = await create(player(channel, { uid: 2, token: undefined }));
  const taken = await create(player(channel, { uid: 555 }));
  await control.advanceClock(2_000);
  for (const id of [unreachable, noToken, taken]) expect((await playerView(id))?.status).toBe('failed');
  expect((await playerView(noToken))?.failReason).toMatch(/token/);
  expect((await playerView(taken))?.failReason).toMatch(/already in it/);
  expect((await channelUsers(channel)).map((u) => u.uid)).toEqual(['555']);
  const ok = await create(player(channel, { uid: 3 }));
  await control.advanceClock(2_000);
  await playerEvent(ok, 'destroy');
  expect((await eventFor(ok, 3)).payload.player.destroyReason).toBe('Internal Error');
  // failed players idle out like any player that is not playing
  await control.advanceClock(300_000);
  expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
});

test('bad requests get the vendor messages, never a crash', async () => {
  const channel = uniqueId('pull-bad');
  const bad = async (body: unknown, message: RegExp, query = '') => {
    const res = await call('POST', `${players()}${query}`, body);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(message);
  };
  await bad({}, /player/);
  await bad(player(channel, { streamUrl: 'ftp://example/x' }), /^Parameter 'streamUrl' is invalid formatted\.$/);
  await bad(player(channel, { streamUrl: `http://example/${'x'.repeat(1020)}` }), /streamUrl/);
  await bad(player(channel, { streamUrl: '' }), /streamUrl/);
  await bad(player('bad/channel'), /^Parameter channelName is invalid/);
  await bad(player(channel, { name: 'has space' }), /name/);
  await bad(player(channel, { encryptMode: 'aes-128-gcm2', encryptKey: 'k' }), /encryptKdfSalt/);
  await bad(player(channel, { encryptMode: 'rot13', encryptKey: 'k' }), /encryptMode/);
  await bad(player(channel, { encryptMode: 'aes-128-xts', encryptKey: 'k', encryptKdfSalt: 's' }), /encryptKdfSalt/);
  await bad(player(channel, { repeatTime: 0 }), /repeatTime/);
  await bad(player(channel, { audioOptions: { profile: 6 } }), /audioOptions\.profile/);
  await bad(player(channel, { videoOptions: { width: 65 } }), /videoOptions\.width/);
  await bad(player(channel, { videoOptions: { height: 1081 } }), /videoOptions\.height/);
  await bad(player(channel), /streamIp/, '?streamIp=not-an-ip');
  const malformed = await request(`${emu.url}${players()}`, { method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/json' }, body: '{"player"' });
  expect(malformed.statusCode).toBe(400);
  expect(await malformed.body.json()).toHaveProperty('message');
  // 002's "with transcoding" body (codec VP9, gop) is accepted
  const transcoded = await create({
    player: {
      audioOptions: { profile: 1 },
      videoOptions: { width: 1920, height: 1080, frameRate: 15, bitrate: 400, codec: 'VP9', gop: 30, fillMode: 'fill' },
      ...player(channel).player,
    },
  });
  // a DELETE carrying Content-Type: application/json and no body (the Postman item) is fine
  expect((await call('DELETE', `${players()}/${transcoded}`)).status).toBe(200);
  const unauthorized = await call('POST', players(), player(channel), { authorization: `Basic ${Buffer.from('x:y').toString('base64')}` });
  expect(unauthorized.status).toBe(401);
  expect(unauthorized.headers['x-resource-id']).toBeUndefined();
  expect(unauthorized.headers['x-request-id']).toBeUndefined();
  expect((await call('GET', `/NA/v1/projects/${APP}/cloud-player/players`)).status).toBe(404);
  expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
});
