/**
 * The emulated Agora Cloud Recording API over HTTP, checked against the documented behaviour
 * (agora.md §2.2–2.9). This file owns its emulator process so it can move the emulator's clock.
 */
import { request } from 'undici';
import { EMULATOR_STORAGE } from '../../emulator/defaults';
import { APP, AUTH, botToken, cloudRecordingCall } from '../helpers/agora-http';
import { EmulatorControl, spawnEmulator, type SpawnedEmulator } from '../helpers/emulator';
import { uniqueId } from '../helpers/wait';

let emu: SpawnedEmulator;
let control: EmulatorControl;

beforeAll(async () => {
  emu = await spawnEmulator();
  control = new EmulatorControl(emu.url);
});
afterAll(async () => {
  await emu?.stop();
});

/** Status and body only: some tests compare the whole answer. */
async function call(method: 'GET' | 'POST', path: string, body?: unknown, auth = AUTH) {
  const res = await cloudRecordingCall(emu.url, method, path, body, auth);
  return { status: res.status, body: res.body };
}

const storageConfig = { ...EMULATOR_STORAGE };
const startBody = (cname: string, uid: string) => ({
  cname,
  uid,
  clientRequest: { token: botToken(cname, uid), recordingConfig: { maxIdleTime: 30 }, storageConfig },
});

async function acquireAndStart(cname: string, uid = '527841', mode = 'mix') {
  const acq = await call('POST', '/acquire', { cname, uid, clientRequest: {} });
  expect(acq.status).toBe(200);
  const st = await call('POST', `/resourceid/${acq.body.resourceId}/mode/${mode}/start`, startBody(cname, uid));
  expect(st.status).toBe(200);
  return { resourceId: acq.body.resourceId as string, sid: st.body.sid as string };
}

test('wrong credentials get the gateway 401; an app the account does not own is invalid', async () => {
  const bad = await call('POST', '/acquire', { cname: 'x', uid: '1', clientRequest: {} }, `Basic ${Buffer.from('a:b').toString('base64')}`);
  expect(bad).toEqual({ status: 401, body: { message: 'Invalid authentication credentials' } });
  const none = await call('POST', '/acquire', { cname: 'x', uid: '1', clientRequest: {} }, '');
  expect(none.status).toBe(401);
  const res = await request(`${emu.url}/v1/apps/${'0'.repeat(32)}/cloud_recording/acquire`, {
    method: 'POST',
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    body: JSON.stringify({ cname: 'x', uid: '1', clientRequest: {} }),
  });
  expect(res.statusCode).toBe(400);
  expect(await res.body.json()).toEqual({ message: 'appid is invalid' });
});

test('a full session: query reports status 5 and the mix playlist, stop returns the files, later calls answer 404 and 49', async () => {
  const cname = uniqueId('emu-mix');
  const { resourceId, sid } = await acquireAndStart(cname);
  expect((await control.tasks({ cname, running: true })).map((t) => t.id)).toEqual([sid]);

  await control.advanceClock(3_000);
  const q = await call('GET', `/resourceid/${resourceId}/sid/${sid}/mode/mix/query`);
  expect(q.status).toBe(200);
  expect(q.body.serverResponse.status).toBe(5);
  expect(q.body.serverResponse.fileList.map((f: { fileName: string }) => f.fileName)).toEqual([`${sid}_${cname}.m3u8`]);

  const stop = await call('POST', `/resourceid/${resourceId}/sid/${sid}/mode/mix/stop`, { cname, uid: '527841', clientRequest: {} });
  expect(stop.status).toBe(200);
  expect(stop.body.serverResponse).toMatchObject({ fileListMode: 'json', uploadingStatus: 'uploaded' });
  expect(await control.tasks({ cname, running: true })).toEqual([]);

  expect((await call('GET', `/resourceid/${resourceId}/sid/${sid}/mode/mix/query`)).status).toBe(404);
  const again = await call('POST', `/resourceid/${resourceId}/sid/${sid}/mode/mix/stop`, { cname, uid: '527841', clientRequest: {} });
  expect(again).toMatchObject({ status: 400, body: { code: 49 } });
});

test('start repeated on the same resourceId answers 201 code 7; a new resourceId for the same cname+uid answers 53', async () => {
  const cname = uniqueId('emu-dup');
  const { resourceId, sid } = await acquireAndStart(cname);
  const repeat = await call('POST', `/resourceid/${resourceId}/mode/mix/start`, startBody(cname, '527841'));
  expect(repeat).toMatchObject({ status: 201, body: { code: 7, sid } });

  const acq2 = await call('POST', '/acquire', { cname, uid: '527841', clientRequest: {} });
  const conflict = await call('POST', `/resourceid/${acq2.body.resourceId}/mode/mix/start`, startBody(cname, '527841'));
  expect(conflict).toMatchObject({ status: 400, body: { code: 53 } });
  expect(await control.tasks({ cname, running: true })).toHaveLength(1);
});

test('a resourceId expires 5 minutes after acquire (433); parameters must match it (432)', async () => {
  const cname = uniqueId('emu-expiry');
  const acq = await call('POST', '/acquire', { cname, uid: '42', clientRequest: {} });
  const mismatch = await call('POST', `/resourceid/${acq.body.resourceId}/mode/mix/start`, startBody(cname, '43'));
  expect(mismatch).toMatchObject({ status: 400, body: { code: 432 } });
  await control.advanceClock(5 * 60_000 + 1_000);
  const late = await call('POST', `/resourceid/${acq.body.resourceId}/mode/mix/start`, startBody(cname, '42'));
  expect(late).toMatchObject({ status: 400, body: { code: 433 } });
  expect(await control.tasks({ cname })).toEqual([]);
});

test('nobody published: stop answers 435 and the task ends', async () => {
  const cname = uniqueId('emu-empty');
  await control.emptyChannel(APP, cname);
  await control.join(APP, cname, '7', false); // present but not publishing
  const { resourceId, sid } = await acquireAndStart(cname);
  const stop = await call('POST', `/resourceid/${resourceId}/sid/${sid}/mode/mix/stop`, { cname, uid: '527841', clientRequest: {} });
  expect(stop).toMatchObject({ status: 400, body: { code: 435 } });
  expect(await control.tasks({ cname, running: true })).toEqual([]);
});

test('the recorder exits after maxIdleTime without users; query then answers 404', async () => {
  const cname = uniqueId('emu-idle');
  await control.emptyChannel(APP, cname);
  await control.join(APP, cname, '9');
  const { resourceId, sid } = await acquireAndStart(cname);
  await control.advanceClock(60_000);
  expect((await call('GET', `/resourceid/${resourceId}/sid/${sid}/mode/mix/query`)).status).toBe(200); // still occupied
  await control.leave(APP, cname, '9');
  await control.advanceClock(31_000);
  expect((await call('GET', `/resourceid/${resourceId}/sid/${sid}/mode/mix/query`)).status).toBe(404);
  const [task] = await control.tasks({ cname });
  expect(task).toMatchObject({ state: 'exited', endReason: 'idle', billing: false });
});

test('bad requests get the vendor error shape, never a crash', async () => {
  const cname = uniqueId('emu-bad');
  expect(await call('POST', '/acquire', { uid: '1' })).toMatchObject({ status: 400, body: { code: 2 } });
  expect(await call('POST', '/acquire', { cname, uid: 'abc', clientRequest: {} })).toMatchObject({ status: 400, body: { code: 2 } });
  const acq = await call('POST', '/acquire', { cname, uid: '5', clientRequest: {} });
  expect(await call('POST', `/resourceid/${acq.body.resourceId}/mode/stereo/start`, startBody(cname, '5'))).toMatchObject({ status: 400, body: { code: 2 } });
  const noStorage = await call('POST', `/resourceid/${acq.body.resourceId}/mode/mix/start`, { cname, uid: '5', clientRequest: { token: botToken(cname, '5') } });
  expect(noStorage).toMatchObject({ status: 400, body: { code: 2 } });
  const noToken = await call('POST', `/resourceid/${acq.body.resourceId}/mode/mix/start`, { cname, uid: '5', clientRequest: { storageConfig } });
  expect(noToken).toMatchObject({ status: 400, body: { code: 110 } });
  const otherChannel = await call('POST', `/resourceid/${acq.body.resourceId}/mode/mix/start`, {
    cname,
    uid: '5',
    clientRequest: { storageConfig, token: botToken('elsewhere', '5') },
  });
  expect(otherChannel).toMatchObject({ status: 400, body: { code: 110 } });
  const raw = await request(`${emu.url}/v1/apps/${APP}/cloud_recording/acquire`, {
    method: 'POST',
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    body: '{not json',
  });
  expect(raw.statusCode).toBe(400);
  expect(await raw.body.json()).toMatchObject({ code: 2 });
  const unknown = await request(`${emu.url}/v1/apps/${APP}/cloud_recording/nothing`, { method: 'POST', headers: { authorization: AUTH } });
  expect(unknown.statusCode).toBe(404);
  expect(await unknown.body.json()).toEqual({ message: 'no Route matched with those values' });
});

const inspect = (sid: string) => control.recorder(sid);

test('updateLayout replaces the whole layout; a bad layout is refused with 1028 and changes nothing', async () => {
  const cname = uniqueId('emu-layout');
  const { resourceId, sid } = await acquireAndStart(cname);
  const path = `/resourceid/${resourceId}/sid/${sid}/mode/mix/updateLayout`;
  const custom = { mixedVideoLayout: 3, backgroundColor: '#FF0000', layoutConfig: [{ uid: '1', x_axis: 0, y_axis: 0, width: 0.5, height: 0.5 }] };
  expect((await call('POST', path, { cname, uid: '527841', clientRequest: custom })).status).toBe(200);
  expect((await inspect(sid)).layout).toEqual(custom);
  expect((await call('POST', path, { cname, uid: '527841', clientRequest: { mixedVideoLayout: 1 } })).status).toBe(200);
  expect((await inspect(sid)).layout).toEqual({ mixedVideoLayout: 1 }); // background colour reverted
  const bad = await call('POST', path, { cname, uid: '527841', clientRequest: { mixedVideoLayout: 3, layoutConfig: [{ x_axis: 2, y_axis: 0, width: 1, height: 1 }] } });
  expect(bad).toMatchObject({ status: 400, body: { code: 1028 } });
  expect((await inspect(sid)).layout).toEqual({ mixedVideoLayout: 1 });
});

test('an HA failover answers 404 on every sid route for its window, then the recorder is back with its start layout', async () => {
  const cname = uniqueId('emu-ha');
  const { resourceId, sid } = await acquireAndStart(cname);
  await call('POST', `/resourceid/${resourceId}/sid/${sid}/mode/mix/updateLayout`, { cname, uid: '527841', clientRequest: { mixedVideoLayout: 1 } });
  await control.failover(sid, 60);
  expect((await call('GET', `/resourceid/${resourceId}/sid/${sid}/mode/mix/query`)).status).toBe(404);
  expect(
    (await call('POST', `/resourceid/${resourceId}/sid/${sid}/mode/mix/updateLayout`, { cname, uid: '527841', clientRequest: { mixedVideoLayout: 2, maxResolutionUid: '1' } }))
      .status,
  ).toBe(404);
  await control.advanceClock(61_000);
  expect((await call('GET', `/resourceid/${resourceId}/sid/${sid}/mode/mix/query`)).status).toBe(200);
  expect((await inspect(sid)).layout).toEqual({ mixedVideoLayout: 0 }); // the layout set before the failover is gone
  expect(await control.tasks({ cname, running: true })).toHaveLength(1);
});

test('a slow upload: stop answers 206 with status unknown; a backup upload reports backuped', async () => {
  const slow = uniqueId('emu-slow');
  await control.uploadProfile('slow', APP);
  try {
    const { resourceId, sid } = await acquireAndStart(slow);
    const stop = await call('POST', `/resourceid/${resourceId}/sid/${sid}/mode/mix/stop`, { cname: slow, uid: '527841', clientRequest: {} });
    expect(stop.status).toBe(206);
    expect(stop.body.serverResponse.uploadingStatus).toBe('unknown');
    await control.advanceClock(61_000);
    expect((await inspect(sid)).uploadingStatus).toBe('uploaded');

    await control.uploadProfile('backup', APP);
    const backup = uniqueId('emu-backup');
    const b = await acquireAndStart(backup);
    const stopB = await call('POST', `/resourceid/${b.resourceId}/sid/${b.sid}/mode/mix/stop`, { cname: backup, uid: '527841', clientRequest: {} });
    expect(stopB).toMatchObject({ status: 200, body: { serverResponse: { uploadingStatus: 'backuped' } } });
  } finally {
    await control.uploadProfile('fast', APP);
  }
});

test('update: subscriptions, STS refresh, and web onhold; unknown fields are refused', async () => {
  const cname = uniqueId('emu-update');
  const { resourceId, sid } = await acquireAndStart(cname);
  const path = `/resourceid/${resourceId}/sid/${sid}/mode/mix/update`;
  const sub = { audioUidList: { subscribeAudioUids: ['1'] }, videoUidList: { subscribeVideoUids: ['1'] } };
  expect((await call('POST', path, { cname, uid: '527841', clientRequest: { streamSubscribe: sub } })).status).toBe(200);
  expect((await inspect(sid)).subscriptions).toEqual(sub);
  const sts = { ...storageConfig, extensionParams: { stsToken: 'sts-2', stsExpiration: 2_000_000_000 } };
  expect((await call('POST', path, { cname, uid: '527841', clientRequest: { storageConfig: sts } })).status).toBe(200);
  expect((await inspect(sid)).stsExpiresAt).toBe(2_000_000_000_000);
  expect(await call('POST', path, { cname, uid: '527841', clientRequest: { webRecordingConfig: { onhold: true } } })).toMatchObject({ status: 400, body: { code: 2 } });
  expect(await call('POST', path, { cname, uid: '527841', clientRequest: { bogus: 1 } })).toMatchObject({ status: 400, body: { code: 2 } });
});

test('web mode: files in extensionServiceState, onhold by update, ends by itself at maxRecordingHour', async () => {
  const cname = uniqueId('emu-web');
  const acq = await call('POST', '/acquire', { cname, uid: '555', clientRequest: { scene: 1, resourceExpiredHour: 24 } });
  const webReq = {
    cname,
    uid: '555',
    clientRequest: {
      token: botToken(cname, '555'),
      storageConfig,
      extensionServiceConfig: {
        errorHandlePolicy: 'error_abort',
        extensionServices: [
          {
            serviceName: 'web_recorder_service',
            errorHandlePolicy: 'error_abort',
            serviceParam: { url: 'https://example.com/class', audioProfile: 0, videoWidth: 1280, videoHeight: 720, maxRecordingHour: 1 },
          },
        ],
      },
      recordingFileConfig: { avFileType: ['hls', 'mp4'] },
    },
  };
  const st = await call('POST', `/resourceid/${acq.body.resourceId}/mode/web/start`, webReq);
  expect(st.status).toBe(200);
  const sid = st.body.sid;
  const upd = await call('POST', `/resourceid/${acq.body.resourceId}/sid/${sid}/mode/web/update`, { cname, uid: '555', clientRequest: { webRecordingConfig: { onhold: true } } });
  expect(upd.status).toBe(200);
  await control.advanceClock(3_000);
  const q = await call('GET', `/resourceid/${acq.body.resourceId}/sid/${sid}/mode/web/query`);
  const payload = q.body.serverResponse.extensionServiceState[0].payload;
  expect(payload).toMatchObject({ onhold: true, state: 'inProgress' });
  expect(payload.fileList.map((f: { filename: string }) => f.filename)).toEqual([`${sid}_${cname}_0.m3u8`, `${sid}_${cname}_0.mp4`]);
  await control.advanceClock(3_600_000);
  expect((await call('GET', `/resourceid/${acq.body.resourceId}/sid/${sid}/mode/web/query`)).status).toBe(404);
  const [task] = await control.tasks({ cname });
  expect(task).toMatchObject({ state: 'exited', endReason: 'maxRecordingHour', billing: false });
});

test('screenshots: individual mode with snapshotConfig; the interval range is checked', async () => {
  const cname = uniqueId('emu-shot');
  const acq = await call('POST', '/acquire', { cname, uid: '600', clientRequest: { scene: 0, resourceExpiredHour: 24 } });
  const shot = (captureInterval: number) => ({
    cname,
    uid: '600',
    clientRequest: {
      token: botToken(cname, '600'),
      storageConfig: { ...storageConfig, fileNamePrefix: ['screenshot'] },
      recordingConfig: { channelType: 1, subscribeUidGroup: 0 },
      snapshotConfig: { captureInterval, fileType: ['jpg'] },
    },
  });
  // the seed's own example interval (2 s) is below the documented 5 s minimum
  expect(await call('POST', `/resourceid/${acq.body.resourceId}/mode/individual/start`, shot(2))).toMatchObject({ status: 400, body: { code: 2 } });
  const st = await call('POST', `/resourceid/${acq.body.resourceId}/mode/individual/start`, shot(5));
  expect(st.status).toBe(200);
  const stop = await call('POST', `/resourceid/${acq.body.resourceId}/sid/${st.body.sid}/mode/individual/stop`, { cname, uid: '600', clientRequest: {} });
  expect(stop.status).toBe(200);
  const names: string[] = stop.body.serverResponse.fileList.map((f: { fileName: string }) => f.fileName);
  expect(names.length).toBeGreaterThan(0);
  expect(names.every((n) => n.endsWith('.jpg'))).toBe(true);
});

test('async_stop answers at once without a serverResponse', async () => {
  const cname = uniqueId('emu-async');
  const { resourceId, sid } = await acquireAndStart(cname);
  const stop = await call('POST', `/resourceid/${resourceId}/sid/${sid}/mode/mix/stop`, { cname, uid: '527841', clientRequest: { async_stop: true } });
  expect(stop.status).toBe(200);
  expect(stop.body).toEqual({ resourceId, sid });
  expect(await control.tasks({ cname, running: true })).toEqual([]);
});
