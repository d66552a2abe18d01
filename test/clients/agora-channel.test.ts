/**
 * The typed Channel Management and get-ncs-ip clients (src/agora/channel.ts, src/agora/ncs.ts) against
 * the emulator over HTTP: the shared emulator for most tests, a dedicated one where the clock moves.
 */
import {
  createBanRule,
  deleteBanRule,
  findBanRules,
  getChannelList,
  getHostList,
  getUserList,
  getUserStatus,
  kickUsers,
  listBanRules,
  updateBanRule,
} from '../../src/agora/channel';
import type { AgoraCredentials } from '../../src/agora/auth';
import type { AgoraContext } from '../../src/agora/http';
import { getNcsIps } from '../../src/agora/ncs';
import { EMULATOR_AGORA } from '../../emulator/defaults';
import { HttpClient } from '../../src/http/client';
import { InvalidInputError } from '../../src/errors';
import { VendorError } from '../../src/http/errors';
import { EmulatorControl, spawnEmulator, type SpawnedEmulator } from '../helpers/emulator';
import { failure } from '../helpers/vendor-error';
import { uniqueId } from '../helpers/wait';

const APP = EMULATOR_AGORA.appId;
const http = new HttpClient({ headersTimeoutMs: 5_000 });
const sharedUrl = () => {
  const url = process.env.RTCFLOW_TEST_EMULATOR_URL;
  if (!url) throw new Error('RTCFLOW_TEST_EMULATOR_URL is not set: run through jest');
  return url;
};
const ctxFor = (url: string, credentials: AgoraCredentials = { customerId: EMULATOR_AGORA.customerId, customerSecret: EMULATOR_AGORA.customerSecret }): AgoraContext => ({
  http,
  baseUrls: [url],
  appId: APP,
  credentials,
});

afterAll(async () => {
  await http.close();
});

/** The control API's join with the attributes Channel Management reports (role, platform). */
const joinAs = (control: EmulatorControl, cname: string, uid: string, attrs: { role?: 'host' | 'audience'; platform?: number } = {}) =>
  control.json('POST', `/_emulator/agora/channels/${APP}/${encodeURIComponent(cname)}/users`, { uid, ...attrs });
/** A join the emulator refuses because a ban rule keeps the user out. */
const refusedJoin = (control: EmulatorControl, cname: string, uid: string) => expect(control.join(APP, cname, uid)).rejects.toThrow(/: 403 .*BANNED_BY_SERVER/);

describe('against the shared emulator', () => {
  let ctx: AgoraContext;
  let control: EmulatorControl;
  beforeAll(() => {
    ctx = ctxFor(sharedUrl());
    control = new EmulatorControl(sharedUrl());
  });

  test('create → list → find → update → delete; delete of a gone rule is a success-equivalent', async () => {
    const cname = uniqueId('cmc-life');
    const { id, requestId } = await createBanRule(ctx, { cname, uid: 589517928, time: 30, privileges: ['join_channel'] });
    expect(id).toEqual(expect.any(Number));
    expect(requestId).toEqual(expect.any(String));

    const { rules } = await listBanRules(ctx);
    const rule = rules.find((r) => r.id === id);
    expect(rule).toMatchObject({ id, appid: APP, cname, uid: 589517928, ip: undefined, privileges: ['join_channel'], ts: expect.any(String) });
    expect(Date.parse(rule!.ts) - Date.parse(rule!.createAt!)).toBe(30 * 60_000);

    expect((await findBanRules(ctx, { cname, uid: 589517928, privileges: ['join_channel'] })).map((r) => r.id)).toEqual([id]);
    expect((await findBanRules(ctx, { cname, uid: 589517928 })).map((r) => r.id)).toEqual([id]);
    // exact target: a cname+uid rule does not ban the whole channel, nor that uid everywhere
    expect(await findBanRules(ctx, { cname })).toEqual([]);
    expect(await findBanRules(ctx, { uid: 589517928 })).toEqual([]);
    expect(await findBanRules(ctx, { cname, uid: 589517928, privileges: ['join_channel', 'publish_audio'] })).toEqual([]);

    const updated = await updateBanRule(ctx, { id, time_in_seconds: 7200 });
    expect(updated.id).toBe(id);
    expect(Date.parse(updated.ts)).toBeGreaterThan(Date.parse(rule!.ts));

    expect(await deleteBanRule(ctx, id)).toMatchObject({ deleted: true });
    expect(await deleteBanRule(ctx, id)).toMatchObject({ deleted: false });
    const gone = await failure(updateBanRule(ctx, { id, time: 5 }));
    expect(gone.info).toMatchObject({ httpStatus: 404, retryable: false, ambiguous: false, product: 'channel-management', operation: 'updateRule' });
  });

  test('a create whose response is lost is ambiguous; findBanRules finds the rule instead of posting again', async () => {
    const cname = uniqueId('cmc-ambiguous');
    await control.addFault({ match: { product: 'channel-management', operation: 'createRule', path: '^/dev/v1/kicking-rule$' }, action: { type: 'drop-response' }, count: 1 });

    const err = await failure(createBanRule(ctx, { cname, time: 10, privileges: ['publish_audio', 'publish_video'] }));
    expect(err.info).toMatchObject({ retryable: false, ambiguous: true });

    const found = await findBanRules(ctx, { cname, privileges: ['publish_video', 'publish_audio'] });
    expect(found).toHaveLength(1);
    const creates = (await control.requests({ cname, product: 'channel-management' })).filter((r) => r.operation === 'createRule');
    expect(creates).toHaveLength(1);
    await deleteBanRule(ctx, found[0]!.id);
  });

  test('a ban removes the user from the simulated channel; kickUsers removes without banning', async () => {
    const cname = uniqueId('cmc-ban');
    await control.emptyChannel(APP, cname);
    await control.join(APP, cname, '11');
    await control.join(APP, cname, '12');

    const { id } = await createBanRule(ctx, { cname, uid: 11, time_in_seconds: 600, privileges: ['join_channel'] });
    expect((await getUserStatus(ctx, { cname, uid: 11 })).data).toEqual({ in_channel: false });
    await refusedJoin(control, cname, '11');
    await deleteBanRule(ctx, id);
    await control.join(APP, cname, '11');

    const before = (await listBanRules(ctx)).rules.length;
    await kickUsers(ctx, { cname, uid: 12 });
    expect((await getUserStatus(ctx, { cname, uid: 12 })).data.in_channel).toBe(false);
    expect((await listBanRules(ctx)).rules.length).toBe(before);
    await control.join(APP, cname, '12');
    expect((await getUserStatus(ctx, { cname, uid: 12 })).data.in_channel).toBe(true);
  });

  test('online statistics reflect the users joined through the control API', async () => {
    const cname = uniqueId('cmc-stats');
    await control.emptyChannel(APP, cname);
    await control.join(APP, cname, '2206227541');
    await joinAs(control, cname, '906219905', { role: 'audience', platform: 7 });

    expect((await getUserList(ctx, cname)).data).toEqual({ channel_exist: true, mode: 2, broadcasters: [2206227541], audience: [906219905], audience_total: 1 });
    expect((await getHostList(ctx, cname)).data).toEqual({ channel_exist: true, mode: 2, broadcasters: [2206227541] });
    expect((await getUserStatus(ctx, { cname, uid: 906219905 })).data).toMatchObject({ in_channel: true, uid: 906219905, role: 3, platform: 7 });
    expect((await getUserList(ctx, uniqueId('cmc-none'))).data).toEqual({ channel_exist: false });

    // the shared emulator has other tests' channels too: page through all of them
    let found: number | undefined;
    for (let page = 0; found === undefined; page++) {
      const { data } = await getChannelList(ctx, { page_no: page, page_size: 50 });
      if (data.channels.length === 0) break;
      found = data.channels.find((c) => c.channel_name === cname)?.user_count;
    }
    expect(found).toBe(2);

    await control.leave(APP, cname, '2206227541');
    await control.leave(APP, cname, '906219905');
    expect((await getUserList(ctx, cname)).data).toEqual({ channel_exist: false });
  });

  test('bad input is refused before any call; string accounts are not Channel Management uids', async () => {
    const cname = uniqueId('cmc-bad');
    const invalid = [
      createBanRule(ctx, { privileges: ['join_channel'] }),
      createBanRule(ctx, { cname, privileges: [] }),
      createBanRule(ctx, { cname, privileges: ['join_channel', 'join_channel'] }),
      createBanRule(ctx, { uid: 0, privileges: ['join_channel'] }),
      createBanRule(ctx, { cname, time: 0.5, privileges: ['join_channel'] }),
      createBanRule(ctx, { cname, time: 10, time_in_seconds: 60, privileges: ['join_channel'] }),
      createBanRule(ctx, { cname, time_in_seconds: 5, privileges: ['join_channel'] }),
      createBanRule(ctx, { ip: '0', privileges: ['join_channel'] }),
      // @ts-expect-error a string account is not a Channel Management uid
      createBanRule(ctx, { uid: 'alice', privileges: ['join_channel'] }),
      updateBanRule(ctx, { id: 1, time: 2000 }),
      getUserStatus(ctx, { cname, uid: 1.5 }),
      getUserList(ctx, 'no/slash'),
      getChannelList(ctx, { page_size: 501 }),
    ];
    for (const p of invalid) await failure(p, InvalidInputError);
    expect(await control.requests({ cname })).toEqual([]);
  });

  test('wrong credentials are a final 401', async () => {
    const err = await failure(listBanRules(ctxFor(sharedUrl(), { customerId: 'nobody', customerSecret: 'wrong' })));
    expect(err.info).toMatchObject({ httpStatus: 401, retryable: false, ambiguous: false });
  });

  test('getNcsIps answers the primaryIP list of v1 and v2', async () => {
    expect(await getNcsIps(ctx)).toEqual(['127.0.0.1']);
    expect(await getNcsIps(ctx, { version: 2 })).toEqual(['127.0.0.1']);
  });
});

describe('with a dedicated emulator (the clock moves, limits are spent)', () => {
  let emu: SpawnedEmulator;
  let ctx: AgoraContext;
  let control: EmulatorControl;
  beforeAll(async () => {
    // a nearly frozen clock: a rate-limit window ends only when a test advances it, never mid-burst
    emu = await spawnEmulator({ timeScale: 0.001 });
    ctx = ctxFor(emu.url);
    control = new EmulatorControl(emu.url);
  });
  afterAll(async () => {
    await emu?.stop();
  });

  test('a rule expires by the emulator clock: findBanRules stops returning it and the user may rejoin', async () => {
    const cname = uniqueId('cmc-expiry');
    await control.emptyChannel(APP, cname);
    await control.join(APP, cname, '21');
    const { id } = await createBanRule(ctx, { cname, uid: 21, time: 1, privileges: ['join_channel'] });
    expect((await findBanRules(ctx, { cname, uid: 21 })).map((r) => r.id)).toEqual([id]);
    await control.advanceClock(30_000);
    await refusedJoin(control, cname, '21');
    await control.advanceClock(31_000);
    expect(await findBanRules(ctx, { cname, uid: 21 })).toEqual([]);
    expect(await deleteBanRule(ctx, id)).toMatchObject({ deleted: false });
    await control.join(APP, cname, '21');
  });

  test('over the per-account limit the calls fail retryable with the Retry-After delay', async () => {
    await control.advanceClock(1_100);
    const outcomes = await Promise.all(
      Array.from({ length: 14 }, () =>
        listBanRules(ctx).then(
          () => undefined,
          (e: unknown) => e,
        ),
      ),
    );
    const limited = outcomes.filter((e): e is VendorError => e instanceof VendorError);
    expect(limited).toHaveLength(4);
    expect(limited[0]!.info).toMatchObject({ httpStatus: 429, retryable: true, ambiguous: false });
    expect(limited[0]!.info.retryAfterMs).toBeGreaterThanOrEqual(1_000);
  });

  test('getNcsIps follows a changed server list', async () => {
    await control.json('PUT', '/_emulator/agora/ncs/ip', { v1: ['198.51.100.20', '198.51.100.21', '198.51.100.20'] });
    expect(await getNcsIps(ctx, { version: 1 })).toEqual(['198.51.100.20', '198.51.100.21']);
  });
});
