/**
 * The emulated Huawei Cloud SparkRTC service over real HTTP, signed for real (sparkrtc.md §2–§17):
 * gateway auth and flow control, apps, rules, jobs, layouts, idle stops, files and signed callbacks,
 * auto-record, rooms, OBS and every documented failure code. This file owns its emulator process so it
 * can move the emulator's clock.
 */
import { request } from 'undici';
import { spawnEmulator, type SpawnedEmulator } from '../helpers/emulator';
import { receiverFor } from '../helpers/receiver';
import { CALLBACK_OK, DEMO, SparkControl, type RawCallOptions, type RawResponse } from '../helpers/sparkrtc';
import { eventually, uniqueId } from '../helpers/wait';
import { verifyCallback } from '../../src/sparkrtc/callbacks';
import { sign } from '../../src/sparkrtc/signer';
import { parseStreamName } from '../../src/schemas/sparkrtc/jobs';

let emu: SpawnedEmulator;
let c: SparkControl;
let initialSettings: any;
const APP = DEMO.appId;
const MINUTE = 60_000;
/** INIT lasts this long in this file (the default is 2 s; longer keeps INIT assertions independent of wall time) */
const INIT_MS = 10_000;
const RAISED = { management: 100_000, jobs: 100_000, rooms: 100_000, obs: 100_000 };

beforeAll(async () => {
  emu = await spawnEmulator();
  c = new SparkControl(emu.url);
  initialSettings = await c.settings();
  await c.settings({ initMs: INIT_MS, limits: RAISED });
});
afterAll(async () => {
  await emu?.stop();
});
afterEach(async () => {
  await c.clearFaults();
});

const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, o?: RawCallOptions) => c.raw.call(method, path, o);
const ruleBody = (over: Record<string, unknown> = {}) => ({
  obs_addr: { location: 'cn-north-4', project_id: DEMO.projectId, bucket: DEMO.bucket, object: 'rec/' },
  record_formats: ['MP4'],
  mp4_config: { record_cycle: 3600 },
  ...over,
});

async function makeApp(): Promise<string> {
  const res = await api('POST', '/v2/apps', { json: { app_name: uniqueId('app') } });
  expect(res.status).toBe(201);
  return res.body.app_id;
}

async function makeRule(appId: string, over: Record<string, unknown> = {}): Promise<string> {
  const res = await api('POST', `/v2/apps/${appId}/record-rules`, { json: ruleBody(over) });
  expect([200, 201]).toContain(res.status);
  return res.body.rule_id;
}

function expectError(res: RawResponse, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error_code }).toEqual({ status, code });
  expect(typeof res.body.error_msg).toBe('string');
}

/** A controlled room with these publishers (audio + camera). */
async function roomWith(appId: string, ...users: string[]): Promise<string> {
  const room = uniqueId('room');
  await c.emptyRoom(appId, room);
  for (const u of users) expect((await c.joinRoom(appId, room, u)).status).toBe(201);
  return room;
}

async function startSingle(appId: string, ruleId: string, room: string, user: string, extra: Record<string, unknown> = {}) {
  const res = await api('POST', `/v2/apps/${appId}/individual-stream-jobs`, { json: { room_id: room, user_id: user, record_param: { record_rule_id: ruleId }, ...extra } });
  expect(res.status).toBe(201);
  return res.body as { job_id: string; stream_name: string; state: string };
}

async function startMix(appId: string, ruleId: string, room: string, mix: Record<string, unknown> = {}) {
  const res = await api('POST', `/v2/apps/${appId}/mix-stream-jobs`, {
    json: { mix_param: { room_id: room, encode_template: '1280*720_15_2260', layout_template: 'nine_grids_view', ...mix }, record_param: { record_rule_id: ruleId } },
  });
  expect(res.status).toBe(201);
  return res.body as { job_id: string; stream_name: string; state: string; update_time: string };
}

/** Stops every job of the app (INIT ones after the start-up delay). */
async function stopAll(appId: string): Promise<void> {
  const live = await c.jobs({ appId, running: true });
  if (live.some((j) => j.state === 'INIT')) await c.advanceClock(INIT_MS);
  for (const j of live) expect((await api('DELETE', `/v2/apps/${appId}/${j.kind === 'mix' ? 'mix' : 'individual'}-stream-jobs/${j.job_id}`)).status).toBe(204);
}

const single = (appId: string, jobId = '') => `/v2/apps/${appId}/individual-stream-jobs${jobId ? `/${jobId}` : ''}`;
const mixed = (appId: string, jobId = '') => `/v2/apps/${appId}/mix-stream-jobs${jobId ? `/${jobId}` : ''}`;

let demoRule: string;
beforeAll(async () => {
  demoRule = await makeRule(APP);
});

// ---------------------------------------------------------------------------------------------------

describe('the gateway: authentication, project, policy, routes', () => {
  test('the documented defaults: flow control, app quota, rule delay, token validity', () => {
    expect(initialSettings).toMatchObject({
      initMs: 2_000,
      maxAppsPerTenant: 20,
      ruleChangeDelayMs: 5 * MINUTE,
      tokenTtlMs: 24 * 60 * MINUTE,
      maxRoomPublishers: 500,
      limits: { management: 60, jobs: 10, rooms: 60, obs: 2 },
    });
  });

  test('unsigned, badly signed, wrong-key and unknown-AK requests get 401 APIG.0301', async () => {
    expectError(await api('GET', `/v2/apps/${APP}`, { anonymous: true }), 401, 'APIG.0301');
    expectError(await api('GET', `/v2/apps/${APP}`, { sk: 'not-the-secret' }), 401, 'APIG.0301');
    expectError(await api('GET', `/v2/apps/${APP}`, { ak: 'UNKNOWNAK', sk: 'x' }), 401, 'APIG.0301');
    expectError(await api('GET', `/v2/apps/${APP}`, { headers: { authorization: 'Basic abc' }, anonymous: true }), 401, 'APIG.0301');
    // the signature covers the body: headers signed for one body do not carry another
    const url = `${emu.url}/v2/apps`;
    const headers = { 'content-type': 'application/json', 'x-project-id': DEMO.projectId };
    const signed = sign({ ak: DEMO.ak, sk: DEMO.sk }, { method: 'POST', url, headers, body: '{"app_name":"a"}' }, { date: await c.now() });
    const swapped = await request(url, { method: 'POST', headers: signed.headers, body: '{"app_name":"b"}' });
    expect(swapped.statusCode).toBe(401);
    expect(await swapped.body.json()).toMatchObject({ error_code: 'APIG.0301', error_msg: expect.stringMatching(/signature/) });
    const res = await api('GET', `/v2/apps/${APP}`);
    expect(res.status).toBe(200);
    expect(res.body.app_id).toBe(APP);
    expect(res.headers['x-request-id']).toBeDefined();
  });

  test('X-Sdk-Date must be within 15 minutes of the emulator clock', async () => {
    const now = await c.now();
    expect((await api('GET', `/v2/apps/${APP}`, { signedAt: now - 14 * MINUTE })).status).toBe(200);
    expect((await api('GET', `/v2/apps/${APP}`, { signedAt: now + 14 * MINUTE })).status).toBe(200);
    const stale = await api('GET', `/v2/apps/${APP}`, { signedAt: now - 16 * MINUTE });
    expectError(stale, 401, 'APIG.0301');
    expect(stale.body.error_msg).toMatch(/15 minutes/);
    expectError(await api('GET', `/v2/apps/${APP}`, { signedAt: now + 16 * MINUTE }), 401, 'APIG.0301');
    // a signature made now is refused once the emulator's clock has moved 16 minutes on
    const signedAt = await c.now();
    await c.advanceClock(16 * MINUTE);
    expectError(await api('GET', `/v2/apps/${APP}`, { signedAt }), 401, 'APIG.0301');
  });

  test('AK/SK calls name the account project in X-Project-Id (RTC.00001001)', async () => {
    expectError(await api('GET', `/v2/apps/${APP}`, { projectId: null }), 400, 'RTC.00001001');
    expectError(await api('GET', `/v2/apps/${APP}`, { projectId: 'ffffffffffffffffffffffffffffffff' }), 400, 'RTC.00001001');
  });

  test('IAM tokens: 201 with X-Subject-Token, good for 24 hours as X-Auth-Token; wrong passwords and scopes are 401', async () => {
    const t = await c.raw.token();
    expect(t.status).toBe(201);
    expect(t.token!.length).toBeGreaterThan(1000);
    expect(t.body.token).toMatchObject({ methods: ['password'], domain: { name: DEMO.domainName } });
    expect(Date.parse(t.body.token.expires_at) - Date.parse(t.body.token.issued_at)).toBe(24 * 60 * MINUTE);
    expect((await api('GET', `/v2/apps/${APP}`, { token: t.token })).status).toBe(200);
    const project = await c.raw.token(DEMO.iamUser, DEMO.iamPassword, { project: { name: DEMO.region } });
    expect(project.status).toBe(201);
    expect(project.body.token.project).toMatchObject({ id: DEMO.projectId });
    expect((await c.raw.token(DEMO.iamUser, 'wrong')).status).toBe(401);
    expect((await c.raw.token('nobody', DEMO.iamPassword)).status).toBe(401);
    expect((await c.raw.token(DEMO.iamUser, DEMO.iamPassword, { project: { name: 'eu-west-0' } })).status).toBe(401);
    expectError(await api('GET', `/v2/apps/${APP}`, { token: 'MIInot-a-token' }), 401, 'APIG.0301');
    await c.advanceClock(23 * 60 * MINUTE);
    expect((await api('GET', `/v2/apps/${APP}`, { token: t.token })).status).toBe(200);
    await c.advanceClock(61 * MINUTE);
    expectError(await api('GET', `/v2/apps/${APP}`, { token: t.token }), 401, 'APIG.0301');
  });

  test('a read-only IAM user may read but not write (RTC.00001021)', async () => {
    const t = await c.raw.token(DEMO.readOnlyIamUser);
    expect((await api('GET', `/v2/apps/${APP}/record-rules`, { token: t.token })).status).toBe(200);
    expectError(await api('POST', `/v2/apps/${APP}/record-rules`, { token: t.token, json: ruleBody() }), 400, 'RTC.00001021');
    expectError(await api('POST', '/v2/apps', { token: t.token, json: { app_name: uniqueId('ro') } }), 400, 'RTC.00001021');
  });

  test('unknown apps, jobs and routes', async () => {
    expectError(await api('GET', '/v2/apps/000000000000000000000000'), 404, 'RTC.00001015');
    expectError(await api('GET', single(APP, 'ffffffffffffffffffffffffffffffff')), 404, 'RTC.00001008');
    expectError(await api('DELETE', mixed(APP, 'ffffffffffffffffffffffffffffffff')), 404, 'RTC.00001008');
    // the gateway answers an unknown route before it authenticates
    expectError(await api('GET', '/v2/nothing-here', { anonymous: true }), 404, 'APIG.0101');
    expectError(await api('PATCH' as 'GET', `/v2/apps/${APP}`), 404, 'APIG.0101');
  });
});

describe('flow control (§17.5): 429 APIG.0308 with Retry-After per tenant and category', () => {
  beforeAll(async () => {
    // freeze the emulated clock (almost) so a window lasts as long as the test needs
    await c.setTimeScale(0.0001);
    await c.settings({ limits: initialSettings.limits });
    await c.advanceClock(MINUTE); // fresh windows
  });
  afterAll(async () => {
    try {
      await c.settings({ limits: RAISED });
    } finally {
      await c.setTimeScale(1);
    }
  });

  test('jobs: 10 per second', async () => {
    for (let i = 0; i < 10; i++) expect((await api('GET', single(APP, 'ffffffffffffffffffffffffffffffff'))).status).toBe(404);
    const refused = await api('GET', single(APP, 'ffffffffffffffffffffffffffffffff'));
    expectError(refused, 429, 'APIG.0308');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // other categories have their own budget
    expect((await api('GET', `/v2/apps/${APP}`)).status).toBe(200);
    await c.advanceClock(1_000);
    expect((await api('GET', single(APP, 'ffffffffffffffffffffffffffffffff'))).status).toBe(404);
  });

  test('management: 60 per minute; OBS: 2 per second; rooms: 60 per minute', async () => {
    await c.advanceClock(MINUTE);
    for (let i = 0; i < 60; i++) expect((await api('GET', `/v2/apps/${APP}/record-callback`)).status).toBe(200);
    expectError(await api('GET', `/v2/apps/${APP}/auto-record-mode`), 429, 'APIG.0308');
    await c.advanceClock(30_000);
    expectError(await api('GET', `/v2/apps/${APP}`), 429, 'APIG.0308');
    await c.advanceClock(30_000);
    expect((await api('GET', `/v2/apps/${APP}`)).status).toBe(200);

    expect((await api('GET', '/v2/rtc-ops/buckets')).status).toBe(200);
    expect((await api('GET', '/v2/rtc-ops/buckets')).status).toBe(200);
    expectError(await api('GET', '/v2/rtc-ops/buckets'), 429, 'APIG.0308');

    for (let i = 0; i < 60; i++) expect((await api('POST', `/v2/apps/${APP}/rooms/nobody-here/dismiss`)).status).toBe(404);
    expectError(await api('POST', `/v2/apps/${APP}/rooms/nobody-here/dismiss`), 429, 'APIG.0308');
  });
});

describe('applications (§11)', () => {
  afterAll(async () => {
    // the rest of the file makes more apps than the documented 20
    await c.settings({ maxAppsPerTenant: 1_000 });
  });

  test('create 201, duplicate name 1020, get, list by state and page; the 20-app quota (1017)', async () => {
    const name = uniqueId('app');
    const created = await api('POST', '/v2/apps', { json: { app_name: name } });
    expect(created.status).toBe(201);
    expect(created.body.app_id).toMatch(/^[0-9a-f]{24}$/);
    expectError(await api('POST', '/v2/apps', { json: { app_name: name } }), 400, 'RTC.00001020');
    expectError(await api('POST', '/v2/apps', { json: {} }), 400, 'RTC.00001005');
    expectError(await api('POST', '/v2/apps', { json: { app_name: 7 } }), 400, 'RTC.00001003');
    const got = await api('GET', `/v2/apps/${created.body.app_id}`);
    expect(got.body).toMatchObject({
      app_id: created.body.app_id,
      app_name: name,
      state: { state: 'ACTIVATION' },
      tenant_name: DEMO.domainName,
      auto_record_mode: { mode: 'AUTO_RECORD_OFF' },
    });
    expect(got.body.authentication).toMatchObject({ expire: 300 });

    const all = await api('GET', '/v2/apps');
    expect(all.body.count).toBe(all.body.apps.length);
    const page = await api('GET', '/v2/apps', { query: { limit: 1, offset: 1 } });
    expect(page.body.count).toBe(all.body.count);
    expect(page.body.apps.map((a: { app_id: string }) => a.app_id)).toEqual([all.body.apps[1].app_id]);
    expectError(await api('GET', '/v2/apps', { query: { limit: 101 } }), 400, 'RTC.00001003');
    expectError(await api('GET', '/v2/apps', { query: { state: 'ASLEEP' } }), 400, 'RTC.00001003');

    const made: string[] = [];
    for (let n = all.body.count; n < 20; n++) made.push(await makeApp());
    expectError(await api('POST', '/v2/apps', { json: { app_name: uniqueId('too-many') } }), 400, 'RTC.00001017');
    expect((await api('DELETE', `/v2/apps/${made.pop()}`)).status).toBe(204);
    made.push(await makeApp());
    for (const id of made) expect((await api('DELETE', `/v2/apps/${id}`)).status).toBe(204);
    expect((await api('GET', '/v2/apps', { query: { state: 'DEACTIVATION' } })).body.apps).toEqual([]);
  });

  test('a disabled or in-arrears app cannot record (1016) nor take new joiners; enable brings it back', async () => {
    const appId = await makeApp();
    const rule = await makeRule(appId);
    const room = await roomWith(appId, 'u1');
    const disabled = await api('POST', `/v2/apps/${appId}/disable`);
    expect(disabled.body).toMatchObject({ app_id: appId, state: { state: 'DEACTIVATION' } });
    const refused = await api('POST', single(appId), { json: { room_id: room, user_id: 'u1', record_param: { record_rule_id: rule } } });
    expectError(refused, 400, 'RTC.00001016');
    expect((await c.joinRoom(appId, room, 'u2')).status).toBe(403);
    expect((await c.joinRoom(appId, room, 'u1', { screen: true })).status).toBe(200); // already in: keeps working
    expect((await api('GET', '/v2/apps', { query: { state: 'DEACTIVATION' } })).body.apps.map((a: { app_id: string }) => a.app_id)).toContain(appId);
    expect((await api('POST', `/v2/apps/${appId}/enable`)).body.state.state).toBe('ACTIVATION');
    const job = await startSingle(appId, rule, room, 'u1');
    await c.setAppState(appId, 'ARREARS');
    try {
      expectError(
        await api('POST', mixed(appId), { json: { mix_param: { room_id: room, encode_template: 'audio_only' }, record_param: { record_rule_id: rule } } }),
        400,
        'RTC.00001016',
      );
      expectError(await api('POST', `/v2/apps/${appId}/enable`), 400, 'RTC.00001016');
    } finally {
      await c.setAppState(appId, 'ACTIVATION');
    }
    await c.advanceClock(INIT_MS);
    expect((await api('DELETE', single(appId, job.job_id))).status).toBe(204);
  });

  test('delete: refused while a job runs, 204 after it stopped, then 404 RTC.00001015', async () => {
    const appId = await makeApp();
    const rule = await makeRule(appId);
    const room = await roomWith(appId, 'u1');
    const job = await startMix(appId, rule, room);
    expectError(await api('DELETE', `/v2/apps/${appId}`), 400, 'RTC.00001003');
    await c.advanceClock(INIT_MS);
    expect((await api('DELETE', mixed(appId, job.job_id))).status).toBe(204);
    expect((await api('DELETE', `/v2/apps/${appId}`)).status).toBe(204);
    expectError(await api('GET', `/v2/apps/${appId}`), 404, 'RTC.00001015');
    expectError(await api('DELETE', `/v2/apps/${appId}`), 404, 'RTC.00001015');
  });
});

describe('recording rules (§4)', () => {
  test('the §4 example: "mp4_config": {} creates a rule with record_cycle 7200; the §12.1 example replaces it (200, same rule_id)', async () => {
    const appId = await makeApp();
    const example = {
      obs_addr: { bucket: 'obsName', location: 'cn-north-4', object: 'Record/', project_id: '01234567890123456789012345678901' },
      record_formats: ['MP4'],
      mp4_config: {},
    };
    const created = await api('POST', `/v2/apps/${appId}/record-rules`, { json: example });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      app_id: appId,
      obs_addr: example.obs_addr,
      record_formats: ['MP4'],
      mp4_config: { record_cycle: 7200, record_max_duration_to_merge_file: 0 },
    });
    expect(created.body.rule_id).toMatch(/^[0-9a-f]{32}$/);
    expect(Date.parse(created.body.create_time)).not.toBeNaN();
    const replaced = await api('POST', `/v2/apps/${appId}/record-rules`, { json: { ...example, mp4_config: { record_cycle: 60, record_max_duration_to_merge_file: 0 } } });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ rule_id: created.body.rule_id, mp4_config: { record_cycle: 60 }, create_time: created.body.create_time });
    expect((await api('GET', `/v2/apps/${appId}/record-rules`)).body.rules).toHaveLength(1);
    // a bucket is in one region
    const south = await api('POST', `/v2/apps/${appId}/record-rules`, { json: { ...example, obs_addr: { ...example.obs_addr, location: 'cn-south-1' } } });
    expectError(south, 400, 'RTC.00001003');
    // another location is another rule
    const other = await api('POST', `/v2/apps/${appId}/record-rules`, {
      json: { ...example, obs_addr: { ...example.obs_addr, location: 'cn-south-1', bucket: DEMO.southBucket } },
    });
    expect(other.status).toBe(201);
    expect(other.body.rule_id).not.toBe(created.body.rule_id);
    expect((await api('GET', `/v2/apps/${appId}/record-rules`)).body.rules).toHaveLength(2);
  });

  test.each([
    ['no obs_addr', { obs_addr: undefined }, 400, 'RTC.00001005'],
    ['no record_formats', { record_formats: undefined }, 400, 'RTC.00001005'],
    ['empty record_formats', { record_formats: [] }, 400, 'RTC.00001003'],
    ['unknown format', { record_formats: ['FLV'] }, 400, 'RTC.00001003'],
    ['HLS without hls_config', { record_formats: ['HLS'] }, 400, 'RTC.00001004'],
    ['MP4 cycle below 60', { mp4_config: { record_cycle: 30 } }, 400, 'RTC.00001003'],
    ['MP4 cycle above 3 h', { mp4_config: { record_cycle: 10801 } }, 400, 'RTC.00001003'],
    ['MP4 merge -1', { mp4_config: { record_cycle: 60, record_max_duration_to_merge_file: -1 } }, 400, 'RTC.00001003'],
    ['HLS cycle 30', { record_formats: ['HLS'], hls_config: { record_cycle: 30 } }, 400, 'RTC.00001003'],
    ['HLS slice 1', { record_formats: ['HLS'], hls_config: { record_cycle: 0, record_slice_duration: 1 } }, 400, 'RTC.00001003'],
    ['HLS merge 301', { record_formats: ['HLS'], hls_config: { record_cycle: 0, record_max_duration_to_merge_file: 301 } }, 400, 'RTC.00001003'],
    ['cycle as a string', { mp4_config: { record_cycle: '60' } }, 400, 'RTC.00001003'],
    ['an unknown field', { rule_id: 'mine' }, 400, 'RTC.00001003'],
    ['unsupported region', { obs_addr: { location: 'eu-west-0', project_id: DEMO.projectId, bucket: DEMO.bucket } }, 400, 'RTC.00001012'],
    ['unknown bucket', { obs_addr: { location: 'cn-north-4', project_id: DEMO.projectId, bucket: 'no-such-bucket' } }, 404, 'RTC.00001014'],
    ['no project_id', { obs_addr: { location: 'cn-north-4', bucket: DEMO.bucket } }, 400, 'RTC.00001005'],
  ])('%s %j → %i %s', async (_what, over, status, code) => {
    expectError(await api('POST', `/v2/apps/${APP}/record-rules`, { json: ruleBody(over) }), status, code);
  });

  test('valid edge values are accepted: HLS one-file (0) and -1 merge, both formats', async () => {
    const appId = await makeApp();
    const res = await api('POST', `/v2/apps/${appId}/record-rules`, {
      json: ruleBody({ record_formats: ['HLS', 'MP4'], hls_config: { record_cycle: 0, record_max_duration_to_merge_file: -1 }, mp4_config: { record_cycle: 10800 } }),
    });
    expect(res.status).toBe(201);
    expect(res.body.hls_config).toEqual({ record_cycle: 0, record_slice_duration: 10, record_max_duration_to_merge_file: -1 });
    expectError(await api('POST', `/v2/apps/${appId}/record-rules`, { body: '{"obs_addr":', json: undefined }), 400, 'RTC.00001002');
  });

  test('get, list, PUT (location clash 1019), delete refused while in use (1013), then 404 1011', async () => {
    const appId = await makeApp();
    const north = await makeRule(appId);
    expect((await api('GET', `/v2/apps/${appId}/record-rules/${north}`)).body).toMatchObject({ rule_id: north, app_id: appId, mp4_config: { record_cycle: 3600 } });
    expectError(await api('GET', `/v2/apps/${appId}/record-rules/ffffffffffffffffffffffffffffffff`), 404, 'RTC.00001011');
    const put = await api('PUT', `/v2/apps/${appId}/record-rules/${north}`, { json: ruleBody({ mp4_config: { record_cycle: 120 } }) });
    expect(put.status).toBe(200);
    expect(put.body.mp4_config.record_cycle).toBe(120);
    expectError(await api('PUT', `/v2/apps/${appId}/record-rules/ffffffffffffffffffffffffffffffff`, { json: ruleBody() }), 404, 'RTC.00001011');
    expectError(await api('PUT', `/v2/apps/${appId}/record-rules/${north}`, { json: { record_formats: ['MP4'], mp4_config: {} } }), 400, 'RTC.00001005');
    const list = await api('GET', `/v2/apps/${appId}/record-rules`, { query: { offset: 0, limit: 10 } });
    expect(list.body.rules.map((r: { rule_id: string }) => r.rule_id)).toEqual([north]);

    const room = await roomWith(appId, 'u1');
    const job = await startSingle(appId, north, room, 'u1');
    expectError(await api('DELETE', `/v2/apps/${appId}/record-rules/${north}`), 400, 'RTC.00001013');
    await c.advanceClock(INIT_MS);
    expect((await api('DELETE', single(appId, job.job_id))).status).toBe(204);
    expect((await api('PUT', `/v2/apps/${appId}/auto-record-mode`, { json: { mode: 'AUTO_INDIVIDUAL_RECORD', record_rule_id: north } })).status).toBe(200);
    expectError(await api('DELETE', `/v2/apps/${appId}/record-rules/${north}`), 400, 'RTC.00001013');
    expect((await api('PUT', `/v2/apps/${appId}/auto-record-mode`, { json: { mode: 'AUTO_RECORD_OFF' } })).status).toBe(200);
    expect((await api('DELETE', `/v2/apps/${appId}/record-rules/${north}`)).status).toBe(204);
    expectError(await api('DELETE', `/v2/apps/${appId}/record-rules/${north}`), 404, 'RTC.00001011');
    expectError(await api('GET', `/v2/apps/${appId}/record-rules/${north}`), 404, 'RTC.00001011');
  });

  test('PUT onto a location another rule of the app covers is RecordRuleExist (1019): one rule per location', async () => {
    const appId = await makeApp();
    const north = await makeRule(appId);
    const south = await makeRule(appId, { obs_addr: { location: 'cn-south-1', project_id: DEMO.projectId, bucket: DEMO.southBucket } });
    expect(south).not.toBe(north);
    expectError(await api('PUT', `/v2/apps/${appId}/record-rules/${south}`, { json: ruleBody() }), 400, 'RTC.00001019');
    expect((await api('GET', `/v2/apps/${appId}/record-rules/${south}`)).body.obs_addr.location).toBe('cn-south-1');
    expect((await api('GET', `/v2/apps/${appId}/record-rules`)).body.rules).toHaveLength(2);
  });

  test('a changed rule applies to new jobs about 5 minutes later, never to running ones', async () => {
    const appId = await makeApp();
    const rule = await makeRule(appId, {
      obs_addr: { location: 'cn-north-4', project_id: DEMO.projectId, bucket: DEMO.bucket },
      mp4_config: { record_cycle: 3600, record_prefix: 'v1/{stream}' },
    });
    const roomA = await roomWith(appId, 'ua');
    const a = await startSingle(appId, rule, roomA, 'ua');
    await c.advanceClock(INIT_MS);
    const put = await api('PUT', `/v2/apps/${appId}/record-rules/${rule}`, {
      json: ruleBody({ obs_addr: { location: 'cn-north-4', project_id: DEMO.projectId, bucket: DEMO.bucket }, mp4_config: { record_cycle: 3600, record_prefix: 'v2/{stream}' } }),
    });
    expect(put.body.mp4_config.record_prefix).toBe('v2/{stream}');
    const roomB = await roomWith(appId, 'ub');
    const b = await startSingle(appId, rule, roomB, 'ub');
    await c.advanceClock(5 * MINUTE);
    const roomC = await roomWith(appId, 'uc');
    const cJob = await startSingle(appId, rule, roomC, 'uc');
    await c.advanceClock(INIT_MS);
    for (const j of [a, b, cJob]) expect((await api('DELETE', single(appId, j.job_id))).status).toBe(204);
    const objects = async (jobId: string) =>
      (await c.events({ jobId })).filter((e) => e.body.event_type === 'RECORD_FILE_COMPLETE').map((e) => String(e.body.obs_object).split('/')[0]);
    expect(await objects(a.job_id)).toEqual(['v1']);
    expect(await objects(b.job_id)).toEqual(['v1']);
    expect(await objects(cJob.job_id)).toEqual(['v2']);
  });
});

describe('single-stream jobs (§7)', () => {
  test('the §4.1 example: 201 INIT, s_{job}_{room}_{user}, RUNNING after start-up, stop 204, STOPPED/TENANT_STOP, JobDone on a repeat', async () => {
    const room = await roomWith(APP, 'user001');
    const example = {
      room_id: room,
      user_id: 'user001',
      is_record_audio: true,
      video_type: 'CAMERASTREAM',
      resolution: '1280*720',
      resolution_policy: 'DOWNWARD',
      max_idle_time: 30,
      record_param: { record_rule_id: demoRule },
    };
    const started = await api('POST', single(APP), { json: example });
    expect(started.status).toBe(201);
    const job = started.body;
    expect(job).toMatchObject({
      app_id: APP,
      room_id: room,
      user_id: 'user001',
      state: 'INIT',
      stop_time: '0001-01-01T00:00:00Z',
      resolution: '1280*720',
      resolution_policy: 'DOWNWARD',
      select_stream_type: 'FHD',
      max_idle_time: 30,
    });
    expect(job.job_id).toMatch(/^[0-9a-f]{32}$/);
    expect(job.stream_name).toBe(`s_${job.job_id}_${room}_user001`);
    expect(parseStreamName(job.stream_name, { roomId: room })).toEqual({ kind: 'individual', jobId: job.job_id, roomId: room, userId: 'user001' });
    expect(job.stop_reason).toBeUndefined();
    expect(await c.tasks({ cname: room, running: true })).toMatchObject([{ vendor: 'sparkrtc', product: 'individual-stream-jobs', id: job.job_id, state: 'INIT', billing: true }]);

    expect((await api('GET', single(APP, job.job_id))).body.state).toBe('INIT');
    await c.advanceClock(INIT_MS);
    expect((await api('GET', single(APP, job.job_id))).body.state).toBe('RUNNING');
    expect((await c.tasks({ cname: room, running: true }))[0]).toMatchObject({ state: 'RUNNING' });
    await c.advanceClock(MINUTE);

    const stop = await api('DELETE', single(APP, job.job_id));
    expect(stop.status).toBe(204);
    expect(stop.text).toBe('');
    const after = (await api('GET', single(APP, job.job_id))).body;
    expect(after).toMatchObject({ state: 'STOPPED', stop_reason: 'TENANT_STOP' });
    expect(Date.parse(after.stop_time) - Date.parse(after.start_time)).toBeGreaterThanOrEqual(INIT_MS + MINUTE - 1_000);
    expectError(await api('DELETE', single(APP, job.job_id)), 400, 'RTC.00001009');
    expect(await c.tasks({ cname: room, running: true })).toEqual([]);
    expect((await c.tasks({ cname: room }))[0]).toMatchObject({ state: 'STOPPED', endReason: 'TENANT_STOP', billing: false });
    // a single job is not a mixed one
    expectError(await api('GET', mixed(APP, job.job_id)), 404, 'RTC.00001008');
    const types = (await c.events({ jobId: job.job_id })).map((e) => e.body.event_type);
    expect(types).toEqual(['RECORD_NEW_FILE_START', 'RECORD_FILE_COMPLETE', 'CLOUD_RECORD_SERVER_OVER']);
    const log = await c.requests({ cname: room });
    expect(log.map((r) => r.operation)).toEqual(['start', 'query', 'query', 'stop', 'query', 'stop']);
    expect(log.every((r) => r.vendor === 'sparkrtc' && r.product === 'individual-stream-jobs')).toBe(true);
  });

  test('INIT refuses stop and update (RTC.00001022); update changes the rule; unknown rule 1011; after the stop JobDone (1009)', async () => {
    const appId = await makeApp();
    const rule = await makeRule(appId);
    const room = await roomWith(appId, 'u1');
    const job = await startSingle(appId, rule, room, 'u1');
    expectError(await api('DELETE', single(appId, job.job_id)), 400, 'RTC.00001022');
    expectError(await api('PUT', single(appId, job.job_id), { json: { record_param: { record_rule_id: rule } } }), 400, 'RTC.00001022');
    await c.advanceClock(INIT_MS);
    expectError(await api('PUT', single(appId, job.job_id), { json: { record_param: { record_rule_id: 'ffffffffffffffffffffffffffffffff' } } }), 404, 'RTC.00001011');
    expectError(await api('PUT', single(appId, job.job_id), { json: {} }), 400, 'RTC.00001005');
    expectError(await api('PUT', single(appId, job.job_id), { json: { record_param: { record_rule_id: rule }, user_id: 'other' } }), 400, 'RTC.00001003');
    const updated = await api('PUT', single(appId, job.job_id), { json: { record_param: { record_rule_id: rule } } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ job_id: job.job_id, state: 'RUNNING', record_param: { record_rule_id: rule } });
    expect((await api('DELETE', single(appId, job.job_id))).status).toBe(204);
    expectError(await api('PUT', single(appId, job.job_id), { json: { record_param: { record_rule_id: rule } } }), 400, 'RTC.00001009');
  });

  test('the same user and stream twice is JobRunning (1006); another stream is not; the concurrent-job quota is JobExceed (1007)', async () => {
    const appId = await makeApp();
    const rule = await makeRule(appId);
    const room = await roomWith(appId, 'u1', 'u2');
    const first = await startSingle(appId, rule, room, 'u1');
    expectError(await api('POST', single(appId), { json: { room_id: room, user_id: 'u1', record_param: { record_rule_id: rule } } }), 400, 'RTC.00001006');
    const screen = await startSingle(appId, rule, room, 'u1', { video_type: 'SCREENSTREAM' });
    await c.settings({ maxConcurrentJobsPerApp: 2 });
    try {
      expectError(await api('POST', single(appId), { json: { room_id: room, user_id: 'u2', record_param: { record_rule_id: rule } } }), 400, 'RTC.00001007');
      expectError(
        await api('POST', mixed(appId), { json: { mix_param: { room_id: room, encode_template: 'audio_only' }, record_param: { record_rule_id: rule } } }),
        400,
        'RTC.00001007',
      );
      await c.advanceClock(INIT_MS);
      expect((await api('DELETE', single(appId, screen.job_id))).status).toBe(204);
      await startSingle(appId, rule, room, 'u2');
    } finally {
      await c.settings({ maxConcurrentJobsPerApp: 100 });
    }
    expect((await c.jobs({ appId, running: true })).map((j) => j.job_id)).toContain(first.job_id);
    await stopAll(appId);
  });

  test('idle: a user who never publishes, or leaves, stops the job max_idle_time later (EXCEED_MAX_IDLE_TIME); a returning user keeps it', async () => {
    const appId = await makeApp();
    const rule = await makeRule(appId);
    const room = await roomWith(appId, 'speaker');
    expect((await c.joinRoom(appId, room, 'listener', { publishing: false })).status).toBe(201);
    const silent = await startSingle(appId, rule, room, 'listener', { max_idle_time: 20 });
    const speaker = await startSingle(appId, rule, room, 'speaker', { max_idle_time: 30 });
    await c.advanceClock(15_000);
    expect((await api('GET', single(appId, silent.job_id))).body.state).toBe('RUNNING');
    await c.advanceClock(6_000);
    const idle = (await api('GET', single(appId, silent.job_id))).body;
    expect(idle).toMatchObject({ state: 'STOPPED', stop_reason: 'EXCEED_MAX_IDLE_TIME' });
    expect(Date.parse(idle.stop_time) - Date.parse(idle.start_time)).toBe(20_000);
    expectError(await api('DELETE', single(appId, silent.job_id)), 400, 'RTC.00001009');

    await c.leaveRoom(appId, room, 'speaker');
    await c.advanceClock(25_000);
    await c.joinRoom(appId, room, 'speaker');
    await c.advanceClock(25_000);
    expect((await api('GET', single(appId, speaker.job_id))).body.state).toBe('RUNNING');
    await c.joinRoom(appId, room, 'speaker', { publishing: false });
    await c.advanceClock(31_000);
    expect((await api('GET', single(appId, speaker.job_id))).body).toMatchObject({ state: 'STOPPED', stop_reason: 'EXCEED_MAX_IDLE_TIME' });
    expect(await c.tasks({ cname: room, running: true })).toEqual([]);
    expect((await c.tasks({ cname: room })).map((t) => t.endReason)).toEqual(['EXCEED_MAX_IDLE_TIME', 'EXCEED_MAX_IDLE_TIME']);
  });

  test.each([
    ['no room_id', { room_id: undefined }, 400, 'RTC.00001005'],
    ['no user_id', { user_id: undefined }, 400, 'RTC.00001005'],
    ['no record_param', { record_param: undefined }, 400, 'RTC.00001005'],
    ['max_idle_time 4', { max_idle_time: 4 }, 400, 'RTC.00001003'],
    ['max_idle_time 43201', { max_idle_time: 43201 }, 400, 'RTC.00001003'],
    ['max_idle_time "30"', { max_idle_time: '30' }, 400, 'RTC.00001003'],
    ['video_type FRONT', { video_type: 'FRONT' }, 400, 'RTC.00001003'],
    ['select_stream_type 4K', { select_stream_type: '4K' }, 400, 'RTC.00001003'],
    ['is_record_audio "yes"', { is_record_audio: 'yes' }, 400, 'RTC.00001003'],
    ['publish_param (removed 2023-07)', { publish_param: { url: 'rtmp://x' } }, 400, 'RTC.00001003'],
    ['unknown rule', { record_param: { record_rule_id: 'ffffffffffffffffffffffffffffffff' } }, 404, 'RTC.00001011'],
  ])('start with %s %j → %i %s', async (_what, over, status, code) => {
    const body = { room_id: uniqueId('room'), user_id: 'u1', record_param: { record_rule_id: demoRule }, ...over };
    expectError(await api('POST', single(APP), { json: body }), status, code);
  });

  test('a job the service fails stops with INTERNAL_ERROR; stopped jobs are gone (404 1008) after the retention', async () => {
    const appId = await makeApp();
    const rule = await makeRule(appId);
    const room = await roomWith(appId, 'u1');
    const job = await startSingle(appId, rule, room, 'u1');
    await c.advanceClock(INIT_MS);
    await c.failJob(job.job_id, 'recorder crashed');
    expect((await api('GET', single(appId, job.job_id))).body).toMatchObject({ state: 'STOPPED', stop_reason: 'INTERNAL_ERROR', description: 'recorder crashed' });
    expect((await c.tasks({ cname: room }))[0]).toMatchObject({ billing: false, endReason: 'INTERNAL_ERROR' });
    await c.advanceClock(24 * 60 * MINUTE + 1_000);
    expectError(await api('GET', single(appId, job.job_id)), 404, 'RTC.00001008');
    expectError(await api('DELETE', single(appId, job.job_id)), 404, 'RTC.00001008');
  });
});

describe('mixed-stream jobs (§8)', () => {
  test('the §4.2 example (x-form template, gallery, no panes): 201 INIT, m_{job}_{room}; a layout change while INIT (the §11.3 example); stop', async () => {
    const room = await roomWith(APP, 'user1', 'user2');
    const res = await api('POST', mixed(APP), {
      json: {
        mix_param: { room_id: room, encode_template: '1920x1080_30_4620', max_idle_time: 30, layout_template: 'nine_grids_view' },
        record_param: { record_rule_id: demoRule },
      },
    });
    expect(res.status).toBe(201);
    const job = res.body;
    expect(job).toMatchObject({
      state: 'INIT',
      room_id: room,
      mix_param: { room_id: room, encode_template: '1920x1080_30_4620', layout_template: 'nine_grids_view', max_idle_time: 30 },
      record_param: { record_rule_id: demoRule },
    });
    expect(job.stream_name).toBe(`m_${job.job_id}_${room}`);
    await c.advanceClock(1_000);
    const modified = await api('PUT', mixed(APP, job.job_id), {
      json: { mix_param: { layout_template: 'screen_share_left', layout_panes: [{ id: 1, user_id: 'user1', video_type: 'CAMERASTREAM', filling_policy: 'FIXED_USER' }] } },
    });
    expect(modified.status).toBe(200);
    expect(modified.body).toMatchObject({ state: 'INIT', mix_param: { layout_template: 'screen_share_left', encode_template: '1920x1080_30_4620' } });
    expect(Date.parse(modified.body.update_time)).toBeGreaterThan(Date.parse(job.update_time));
    expectError(await api('DELETE', mixed(APP, job.job_id)), 400, 'RTC.00001022');
    await c.advanceClock(INIT_MS);
    expect((await api('GET', mixed(APP, job.job_id))).body).toMatchObject({ state: 'RUNNING', mix_param: { layout_panes: [{ id: 1, user_id: 'user1' }] } });
    expect((await api('DELETE', mixed(APP, job.job_id))).status).toBe(204);
    expect((await api('GET', mixed(APP, job.job_id))).body).toMatchObject({ state: 'STOPPED', stop_reason: 'TENANT_STOP' });
    expect(await c.tasks({ cname: room, running: true })).toEqual([]);
  });

  const custom = (panes: unknown[]) => ({ layout_template: 'custom', layout_panes: panes });
  test.each([
    ['video without layout_template', { layout_template: undefined }, 'RTC.00001004'],
    ['unknown layout_template', { layout_template: 'picture_in_picture' }, 'RTC.00001010'],
    ['screen share without panes', { layout_template: 'screen_share_right' }, 'RTC.00001004'],
    ['screen share without filling_policy', { layout_template: 'screen_share_right', layout_panes: [{ id: 1, user_id: '', video_type: 'SCREENSTREAM' }] }, 'RTC.00001004'],
    ['screen share without a pane 1', { layout_template: 'screen_share_left', layout_panes: [{ id: 2, filling_policy: 'SHARED_SCREEN' }] }, 'RTC.00001004'],
    [
      'screen share with 18 windows',
      { layout_template: 'screen_share_left', layout_panes: Array.from({ length: 18 }, (_, i) => ({ id: i + 1, filling_policy: 'SHARED_SCREEN' })) },
      'RTC.00001003',
    ],
    ['custom without panes', { layout_template: 'custom' }, 'RTC.00001004'],
    ['custom pane beyond the canvas', custom([{ id: 1, user_id: 'a', x: 0.5, y: 0, width: 0.6, height: 0.5 }]), 'RTC.00001003'],
    ['custom pane without geometry', custom([{ id: 1, user_id: 'a' }]), 'RTC.00001004'],
    ['custom zorder 26', custom([{ id: 1, user_id: 'a', x: 0, y: 0, width: 1, height: 1, zorder: 26 }]), 'RTC.00001003'],
    [
      'duplicate pane ids',
      custom([
        { id: 1, x: 0, y: 0, width: 0.5, height: 1 },
        { id: 1, x: 0.5, y: 0, width: 0.5, height: 1 },
      ]),
      'RTC.00001003',
    ],
    ['pane id 0', custom([{ id: 0, x: 0, y: 0, width: 1, height: 1 }]), 'RTC.00001003'],
    ['26 gallery tiles', { layout_panes: Array.from({ length: 26 }, (_, i) => ({ id: i + 1 })) }, 'RTC.00001003'],
    ['unknown encode_template', { encode_template: '3840*2160_30_9000' }, 'RTC.00001003'],
    ['no encode_template', { encode_template: undefined }, 'RTC.00001005'],
    ['max_idle_time 3', { max_idle_time: 3 }, 'RTC.00001003'],
    ['background not on OBS', { background_image: 'https://example.com/bg.png' }, 'RTC.00001003'],
    ['user background without user_id', { user_background_images: [{ image_uri: 's3://b/o.jpg' }] }, 'RTC.00001005'],
  ])('%s %j → %s', async (_what, over, code) => {
    const res = await api('POST', mixed(APP), {
      json: {
        mix_param: { room_id: uniqueId('room'), encode_template: '1280*720_15_2260', layout_template: 'nine_grids_view', ...over },
        record_param: { record_rule_id: demoRule },
      },
    });
    expectError(res, 400, code);
  });

  test('valid layouts are accepted: audio_only without layout, custom panes, the screen-share example', async () => {
    const appId = await makeApp();
    const rule = await makeRule(appId);
    const start = (mix: Record<string, unknown>) =>
      api('POST', mixed(appId), { json: { mix_param: { room_id: uniqueId('room'), ...mix }, record_param: { record_rule_id: rule } } });
    expect((await start({ encode_template: 'audio_only' })).status).toBe(201);
    // audio-only ignores layout fields, as the Chinese document says
    expect((await start({ encode_template: 'audio_only', layout_template: 'custom' })).status).toBe(201);
    const customRes = await start({
      encode_template: '1280*720_15_2260',
      layout_template: 'custom',
      layout_panes: [
        { id: 1, user_id: 'user1', video_type: 'CAMERASTREAM', x: 0, y: 0, width: 0.666, height: 0.333, crop_mode: 'KEEP_RATIO_CROP' },
        { id: 2, user_id: 'user2', video_type: 'CAMERASTREAM', x: 0.666, y: 0, width: 0.333, height: 0.666, crop_mode: 'KEEP_RATIO_CROP' },
      ],
      background_image: 's3://rtc-bucket-cn-north-4/img/testImg.jpg',
      user_background_images: [{ user_id: 'user1', image_uri: 's3://rtc-bucket-cn-north-4/img/u1.jpg' }],
    });
    expect(customRes.status).toBe(201);
    expect(
      (
        await start({
          encode_template: '1280x720_15_2260',
          max_idle_time: 30,
          layout_template: 'screen_share_right',
          layout_panes: [{ id: 1, user_id: '', video_type: 'SCREENSTREAM', filling_policy: 'SHARED_SCREEN' }],
        })
      ).status,
    ).toBe(201);
    await stopAll(appId);
  });

  test('modify: a complete pane list replaces the layout; fixed fields cannot change (1003); custom without panes 1004; stopped → JobDone', async () => {
    const appId = await makeApp();
    const rule = await makeRule(appId);
    const room = await roomWith(appId, 'a', 'b');
    const job = await startMix(appId, rule, room);
    await c.advanceClock(INIT_MS);
    const panes = [
      { id: 1, user_id: 'b', x: 0, y: 0, width: 1, height: 1, zorder: 0 },
      { id: 2, user_id: 'a', x: 0.7, y: 0.7, width: 0.3, height: 0.3, zorder: 1 },
    ];
    const ok = await api('PUT', mixed(appId, job.job_id), { json: { mix_param: { layout_template: 'custom', layout_panes: panes, max_idle_time: 60 } } });
    expect(ok.status).toBe(200);
    expect(ok.body.mix_param).toMatchObject({ layout_template: 'custom', layout_panes: panes, max_idle_time: 60, encode_template: '1280*720_15_2260' });
    const swapped = [
      { ...panes[0], user_id: 'a' },
      { ...panes[1], user_id: 'b' },
    ];
    expect((await api('PUT', mixed(appId, job.job_id), { json: { mix_param: { layout_panes: swapped } } })).body.mix_param.layout_panes).toEqual(swapped);
    expectError(await api('PUT', mixed(appId, job.job_id), { json: { mix_param: { encode_template: '640*480_15_500' } } }), 400, 'RTC.00001003');
    expectError(await api('PUT', mixed(appId, job.job_id), { json: { mix_param: { room_id: 'elsewhere' } } }), 400, 'RTC.00001003');
    expectError(await api('PUT', mixed(appId, job.job_id), { json: { mix_param: { layout_template: 'custom', layout_panes: [] } } }), 400, 'RTC.00001004');
    expectError(await api('PUT', mixed(appId, job.job_id), { json: { mix_param: { layout_template: 'mosaic' } } }), 400, 'RTC.00001010');
    expectError(await api('PUT', mixed(appId, job.job_id), { json: {} }), 400, 'RTC.00001005');
    // the rejected changes left the layout as it was
    expect((await api('GET', mixed(appId, job.job_id))).body.mix_param.layout_panes).toEqual(swapped);
    // the new max_idle_time (60 s) applies
    await c.leaveRoom(appId, room, 'a');
    await c.leaveRoom(appId, room, 'b');
    await c.advanceClock(45_000);
    expect((await api('GET', mixed(appId, job.job_id))).body.state).toBe('RUNNING');
    await c.advanceClock(16_000);
    expect((await api('GET', mixed(appId, job.job_id))).body).toMatchObject({ state: 'STOPPED', stop_reason: 'EXCEED_MAX_IDLE_TIME' });
    expectError(await api('PUT', mixed(appId, job.job_id), { json: { mix_param: { layout_template: 'nine_grids_view' } } }), 400, 'RTC.00001009');
  });

  test('one mixed job per room (1006); an uncontrolled room gets simulated publishers', async () => {
    const appId = await makeApp();
    const rule = await makeRule(appId);
    const room = uniqueId('open-room');
    const job = await startMix(appId, rule, room);
    expectError(
      await api('POST', mixed(appId), { json: { mix_param: { room_id: room, encode_template: 'audio_only' }, record_param: { record_rule_id: rule } } }),
      400,
      'RTC.00001006',
    );
    expect((await c.room(appId, room)).users.length).toBeGreaterThan(0);
    await c.advanceClock(2 * MINUTE);
    expect((await api('GET', mixed(appId, job.job_id))).body.state).toBe('RUNNING');
    expect((await api('DELETE', mixed(appId, job.job_id))).status).toBe(204);
    // a new job for the room is a new job_id
    const again = await startMix(appId, rule, room);
    expect(again.job_id).not.toBe(job.job_id);
    await stopAll(appId);
  });
});

describe('files and signed callbacks (§5, §9)', () => {
  const receiver = receiverFor('/sparkrtc', CALLBACK_OK);
  const received = receiver.received;

  const posts = (jobId: string) => received.filter((r) => r.method === 'POST' && JSON.parse(r.raw).job_id === jobId);

  test('callbacks reach the URL signed with X-Rtc-* over the raw body: NEW_FILE_START, FILE_COMPLETE (all fields), SERVER_OVER', async () => {
    const appId = await makeApp();
    const rule = await makeRule(appId);
    const key = '8923ab8c2dcef4538923ab8c2dcef453';
    const put = await api('PUT', `/v2/apps/${appId}/record-callback`, { json: { url: receiver.url, auth_key: key } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      app_id: appId,
      record_callback: { url: receiver.url, auth_key: key, notify_event_subscription: ['RECORD_NEW_FILE_START', 'RECORD_FILE_COMPLETE', 'CLOUD_RECORD_OVER'] },
    });
    expect(received.some((r) => r.method === 'HEAD')).toBe(true); // the URL was probed
    expect((await api('GET', `/v2/apps/${appId}/record-callback`)).body).toEqual(put.body);
    expect((await api('GET', `/v2/apps/${appId}`)).body.callbacks.record_callback).toMatchObject({ url: receiver.url, auth_key: key });
    // the request log never shows the key
    const logged = (await c.requests({ product: 'record-callback' })).find((r) => r.operation === 'put' && r.path.includes(appId));
    expect(JSON.stringify(logged)).not.toContain(key);

    const room = await roomWith(appId, 'user1');
    const job = await startSingle(appId, rule, room, 'user1', { select_stream_type: 'HD' });
    await c.advanceClock(INIT_MS + 90_000);
    expect((await api('DELETE', single(appId, job.job_id))).status).toBe(204);
    const got = await eventually(async () => (posts(job.job_id).length >= 3 ? posts(job.job_id) : undefined), 'three callbacks');
    const now = await c.now();
    for (const r of got) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(verifyCallback(key, r.headers, r.raw, { nowMs: now })).toMatchObject({ ok: true });
      expect(verifyCallback(key, r.headers, r.raw.replace('user1', 'user2'), { nowMs: now })).toEqual({ ok: false, reason: 'bad_signature' });
    }
    // deliveries run concurrently: compare by type, not arrival order
    const bodies = got.map((r) => JSON.parse(r.raw));
    expect(bodies.map((b) => b.event_type).sort()).toEqual(['CLOUD_RECORD_SERVER_OVER', 'RECORD_FILE_COMPLETE', 'RECORD_NEW_FILE_START']);
    const byType = (t: string) => bodies.find((b) => b.event_type === t);
    expect(byType('RECORD_NEW_FILE_START')).toMatchObject({ job_id: job.job_id, record_format: 'MP4' });
    const complete = byType('RECORD_FILE_COMPLETE');
    expect(complete).toMatchObject({
      job_id: job.job_id,
      stream_name: job.stream_name,
      app_id: appId,
      room_id: room,
      record_format: 'MP4',
      width: 1280,
      height: 720,
      obs_location: 'cn-north-4',
      obs_bucket: DEMO.bucket,
    });
    expect(complete.record_duration).toBeGreaterThanOrEqual(89);
    expect(complete.record_duration).toBeLessThanOrEqual(92);
    expect(complete.file_size).toBeGreaterThan(0);
    expect(complete.start_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(complete.obs_object).toMatch(new RegExp(`^rec/${appId}/mp4/${job.stream_name}_\\d{4}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-\\d{2}/${job.stream_name}_.*\\.mp4$`));
    expect(complete.download_url).toBe(`https://${DEMO.bucket}.obs.cn-north-4.myhuaweicloud.com/${complete.obs_object}`);
    expect(byType('CLOUD_RECORD_SERVER_OVER')).toMatchObject({ job_id: job.job_id, detail_message: 'TENANT_STOP' });
    // the emulator's own record of what it sent, in order
    expect((await c.events({ jobId: job.job_id })).map((e) => e.body.event_type)).toEqual(['RECORD_NEW_FILE_START', 'RECORD_FILE_COMPLETE', 'CLOUD_RECORD_SERVER_OVER']);
  });

  test('without auth_key callbacks carry no X-Rtc-* headers; an unreachable URL is refused (RTC.00001018); bad URLs 1003', async () => {
    const appId = await makeApp();
    const rule = await makeRule(appId);
    expect((await api('PUT', `/v2/apps/${appId}/record-callback`, { json: { url: receiver.url } })).status).toBe(200);
    const room = await roomWith(appId, 'u');
    const job = await startMix(appId, rule, room, { encode_template: 'audio_only' });
    await c.advanceClock(INIT_MS + 5_000);
    expect((await api('DELETE', mixed(appId, job.job_id))).status).toBe(204);
    const got = await eventually(async () => (posts(job.job_id).length >= 3 ? posts(job.job_id) : undefined), 'unsigned callbacks');
    for (const r of got) expect(Object.keys(r.headers).filter((h) => h.startsWith('x-rtc-'))).toEqual([]);
    expect(got.map((r) => JSON.parse(r.raw)).find((b) => b.event_type === 'RECORD_FILE_COMPLETE')).toMatchObject({ width: 0, height: 0 });

    // nothing listens on port 1
    expectError(await api('PUT', `/v2/apps/${appId}/record-callback`, { json: { url: 'http://127.0.0.1:1/nothing', auth_key: 'k' } }), 400, 'RTC.00001018');
    expectError(await api('PUT', `/v2/apps/${appId}/record-callback`, { json: { url: 'ftp://example.com/cb' } }), 400, 'RTC.00001003');
    expectError(await api('PUT', `/v2/apps/${appId}/record-callback`, { json: { auth_key: 'k' } }), 400, 'RTC.00001005');
    // the refused configuration did not replace the working one
    expect((await api('GET', `/v2/apps/${appId}/record-callback`)).body.record_callback.url).toBe(receiver.url);
  });

  test('record_cycle cuts periodic files; record_max_duration_to_merge_file decides whether a gap starts a new file', async () => {
    const appId = await makeApp();
    const rule = await makeRule(appId, {
      record_formats: ['MP4', 'HLS'],
      mp4_config: { record_cycle: 60 },
      hls_config: { record_cycle: 0, record_max_duration_to_merge_file: 10 },
    });
    const room = await roomWith(appId, 'u');
    const job = await startSingle(appId, rule, room, 'u', { max_idle_time: 300 });
    await c.advanceClock(INIT_MS + 130_000);
    const completed = async (format: string) =>
      (await c.events({ jobId: job.job_id })).filter((e) => e.body.event_type === 'RECORD_FILE_COMPLETE' && e.body.record_format === format);
    expect((await completed('MP4')).map((e) => e.body.record_duration)).toEqual([60, 60]);
    expect(await completed('HLS')).toEqual([]);

    // a 5 s gap: MP4 (merge 0) closes its file at once; HLS (merge 10) keeps appending
    await c.leaveRoom(appId, room, 'u');
    await c.advanceClock(5_000);
    await c.joinRoom(appId, room, 'u');
    expect(await completed('MP4')).toHaveLength(3);
    expect(await completed('HLS')).toEqual([]);
    // a 20 s gap is longer than 10 s: HLS closes the file where the gap began
    await c.leaveRoom(appId, room, 'u');
    await c.advanceClock(20_000);
    const hls = await completed('HLS');
    expect(hls).toHaveLength(1);
    expect(Date.parse(hls[0]!.body.end_time) - Date.parse(hls[0]!.body.start_time)).toBeGreaterThanOrEqual(130_000 + 5_000);
    expect(hls[0]!.body.record_duration).toBeGreaterThanOrEqual(129);
    expect(hls[0]!.body.record_duration).toBeLessThanOrEqual(132);
    await c.joinRoom(appId, room, 'u');
    await c.advanceClock(10_000);
    expect((await api('DELETE', single(appId, job.job_id))).status).toBe(204);
    const all = await c.events({ jobId: job.job_id });
    const starts = all.filter((e) => e.body.event_type === 'RECORD_NEW_FILE_START');
    const completes = all.filter((e) => e.body.event_type === 'RECORD_FILE_COMPLETE');
    // every file that started was completed, each object once
    expect(completes).toHaveLength(starts.length);
    expect(new Set(completes.map((e) => e.body.obs_object)).size).toBe(completes.length);
    expect(all.at(-1)!.body.event_type).toBe('CLOUD_RECORD_SERVER_OVER');
  });

  test('OBS helpers: buckets, the recorded objects and folders, authorization gates rule creation, unknown bucket 1014', async () => {
    const buckets = await api('GET', '/v2/rtc-ops/buckets');
    expect(buckets.body.buckets).toEqual(expect.arrayContaining([expect.objectContaining({ bucket: DEMO.bucket, location: 'cn-north-4', is_authorized: true })]));
    expect(buckets.body.buckets[0].creation_date).toMatch(/^\d{14}$/);

    const appId = await makeApp();
    const rule = await makeRule(appId);
    const room = await roomWith(appId, 'u');
    const job = await startMix(appId, rule, room);
    await c.advanceClock(INIT_MS + 30_000);
    expect((await api('DELETE', mixed(appId, job.job_id))).status).toBe(204);
    const objects = await api('GET', '/v2/rtc-ops/buckets/objects', { query: { bucket: DEMO.bucket, location: 'cn-north-4', type: 'objects', prefix: `rec/${appId}/` } });
    expect(objects.status).toBe(200);
    expect(objects.body.count).toBe(1);
    expect(objects.body.objects[0].file_name).toContain(job.stream_name);
    expect(objects.body.objects[0].size).toBeGreaterThan(0);
    const folders = await api('GET', '/v2/rtc-ops/buckets/objects', { query: { bucket: DEMO.bucket, location: 'cn-north-4', type: 'folders', prefix: `rec/${appId}/` } });
    expect(folders.body.objects.map((o: { file_name: string }) => o.file_name)).toEqual([`rec/${appId}/mp4/`]);
    expectError(await api('GET', '/v2/rtc-ops/buckets/objects', { query: { bucket: 'nope', location: 'cn-north-4', type: 'objects' } }), 404, 'RTC.00001014');
    expectError(await api('GET', '/v2/rtc-ops/buckets/objects', { query: { bucket: DEMO.bucket, location: 'cn-north-4' } }), 400, 'RTC.00001005');
    expectError(await api('GET', '/v2/rtc-ops/buckets/objects', { query: { bucket: DEMO.bucket, location: 'mars-1', type: 'objects' } }), 400, 'RTC.00001003');

    const off = await api('PUT', '/v2/rtc-ops/buckets/authentication', { json: { bucket: DEMO.exampleBucket, operation: 0, location: 'cn-north-4' } });
    expect(off.status).toBe(200);
    const refused = await api('POST', `/v2/apps/${appId}/record-rules`, {
      json: ruleBody({ obs_addr: { location: 'cn-north-4', project_id: DEMO.projectId, bucket: DEMO.exampleBucket } }),
    });
    expectError(refused, 400, 'RTC.00001003');
    expect(refused.body.error_msg).toMatch(/not authorized/);
    expect((await api('PUT', '/v2/rtc-ops/buckets/authentication', { json: { bucket: DEMO.exampleBucket, operation: 1, location: 'cn-north-4' } })).status).toBe(200);
    expect(
      (await api('POST', `/v2/apps/${appId}/record-rules`, { json: ruleBody({ obs_addr: { location: 'cn-north-4', project_id: DEMO.projectId, bucket: DEMO.exampleBucket } }) }))
        .status,
    ).toBe(200);
    expectError(await api('PUT', '/v2/rtc-ops/buckets/authentication', { json: { bucket: 'nope', operation: 1, location: 'cn-north-4' } }), 404, 'RTC.00001014');
    expectError(await api('PUT', '/v2/rtc-ops/buckets/authentication', { json: { bucket: DEMO.bucket, operation: 2, location: 'cn-north-4' } }), 400, 'RTC.00001003');
  });
});

describe('auto-record (§6)', () => {
  test('AUTO_INDIVIDUAL_RECORD records streams of rooms created afterwards only (_av_m, _v_m, _v_a); those jobs idle out', async () => {
    const appId = await makeApp();
    const rule = await makeRule(appId);
    expect((await api('GET', `/v2/apps/${appId}/auto-record-mode`)).body).toMatchObject({ app_id: appId, auto_record_mode: { mode: 'AUTO_RECORD_OFF' } });
    expectError(await api('PUT', `/v2/apps/${appId}/auto-record-mode`, { json: { mode: 'AUTO_INDIVIDUAL_RECORD' } }), 400, 'RTC.00001005');
    expectError(
      await api('PUT', `/v2/apps/${appId}/auto-record-mode`, { json: { mode: 'AUTO_INDIVIDUAL_RECORD', record_rule_id: 'ffffffffffffffffffffffffffffffff' } }),
      404,
      'RTC.00001011',
    );
    expectError(await api('PUT', `/v2/apps/${appId}/auto-record-mode`, { json: { mode: 'AUTO_MIX_RECORD', record_rule_id: rule } }), 400, 'RTC.00001003');
    expectError(await api('PUT', `/v2/apps/${appId}/auto-record-mode`, { json: {} }), 400, 'RTC.00001005');

    const before = await roomWith(appId, 'early');
    await c.advanceClock(1_000);
    const put = await api('PUT', `/v2/apps/${appId}/auto-record-mode`, { json: { mode: 'AUTO_INDIVIDUAL_RECORD', record_rule_id: rule } });
    expect(put.body).toMatchObject({ app_id: appId, auto_record_mode: { mode: 'AUTO_INDIVIDUAL_RECORD', record_rule_id: rule } });
    expect((await api('GET', `/v2/apps/${appId}`)).body.auto_record_mode).toMatchObject({ mode: 'AUTO_INDIVIDUAL_RECORD', record_rule_id: rule });
    await c.advanceClock(1_000);
    await c.joinRoom(appId, before, 'late-in-old-room');
    expect(await c.jobs({ appId })).toEqual([]);

    const room = await roomWith(appId, 'cam');
    await c.joinRoom(appId, room, 'muted', { audio: false, video: true });
    await c.joinRoom(appId, room, 'cam', { audio: true, video: true, screen: true });
    const jobs = await c.jobs({ appId, running: true });
    expect(jobs.every((j) => j.auto && j.kind === 'individual')).toBe(true);
    expect(jobs.map((j) => j.stream_name).sort()).toEqual([`${appId}_${room}_cam_av_m`, `${appId}_${room}_cam_v_a`, `${appId}_${room}_muted_v_m`].sort());
    expect(parseStreamName(`${appId}_${room}_cam_v_a`, { roomId: room })).toMatchObject({ kind: 'auto', appId, userId: 'cam', mediaType: 'v', videoType: 'a' });
    const camJob = jobs.find((j) => j.stream_name.endsWith('cam_av_m'))!;
    expect((await api('GET', single(appId, camJob.job_id))).body).toMatchObject({ stream_name: camJob.stream_name, record_param: { record_rule_id: rule } });

    await c.advanceClock(INIT_MS);
    await c.leaveRoom(appId, room, 'cam');
    await c.leaveRoom(appId, room, 'muted');
    await c.advanceClock(31_000);
    expect(await c.jobs({ appId, running: true })).toEqual([]);
    expect((await c.jobs({ appId })).every((j) => j.stop_reason === 'EXCEED_MAX_IDLE_TIME')).toBe(true);
    const events = await c.events({ appId });
    expect(events.filter((e) => e.body.event_type === 'CLOUD_RECORD_SERVER_OVER')).toHaveLength(3);

    expect((await api('PUT', `/v2/apps/${appId}/auto-record-mode`, { json: { mode: 'AUTO_RECORD_OFF' } })).body.auto_record_mode.mode).toBe('AUTO_RECORD_OFF');
    await roomWith(appId, 'after-off');
    expect(await c.jobs({ appId, running: true })).toEqual([]);
  });
});

describe('rooms (§10)', () => {
  test('batch-remove-users: 202, the users leave shortly after; the mixed job then idles out', async () => {
    const appId = await makeApp();
    const rule = await makeRule(appId);
    const room = await roomWith(appId, 'u1', 'u2', 'u3');
    const job = await startMix(appId, rule, room);
    await c.advanceClock(INIT_MS);
    await c.settings({ roomOpDelayMs: MINUTE });
    try {
      const res = await api('POST', `/v2/apps/${appId}/rooms/${room}/batch-remove-users`, { json: { user_ids: ['u1', 'u2', 'someone-else'] } });
      expect(res.status).toBe(202);
      expect(res.text).toBe('');
      expect((await c.room(appId, room)).users).toHaveLength(3); // accepted, not done yet
      await c.advanceClock(MINUTE);
      expect((await c.room(appId, room)).users.map((u) => u.userId)).toEqual(['u3']);
    } finally {
      await c.settings({ roomOpDelayMs: 1_000 });
    }
    expect((await api('POST', `/v2/apps/${appId}/rooms/${room}/batch-remove-users`, { json: { user_ids: ['u3'] } })).status).toBe(202);
    await c.advanceClock(1_000);
    expect((await c.room(appId, room)).users).toEqual([]);
    expect((await api('GET', mixed(appId, job.job_id))).body.state).toBe('RUNNING'); // not stopped by the removal
    await c.advanceClock(30_000);
    expect((await api('GET', mixed(appId, job.job_id))).body).toMatchObject({ state: 'STOPPED', stop_reason: 'EXCEED_MAX_IDLE_TIME' });
    expectError(await api('POST', `/v2/apps/${appId}/rooms/${room}/batch-remove-users`, { json: {} }), 400, 'RTC.00001005');
    expectError(await api('POST', `/v2/apps/${appId}/rooms/${room}/batch-remove-users`, { json: { user_ids: 'u1' } }), 400, 'RTC.00001003');
    expectError(await api('POST', `/v2/apps/${appId}/rooms/${room}/batch-remove-users`, { json: { user_ids: [] } }), 400, 'RTC.00001003');
  });

  test('a room takes at most maxRoomPublishers co-hosts (500 by default); audience members still join', async () => {
    const appId = await makeApp();
    await c.settings({ maxRoomPublishers: 2 });
    try {
      const room = await roomWith(appId, 'h1', 'h2');
      expect((await c.joinRoom(appId, room, 'h3')).status).toBe(409);
      expect((await c.joinRoom(appId, room, 'viewer', { publishing: false })).status).toBe(201);
      expect((await c.joinRoom(appId, room, 'h1', { screen: true })).status).toBe(200); // a co-host already counted
      await c.leaveRoom(appId, room, 'h2');
      expect((await c.joinRoom(appId, room, 'h3')).status).toBe(201);
    } finally {
      await c.settings({ maxRoomPublishers: 500 });
    }
  });

  test('dismiss: 404 for a room nobody is in, 202 then everyone is out and the room is new again', async () => {
    const appId = await makeApp();
    expect((await api('POST', `/v2/apps/${appId}/rooms/${uniqueId('empty')}/dismiss`)).status).toBe(404);
    const room = await roomWith(appId, 'a', 'b');
    expect((await api('POST', `/v2/apps/${appId}/rooms/${room}/dismiss`)).status).toBe(202);
    await c.advanceClock(1_000);
    expect((await c.room(appId, room)).users).toEqual([]);
    expect((await api('POST', `/v2/apps/${appId}/rooms/${room}/dismiss`)).status).toBe(404);
  });
});

describe('robustness: bad requests get the vendor shape, never a crash', () => {
  test('malformed JSON is 1002 after authentication (401 first when unsigned); non-objects and wrong types 1003', async () => {
    expectError(await api('POST', single(APP), { body: '{"room_id": "r1",' }), 400, 'RTC.00001002');
    expectError(await api('POST', single(APP), { body: '{"room_id": "r1",', anonymous: true }), 401, 'APIG.0301');
    expectError(await api('POST', single(APP), { body: '[1,2,3]' }), 400, 'RTC.00001003');
    expectError(await api('POST', single(APP), { body: '"text"' }), 400, 'RTC.00001003');
    expectError(await api('POST', mixed(APP), { json: { mix_param: 'all of them', record_param: { record_rule_id: demoRule } } }), 400, 'RTC.00001003');
    expectError(await api('POST', mixed(APP), { json: {} }), 400, 'RTC.00001005');
    expectError(await api('POST', mixed(APP), { body: '' }), 400, 'RTC.00001005');
    expectError(
      await api('PUT', `/v2/apps/${APP}/record-callback`, { body: 'url=http://x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      400,
      'RTC.00001002',
    );
    expect((await api('GET', `/v2/apps/${APP}`)).status).toBe(200); // still serving
  });

  test('faults apply to SparkRTC routes: a dropped answer to a start leaves a running job only the control API shows', async () => {
    const appId = await makeApp();
    const rule = await makeRule(appId);
    const room = await roomWith(appId, 'u');
    await c.addFault({ match: { vendor: 'sparkrtc', product: 'mix-stream-jobs', operation: 'start' }, action: { type: 'drop-response' }, count: 1 });
    await expect(api('POST', mixed(appId), { json: { mix_param: { room_id: room, encode_template: 'audio_only' }, record_param: { record_rule_id: rule } } })).rejects.toThrow();
    const jobs = await c.jobs({ appId, roomId: room, running: true });
    expect(jobs).toHaveLength(1);
    // the retry learns a job exists for the room (JobRunning), the reconcile signal
    expectError(
      await api('POST', mixed(appId), { json: { mix_param: { room_id: room, encode_template: 'audio_only' }, record_param: { record_rule_id: rule } } }),
      400,
      'RTC.00001006',
    );
    await c.addFault({
      match: { vendor: 'sparkrtc', operation: 'query' },
      action: { type: 'error', status: 500, body: { error_code: 'RTC.00002002', error_msg: 'InternalError.DbErr' } },
      count: 1,
    });
    expectError(await api('GET', mixed(appId, jobs[0]!.job_id)), 500, 'RTC.00002002');
    expect((await api('GET', mixed(appId, jobs[0]!.job_id))).status).toBe(200);
    const log = (await c.requests({ product: 'mix-stream-jobs' })).slice(-4).map((r) => `${r.operation}:${r.fault ?? ''}`);
    expect(log).toEqual(['start:drop-response', 'start:', 'query:error', 'query:']);
    await stopAll(appId);
  });
});

test('nothing is left recording: every job in the task ledger has ended', async () => {
  const leaks = (await c.tasks({ running: true })).filter((t) => t.vendor === 'sparkrtc');
  expect(leaks).toEqual([]);
});
