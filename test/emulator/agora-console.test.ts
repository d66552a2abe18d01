/**
 * The emulated Agora Console API (agora.md §11) and IoT license activation (§12) over raw HTTP: projects
 * and their certificates acting on the rest of the emulator, usage computed from the recordings the
 * emulator ran (split at UTC midnight, by resolution), the documented statuses and the per-account rate
 * limit. Its own emulator with a nearly frozen clock (time scale 0.001): time moves when a test says so.
 */
import { EMULATOR_IOT, EMULATOR_STORAGE } from '../../emulator/defaults';
import { APP, AUTH, agoraJson, botToken, send, type Res } from '../helpers/agora-http';
import { EmulatorControl, spawnEmulator, type SpawnedEmulator } from '../helpers/emulator';
import { uniqueId } from '../helpers/wait';

let emu: SpawnedEmulator;
let control: EmulatorControl;
const DAY = 86_400_000;

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

const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => agoraJson(emu.url, method, path, body, headers);
const usage = (projectId: string, from: string, to: string, business?: string) =>
  api('GET', `/dev/v3/usage?${new URLSearchParams({ project_id: projectId, from_date: from, to_date: to, ...(business ? { business } : {}) })}`);
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** acquire + start of a Cloud Recording of `appId` (a token only when the App ID has a certificate). */
async function startRecording(cname: string, mode: 'mix' | 'individual', recordingConfig: Record<string, unknown> = {}, appId = APP): Promise<{ resourceId: string; sid: string }> {
  const uid = '527841';
  const base = `/v1/apps/${appId}/cloud_recording`;
  const acq = await api('POST', `${base}/acquire`, { cname, uid, clientRequest: {} });
  expect(acq.status).toBe(200);
  const clientRequest = {
    ...(appId === APP ? { token: botToken(cname, uid) } : {}),
    recordingConfig: { maxIdleTime: 30, ...recordingConfig },
    storageConfig: { ...EMULATOR_STORAGE },
  };
  const st = await api('POST', `${base}/resourceid/${acq.body.resourceId}/mode/${mode}/start`, { cname, uid, clientRequest });
  expect(st.status).toBe(200);
  return { resourceId: acq.body.resourceId, sid: st.body.sid };
}
async function stopRecording(cname: string, mode: string, r: { resourceId: string; sid: string }): Promise<void> {
  const stop = await api('POST', `/v1/apps/${APP}/cloud_recording/resourceid/${r.resourceId}/sid/${r.sid}/mode/${mode}/stop`, { cname, uid: '527841', clientRequest: {} });
  expect(stop.status).toBe(200);
}
async function demoProjectId(): Promise<string> {
  const list = await api('GET', '/dev/v1/projects');
  return list.body.projects.find((p: { vendor_key: string }) => p.vendor_key === APP).id;
}

describe('projects', () => {
  test('the account’s App ID is a project; create (201) makes a new App ID the other products accept; a duplicate name is 400', async () => {
    const list = await api('GET', '/dev/v1/projects');
    expect(list.status).toBe(201);
    const demo = list.body.projects.find((p: { vendor_key: string }) => p.vendor_key === APP);
    expect(demo).toMatchObject({
      id: expect.stringMatching(/^\w{9}$/),
      vendor_key: APP,
      sign_key: expect.stringMatching(/^[0-9a-f]{32}$/),
      status: 1,
      recording_server: null,
      created: expect.any(Number),
    });

    const name = uniqueId('proj');
    const created = await api('POST', '/dev/v1/project', { name, enable_sign_key: false });
    expect(created.status).toBe(201);
    const p = created.body.project;
    expect(p).toMatchObject({ name, status: 1, sign_key: '', vendor_key: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect((await api('POST', '/dev/v1/project', { name, enable_sign_key: true })).body).toEqual({ message: 'duplicate project name' });

    // the new App ID is real: Cloud Recording accepts it, and without a certificate no token is needed
    const cname = uniqueId('newapp');
    const r = await startRecording(cname, 'mix', {}, p.vendor_key);
    expect((await control.tasks({ cname, running: true })).map((t) => t.id)).toEqual([r.sid]);

    const got = await api('GET', `/dev/v1/project?id=${p.id}&name=${encodeURIComponent(name)}`);
    expect(got.status).toBe(201);
    expect(got.body.projects).toEqual([p]);
    expect((await api('GET', `/dev/v1/project?id=${p.id}&name=other`)).body.projects).toEqual([]);
  });

  test('enable/disable (project_status) and the primary certificate: on, off, reset — each changes what token checks see', async () => {
    const created = (await api('POST', '/dev/v1/project', { name: uniqueId('cert'), enable_sign_key: true })).body.project;
    const cert1 = created.sign_key;
    expect(cert1).toMatch(/^[0-9a-f]{32}$/);

    const off = await api('POST', '/dev/v1/project_status', { id: created.id, status: 0 });
    expect(off.status).toBe(201);
    expect(off.body.project.status).toBe(0);
    expect((await api('POST', '/dev/v1/project_status', { id: created.id, status: 1 })).body.project.status).toBe(1);

    // with the certificate on, a recording without a token is refused
    const cname = uniqueId('tok');
    const acq = await api('POST', `/v1/apps/${created.vendor_key}/cloud_recording/acquire`, { cname, uid: '5', clientRequest: {} });
    const start = (rid: string) =>
      api('POST', `/v1/apps/${created.vendor_key}/cloud_recording/resourceid/${rid}/mode/mix/start`, {
        cname,
        uid: '5',
        clientRequest: { storageConfig: { ...EMULATOR_STORAGE } },
      });
    expect((await start(acq.body.resourceId)).status).toBe(400);

    const disabled = await api('POST', '/dev/v1/signkey', { id: created.id, enable: false });
    expect(disabled.status).toBe(201);
    expect(disabled.body.project.sign_key).toBe('');
    expect((await start(acq.body.resourceId)).status).toBe(200);
    // enabling again brings the same certificate back; a reset makes a new one
    expect((await api('POST', '/dev/v1/signkey', { id: created.id, enable: true })).body.project.sign_key).toBe(cert1);
    const reset = await api('POST', '/dev/v1/reset_signkey', { id: created.id });
    expect(reset.status).toBe(201);
    expect(reset.body.project.sign_key).toMatch(/^[0-9a-f]{32}$/);
    expect(reset.body.project.sign_key).not.toBe(cert1);
  });

  test('documented failures: 401 wrong credentials, 404 unknown project, 400 bad body, 415 not JSON', async () => {
    const bad = await api('GET', '/dev/v1/projects', undefined, { authorization: `Basic ${Buffer.from('x:y').toString('base64')}` });
    expect(bad).toMatchObject({ status: 401, body: { message: 'Invalid authentication credentials' } });
    expect(await api('POST', '/dev/v1/project_status', { id: 'nope', status: 0 })).toMatchObject({ status: 404, body: { message: 'project nope not found' } });
    expect((await api('POST', '/dev/v1/project_status', { id: 'nope', status: 2 })).status).toBe(400);
    expect((await api('POST', '/dev/v1/project', { name: '' })).status).toBe(400);
    const text = await send(emu.url, 'POST', '/dev/v1/project', { body: 'name=x', headers: { authorization: AUTH, 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
  });

  test('≤ 10 QPS per account and API: the 11th call in a second is 429 with Retry-After; another API has its own budget', async () => {
    const answers: Res[] = [];
    for (let i = 0; i < 11; i++) answers.push(await api('GET', '/dev/v1/projects'));
    expect(answers.slice(0, 10).every((a) => a.status === 201)).toBe(true);
    expect(answers[10]).toMatchObject({ status: 429, headers: expect.objectContaining({ 'retry-after': expect.any(String) }) });
    expect((await usage('nope', '2026-01-01', '2026-01-01')).status).toBe(404);
  });
});

describe('usage, computed from what the emulator ran', () => {
  test('cloudRecording: three recordings of a day by resolution class, and one across UTC midnight split between the days', async () => {
    const projectId = await demoProjectId();
    // start just after a UTC midnight, so the day's recordings stay inside it
    const now0 = await control.now();
    await control.advanceClock(Math.ceil(now0 / DAY) * DAY + 60_000 - now0);
    const today = day(await control.now());
    const before = await usage(projectId, today, today, 'cloudRecording');
    expect(before.status).toBe(200);
    expect(before.body.usages).toEqual([
      { date: `${today}T00:00:00.000Z`, usage: { durationAudioAll: 0, durationVideo1080P: 0, durationVideo2K: 0, durationVideo4K: 0, durationVideoHd: 0, durationVideoHdp: 0 } },
    ]);

    const a = uniqueId('hd');
    const b = uniqueId('fhd');
    const c = uniqueId('audio');
    const ra = await startRecording(a, 'mix'); // default 640×360 → HD
    const rb = await startRecording(b, 'mix', { transcodingConfig: { width: 1920, height: 1080, fps: 15, bitrate: 2260 } });
    const rc = await startRecording(c, 'individual', { streamTypes: 0 });
    await control.advanceClock(5 * 60_000);
    await stopRecording(c, 'individual', rc);
    await control.advanceClock(5 * 60_000);
    await stopRecording(a, 'mix', ra);
    await control.advanceClock(10 * 60_000);
    await stopRecording(b, 'mix', rb);

    const after = await usage(projectId, today, today, 'cloudRecording');
    expect(after.body.meta.durationVideoHd).toEqual({ en: expect.any(String), unit: 'second' });
    expect(after.body.usages[0].usage).toEqual({
      durationAudioAll: 300,
      durationVideoHd: 600,
      durationVideoHdp: 1200,
      durationVideo1080P: 0,
      durationVideo2K: 0,
      durationVideo4K: 0,
    });
    // RTC (default) and transcoding are other businesses: the recordings are not in them
    expect((await usage(projectId, today, today, 'transcodeDuration')).body.usages[0].usage.durationVideoHd).toBe(0);

    // 23:50 → 00:10 next day: 600 s on each day
    const t = await control.now();
    await control.advanceClock(Math.ceil(t / DAY) * DAY - 10 * 60_000 - t);
    const d = uniqueId('night');
    const rd = await startRecording(d, 'mix');
    await control.advanceClock(20 * 60_000);
    await stopRecording(d, 'mix', rd);
    const tomorrow = day(await control.now());
    const split = await usage(projectId, today, tomorrow, 'cloudRecording');
    expect(split.body.usages.map((u: { date: string; usage: { durationVideoHd: number } }) => [u.date.slice(0, 10), u.usage.durationVideoHd])).toEqual([
      [today, 600 + 600],
      [tomorrow, 600],
    ]);
  });

  test('default (RTC): the users in the project’s channels from their join, video for publishers, audio for the others', async () => {
    const created = (await api('POST', '/dev/v1/project', { name: uniqueId('rtc'), enable_sign_key: false })).body.project;
    const cname = uniqueId('rtc');
    const t = await control.now();
    // stay inside one UTC day
    if (t % DAY > DAY - 5 * 60_000) await control.advanceClock(DAY - (t % DAY) + 1_000);
    await control.emptyChannel(created.vendor_key, cname);
    await control.join(created.vendor_key, cname, '1', true);
    await control.join(created.vendor_key, cname, '2', false);
    await control.join(created.vendor_key, cname, '3', false);
    await control.advanceClock(120_000);
    const today = day(await control.now());
    const u = (await usage(created.id, today, today)).body.usages[0].usage;
    expect(u).toMatchObject({ durationVideoHd: 120, durationAudioAll: 240, durationVideoHdp: 0 });
    // a recording of that channel is Cloud Recording usage, not RTC usage
    expect((await usage(created.id, today, today, 'cloudRecording')).body.usages[0].usage.durationVideoHd).toBe(0);
  });

  test('bad queries are 400 (date format, reversed range, unknown business); an unknown project is 404', async () => {
    const projectId = await demoProjectId();
    expect(await usage(projectId, '2026-13-01', '2026-13-02')).toMatchObject({ status: 400, body: { message: 'from_date must be a UTC date YYYY-MM-DD' } });
    expect(await usage(projectId, '2026-01-02', '2026-01-01')).toMatchObject({ status: 400, body: { message: 'to_date is before from_date' } });
    expect((await usage(projectId, '2026-01-01', '2026-01-01', 'minutes')).status).toBe(400);
    expect((await usage('nope', '2026-01-01', '2026-01-01')).status).toBe(404);
    const three = await usage(projectId, '2026-01-01', '2026-01-03', 'recording');
    expect(three.body.usages.map((x: { date: string }) => x.date)).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z']);
  });
});

describe('IoT license activation', () => {
  const activate = (q: Record<string, string>) => api('POST', `/dabiz/license/v2/active?${new URLSearchParams(q)}`);

  test('code 200 with the license and SKU; the same device again gets the same license; a spent SKU is 403 with a message', async () => {
    const device = uniqueId('sn');
    const first = await activate({ pid: EMULATOR_IOT.pid, licenseKey: device, appid: APP });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      code: 200,
      data: { license: expect.stringMatching(/^[0-9A-F]{32}$/), skuView: { product: 1, name: '01', mediaType: 3, minutes: 100, period: '00:00~23:59' } },
    });
    expect((await activate({ pid: EMULATOR_IOT.pid, licenseKey: device, appid: APP })).body.data.license).toBe(first.body.data.license);

    expect((await activate({ pid: EMULATOR_IOT.singlePid, licenseKey: uniqueId('a'), appid: APP })).status).toBe(200);
    expect(await activate({ pid: EMULATOR_IOT.singlePid, licenseKey: uniqueId('b'), appid: APP })).toMatchObject({
      status: 403,
      body: { code: 403, message: expect.stringContaining('no license left') },
    });
  });

  test('400 with a message: a licenseKey of 64 bytes, an unknown pid, an App ID not of the account, a missing parameter', async () => {
    expect(await activate({ pid: EMULATOR_IOT.pid, licenseKey: 'x'.repeat(64), appid: APP })).toMatchObject({
      status: 400,
      body: { code: 400, message: 'licenseKey must be less than 64 bytes' },
    });
    expect((await activate({ pid: 'nope', licenseKey: 'd', appid: APP })).body.code).toBe(400);
    expect((await activate({ pid: EMULATOR_IOT.pid, licenseKey: 'd', appid: 'f'.repeat(32) })).body).toEqual({ code: 400, message: 'appid is invalid' });
    expect((await activate({ pid: EMULATOR_IOT.pid, appid: APP })).body).toEqual({ code: 400, message: 'licenseKey is required' });
  });
});
