/**
 * The typed Console and IoT clients (src/agora/console.ts, src/agora/iot.ts, src/client/agora-admin.ts)
 * against their own emulator over HTTP, with a nearly frozen clock (time moves when a test says so):
 * project calls, usageByDay over recordings the emulator ran (the function `rtcflow usage` is built on),
 * input refused before any call, and the vendor's refusals classified.
 */
import { AgoraAdmin, redactProject } from '../../src/client/agora-admin';
import {
  createProject,
  findProjectByName,
  getProject,
  getUsage,
  listProjects,
  resetSignKey,
  setProjectEnabled,
  setSignKeyEnabled,
  usageByDay,
  usageDate,
} from '../../src/agora/console';
import { activateLicense } from '../../src/agora/iot';
import type { AgoraContext } from '../../src/agora/http';
import { loadConfig } from '../../src/config';
import { EMULATOR_ACCOUNT, EMULATOR_AGORA, EMULATOR_IOT, EMULATOR_STORAGE } from '../../emulator/defaults';
import { HttpClient } from '../../src/http/client';
import { InvalidInputError } from '../../src/errors';
import { cloudRecordingUsageClass, usageClassFor } from '../../src/schemas/agora/console';
import { APP, agoraJson, botToken } from '../helpers/agora-http';
import { EmulatorControl, spawnEmulator, type SpawnedEmulator } from '../helpers/emulator';
import { failure } from '../helpers/vendor-error';
import { uniqueId } from '../helpers/wait';

const DAY = 86_400_000;
let emu: SpawnedEmulator;
let control: EmulatorControl;
let ctx: AgoraContext;
const http = new HttpClient({ headersTimeoutMs: 5_000 });

beforeAll(async () => {
  emu = await spawnEmulator({ timeScale: 0.001 });
  control = new EmulatorControl(emu.url);
  ctx = { http, baseUrls: [emu.url], appId: APP, credentials: { customerId: EMULATOR_AGORA.customerId, customerSecret: EMULATOR_AGORA.customerSecret } };
});
afterAll(async () => {
  await http.close();
  await emu?.stop();
});
beforeEach(async () => {
  await control.advanceClock(1_100);
});

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const consoleRequests = async (sinceSeq: number) => (await control.requests({ sinceSeq })).filter((r) => r.product === 'console' || r.product === 'iot-license');
const lastSeq = async () => (await control.requests()).at(-1)?.seq ?? 0;

/** A mix recording of the demo project, started and stopped over raw HTTP after `ms` of emulated time. */
async function recordFor(ms: number, transcodingConfig?: Record<string, unknown>): Promise<void> {
  const cname = uniqueId('use');
  const uid = '527841';
  const base = `/v1/apps/${APP}/cloud_recording`;
  const acq = await agoraJson(emu.url, 'POST', `${base}/acquire`, { cname, uid, clientRequest: {} });
  const st = await agoraJson(emu.url, 'POST', `${base}/resourceid/${acq.body.resourceId}/mode/mix/start`, {
    cname,
    uid,
    clientRequest: {
      token: botToken(cname, uid),
      recordingConfig: { maxIdleTime: 30, ...(transcodingConfig ? { transcodingConfig } : {}) },
      storageConfig: { ...EMULATOR_STORAGE },
    },
  });
  expect(st.status).toBe(200);
  await control.advanceClock(ms);
  const stop = await agoraJson(emu.url, 'POST', `${base}/resourceid/${acq.body.resourceId}/sid/${st.body.sid}/mode/mix/stop`, { cname, uid, clientRequest: {} });
  expect(stop.status).toBe(200);
}

test('projects: create, find by name, get, disable, certificate off/on/reset; a duplicate name is a final 400', async () => {
  const name = uniqueId('client');
  const { project } = await createProject(ctx, { name, enableSignKey: true });
  expect(project).toMatchObject({ name, status: 1, vendor_key: expect.stringMatching(/^[0-9a-f]{32}$/), sign_key: expect.stringMatching(/^[0-9a-f]{32}$/) });
  expect(await findProjectByName(ctx, name)).toEqual(project);
  expect((await getProject(ctx, { id: project.id, name })).projects).toEqual([project]);
  expect((await listProjects(ctx)).projects.map((p) => p.vendor_key)).toEqual(expect.arrayContaining([APP, project.vendor_key]));

  expect((await setProjectEnabled(ctx, project.id, false)).project.status).toBe(0);
  expect((await setSignKeyEnabled(ctx, project.id, false)).project.sign_key).toBe('');
  expect((await setSignKeyEnabled(ctx, project.id, true)).project.sign_key).toBe(project.sign_key);
  const reset = (await resetSignKey(ctx, project.id)).project.sign_key;
  expect(reset).toMatch(/^[0-9a-f]{32}$/);
  expect(reset).not.toBe(project.sign_key);
  expect(redactProject({ ...project, sign_key: reset })).toMatchObject({ sign_key: '***', signKeyEnabled: true });

  const dup = await failure(createProject(ctx, { name, enableSignKey: false }));
  expect(dup.info).toMatchObject({
    vendor: 'agora',
    product: 'console',
    operation: 'createProject',
    httpStatus: 400,
    reason: 'duplicate project name',
    retryable: false,
    ambiguous: false,
  });
  const missing = await failure(setProjectEnabled(ctx, 'nope', true));
  expect(missing.info).toMatchObject({ httpStatus: 404, retryable: false });
});

test('usageByDay: a day with three recordings shows their seconds by resolution, every day of the range, totals', async () => {
  const now0 = await control.now();
  // just after a UTC midnight: the three recordings stay inside one day
  await control.advanceClock(Math.ceil(now0 / DAY) * DAY + 60_000 - now0);
  const today = day(await control.now());
  const yesterday = day((await control.now()) - DAY);
  const projectId = (await listProjects(ctx)).projects.find((p) => p.vendor_key === APP)!.id;
  await recordFor(10 * 60_000);
  await recordFor(5 * 60_000);
  await recordFor(3 * 60_000, { width: 1920, height: 1080, fps: 15, bitrate: 2260 });

  const days = await usageByDay(ctx, { projectId, from: yesterday, to: today, business: 'cloudRecording' });
  expect(days).toEqual([
    { date: yesterday, seconds: { durationAudioAll: 0, durationVideoHd: 0, durationVideoHdp: 0, durationVideo1080P: 0, durationVideo2K: 0, durationVideo4K: 0 }, total: 0 },
    { date: today, seconds: { durationAudioAll: 0, durationVideoHd: 900, durationVideoHdp: 180, durationVideo1080P: 0, durationVideo2K: 0, durationVideo4K: 0 }, total: 1080 },
  ]);
  // the same numbers through the admin client configured like the CLI (profile default = the emulator's demo account)
  const admin = new AgoraAdmin(loadConfig({ RTCFLOW_EMULATOR_URL: emu.url }, { emulator: EMULATOR_ACCOUNT }), 'default', http);
  expect((await admin.currentProject()).id).toBe(projectId);
  expect(await admin.usageByDay({ projectId, from: today, to: today, business: 'cloudRecording' })).toEqual([days[1]]);
  // RTC usage is the default business
  const raw = await getUsage(ctx, { projectId, from: today, to: today });
  expect(raw.usage.usages).toHaveLength(1);
  expect((await consoleRequests(0)).some((r) => r.path.includes('business=default'))).toBe(true);
});

test('bad input is refused before any call: dates, a reversed range, an empty name, a long licenseKey', async () => {
  const since = await lastSeq();
  for (const bad of [
    usageByDay(ctx, { projectId: 'p', from: '2026-02-30', to: '2026-03-01' }),
    usageByDay(ctx, { projectId: 'p', from: '2026-03-02', to: '2026-03-01' }),
    getUsage(ctx, { projectId: '', from: '2026-03-01', to: '2026-03-01' }),
    createProject(ctx, { name: '', enableSignKey: false }),
    createProject(ctx, { name: 'x'.repeat(256), enableSignKey: false }),
    activateLicense(ctx, { pid: EMULATOR_IOT.pid, licenseKey: 'é'.repeat(32) }), // 64 bytes in UTF-8
  ]) {
    await failure(bad, InvalidInputError);
  }
  expect(await consoleRequests(since)).toEqual([]);
});

test('the per-account limit: the 11th call in a second is a retryable 429 with its Retry-After', async () => {
  const outcomes = await Promise.allSettled(Array.from({ length: 11 }, () => listProjects(ctx)));
  const refused = outcomes.filter((o) => o.status === 'rejected');
  expect(refused).toHaveLength(1);
  const err = await failure(Promise.reject((refused[0] as PromiseRejectedResult).reason));
  expect(err.info).toMatchObject({ httpStatus: 429, retryable: true, retryAfterMs: expect.any(Number) });
});

test('IoT: activation answers the license and SKU, the same device keeps its license, a spent SKU fails with its message', async () => {
  const device = uniqueId('mac');
  const first = await activateLicense(ctx, { pid: EMULATOR_IOT.pid, licenseKey: device });
  expect(first).toMatchObject({ license: expect.stringMatching(/^[0-9A-F]{32}$/), skuView: { product: 1, mediaType: 3, minutes: 100 } });
  expect((await activateLicense(ctx, { pid: EMULATOR_IOT.pid, licenseKey: device })).license).toBe(first.license);
  await activateLicense(ctx, { pid: EMULATOR_IOT.singlePid, licenseKey: uniqueId('one') });
  const spent = await failure(activateLicense(ctx, { pid: EMULATOR_IOT.singlePid, licenseKey: uniqueId('two') }));
  expect(spent.info).toMatchObject({ product: 'iot-license', httpStatus: 403, reason: expect.stringContaining('no license left'), retryable: false });
});

test('the usage column mapping and the two date forms of the answer', () => {
  expect(usageClassFor('audio')).toBe('durationAudioAll');
  expect(usageClassFor({ width: 640, height: 360 })).toBe('durationVideoHd');
  expect(usageClassFor({ width: 1280, height: 720 })).toBe('durationVideoHd');
  expect(usageClassFor({ width: 1920, height: 1080 })).toBe('durationVideoHdp');
  expect(usageClassFor({ width: 2560, height: 1440 })).toBe('durationVideo2K');
  expect(usageClassFor({ width: 3840, height: 2160 })).toBe('durationVideo4K');
  expect(cloudRecordingUsageClass('mix', {})).toBe('durationVideoHd');
  expect(cloudRecordingUsageClass('mix', { recordingConfig: { transcodingConfig: { width: 1920, height: 1080 } } })).toBe('durationVideoHdp');
  expect(cloudRecordingUsageClass('individual', { recordingConfig: { streamTypes: 0 } })).toBe('durationAudioAll');
  const web = (videoWidth: number, videoHeight: number) => ({
    extensionServiceConfig: { extensionServices: [{ serviceName: 'web_recorder_service', serviceParam: { videoWidth, videoHeight } }] },
  });
  expect(cloudRecordingUsageClass('web', web(2560, 1440))).toBe('durationVideo2K');
  expect(cloudRecordingUsageClass('web', {})).toBe('durationVideoHd');
  expect(usageDate('2021-10-13T00:00:00.000Z')).toBe('2021-10-13');
  expect(usageDate(1634083200)).toBe('2021-10-13');
});
