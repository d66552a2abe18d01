/**
 * The cloud-recording workflow's behaviours (issue: crash-proof, never-leaking session), each on the
 * real Temporal dev server against a dedicated emulator process over HTTP. The emulator runs 20× fast
 * (a 60 s failover passes in 3 s, a 5-minute resource window in 15 s) and delivers its signed NCS
 * webhooks to rtcflow's own receiver, which signals the workflows.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { buildApiServer } from '../../src/api/server';
import type { Config, StorageProfile } from '../../src/config';
import { EMULATOR_AGORA, EMULATOR_STORAGE } from '../../src/emulator/defaults';
import type { Layout } from '../../src/schemas/agora/cloud-recording';
import type { CloudRecordingInput } from '../../src/schemas/workflows/cloud-recording';
import { cloudRecording } from '../../workflows/cloud-recording';
import {
  recordingStatusQuery,
  stopSignal,
  stopUpdate,
  updateLayoutUpdate,
  updateSubscriptionsUpdate,
  type CloudRecordingPhase,
} from '../../workflows/messages';
import { EmulatorControl, spawnEmulator, type SpawnedEmulator } from '../helpers/emulator';
import { historyText } from '../helpers/history';
import { connectTestEnv, eventually, testConfig, uniqueId, withWorker } from '../helpers/temporal';

const APP = EMULATOR_AGORA.appId;
const NCS_SECRET = 'test-ncs-secret';
const SECRETS = [EMULATOR_AGORA.customerSecret, EMULATOR_AGORA.appCertificate, EMULATOR_STORAGE.accessKey, EMULATOR_STORAGE.secretKey];

let env: TestWorkflowEnvironment;
let emu: SpawnedEmulator;
let control: EmulatorControl;
let receiver: FastifyInstance;
let config: Config;
const handles: WorkflowHandle[] = [];

beforeAll(async () => {
  env = await connectTestEnv();
  emu = await spawnEmulator({ timeScale: 20 });
  control = new EmulatorControl(emu.url);
  receiver = buildApiServer({ client: env.client, agoraNcsSecret: NCS_SECRET });
  await receiver.listen({ host: '127.0.0.1', port: 0 });
  const addr = receiver.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await post('/_emulator/webhooks', { vendor: 'agora', url: `http://127.0.0.1:${port}/webhooks/agora/ncs`, secret: NCS_SECRET }, 201);
  config = testConfig(emu.url);
});

afterAll(async () => {
  // every workflow this file started: its whole history (all runs) holds no credential or storage key
  for (const h of handles) await expectNoSecrets(h);
  await receiver?.close();
  await emu?.stop();
  await env?.teardown();
});

afterEach(async () => {
  await request(`${emu.url}/_emulator/faults`, { method: 'DELETE' }).then((r) => r.body.dump());
});

async function post(path: string, body: unknown, expected = 200): Promise<any> {
  const res = await request(`${emu.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.body.text();
  expect(`${res.statusCode} ${path}`).toBe(`${expected} ${path}`);
  return text ? JSON.parse(text) : undefined;
}

async function recorderState(sid: string): Promise<any> {
  const res = await request(`${emu.url}/_emulator/agora/cloud-recording/${sid}`);
  return res.body.json();
}

/** Test defaults: quick polling, quick confirmation. */
function input(channel: string, extra: Partial<CloudRecordingInput> = {}): CloudRecordingInput {
  return { channel, mode: 'mix', pollIntervalMs: 300, confirmPollMs: 200, drainTimeoutMs: 10_000, ...extra };
}

async function start(taskQueue: string, args: CloudRecordingInput, workflowId = uniqueId('wf-rec')): Promise<WorkflowHandle<typeof cloudRecording>> {
  const handle = await env.client.workflow.start(cloudRecording, { taskQueue, workflowId, args: [args] });
  handles.push(handle);
  return handle;
}

async function phaseOf(handle: WorkflowHandle<typeof cloudRecording>, phase: CloudRecordingPhase, timeoutMs = 30_000) {
  return eventually(async () => {
    const s = await handle.query(recordingStatusQuery);
    return s.phase === phase ? s : undefined;
  }, `phase ${phase}`, timeoutMs);
}

async function operations(cname: string): Promise<string[]> {
  return (await control.requests({ cname, product: 'cloud-recording' })).map((r) => `${r.operation}:${r.status}`);
}

async function expectNoSecrets(handle: WorkflowHandle): Promise<void> {
  const text = await historyText(handle);
  expect(text.length).toBeGreaterThan(0);
  for (const secret of SECRETS) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/007eJ[A-Za-z0-9+/=]{20,}/); // no AccessToken2
}

async function expectNothingRunning(cname: string): Promise<void> {
  expect(await control.tasks({ cname, running: true })).toEqual([]);
}

describe('each mode records and returns its files', () => {
  const webService = {
    extensionServiceConfig: {
      errorHandlePolicy: 'error_abort',
      extensionServices: [{ serviceName: 'web_recorder_service', errorHandlePolicy: 'error_abort', serviceParam: { url: 'https://example.com/lesson', audioProfile: 0, videoWidth: 1280, videoHeight: 720, maxRecordingHour: 2 } }],
    },
    recordingFileConfig: { avFileType: ['hls', 'mp4'] as Array<'hls' | 'mp4'> },
  };
  const cases: Array<[string, Partial<CloudRecordingInput>, (sid: string, cname: string) => string[]]> = [
    ['individual', { mode: 'individual' }, (sid, c) => ['10001', '10002'].flatMap((u) => [`${sid}_${c}__uid_s_${u}__uid_e_audio.m3u8`, `${sid}_${c}__uid_s_${u}__uid_e_video.m3u8`])],
    ['mix', { mode: 'mix', clientRequest: { recordingFileConfig: { avFileType: ['hls', 'mp4'] } } }, (sid, c) => [`${sid}_${c}.m3u8`, `${sid}_${c}_0.mp4`]],
    ['web', { mode: 'web', clientRequest: webService, acquire: { scene: 1 } }, (sid, c) => [`${sid}_${c}_0.m3u8`, `${sid}_${c}_0.mp4`]],
  ];
  test.each(cases)('%s', async (_name, extra, expectedFiles) => {
    const cname = uniqueId(`mode-${_name}`);
    const result = await withWorker(env, config, async (tq) => {
      const h = await start(tq, input(cname, extra));
      await phaseOf(h, 'recording');
      const r = await h.executeUpdate(stopUpdate, { args: [{ reason: 'lesson over' }] });
      await expectNoSecrets(h);
      return r;
    });
    expect(result).toMatchObject({ outcome: 'stopped', reason: 'lesson over', uploadingStatus: 'uploaded', needsReview: false, screenshots: false });
    expect(result.files.map((f) => f.fileName).sort()).toEqual(expectedFiles(result.sid!, cname).sort());
    const ops = await operations(cname);
    expect(ops.slice(0, 2)).toEqual(['acquire:200', 'start:200']);
    expect(ops.at(-1)).toBe('stop:200');
    expect(ops.filter((o) => o.startsWith('stop'))).toHaveLength(1);
    await expectNothingRunning(cname);
  });

  test('screenshots stay in the same workflow with their own results', async () => {
    const cname = uniqueId('mode-shot');
    const result = await withWorker(env, config, async (tq) => {
      const h = await start(tq, input(cname, {
        mode: 'individual',
        clientRequest: { recordingConfig: { channelType: 1, subscribeUidGroup: 0 }, snapshotConfig: { captureInterval: 5, fileType: ['jpg'] } },
      }));
      await phaseOf(h, 'recording');
      return h.executeUpdate(stopUpdate, { args: [{}] });
    });
    expect(result.screenshots).toBe(true);
    expect(result.files.length).toBeGreaterThan(0);
    expect(result.files.every((f) => f.fileName.endsWith('.jpg'))).toBe(true);
    await expectNothingRunning(cname);
  });
});

test('a layout updated twice mid-session reaches the emulator in order, whole each time', async () => {
  const cname = uniqueId('layout');
  const first: Layout = { mixedVideoLayout: 3, backgroundColor: '#112233', layoutConfig: [{ uid: '10001', x_axis: 0, y_axis: 0, width: 0.5, height: 1 }, { uid: '10002', x_axis: 0.5, y_axis: 0, width: 0.5, height: 1 }] };
  const second: Layout = { mixedVideoLayout: 2, maxResolutionUid: '10002' };
  const result = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(cname, { pollIntervalMs: 60_000 }));
    const s = await phaseOf(h, 'recording');
    expect(await h.executeUpdate(updateLayoutUpdate, { args: [first] })).toEqual(first);
    expect((await recorderState(s.sid!)).layout).toEqual(first);
    expect(await h.executeUpdate(updateLayoutUpdate, { args: [second] })).toEqual(second);
    expect((await recorderState(s.sid!)).layout).toEqual(second);
    const status = await h.query(recordingStatusQuery);
    expect(status).toMatchObject({ layout: second, layoutApplied: true });
    return h.executeUpdate(stopUpdate, { args: [{}] });
  });
  const layoutCalls = (await control.requests({ cname, product: 'cloud-recording' })).filter((r) => r.operation === 'updateLayout');
  expect(layoutCalls.map((r) => (r.body as { clientRequest: unknown }).clientRequest)).toEqual([first, second]);
  expect(result.outcome).toBe('stopped');
});

test('an invalid layout is rejected by the validator and nothing is sent', async () => {
  const cname = uniqueId('badlayout');
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(cname));
    await phaseOf(h, 'recording');
    const bad = { mixedVideoLayout: 3, layoutConfig: [{ x_axis: 0.8, y_axis: 0, width: 0.5, height: 1 }] } as Layout;
    const err = await h.executeUpdate(updateLayoutUpdate, { args: [bad] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((err as WorkflowUpdateFailedError).cause?.message)).toMatch(/region extends beyond the canvas/);
    const custom = await h.executeUpdate(updateLayoutUpdate, { args: [{ mixedVideoLayout: 3 } as Layout] }).catch((e: unknown) => e);
    expect(String((custom as WorkflowUpdateFailedError).cause?.message)).toMatch(/needs layoutConfig/);
    await h.executeUpdate(stopUpdate, { args: [{}] });
    // a rejected update never reaches history
    expect(await historyText(h)).not.toContain('0.8');
  });
  expect((await operations(cname)).filter((o) => o.startsWith('updateLayout'))).toEqual([]);
});

test('subscriptions are updated through update; the stop signal returns the files in the result', async () => {
  const cname = uniqueId('subs');
  const result = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(cname, { mode: 'individual' }));
    const s = await phaseOf(h, 'recording');
    const subs = { audioUidList: { subscribeAudioUids: ['10001'] }, videoUidList: { subscribeVideoUids: ['10001'] } };
    await h.executeUpdate(updateSubscriptionsUpdate, { args: [subs] });
    expect((await recorderState(s.sid!)).subscriptions).toEqual(subs);
    await h.signal(stopSignal, { reason: 'signalled' });
    return h.result();
  });
  expect(result).toMatchObject({ outcome: 'stopped', reason: 'signalled' });
  expect(result.files.length).toBe(4);
  expect((await operations(cname)).filter((o) => o.startsWith('update:'))).toEqual(['update:200']);
});

test('a resource that lapsed before start is acquired again', async () => {
  const cname = uniqueId('lapsed');
  await post('/_emulator/faults', { match: { product: 'cloud-recording', operation: 'start' }, action: { type: 'latency', ms: 1_500 }, count: 1 }, 201);
  const result = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(cname));
    // while the first start is held up, six emulated minutes pass: its resourceId expires
    await eventually(async () => {
      const res = await request(`${emu.url}/_emulator/faults`);
      const { faults } = (await res.body.json()) as { faults: Array<{ hits: number }> };
      return faults.length === 0 || faults[0]!.hits > 0 ? true : undefined;
    }, 'the held start');
    await control.advanceClock(6 * 60_000);
    await phaseOf(h, 'recording');
    return h.executeUpdate(stopUpdate, { args: [{}] });
  });
  expect((await operations(cname)).slice(0, 4)).toEqual(['acquire:200', 'start:400', 'acquire:200', 'start:200']);
  const starts = (await control.requests({ cname })).filter((r) => r.operation === 'start');
  expect(starts[0]!.resourceId).not.toBe(starts[1]!.resourceId);
  expect(result.outcome).toBe('stopped');
  await expectNothingRunning(cname);
});

test('an ambiguous start (response dropped) ends with exactly one recording', async () => {
  const cname = uniqueId('ambiguous');
  await post('/_emulator/faults', { match: { product: 'cloud-recording', operation: 'start' }, action: { type: 'drop-response' }, count: 1 }, 201);
  const result = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(cname));
    await phaseOf(h, 'recording');
    return h.executeUpdate(stopUpdate, { args: [{}] });
  });
  const starts = (await control.requests({ cname })).filter((r) => r.operation === 'start');
  expect(starts.map((r) => `${r.status}:${r.fault ?? ''}`)).toEqual(['200:drop-response', '201:']);
  expect(starts[0]!.resourceId).toBe(starts[1]!.resourceId);
  const tasks = await control.tasks({ cname });
  expect(tasks).toHaveLength(1);
  expect(tasks[0]).toMatchObject({ id: result.sid, billing: false, state: 'stopped' });
});

test('an ambiguous start answered 201/code 7 without a sid: the sid comes from recorder_started, still one recording', async () => {
  const cname = uniqueId('nosid');
  await post('/_emulator/agora/cloud-recording/code7-without-sid', { enabled: true });
  await post('/_emulator/faults', { match: { product: 'cloud-recording', operation: 'start' }, action: { type: 'drop-response' }, count: 1 }, 201);
  try {
    const result = await withWorker(env, config, async (tq) => {
      const h = await start(tq, input(cname));
      await phaseOf(h, 'recording');
      return h.executeUpdate(stopUpdate, { args: [{}] });
    });
    const log = await control.requests({ cname });
    const starts = log.filter((r) => r.operation === 'start');
    expect(starts.map((r) => `${r.status}:${r.fault ?? ''}`)).toEqual(['200:drop-response', '201:']);
    const tasks = await control.tasks({ cname });
    expect(tasks).toHaveLength(1);
    expect(result.sid).toBe(tasks[0]!.id);
    expect(log.filter((r) => r.operation === 'stop').map((r) => `${r.sid}:${r.status}`)).toEqual([`${tasks[0]!.id}:200`]);
    await expectNothingRunning(cname);
  } finally {
    await post('/_emulator/agora/cloud-recording/code7-without-sid', { enabled: false });
  }
});

test('a recorder that never reports in is stopped and replaced by one with a new uid, its resource excluded', async () => {
  const cname = uniqueId('stall');
  await post('/_emulator/agora/cloud-recording/stall-starts', { count: 1 });
  const result = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(cname, { confirmTimeoutMs: 1_500 }));
    await phaseOf(h, 'recording', 30_000); // confirmed by query (status 5) or by its recorder_started event
    return h.executeUpdate(stopUpdate, { args: [{}] });
  });
  const log = await control.requests({ cname });
  const acquires = log.filter((r) => r.operation === 'acquire');
  const starts = log.filter((r) => r.operation === 'start');
  expect(acquires).toHaveLength(2);
  expect(starts).toHaveLength(2);
  const first = starts[0]!;
  expect((acquires[1]!.body as any).clientRequest.excludeResourceIds).toEqual([first.resourceId]);
  expect((acquires[1]!.body as any).uid).not.toBe((acquires[0]!.body as any).uid);
  // the stalled recorder was stopped, the second one is the session's recording
  expect(log.filter((r) => r.operation === 'stop').map((r) => r.sid)).toEqual([first.sid, result.sid]);
  expect((await recorderState(first.sid!)).stalled).toBe(true);
  expect(result.sid).not.toBe(first.sid);
  await expectNothingRunning(cname);
});

test('a slow upload (206 on stop) is drained until the uploaded event arrives', async () => {
  const cname = uniqueId('drain');
  await post('/_emulator/agora/cloud-recording/upload-profile', { profile: 'slow', appId: APP });
  try {
    const result = await withWorker(env, config, async (tq) => {
      const h = await start(tq, input(cname, { drainTimeoutMs: 30_000 }));
      await phaseOf(h, 'recording');
      await h.signal(stopSignal, { reason: 'slow' });
      // 206: stopped, upload unknown; 60 emulated seconds later NCS 31 reports it uploaded
      await phaseOf(h, 'draining');
      return h.result();
    });
    expect(result).toMatchObject({ outcome: 'stopped', uploadingStatus: 'uploaded', needsReview: false });
    expect(result.files.map((f) => f.fileName)).toEqual([`${result.sid}_${cname}.m3u8`]);
    expect((await operations(cname)).filter((o) => o.startsWith('stop'))).toEqual(['stop:206']);
  } finally {
    await post('/_emulator/agora/cloud-recording/upload-profile', { profile: 'fast', appId: APP });
  }
});

test('a uid conflict (53) is solved with a new recorder uid', async () => {
  const cname = uniqueId('uid53');
  await control.emptyChannel(APP, cname);
  await control.join(APP, cname, '777'); // a user already has the uid we ask for
  const result = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(cname, { recorderUid: '777' }));
    await phaseOf(h, 'recording');
    return h.executeUpdate(stopUpdate, { args: [{}] });
  });
  expect((await operations(cname)).slice(0, 4)).toEqual(['acquire:200', 'start:400', 'acquire:200', 'start:200']);
  expect(result.recorderUid).not.toBe('777');
  await expectNothingRunning(cname);
});

test('404s during a 60 s failover are not an end; the layout is re-applied after recovery', async () => {
  const cname = uniqueId('failover');
  const layout: Layout = { mixedVideoLayout: 1, backgroundColor: '#00FF00' };
  const result = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(cname));
    const s = await phaseOf(h, 'recording');
    await h.executeUpdate(updateLayoutUpdate, { args: [layout] });
    await post(`/_emulator/agora/cloud-recording/${s.sid}/failover`, { seconds: 60 });
    await eventually(async () => ((await h.query(recordingStatusQuery)).suspectSince ? true : undefined), 'the workflow noticing the 404s');
    // 60 emulated seconds = 3 real seconds: recovery, and the layout the migrated recorder lost comes back
    const after = await eventually(async () => {
      const rec = await recorderState(s.sid!);
      const st = await h.query(recordingStatusQuery);
      return rec.failoverUntil === undefined && rec.layout?.backgroundColor === '#00FF00' && st.suspectSince === undefined ? st : undefined;
    }, 'recovery with the layout re-applied', 20_000);
    expect(after).toMatchObject({ phase: 'recording', layoutApplied: true, sid: s.sid });
    return h.executeUpdate(stopUpdate, { args: [{}] });
  });
  expect(result).toMatchObject({ outcome: 'stopped', segments: [expect.objectContaining({ sid: result.sid })] });
  const ops = await operations(cname);
  expect(ops).toContain('query:404');
  expect(ops.filter((o) => o === 'updateLayout:200')).toHaveLength(2);
  await expectNothingRunning(cname);
});

test('an idle timeout ends the workflow with the files and the reason', async () => {
  const cname = uniqueId('idle');
  await control.emptyChannel(APP, cname);
  await control.join(APP, cname, '501');
  const result = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(cname, { clientRequest: { recordingConfig: { maxIdleTime: 30 } } }));
    await phaseOf(h, 'recording');
    await eventually(async () => ((await h.query(recordingStatusQuery)).files.length ? true : undefined), 'files seen by query');
    await control.leave(APP, cname, '501'); // 30 emulated seconds later the recorder leaves
    return h.result();
  });
  expect(result.outcome).toBe('ended');
  expect(result.reason).toMatch(/no users for maxIdleTime/);
  expect(result.files.map((f) => f.fileName)).toEqual([`${result.sid}_${cname}.m3u8`]);
  expect(result.uploadingStatus).toBe('uploaded');
  expect(result.unstopped).toEqual([]);
  // the end was inferred (404 + NCS notice), so one stop made sure: 404, it is gone
  expect((await operations(cname)).filter((o) => o.startsWith('stop'))).toEqual(['stop:404']);
  await expectNothingRunning(cname);
});

test('restartOnFailure starts a new recording when the first one ends on its own', async () => {
  const cname = uniqueId('restart');
  await control.emptyChannel(APP, cname);
  await control.join(APP, cname, '601');
  const result = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(cname, { restartOnFailure: true, clientRequest: { recordingConfig: { maxIdleTime: 60 } } }));
    const first = await phaseOf(h, 'recording');
    await control.leave(APP, cname, '601');
    // the first recorder idles out (60 emulated s = 3 real s); someone is back for the second one
    await eventually(async () => ((await h.query(recordingStatusQuery)).segments.length === 1 ? true : undefined), 'the first recording to end', 30_000);
    await control.join(APP, cname, '602');
    await eventually(async () => {
      const s = await h.query(recordingStatusQuery);
      return s.phase === 'recording' && s.sid !== first.sid && s.segments.length === 1 ? s : undefined;
    }, 'a second recording', 30_000);
    return h.executeUpdate(stopUpdate, { args: [{}] });
  });
  expect(result.restarts).toBe(1);
  expect(result.segments).toHaveLength(2);
  expect(result.segments[0]!.endReason).toMatch(/maxIdleTime/);
  expect(result.segments[1]!.sid).not.toBe(result.segments[0]!.sid);
  await expectNothingRunning(cname);
});

test('cancellation stops the recording', async () => {
  const cname = uniqueId('cancel');
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(cname));
    await phaseOf(h, 'recording');
    await h.cancel();
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    await expectNoSecrets(h);
  });
  expect((await operations(cname)).at(-1)).toBe('stop:200');
  await expectNothingRunning(cname);
});

test('the max duration stops the recording', async () => {
  const cname = uniqueId('maxdur');
  const result = await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(cname, { maxDurationMs: 4_000 }));
    return h.result();
  });
  expect(result.outcome).toBe('stopped');
  expect(result.reason).toMatch(/max duration/);
  await expectNothingRunning(cname);
});

test('expiring storage credentials are refreshed through update before they lapse', async () => {
  const cname = uniqueId('sts');
  let issued = 0;
  const sts = async (_name: string, p: StorageProfile): Promise<StorageProfile> => {
    issued++;
    return { ...p, extensionParams: { stsToken: `sts-token-${issued}`, stsExpiration: Math.floor(Date.now() / 1000) + 8 } };
  };
  const result = await withWorker(
    env,
    config,
    async (tq) => {
      const h = await start(tq, input(cname, { storageRefreshMarginMs: 5_000 }));
      await phaseOf(h, 'recording');
      await eventually(async () => ((await operations(cname)).includes('update:200') ? true : undefined), 'an STS refresh', 20_000);
      const r = await h.executeUpdate(stopUpdate, { args: [{}] });
      const text = await historyText(h);
      expect(text).not.toContain('sts-token-');
      return r;
    },
    {},
    { storageCredentials: sts },
  );
  const updates = (await control.requests({ cname })).filter((r) => r.operation === 'update');
  expect(updates.length).toBeGreaterThanOrEqual(1);
  // the emulator's log masks the keys; the shape shows it was a storage refresh
  expect((updates[0]!.body as any).clientRequest.storageConfig.extensionParams.stsToken).toBe('***');
  expect(result.outcome).toBe('stopped');
});

test('a storage refresh falling due during a failover waits for the recovery (no hot loop)', async () => {
  const cname = uniqueId('sts-failover');
  let issued = 0;
  const sts = async (_name: string, p: StorageProfile): Promise<StorageProfile> => {
    issued++;
    return { ...p, extensionParams: { stsToken: `sts-${issued}`, stsExpiration: Math.floor(Date.now() / 1000) + 7 } };
  };
  await withWorker(
    env,
    config,
    async (tq) => {
      const h = await start(tq, input(cname, { storageRefreshMarginMs: 5_000 }));
      const s = await phaseOf(h, 'recording');
      // 8 real seconds of failover: the refresh falls due (2 s after start) while the task is unreachable
      await post(`/_emulator/agora/cloud-recording/${s.sid}/failover`, { seconds: 160 });
      await eventually(async () => ((await h.query(recordingStatusQuery)).suspectSince ? true : undefined), 'the 404s noticed');
      await new Promise((r) => setTimeout(r, 3_000));
      // the workflow still answers (a spinning loop would never finish its task) and sent no update meanwhile
      expect((await h.query(recordingStatusQuery)).phase).toBe('recording');
      expect((await operations(cname)).filter((o) => o.startsWith('update'))).toEqual([]);
      // after the recovery the overdue refresh goes out
      await eventually(async () => ((await operations(cname)).includes('update:200') ? true : undefined), 'the refresh after recovery', 30_000);
      return h.executeUpdate(stopUpdate, { args: [{}] });
    },
    {},
    { storageCredentials: sts },
  );
  await expectNothingRunning(cname);
});

test('a worker killed with SIGKILL mid-recording: a new worker carries on and the recording is stopped once', async () => {
  const cname = uniqueId('crash');
  const taskQueue = uniqueId('tq-crash');
  const child: ChildProcess = fork(join(__dirname, '..', 'helpers', 'worker-process.ts'), [], {
    execArgv: ['--require', 'tsx/cjs'],
    env: { ...process.env, RTCFLOW_EMULATOR_URL: emu.url, RTCFLOW_TASK_QUEUE: taskQueue, AGORA_APP_ID: '', AGORA_CUSTOMER_ID: '', AGORA_CUSTOMER_SECRET: '' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`worker process exited early (${code})`)));
    });
    const h = await start(taskQueue, input(cname));
    const before = await phaseOf(h, 'recording', 60_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const result = await withWorker(env, config, async () => {
      await h.signal(stopSignal, { reason: 'after the crash' });
      return h.result();
    }, {}, { taskQueue });
    expect(result).toMatchObject({ outcome: 'stopped', sid: before.sid, reason: 'after the crash' });
    const ops = await operations(cname);
    expect(ops.filter((o) => o.startsWith('start'))).toEqual(['start:200']);
    expect(ops.filter((o) => o.startsWith('stop'))).toEqual(['stop:200']);
    await expectNothingRunning(cname);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

test('a 72-hour session crosses continue-as-new without losing a layout update', async () => {
  // its own emulator; once recording, 14 400× fast: 72 emulated hours in 18 real seconds
  const fast = await spawnEmulator({ timeScale: 20 });
  try {
    const fastControl = new EmulatorControl(fast.url);
    const cname = uniqueId('long');
    const layout: Layout = { mixedVideoLayout: 1, backgroundColor: '#ABCDEF' };
    const result = await withWorker(env, testConfig(fast.url), async (tq) => {
      const h = await start(tq, input(cname, { pollIntervalMs: 100, maxHistoryEvents: 200, acquire: { resourceExpiredHour: 720 } }));
      const s = await phaseOf(h, 'recording');
      await request(`${fast.url}/_emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ timeScale: 14_400 }) }).then((r) => r.body.dump());
      await eventually(async () => ((await h.query(recordingStatusQuery)).continuedAsNew >= 1 ? true : undefined), 'a first continue-as-new', 60_000);
      await h.executeUpdate(updateLayoutUpdate, { args: [layout] });
      const runsAtUpdate = (await h.query(recordingStatusQuery)).continuedAsNew;
      // keep going until the emulator's clock has passed 72 hours
      const startedAt = (await (await request(`${fast.url}/_emulator/clock`)).body.json() as { now: number }).now;
      await eventually(async () => {
        const now = ((await (await request(`${fast.url}/_emulator/clock`)).body.json()) as { now: number }).now;
        const runs = (await h.query(recordingStatusQuery)).continuedAsNew;
        // the layout update must have been carried across at least one more continue-as-new
        return now - startedAt >= 72 * 3_600_000 && runs > runsAtUpdate ? true : undefined;
      }, '72 emulated hours and a continue-as-new after the layout update', 120_000);
      const status = await h.query(recordingStatusQuery);
      expect(status.continuedAsNew).toBeGreaterThanOrEqual(2);
      expect(status).toMatchObject({ phase: 'recording', sid: s.sid, layout, layoutApplied: true });
      const state = await (await request(`${fast.url}/_emulator/agora/cloud-recording/${s.sid}`)).body.json() as { layout: Layout };
      expect(state.layout).toEqual(layout);
      const r = await h.executeUpdate(stopUpdate, { args: [{}] });
      await expectNoSecrets(h);
      return r;
    });
    expect(result.outcome).toBe('stopped');
    expect((await fastControl.tasks({ cname, running: true }))).toEqual([]);
    const ops = (await fastControl.requests({ cname })).map((r) => r.operation);
    expect(ops.filter((o) => o === 'start')).toHaveLength(1);
    expect(ops.filter((o) => o === 'updateLayout')).toHaveLength(1);
  } finally {
    await fast.stop();
  }
}, 240_000);
