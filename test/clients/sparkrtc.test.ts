/**
 * The typed SparkRTC client (src/sparkrtc/*) against the emulator over HTTP, signed for real: every call,
 * the answers that are outcomes rather than errors (stop → already_stopped, delete → not_found,
 * dismiss → not_found), credential handling (AK/SK per attempt, IAM token cache and refresh) and the
 * error classification. A dedicated emulator with a nearly frozen clock: windows move only when a test
 * advances it.
 */
import { loadConfig, resolveSparkRtcProfile, type SparkRtcProfile } from '../../src/config';
import { EMULATOR_ACCOUNT } from '../../emulator/defaults';
import { HttpClient } from '../../src/http/client';
import { InvalidInputError } from '../../src/errors';
import { redactApp } from '../../src/schemas/sparkrtc/apps';
import { isJobOverEvent } from '../../src/schemas/sparkrtc/callbacks';
import { createApp, deleteApp, disableApp, enableApp, ensureApp, findAppByName, getApp, listApps } from '../../src/sparkrtc/apps';
import { IamTokenAuth } from '../../src/sparkrtc/auth';
import { getAutoRecordMode, setAutoRecordMode } from '../../src/sparkrtc/auto-record';
import { callbackDedupeKey, getRecordCallback, parseCallbackEvent, redactCallbackConfig, setRecordCallback, verifyCallback } from '../../src/sparkrtc/callbacks';
import { createSparkRtcContext, type SparkRtcContext } from '../../src/sparkrtc/http';
import { getIndividualJob, getMixJob, jobTimes, startIndividualJob, startMixJob, stopIndividualJob, stopMixJob, updateIndividualJob, updateMixJob } from '../../src/sparkrtc/jobs';
import { authorizeBucket, listBuckets, listObjects } from '../../src/sparkrtc/obs';
import { dismissRoom, removeUsers } from '../../src/sparkrtc/rooms';
import { createOrReplaceRule, deleteRule, getRule, listRules, updateRule } from '../../src/sparkrtc/rules';
import { spawnEmulator, type SpawnedEmulator } from '../helpers/emulator';
import { receiverFor } from '../helpers/receiver';
import { CALLBACK_OK, DEMO, SparkControl } from '../helpers/sparkrtc';
import { eventually, uniqueId } from '../helpers/wait';
import { failure } from '../helpers/vendor-error';

const FROZEN = 0.001;
let emu: SpawnedEmulator;
let control: SparkControl;
let http: HttpClient;
let profile: SparkRtcProfile;
let ctx: SparkRtcContext;
/** the emulator clock, as the signer must see it once the tests have moved that clock */
let offset = 0;
const now = () => Date.now() + offset;

async function advance(ms: number): Promise<void> {
  await control.advanceClock(ms);
  offset = (await control.now()) - Date.now();
}

beforeAll(async () => {
  emu = await spawnEmulator({ timeScale: FROZEN });
  control = new SparkControl(emu.url);
  // with a frozen clock a documented per-second window would last for ages; the limits have their own test
  await control.settings({ limits: { management: 100_000, jobs: 100_000, rooms: 100_000, obs: 100_000 } });
  offset = (await control.now()) - Date.now();
  http = new HttpClient();
  profile = resolveSparkRtcProfile(loadConfig({ RTCFLOW_EMULATOR_URL: emu.url }, { emulator: EMULATOR_ACCOUNT }), 'default');
  ctx = createSparkRtcContext(profile, http, { now });
});
afterAll(async () => {
  try {
    await http?.close();
  } finally {
    await emu?.stop();
  }
});
afterEach(() => control.clearFaults());

const rule = (over: Record<string, unknown> = {}) => ({
  obs_addr: { location: 'cn-north-4', project_id: DEMO.projectId, bucket: DEMO.bucket, object: 'client/' },
  record_formats: ['MP4' as const],
  mp4_config: { record_cycle: 3600, record_prefix: '{app_id}/{record_format}/{stream}_{file_start_time}' },
  ...over,
});

/** A fresh app (its own rule and settings) and a context acting on it. */
async function appContext(): Promise<{ app: SparkRtcContext; ruleId: string }> {
  const { appId } = await createApp(ctx, uniqueId('client'));
  const app = { ...ctx, appId };
  const { rule: r } = await createOrReplaceRule(app, rule());
  return { app, ruleId: r.rule_id };
}

async function roomWith(appId: string, ...users: string[]): Promise<string> {
  const room = uniqueId('room');
  await control.emptyRoom(appId, room);
  for (const u of users) await control.joinRoom(appId, room, u);
  return room;
}

describe('configuration', () => {
  test('the default profile points at the emulator demo account; SPARKRTC_* come as a set', async () => {
    expect(profile).toMatchObject({ projectId: DEMO.projectId, appId: DEMO.appId, ak: DEMO.ak, endpoint: emu.url, region: 'cn-north-4', auth: 'aksk' });
    const real = loadConfig({ SPARKRTC_AK: 'AK', SPARKRTC_SK: 'SK', SPARKRTC_PROJECT_ID: 'p', SPARKRTC_APP_ID: 'a' });
    expect(real.sparkrtc.default).toEqual({ projectId: 'p', appId: 'a', ak: 'AK', sk: 'SK', region: 'cn-north-4', endpoint: 'https://rtc-api.myhuaweicloud.com' });
    expect(() => loadConfig({ SPARKRTC_AK: 'AK', SPARKRTC_SK: 'topsecret' })).toThrow(/SPARKRTC_PROJECT_ID, SPARKRTC_APP_ID: required when SPARKRTC_AK, SPARKRTC_SK is set/);
    const partial = await failure(() => loadConfig({ SPARKRTC_SK: 'topsecret', SPARKRTC_ENDPOINT: 'https://rtc-api.myhuaweicloud.com' }), Error);
    expect(partial.message).toMatch(/SPARKRTC_AK, SPARKRTC_PROJECT_ID, SPARKRTC_APP_ID: required/);
    expect(partial.message).not.toContain('topsecret');
    expect(() => loadConfig({ SPARKRTC_ENDPOINT: 'not a url', SPARKRTC_AK: 'a', SPARKRTC_SK: 'b', SPARKRTC_PROJECT_ID: 'p', SPARKRTC_APP_ID: 'x' })).toThrow(
      /SPARKRTC_ENDPOINT: must be a URL/,
    );
    expect(() => resolveSparkRtcProfile(real, 'tenant-x')).toThrow(/unknown SparkRTC profile "tenant-x"/);
  });
});

describe('management calls', () => {
  test('recording rules: create (201) and replace (200), list, get, update, delete, delete again (not_found)', async () => {
    const { app, ruleId } = await appContext();
    const again = await createOrReplaceRule(app, rule({ mp4_config: { record_cycle: 60 } }));
    expect(again).toMatchObject({ created: false, rule: { rule_id: ruleId, mp4_config: { record_cycle: 60 } } });
    expect((await listRules(app, { offset: 0, limit: 10 })).rules.map((r) => r.rule_id)).toEqual([ruleId]);
    expect((await getRule(app, ruleId)).rule).toMatchObject({ rule_id: ruleId, obs_addr: { bucket: DEMO.bucket } });
    expect((await updateRule(app, ruleId, rule({ mp4_config: { record_cycle: 120 } }))).rule.mp4_config?.record_cycle).toBe(120);
    expect(await deleteRule(app, ruleId)).toMatchObject({ outcome: 'deleted' });
    expect(await deleteRule(app, ruleId)).toMatchObject({ outcome: 'not_found' });
    const missing = await failure(getRule(app, ruleId));
    expect(missing.info).toMatchObject({
      vendor: 'sparkrtc',
      product: 'record-rules',
      operation: 'get',
      httpStatus: 404,
      code: 'RTC.00001011',
      retryable: false,
      ambiguous: false,
    });
    const region = await failure(createOrReplaceRule(app, rule({ obs_addr: { location: 'eu-west-0', project_id: DEMO.projectId, bucket: DEMO.bucket } })));
    expect(region.info).toMatchObject({ httpStatus: 400, code: 'RTC.00001012', retryable: false });
  });

  test('bad input is refused before anything is sent', async () => {
    const before = (await control.requests({ product: 'record-rules' })).length;
    await expect(createOrReplaceRule(ctx, rule({ mp4_config: { record_cycle: 30 } }))).rejects.toThrow(InvalidInputError);
    await expect(createOrReplaceRule(ctx, rule({ record_formats: ['HLS'] }))).rejects.toThrow(/hls_config/);
    await expect(startMixJob(ctx, { mix_param: { room_id: 'r', encode_template: '1280*720_15_2260' }, record_param: { record_rule_id: 'x' } })).rejects.toThrow(/layout_template/);
    await expect(startIndividualJob(ctx, { room_id: 'r', user_id: 'u', max_idle_time: 1, record_param: { record_rule_id: 'x' } })).rejects.toThrow(InvalidInputError);
    await expect(setRecordCallback(ctx, { url: 'mailto:x@example.com' })).rejects.toThrow(InvalidInputError);
    await expect(removeUsers(ctx, 'room', [])).rejects.toThrow(InvalidInputError);
    expect((await control.requests({ product: 'record-rules' })).length).toBe(before);
  });

  test('applications: create, ensureApp finds an existing name, list, get (redacted), disable → 1016 on start, enable, delete', async () => {
    const name = uniqueId('named');
    const { appId } = await createApp(ctx, name);
    const dup = await failure(createApp(ctx, name));
    expect(dup.info).toMatchObject({ code: 'RTC.00001020', retryable: false, ambiguous: false });
    expect(await ensureApp(ctx, name)).toEqual({ appId, created: false });
    const fresh = await ensureApp(ctx, uniqueId('ensured'));
    expect(fresh.created).toBe(true);
    expect((await findAppByName(ctx, name))?.app_id).toBe(appId);
    const { apps, count } = await listApps(ctx, { state: 'ACTIVATION' });
    expect(count).toBe(apps.length);
    expect(apps.map((a) => a.app_id)).toEqual(expect.arrayContaining([appId, DEMO.appId]));
    const { app } = await getApp(ctx, appId);
    expect(app).toMatchObject({ app_id: appId, app_name: name, state: { state: 'ACTIVATION' } });
    expect(app.authentication?.app_key).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(redactApp(app))).not.toContain(app.authentication!.app_key!);

    expect((await disableApp(ctx, appId)).state).toBe('DEACTIVATION');
    const appCtx = { ...ctx, appId };
    const { rule: r } = await createOrReplaceRule(appCtx, rule());
    const off = await failure(startMixJob(appCtx, { mix_param: { room_id: 'r', encode_template: 'audio_only' }, record_param: { record_rule_id: r.rule_id } }));
    expect(off.info).toMatchObject({ code: 'RTC.00001016', retryable: false, ambiguous: false });
    expect((await enableApp(ctx, appId)).state).toBe('ACTIVATION');
    expect(await deleteApp(ctx, appId)).toMatchObject({ outcome: 'deleted' });
    expect(await deleteApp(ctx, appId)).toMatchObject({ outcome: 'not_found' });
    expect((await failure(getApp(ctx, appId))).info).toMatchObject({ httpStatus: 404, code: 'RTC.00001015' });
    await deleteApp(ctx, fresh.appId);
  });

  test('auto-record mode and OBS buckets', async () => {
    const { app, ruleId } = await appContext();
    expect((await getAutoRecordMode(app)).config.auto_record_mode?.mode).toBe('AUTO_RECORD_OFF');
    expect((await setAutoRecordMode(app, { mode: 'AUTO_INDIVIDUAL_RECORD', record_rule_id: ruleId })).config.auto_record_mode).toMatchObject({
      mode: 'AUTO_INDIVIDUAL_RECORD',
      record_rule_id: ruleId,
    });
    expect((await getAutoRecordMode(app)).config.auto_record_mode?.record_rule_id).toBe(ruleId);
    await setAutoRecordMode(app, { mode: 'AUTO_RECORD_OFF' });
    await expect(setAutoRecordMode(app, { mode: 'AUTO_INDIVIDUAL_RECORD' })).rejects.toThrow(InvalidInputError);

    const { buckets } = await listBuckets(ctx);
    expect(buckets.map((b) => b.bucket)).toEqual(expect.arrayContaining([DEMO.bucket, DEMO.exampleBucket]));
    await authorizeBucket(ctx, { bucket: DEMO.exampleBucket, operation: 1, location: 'cn-north-4' });
    const missing = await failure(authorizeBucket(ctx, { bucket: 'no-such-bucket', operation: 1, location: 'cn-north-4' }));
    expect(missing.info).toMatchObject({ httpStatus: 404, code: 'RTC.00001014', retryable: false });
  });
});

describe('recording jobs', () => {
  test('single-stream: start (INIT) → stop while INIT is a retryable 1022 → RUNNING → update → stop → stop again → after the retention', async () => {
    const { app, ruleId } = await appContext();
    const room = await roomWith(app.appId, 'alice');
    const { job } = await startIndividualJob(app, {
      room_id: room,
      user_id: 'alice',
      is_record_audio: true,
      video_type: 'CAMERASTREAM',
      select_stream_type: 'HD',
      max_idle_time: 60,
      record_param: { record_rule_id: ruleId },
    });
    expect(job).toMatchObject({ state: 'INIT', room_id: room, user_id: 'alice', stream_name: `s_${job.job_id}_${room}_alice` });
    expect(jobTimes(job)).toMatchObject({ stoppedAt: undefined, startedAt: expect.any(Number) });

    const early = await failure(stopIndividualJob(app, job.job_id));
    expect(early.info).toMatchObject({ code: 'RTC.00001022', retryable: true, ambiguous: false, retryAfterMs: 2_000 });
    await advance(3_000);
    expect((await getIndividualJob(app, job.job_id)).job.state).toBe('RUNNING');
    const { rule: second } = await createOrReplaceRule(app, rule({ obs_addr: { location: 'cn-south-1', project_id: DEMO.projectId, bucket: DEMO.southBucket } }));
    expect((await updateIndividualJob(app, job.job_id, { record_param: { record_rule_id: second.rule_id } })).job.record_param?.record_rule_id).toBe(second.rule_id);
    await advance(30_000);

    expect(await stopIndividualJob(app, job.job_id)).toMatchObject({ outcome: 'stopped' });
    const stopped = (await getIndividualJob(app, job.job_id)).job;
    expect(stopped).toMatchObject({ state: 'STOPPED', stop_reason: 'TENANT_STOP' });
    expect(jobTimes(stopped).stoppedAt).toBeGreaterThan(jobTimes(stopped).startedAt!);
    expect(await stopIndividualJob(app, job.job_id)).toMatchObject({ outcome: 'already_stopped', code: 'RTC.00001009' });
    const terminal = await failure(updateIndividualJob(app, job.job_id, { record_param: { record_rule_id: ruleId } }));
    expect(terminal.info).toMatchObject({ code: 'RTC.00001009', retryable: false, ambiguous: false });

    await advance(24 * 3_600_000 + 1_000);
    expect(await stopIndividualJob(app, job.job_id)).toMatchObject({ outcome: 'already_stopped', code: 'RTC.00001008' });
    expect((await failure(getIndividualJob(app, job.job_id))).info).toMatchObject({ httpStatus: 404, code: 'RTC.00001008', retryable: false });
  });

  test('mixed-stream: the encode template is sent and read back in the * form; a layout change; stop; a second start for the room is ambiguous (JobRunning)', async () => {
    const { app, ruleId } = await appContext();
    const room = await roomWith(app.appId, 'a', 'b');
    const { job } = await startMixJob(app, {
      mix_param: { room_id: room, encode_template: '1280x720_15_2260', layout_template: 'nine_grids_view' },
      record_param: { record_rule_id: ruleId },
    });
    expect(job).toMatchObject({ state: 'INIT', stream_name: `m_${job.job_id}_${room}`, mix_param: { encode_template: '1280*720_15_2260' } });
    const sent = (await control.requests({ cname: room })).find((r) => r.operation === 'start');
    expect((sent?.body as { mix_param: { encode_template: string } }).mix_param.encode_template).toBe('1280*720_15_2260');

    const dup = await failure(startMixJob(app, { mix_param: { room_id: room, encode_template: 'audio_only' }, record_param: { record_rule_id: ruleId } }));
    expect(dup.info).toMatchObject({ code: 'RTC.00001006', retryable: false, ambiguous: true });

    const panes = [
      { id: 1, user_id: 'a', x: 0, y: 0, width: 0.5, height: 1 },
      { id: 2, user_id: 'b', x: 0.5, y: 0, width: 0.5, height: 1 },
    ];
    const changed = await updateMixJob(app, job.job_id, { layout_template: 'custom', layout_panes: panes });
    expect(changed.job.mix_param).toMatchObject({ layout_template: 'custom', layout_panes: panes });
    await expect(updateMixJob(app, job.job_id, { layout_template: 'custom', layout_panes: [{ id: 1, x: 0.6, y: 0, width: 0.6, height: 1 }] })).rejects.toThrow(InvalidInputError);
    await advance(3_000);
    expect((await getMixJob(app, job.job_id)).job.state).toBe('RUNNING');
    expect(await stopMixJob(app, job.job_id)).toMatchObject({ outcome: 'stopped' });
    expect(await stopMixJob(app, job.job_id)).toMatchObject({ outcome: 'already_stopped' });
    expect((await failure(updateMixJob(app, job.job_id, { max_idle_time: 60 }))).info).toMatchObject({ code: 'RTC.00001009', retryable: false });
    expect(await control.tasks({ cname: room, running: true })).toEqual([]);
  });

  test('rooms: removeUsers (202), dismissRoom (accepted, then not_found)', async () => {
    const { app } = await appContext();
    const room = await roomWith(app.appId, 'x', 'y');
    await removeUsers(app, room, ['x']);
    await advance(1_000);
    expect((await control.room(app.appId, room)).users.map((u) => u.userId)).toEqual(['y']);
    expect(await dismissRoom(app, room)).toMatchObject({ outcome: 'accepted' });
    await advance(1_000);
    expect(await dismissRoom(app, room)).toMatchObject({ outcome: 'not_found' });
    expect((await failure(dismissRoom({ ...app, appId: '000000000000000000000000' }, room))).info).toMatchObject({ httpStatus: 404, code: 'RTC.00001015' });
  });
});

describe('callbacks', () => {
  const receiver = receiverFor('/cb', CALLBACK_OK);
  const received = receiver.received;

  test('configure, read back (redactable), receive signed events that verify, parse and dedupe; find the file in OBS', async () => {
    const { app, ruleId } = await appContext();
    const authKey = 'c0ffee00c0ffee00c0ffee00c0ffee00';
    const set = await setRecordCallback(app, { url: receiver.url, auth_key: authKey });
    expect(set.config.record_callback).toMatchObject({ url: receiver.url, auth_key: authKey });
    expect((await getRecordCallback(app)).config.record_callback?.url).toBe(receiver.url);
    expect(JSON.stringify(redactCallbackConfig(set.config))).not.toContain(authKey);

    const room = await roomWith(app.appId, 'speaker');
    const { job } = await startIndividualJob(app, { room_id: room, user_id: 'speaker', record_param: { record_rule_id: ruleId } });
    await advance(3_000 + 45_000);
    await stopIndividualJob(app, job.job_id);
    const mine = await eventually(async () => {
      const posts = received.filter((r) => r.method === 'POST' && r.raw.includes(job.job_id));
      return posts.length >= 3 ? posts : undefined;
    }, 'three callbacks');
    const emulatorNow = await control.now();
    const events = mine.map((r) => {
      expect(verifyCallback(authKey, r.headers, r.raw, { nowMs: emulatorNow })).toMatchObject({ ok: true });
      expect(verifyCallback('another-key-another-key-another-k', r.headers, r.raw, { nowMs: emulatorNow }).ok).toBe(false);
      return parseCallbackEvent(r.raw)!;
    });
    expect(events.filter((e) => isJobOverEvent(e.event_type))).toHaveLength(1);
    const file = events.find((e) => e.event_type === 'RECORD_FILE_COMPLETE')!;
    expect(file).toMatchObject({ job_id: job.job_id, stream_name: job.stream_name, record_format: 'MP4', obs_bucket: DEMO.bucket });
    expect(new Set(events.map(callbackDedupeKey)).size).toBe(3);

    const { objects } = await listObjects(ctx, { bucket: DEMO.bucket, location: 'cn-north-4', type: 'objects', prefix: `client/${app.appId}/` });
    expect(objects.map((o) => o.file_name)).toEqual([file.obs_object]);
  });

  test('an unreachable callback URL is RTC.00001018, retryable (the receiver may still be deploying)', async () => {
    const e = await failure(setRecordCallback(ctx, { url: 'http://127.0.0.1:1/cb', auth_key: 'k' }));
    expect(e.info).toMatchObject({ httpStatus: 400, code: 'RTC.00001018', retryable: true, ambiguous: false });
  });
});

describe('credentials and failures', () => {
  test('a wrong SK is a final 401 whose message holds no secret; a refused signature is not repeated', async () => {
    const secret = 'wrong-secret-key-0123456789';
    const bad = createSparkRtcContext({ ...profile, sk: secret }, http, { now });
    const before = (await control.requests({ product: 'apps' })).length;
    const e = await failure(getApp(bad, DEMO.appId));
    expect(e.info).toMatchObject({ vendor: 'sparkrtc', product: 'apps', operation: 'get', httpStatus: 401, code: 'APIG.0301', retryable: false, ambiguous: false });
    expect(e.message).not.toContain(secret);
    expect(e.message).not.toContain(profile.sk!);
    expect(JSON.stringify(e.info)).not.toContain(secret);
    expect((await control.requests({ product: 'apps' })).length).toBe(before + 1);
    // the context never serialises a secret
    expect(JSON.stringify(ctx.auth)).not.toContain(profile.sk!);
    expect(JSON.stringify({ ...bad, http: undefined })).not.toContain(secret);
  });

  test('IAM tokens: fetched once for many calls, sent as X-Auth-Token, fetched again after the service expires it (401 → one retry)', async () => {
    const tokenAuth = new IamTokenAuth(profile.iam!, http);
    const tctx: SparkRtcContext = { ...ctx, auth: tokenAuth };
    for (let i = 0; i < 3; i++) expect((await getApp(tctx, DEMO.appId)).app.app_id).toBe(DEMO.appId);
    expect(tokenAuth.fetches).toBe(1);
    const iamCalls = () => control.requests({ product: 'iam' });
    const fetched = (await iamCalls()).length;
    // 25 h later for the service; the local cache still believes the token fresh
    await advance(25 * 3_600_000);
    expect((await getApp(tctx, DEMO.appId)).app.app_id).toBe(DEMO.appId);
    expect(tokenAuth.fetches).toBe(2);
    expect((await iamCalls()).length).toBe(fetched + 1);
    const gets = (await control.requests({ product: 'apps' })).slice(-2).map((r) => r.status);
    expect(gets).toEqual([401, 200]);
    expect(JSON.stringify(tokenAuth)).not.toContain(DEMO.iamPassword);

    const wrong = new IamTokenAuth({ ...profile.iam!, password: 'not-the-password' }, http);
    const e = await failure(getApp({ ...ctx, auth: wrong }, DEMO.appId));
    expect(e.info).toMatchObject({ product: 'iam', operation: 'createToken', httpStatus: 401, retryable: false });
    expect(e.message).not.toContain('not-the-password');
    const readOnly = new IamTokenAuth({ ...profile.iam!, userName: DEMO.readOnlyIamUser }, http);
    expect((await failure(createApp({ ...ctx, auth: readOnly }, uniqueId('ro')))).info).toMatchObject({ code: 'RTC.00001021', retryable: false });
  });

  test('a token-authenticated profile works end to end', async () => {
    const tctx = createSparkRtcContext({ ...profile, auth: 'token' }, http, { now });
    expect(tctx.auth.kind).toBe('token');
    const { rules } = await listRules(tctx);
    expect(Array.isArray(rules)).toBe(true);
  });

  test('an answer lost after a start is ambiguous; a 5xx is ambiguous on start, retryable on query; throttling is retryable', async () => {
    const { app, ruleId } = await appContext();
    const room = await roomWith(app.appId, 'u');
    await control.addFault({ match: { vendor: 'sparkrtc', product: 'individual-stream-jobs', operation: 'start' }, action: { type: 'drop-response' }, count: 1 });
    const lost = await failure(startIndividualJob(app, { room_id: room, user_id: 'u', record_param: { record_rule_id: ruleId } }));
    expect(lost.info).toMatchObject({ retryable: false, ambiguous: true });
    expect(lost.info.httpStatus).toBeUndefined();
    const [orphan] = await control.jobs({ appId: app.appId, running: true });
    expect(orphan).toMatchObject({ room_id: room, user_id: 'u' });

    await control.addFault({
      match: { vendor: 'sparkrtc', operation: 'start' },
      action: { type: 'error', status: 500, body: { error_code: 'RTC.00002002', error_msg: 'InternalError.DbErr' } },
      count: 1,
    });
    expect((await failure(startIndividualJob(app, { room_id: room, user_id: 'v', record_param: { record_rule_id: ruleId } }))).info).toMatchObject({
      httpStatus: 500,
      code: 'RTC.00002002',
      ambiguous: true,
    });
    await control.addFault({
      match: { vendor: 'sparkrtc', operation: 'start' },
      action: { type: 'error', status: 500, body: { error_code: 'RTC.00002001', error_msg: 'InternalError.GeneratorIDError' } },
      count: 1,
    });
    expect((await failure(startIndividualJob(app, { room_id: room, user_id: 'v', record_param: { record_rule_id: ruleId } }))).info).toMatchObject({
      code: 'RTC.00002001',
      retryable: true,
      ambiguous: false,
    });
    await control.addFault({
      match: { vendor: 'sparkrtc', operation: 'query' },
      action: { type: 'error', status: 503, body: { error_code: 'APIG.0201', error_msg: 'Backend unavailable' } },
      count: 1,
    });
    expect((await failure(getIndividualJob(app, orphan!.job_id))).info).toMatchObject({ httpStatus: 503, retryable: true, ambiguous: false });
    await control.addFault({ match: { vendor: 'sparkrtc', operation: 'query' }, action: { type: 'reset' }, count: 1 });
    const reset = await failure(getIndividualJob(app, orphan!.job_id));
    expect(reset.info).toMatchObject({ retryable: true, ambiguous: false });
    expect(reset.info.httpStatus).toBeUndefined();

    await control.settings({ limits: { jobs: 1 } });
    try {
      await advance(1_000);
      await getIndividualJob(app, orphan!.job_id);
      const throttled = await failure(getIndividualJob(app, orphan!.job_id));
      expect(throttled.info).toMatchObject({ httpStatus: 429, code: 'APIG.0308', retryable: true, ambiguous: false });
      expect(throttled.info.retryAfterMs).toBeGreaterThanOrEqual(1_000);
    } finally {
      await control.settings({ limits: { jobs: 100_000 } });
    }
    await advance(3_000);
    expect(await stopIndividualJob(app, orphan!.job_id)).toMatchObject({ outcome: 'stopped' });
  });

  test('a stale local clock makes AK/SK signatures expire: 401, not retried', async () => {
    const skewed = createSparkRtcContext(profile, http, { now: () => now() - 20 * 60_000 });
    const e = await failure(getApp(skewed, DEMO.appId));
    expect(e.info).toMatchObject({ httpStatus: 401, code: 'APIG.0301', retryable: false });
    expect(e.info.reason).toMatch(/15 minutes/);
  });
});

test('nothing is left recording', async () => {
  expect((await control.tasks({ running: true })).filter((t) => t.vendor === 'sparkrtc')).toEqual([]);
});
