/**
 * The emulated Agora Channel Management API (agora.md §9) and get-ncs-ip (§2.8) over HTTP, checked
 * against the documented behaviour, with the Postman collection's bodies as fixtures. This file owns
 * its emulator process: it moves the clock and spends the per-account rate limits. The clock is nearly
 * frozen (time scale 0.001), so a rate-limit window ends only when a test advances it.
 */
import { request } from 'undici';
import { EMULATOR_STORAGE } from '../../emulator/defaults';
import { APP, AUTH, botToken } from '../helpers/agora-http';
import { EmulatorControl, spawnEmulator, type SpawnedEmulator } from '../helpers/emulator';
import { uniqueId } from '../helpers/wait';

let emu: SpawnedEmulator;
let control: EmulatorControl;
const BAD_AUTH = `Basic ${Buffer.from('someone:wrong').toString('base64')}`;
const OTHER_APP = 'f'.repeat(32);

beforeAll(async () => {
  emu = await spawnEmulator({ timeScale: 0.001 });
  control = new EmulatorControl(emu.url);
});
afterAll(async () => {
  await emu?.stop();
});
// every test starts in a fresh rate-limit window
beforeEach(async () => {
  await control.advanceClock(1_100);
});

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

async function call(method: Method, path: string, body?: unknown, opts: { auth?: string; contentType?: string | null; raw?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = { authorization: opts.auth ?? AUTH };
  const payload = opts.raw ?? (body === undefined ? undefined : JSON.stringify(body));
  if (opts.contentType !== null && (payload !== undefined || opts.contentType)) headers['content-type'] = opts.contentType ?? 'application/json';
  const res = await request(`${emu.url}${path}`, { method, headers, body: payload });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const rules = () => call('GET', `/dev/v1/kicking-rule?appid=${APP}`);
const createRule = (body: Record<string, unknown>) => call('POST', '/dev/v1/kicking-rule', { appid: APP, ...body });
const userList = (cname: string) => call('GET', `/dev/v1/channel/user/${APP}/${encodeURIComponent(cname)}`);
const userStatus = (cname: string, uid: number | string) => call('GET', `/dev/v1/channel/user/property/${APP}/${uid}/${encodeURIComponent(cname)}`);

const channelPath = (cname: string) => `/_emulator/agora/channels/${APP}/${encodeURIComponent(cname)}`;
/** Control API join with the optional attributes Channel Management reports: the user as joined. */
function join(cname: string, uid: string, attrs: { publishing?: boolean; role?: 'host' | 'audience'; ip?: string; platform?: number } = {}) {
  return control.json<{ uid: string; publishing: boolean }>('POST', `${channelPath(cname)}/users`, { uid, ...attrs });
}
/** A join the emulator refuses (403) because a ban rule keeps the user out. */
function refusedJoin(cname: string, uid: string, attrs: { ip?: string } = {}, message: RegExp = /./) {
  return expect(join(cname, uid, attrs)).rejects.toThrow(new RegExp(`: 403 .*${message.source}.*BANNED_BY_SERVER`));
}
async function users(cname: string): Promise<Array<{ uid: string; publishing: boolean; role?: string }>> {
  return (await control.json<{ users: Array<{ uid: string; publishing: boolean; role?: string }> }>('GET', channelPath(cname))).users;
}
async function channelWith(cname: string, members: string[], profile?: 'communication' | 'live_broadcasting') {
  await control.json('PUT', channelPath(cname), profile ? { profile } : undefined);
  for (const uid of members) await join(cname, uid);
}
const uids = async (cname: string) => (await users(cname)).map((u) => u.uid).sort();
const secondsBetween = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 1000;

describe('authentication and input', () => {
  test('wrong credentials get 401 on every route; an App ID the account does not own is refused', async () => {
    for (const [method, path, body] of [
      ['GET', `/dev/v1/kicking-rule?appid=${APP}`],
      ['POST', '/dev/v1/kicking-rule', { appid: APP, cname: 'x', privileges: ['join_channel'] }],
      ['GET', `/dev/v1/channel/${APP}`],
      ['GET', `/dev/v1/channel/user/${APP}/x`],
      ['GET', `/dev/v1/channel/user/property/${APP}/1/x`],
      ['GET', '/v1/ncs/ip'],
      ['GET', '/v2/ncs/ip'],
    ] as Array<[Method, string, unknown?]>) {
      expect(await call(method, path, body, { auth: BAD_AUTH })).toMatchObject({ status: 401, body: { message: expect.any(String) } });
    }
    expect((await call('GET', `/dev/v1/kicking-rule?appid=${APP}`, undefined, { auth: '' })).status).toBe(401);
    expect(await call('GET', `/dev/v1/kicking-rule?appid=${OTHER_APP}`)).toEqual({ status: 400, headers: expect.anything(), body: { message: 'invalid appid' } });
    expect((await call('POST', '/dev/v1/kicking-rule', { appid: OTHER_APP, cname: 'x', privileges: ['join_channel'] })).status).toBe(400);
    expect((await call('GET', `/dev/v1/channel/user/${OTHER_APP}/x`)).status).toBe(400);
  });

  test('bad requests get 400 with the reason in `message`; a wrong Content-Type gets 415', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ cname: 'c' }, /privileges/],
      [{ cname: 'c', privileges: [] }, /privileges/],
      [{ cname: 'c', privileges: ['join_channel', 'screen_share'] }, /screen_share/],
      [{ privileges: ['join_channel'] }, /cname, uid or ip/],
      [{ uid: '2845863044', privileges: ['join_channel'] }, /uid/],
      [{ uid: 0, privileges: ['join_channel'] }, /uid/],
      [{ uid: 2 ** 32, privileges: ['join_channel'] }, /uid/],
      [{ ip: '0', privileges: ['join_channel'] }, /ip/],
      [{ ip: 'not-an-ip', privileges: ['join_channel'] }, /ip/],
      [{ cname: 'a/b', privileges: ['join_channel'] }, /cname/],
      [{ cname: 'c', time: -1, privileges: ['join_channel'] }, /time/],
      [{ cname: 'c', time_in_seconds: 'ten', privileges: ['join_channel'] }, /time_in_seconds/],
    ];
    for (const [i, [body, reason]] of cases.entries()) {
      if (i === 8) await control.advanceClock(1_100); // the kicking-rule APIs allow 10 calls a second
      const res = await createRule(body);
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(reason);
    }
    await control.advanceClock(1_100); // the kicking-rule APIs allow 10 calls a second
    expect(await call('POST', '/dev/v1/kicking-rule', undefined, { raw: '{"appid":', contentType: 'application/json' })).toMatchObject({
      status: 400,
      body: { message: expect.any(String) },
    });
    expect(
      await call('POST', '/dev/v1/kicking-rule', undefined, { raw: JSON.stringify({ appid: APP, cname: 'c', privileges: ['join_channel'] }), contentType: 'text/plain' }),
    ).toMatchObject({ status: 415, body: { message: expect.stringMatching(/Content-Type/) } });
    expect((await call('DELETE', '/dev/v1/kicking-rule', undefined, { contentType: null })).status).toBe(415);
    expect(await call('PUT', '/dev/v1/kicking-rule', { appid: APP, id: 999_999, time: 5 })).toMatchObject({ status: 404, body: { message: expect.any(String) } });
    expect(await call('DELETE', '/dev/v1/kicking-rule', { appid: APP, id: 'x' })).toMatchObject({ status: 400 });
    expect((await call('GET', '/dev/v1/kicking-rule')).status).toBe(400);
    expect((await rules()).body.rules).toEqual([]); // nothing above created a rule

    expect(await userStatus('c', 'alice')).toMatchObject({ status: 400, body: { message: expect.stringMatching(/string user accounts/) } });
    expect((await userStatus('c', 0)).status).toBe(400);
    expect((await call('GET', `/dev/v1/channel/${APP}?page_size=0`)).status).toBe(400);
    expect((await call('GET', `/dev/v1/channel/${APP}?page_size=501`)).status).toBe(400);
    expect((await call('GET', `/dev/v1/channel/${APP}?page_no=-1`)).status).toBe(400);
  });
});

describe('banning user privileges', () => {
  test('the Postman lifecycle: create → list → update → delete, with the documented response shapes', async () => {
    const cname = uniqueId('cm-life');
    // the collection's Create body: every field, time and time_in_seconds both set (time_in_seconds wins)
    const created = await createRule({ cname, uid: 589517928, ip: '192.168.0.1', time: 60, time_in_seconds: 120, privileges: ['join_channel', 'publish_audio', 'publish_video'] });
    expect(created).toMatchObject({ status: 200, body: { status: 'success', id: expect.any(Number) } });
    const id = created.body.id as number;

    const listed = await rules();
    expect(listed.status).toBe(200);
    expect(listed.body.status).toBe('success');
    const rule = listed.body.rules.find((r: { id: number }) => r.id === id);
    expect(rule).toEqual({
      id,
      appid: APP,
      uid: 589517928,
      opid: expect.any(Number),
      cname,
      ip: '192.168.0.1',
      ts: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      privileges: ['join_channel', 'publish_audio', 'publish_video'],
      createAt: expect.any(String),
      updateAt: expect.any(String),
    });
    expect(secondsBetween(rule.createAt, rule.ts)).toBe(120);

    await control.advanceClock(1_100);
    const updated = await call('PUT', '/dev/v1/kicking-rule', { appid: APP, id, time: 30 });
    expect(updated).toMatchObject({ status: 200, body: { status: 'success', result: { id, ts: expect.any(String) } } });
    const after = (await rules()).body.rules.find((r: { id: number }) => r.id === id);
    expect(after.ts).toBe(updated.body.result.ts);
    expect(secondsBetween(after.updateAt, after.ts)).toBe(30 * 60);
    expect(after.opid).not.toBe(rule.opid);

    const deleted = await call('DELETE', '/dev/v1/kicking-rule', { appid: APP, id });
    expect(deleted).toMatchObject({ status: 200, body: { status: 'success', id } });
    expect((await rules()).body.rules.find((r: { id: number }) => r.id === id)).toBeUndefined();
    expect((await call('DELETE', '/dev/v1/kicking-rule', { appid: APP, id })).status).toBe(404);
    expect((await call('PUT', '/dev/v1/kicking-rule', { appid: APP, id, time: 5 })).status).toBe(404);
  });

  test('durations are clamped as documented; neither field means 60 minutes; each POST is a new rule', async () => {
    const cname = uniqueId('cm-clamp');
    const cases: Array<[Record<string, unknown>, number]> = [
      [{ time: 0.5 }, 60],
      [{ time: 5_000 }, 1440 * 60],
      [{ time_in_seconds: 3 }, 10],
      [{ time_in_seconds: 100_000 }, 86_430],
      [{}, 3600],
      [{ time: 2, time_in_seconds: 45 }, 45],
    ];
    const ids: number[] = [];
    for (const [duration] of cases) {
      const res = await createRule({ cname, privileges: ['publish_audio'], ...duration });
      expect(res.status).toBe(200);
      ids.push(res.body.id);
    }
    expect(new Set(ids).size).toBe(cases.length);
    const listed = (await rules()).body.rules.filter((r: { cname?: string }) => r.cname === cname);
    expect(listed.map((r: { id: number }) => r.id)).toEqual(ids);
    listed.forEach((r: { createAt: string; ts: string }, i: number) => expect(secondsBetween(r.createAt, r.ts)).toBe(cases[i]![1]));
    await control.advanceClock(1_100);
    for (const id of ids) expect((await call('DELETE', '/dev/v1/kicking-rule', { appid: APP, id })).status).toBe(200);
  });

  test('join_channel by cname+uid kicks that user from that channel only and refuses the rejoin until the rule expires', async () => {
    const cname = uniqueId('cm-ban');
    const elsewhere = uniqueId('cm-other');
    await channelWith(cname, ['101', '102']);
    await channelWith(elsewhere, ['101']);

    const res = await createRule({ cname, uid: 101, time_in_seconds: 60, privileges: ['join_channel'] });
    expect(res.status).toBe(200);
    expect(await uids(cname)).toEqual(['102']);
    expect(await uids(elsewhere)).toEqual(['101']);
    expect((await userStatus(cname, 101)).body).toEqual({ success: true, data: { in_channel: false } });

    await refusedJoin(cname, '101', {}, new RegExp(`rule ${res.body.id}\\b`));
    await join(elsewhere, '103');

    await control.advanceClock(59_000);
    await refusedJoin(cname, '101');
    await control.advanceClock(2_000); // past the rule's 60 s
    expect((await rules()).body.rules.find((r: { id: number }) => r.id === res.body.id)).toBeUndefined();
    await join(cname, '101');
    expect(await uids(cname)).toEqual(['101', '102']);
    expect((await call('DELETE', '/dev/v1/kicking-rule', { appid: APP, id: res.body.id })).status).toBe(404);
  });

  test('the target fields: uid alone bans everywhere, cname alone empties the channel, ip matches by address', async () => {
    const a = uniqueId('cm-a');
    const b = uniqueId('cm-b');
    await channelWith(a, ['201', '202']);
    await channelWith(b, ['201', '203']);
    const byUid = await createRule({ uid: 201, time: 10, privileges: ['join_channel'] });
    expect(await uids(a)).toEqual(['202']);
    expect(await uids(b)).toEqual(['203']);
    await refusedJoin(uniqueId('cm-c'), '201');

    const byCname = await createRule({ cname: a, time: 10, privileges: ['join_channel'] });
    expect(await uids(a)).toEqual([]);
    await refusedJoin(a, '299');
    expect((await userList(a)).body).toEqual({ success: true, data: { channel_exist: false } });

    const c = uniqueId('cm-ip');
    await channelWith(c, []);
    await join(c, '301', { ip: '203.0.113.7' });
    await join(c, '302', { ip: '203.0.113.8' });
    const byIp = await createRule({ ip: '203.0.113.7', time: 10, privileges: ['join_channel'] });
    expect(await uids(c)).toEqual(['302']);
    await refusedJoin(c, '399', { ip: '203.0.113.7' });
    await join(c, '398', { ip: '203.0.113.9' });

    // deleting a rule lifts it at once
    for (const r of [byUid, byCname, byIp]) expect((await call('DELETE', '/dev/v1/kicking-rule', { appid: APP, id: r.body.id })).status).toBe(200);
    await join(a, '201');
    await join(c, '399', { ip: '203.0.113.7' });
  });

  test('time 0 kicks the matching users without a rule; an update to 0 ends a rule and kicks once more', async () => {
    const cname = uniqueId('cm-kick');
    await channelWith(cname, ['401', '402']);
    const kick = await createRule({ cname, uid: 401, time: 0, privileges: ['join_channel'] });
    expect(kick.status).toBe(200);
    expect(await uids(cname)).toEqual(['402']);
    expect((await rules()).body.rules.find((r: { id: number }) => r.id === kick.body.id)).toBeUndefined();
    await join(cname, '401'); // may rejoin at once

    const ban = await createRule({ cname, uid: 402, time_in_seconds: 600, privileges: ['join_channel'] });
    expect(await uids(cname)).toEqual(['401']);
    await control.advanceClock(300_000);
    // an update counts from now: 600 s more, past the original expiry
    const longer = await call('PUT', '/dev/v1/kicking-rule', { appid: APP, id: ban.body.id, time_in_seconds: 600 });
    expect(longer.status).toBe(200);
    await control.advanceClock(400_000);
    await refusedJoin(cname, '402');
    const ended = await call('PUT', '/dev/v1/kicking-rule', { appid: APP, id: ban.body.id, time_in_seconds: 0 });
    expect(ended.status).toBe(200);
    expect((await rules()).body.rules.find((r: { id: number }) => r.id === ban.body.id)).toBeUndefined();
    await join(cname, '402');
  });

  test('a ban on publish_audio + publish_video mutes the matching users while it lasts; they stay in the channel', async () => {
    const cname = uniqueId('cm-mute');
    await channelWith(cname, ['501', '502']);
    const ban = await createRule({ cname, uid: 501, time: 10, privileges: ['publish_audio', 'publish_video'] });
    expect(ban.status).toBe(200);
    const now = await users(cname);
    expect(now.find((u) => u.uid === '501')).toMatchObject({ publishing: false, role: 'host' });
    expect(now.find((u) => u.uid === '502')).toMatchObject({ publishing: true });
    expect((await userList(cname)).body.data.broadcasters.sort()).toEqual([501, 502]); // still a host

    // leaving and rejoining while banned: muted again
    await control.leave(APP, cname, '501');
    expect(await join(cname, '501')).toMatchObject({ publishing: false });
    // an audio-only ban is kept and listed, but the world has one publishing flag: no effect
    const audioOnly = await createRule({ cname, uid: 502, time: 10, privileges: ['publish_audio'] });
    expect((await users(cname)).find((u) => u.uid === '502')).toMatchObject({ publishing: true });

    await control.advanceClock(10 * 60_000 + 1_000);
    expect((await users(cname)).find((u) => u.uid === '501')).toMatchObject({ publishing: true });
    expect((await rules()).body.rules.filter((r: { id: number }) => [ban.body.id, audioOnly.body.id].includes(r.id))).toEqual([]);
  });

  test('each kicking-rule API allows 10 calls per second per account, then 429 with Retry-After', async () => {
    const results = await Promise.all(Array.from({ length: 16 }, () => rules()));
    const ok = results.filter((r) => r.status === 200);
    const limited = results.filter((r) => r.status === 429);
    expect(ok).toHaveLength(10);
    expect(limited).toHaveLength(6);
    expect(limited[0]!.body).toEqual({ message: expect.any(String) });
    expect(Number(limited[0]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited[0]!.headers['ratelimit-limit']).toBe('10');
    // the limit is per API: creating a rule still works in the same second
    expect((await createRule({ cname: uniqueId('cm-429'), time: 1, privileges: ['publish_video'] })).status).toBe(200);
    await control.advanceClock(1_000);
    expect((await rules()).status).toBe(200);
  });
});

describe('online channel statistics', () => {
  test('a live broadcasting channel reports hosts and audience as the control API joined them', async () => {
    const cname = uniqueId('cm-live');
    await channelWith(cname, []);
    await join(cname, '2206227541', { platform: 1 });
    await join(cname, '2845863044', { role: 'host', publishing: false, platform: 7 });
    await join(cname, '906219905', { role: 'audience', platform: 2 });
    await join(cname, 'alice-account'); // a string account: counted, never listed by uid

    expect((await userList(cname)).body).toEqual({
      success: true,
      data: { channel_exist: true, mode: 2, broadcasters: [2206227541, 2845863044], audience: [906219905], audience_total: 1 },
    });
    expect((await call('GET', `/dev/v1/channel/user/${APP}/${cname}/hosts_only`)).body).toEqual({
      success: true,
      data: { channel_exist: true, mode: 2, broadcasters: [2206227541, 2845863044] },
    });
    expect((await call('GET', `/dev/v1/channel/user/${APP}/${cname}?hosts_only`)).body.data).toEqual({ channel_exist: true, mode: 2, broadcasters: [2206227541, 2845863044] });

    const host = await userStatus(cname, 2845863044);
    expect(host).toMatchObject({ status: 200, body: { success: true, data: { uid: 2845863044, in_channel: true, platform: 7, role: 2, join: expect.any(Number) } } });
    expect(Math.abs(host.body.data.join - (await control.now()) / 1000)).toBeLessThan(10); // unix seconds of the emulator clock
    expect((await userStatus(cname, 906219905)).body.data).toMatchObject({ in_channel: true, role: 3, platform: 2 });
    expect((await userStatus(cname, 123)).body).toEqual({ success: true, data: { in_channel: false } });

    await control.leave(APP, cname, '906219905');
    expect((await userList(cname)).body.data).toMatchObject({ audience: [], audience_total: 0 });
    expect((await userStatus(cname, 906219905)).body.data).toEqual({ in_channel: false });
  });

  test('a communication channel reports plain users (mode 1, role 1); an unknown channel does not exist', async () => {
    const cname = uniqueId('cm-comm');
    await channelWith(cname, ['906218805'], 'communication');
    expect((await userList(cname)).body).toEqual({ success: true, data: { channel_exist: true, mode: 1, total: 1, users: [906218805] } });
    expect((await userStatus(cname, 906218805)).body.data).toMatchObject({ in_channel: true, role: 1, uid: 906218805 });
    expect((await userList(uniqueId('cm-nobody'))).body).toEqual({ success: true, data: { channel_exist: false } });
  });

  test('a cloud recorder is listed in its channel as audience', async () => {
    const cname = uniqueId('cm-rec');
    await channelWith(cname, ['601']);
    const base = `/v1/apps/${APP}/cloud_recording`;
    const acq = await call('POST', `${base}/acquire`, { cname, uid: '527841', clientRequest: {} });
    const st = await call('POST', `${base}/resourceid/${acq.body.resourceId}/mode/mix/start`, {
      cname,
      uid: '527841',
      clientRequest: {
        token: botToken(cname, 527841),
        storageConfig: { ...EMULATOR_STORAGE },
      },
    });
    expect(st.status).toBe(200);
    expect((await userList(cname)).body.data).toEqual({ channel_exist: true, mode: 2, broadcasters: [601], audience: [527841], audience_total: 1 });
    expect((await userStatus(cname, 527841)).body.data).toMatchObject({ in_channel: true, role: 3 });
    const stop = await call('POST', `${base}/resourceid/${acq.body.resourceId}/sid/${st.body.sid}/mode/mix/stop`, { cname, uid: '527841', clientRequest: {} });
    expect(stop.status).toBe(200);
    expect((await userStatus(cname, 527841)).body.data).toEqual({ in_channel: false });
  });

  test('the channel list pages through the online channels with user counts', async () => {
    const first = await call('GET', `/dev/v1/channel/${APP}/`); // the collection's trailing slash
    expect(first.status).toBe(200);
    const total = first.body.data.total_size as number;
    const mine = [uniqueId('cm-list'), uniqueId('cm-list')];
    await channelWith(mine[0]!, ['701', '702', '703']);
    await channelWith(mine[1]!, ['704']);
    const all = await call('GET', `/dev/v1/channel/${APP}?page_size=500`);
    expect(all.body.data.total_size).toBe(total + 2);
    const counts = Object.fromEntries(all.body.data.channels.map((c: { channel_name: string; user_count: number }) => [c.channel_name, c.user_count]));
    expect(counts[mine[0]!]).toBe(3);
    expect(counts[mine[1]!]).toBe(1);
    expect(all.body.data.channels.every((c: { user_count: number }) => c.user_count > 0)).toBe(true);

    const paged: string[] = [];
    for (let page = 0; page * 2 < total + 2; page++) {
      if (page % 15 === 14) await control.advanceClock(1_100); // 20 calls a second
      const res = await call('GET', `/dev/v1/channel/${APP}?page_no=${page}&page_size=2`);
      expect(res.body.data.channels.length).toBeLessThanOrEqual(2);
      paged.push(...res.body.data.channels.map((c: { channel_name: string }) => c.channel_name));
    }
    expect(paged).toEqual(all.body.data.channels.map((c: { channel_name: string }) => c.channel_name));
    const beyond = await call('GET', `/dev/v1/channel/${APP}?page_no=1000&page_size=100`);
    expect(beyond.body).toEqual({ success: true, data: { channels: [], total_size: total + 2 } });
  });

  test('each statistics API allows 20 calls per second per account, then 429 with Retry-After', async () => {
    const cname = uniqueId('cm-qps');
    const results = await Promise.all(Array.from({ length: 26 }, () => userStatus(cname, 1)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(20);
    const limited = results.filter((r) => r.status === 429);
    expect(limited).toHaveLength(6);
    expect(limited[0]!.headers['retry-after']).toBeDefined();
    expect(limited[0]!.headers['ratelimit-limit']).toBe('20');
    expect((await userList(cname)).status).toBe(200); // another API, its own budget
    await control.advanceClock(1_000);
    expect((await userStatus(cname, 1)).status).toBe(200);
  });
});

describe('get-ncs-ip', () => {
  test('v1 and v2 answer the hosts the emulator delivers webhooks from; the control API replaces them', async () => {
    for (const v of ['v1', 'v2']) {
      expect(await call('GET', `/${v}/ncs/ip`)).toMatchObject({ status: 200, body: { data: { service: { hosts: [{ primaryIP: '127.0.0.1' }] } } } });
    }
    await control.json('PUT', '/_emulator/agora/ncs/ip', { v2: ['198.51.100.10', '198.51.100.11'] });
    expect((await call('GET', '/v2/ncs/ip')).body).toEqual({ data: { service: { hosts: [{ primaryIP: '198.51.100.10' }, { primaryIP: '198.51.100.11' }] } } });
    expect((await call('GET', '/v1/ncs/ip')).body.data.service.hosts).toEqual([{ primaryIP: '127.0.0.1' }]);
  });
});

test('calls are logged and faultable under product channel-management', async () => {
  const cname = uniqueId('cm-log');
  await control.addFault({ match: { product: 'channel-management', operation: 'createRule' }, action: { type: 'error', status: 503, body: { message: 'overloaded' } }, count: 1 });
  expect(await createRule({ cname, time: 1, privileges: ['join_channel'] })).toMatchObject({ status: 503, body: { message: 'overloaded' } });
  expect((await createRule({ cname, time: 1, privileges: ['join_channel'] })).status).toBe(200);
  const log = await control.requests({ cname, product: 'channel-management' });
  expect(log.map((r) => `${r.operation}:${r.status}:${r.fault ?? ''}`)).toEqual(['createRule:503:error', 'createRule:200:']);
});
