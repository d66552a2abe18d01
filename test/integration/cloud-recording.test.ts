/**
 * The cloud-recording workflow on the real Temporal dev server against the vendor emulator over HTTP.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { cloudRecording } from '../../workflows/cloud-recording';
import { recordingStatusQuery, stopSignal } from '../../workflows/cloud-recording';
import * as agora from '../../src/agora/cloud-recording';
import { buildBotToken } from '../../src/agora/token';
import { EMULATOR_AGORA, EMULATOR_STORAGE } from '../../emulator/defaults';
import { HttpClient } from '../../src/http/client';
import type { VendorErrorInfo } from '../../src/http/errors';
import { capturedLogs, sharedEnvironment, testConfig, withWorker } from '../helpers/temporal';
import { eventually, uniqueId } from '../helpers/wait';

const shared = sharedEnvironment();
const emulator = shared.control;
let env: TestWorkflowEnvironment;
beforeAll(() => {
  env = shared.env;
});

test('acquire → start → query → stop returns the files the emulator recorded, and nothing is left running', async () => {
  const channel = uniqueId('skeleton');
  const config = testConfig();
  await emulator.emptyChannel(EMULATOR_AGORA.appId, channel);
  await emulator.join(EMULATOR_AGORA.appId, channel, '1001');
  await emulator.join(EMULATOR_AGORA.appId, channel, '1002');

  const result = await withWorker(env, config, async (taskQueue) => {
    const handle = await env.client.workflow.start(cloudRecording, {
      taskQueue,
      workflowId: uniqueId('wf-cloud-recording'),
      args: [{ channel, mode: 'individual', pollIntervalMs: 200 }],
    });
    // wait until the workflow has seen the recorder through at least one query
    await eventually(async () => {
      const s = await handle.query(recordingStatusQuery);
      return s.phase === 'recording' && s.lastQueryAt ? s : undefined;
    }, 'a query while recording');
    await handle.signal(stopSignal, { reason: 'test done' });
    return handle.result();
  });

  expect(result.outcome).toBe('stopped');
  expect(result.reason).toBe('test done');
  expect(result.sid).toMatch(/^[0-9a-f]{32}$/);
  // individual mode: one audio and one video playlist per publishing uid, named by the emulator
  expect(result.files.map((f) => f.fileName).sort()).toEqual(
    ['1001', '1002'].flatMap((uid) => [`${result.sid}_${channel}__uid_s_${uid}__uid_e_audio.m3u8`, `${result.sid}_${channel}__uid_s_${uid}__uid_e_video.m3u8`]).sort(),
  );
  expect(result.uploadingStatus).toBe('uploaded');

  const ops = (await emulator.requests({ cname: channel, product: 'cloud-recording' })).map((r) => `${r.operation}:${r.status}`);
  expect(ops[0]).toBe('acquire:200');
  expect(ops[1]).toBe('start:200');
  const queries = ops.slice(2, -1);
  expect(queries.length).toBeGreaterThanOrEqual(1);
  expect(new Set(queries)).toEqual(new Set(['query:200']));
  expect(ops[ops.length - 1]).toBe('stop:200');

  expect(await emulator.tasks({ cname: channel, running: true })).toEqual([]);
  const [task] = await emulator.tasks({ cname: channel });
  expect(task).toMatchObject({ id: result.sid, state: 'stopped', billing: false });
});

test('wrong vendor credentials fail the workflow at once with a clear, non-retried error', async () => {
  const channel = uniqueId('badcreds');
  const config = testConfig(undefined);
  config.agora.default = { ...config.agora.default!, customerSecret: 'not-the-secret' };

  const err = await withWorker(env, config, async (taskQueue) => {
    const handle = await env.client.workflow.start(cloudRecording, {
      taskQueue,
      workflowId: uniqueId('wf-badcreds'),
      args: [{ channel, pollIntervalMs: 200 }],
    });
    const failure = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    const status = await handle.query(recordingStatusQuery);
    return { failure, status };
  });

  expect(err.failure).toBeInstanceOf(WorkflowFailedError);
  const activityFailure = (err.failure as WorkflowFailedError).cause;
  expect(activityFailure).toBeInstanceOf(ActivityFailure);
  const app = (activityFailure as ActivityFailure).cause as ApplicationFailure;
  expect(app).toBeInstanceOf(ApplicationFailure);
  expect(app.type).toBe('VendorError');
  expect(app.nonRetryable).toBe(true);
  const info = app.details?.[0] as VendorErrorInfo;
  expect(info).toMatchObject({ vendor: 'agora', product: 'cloud-recording', operation: 'acquire', httpStatus: 401, retryable: false });
  expect(app.message).toContain('HTTP 401');
  expect(app.message).not.toContain('not-the-secret');

  expect(err.status.phase).toBe('failed');
  expect(err.status.reason).toContain('401');
  // exactly one attempt reached the vendor, and nothing was started
  const calls = await emulator.requests({ cname: channel });
  expect(calls.map((c) => `${c.operation}:${c.status}`)).toEqual(['acquire:401']);
  expect(await emulator.tasks({ cname: channel })).toEqual([]);
  // the worker logged the failure, and no line it wrote holds a credential
  expect(capturedLogs()).toContain('HTTP 401');
  for (const secret of ['not-the-secret', EMULATOR_AGORA.customerSecret, EMULATOR_AGORA.appCertificate]) expect(capturedLogs()).not.toContain(secret);
});

test('bad input is rejected before any vendor call', async () => {
  const channel = uniqueId('badinput');
  const err = await withWorker(env, testConfig(), async (taskQueue) =>
    env.client.workflow
      .execute(cloudRecording, {
        taskQueue,
        workflowId: uniqueId('wf-badinput'),
        args: [{ channel, clientRequest: { storageConfig: { vendor: 1, region: 0, bucket: 'b', accessKey: 'AK', secretKey: 'SK' } } } as never],
      })
      .catch((e: unknown) => e),
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
  expect(cause.type).toBe('InvalidInput');
  expect(cause.message).toContain('clientRequest.storageConfig');
  expect(await emulator.requests({ cname: channel })).toEqual([]);
});

test('a continued run whose input no longer validates stops the recording it carries before failing', async () => {
  const channel = uniqueId('carried');
  // a recording started by an earlier run of the session
  const http = new HttpClient();
  const ctx = {
    http,
    baseUrls: [process.env.RTCFLOW_TEST_EMULATOR_URL!],
    appId: EMULATOR_AGORA.appId,
    credentials: { customerId: EMULATOR_AGORA.customerId, customerSecret: EMULATOR_AGORA.customerSecret },
  };
  const uid = '4000000777';
  const { resourceId } = await agora.acquire(ctx, { cname: channel, uid });
  const token = buildBotToken({ appId: EMULATOR_AGORA.appId, appCertificate: EMULATOR_AGORA.appCertificate, channel, uid: Number(uid), ttlSeconds: 3600 });
  const { sid } = await agora.start(ctx, { resourceId, mode: 'mix', cname: channel, uid, clientRequest: { token, storageConfig: { ...EMULATOR_STORAGE } } });
  await http.close();
  expect(await emulator.tasks({ cname: channel, running: true })).toHaveLength(1);

  const err = await withWorker(env, testConfig(), (taskQueue) =>
    env.client.workflow
      .execute(cloudRecording, {
        taskQueue,
        workflowId: uniqueId('wf-carried'),
        // pollIntervalMs below today's minimum: the input an older deploy accepted; the carried state is
        // the second argument, as the session passes it when it continues as new
        args: [{ channel, pollIntervalMs: 5 } as never, { uid, resourceId, sid, deadline: Date.now() + 60_000, files: [], segments: [] } as never],
      })
      .catch((e: unknown) => e),
  );
  expect(((err as WorkflowFailedError).cause as ApplicationFailure).type).toBe('InvalidInput');
  expect((await emulator.requests({ cname: channel })).map((r) => `${r.operation}:${r.status}`)).toEqual(['acquire:200', 'start:200', 'stop:200']);
  expect(await emulator.tasks({ cname: channel, running: true })).toEqual([]);
});

test('internal state is not something a caller can pass: a fresh start with `state` in its input is refused, nothing sent', async () => {
  const channel = uniqueId('forged-state');
  const err = await withWorker(env, testConfig(), (taskQueue) =>
    env.client.workflow
      .execute(cloudRecording, {
        taskQueue,
        workflowId: uniqueId('wf-forged'),
        args: [{ channel, state: { uid: '1', resourceId: 'r', sid: 's', deadline: 0, files: [], segments: [] } } as never],
      })
      .catch((e: unknown) => e),
  );
  const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
  expect(cause.type).toBe('InvalidInput');
  expect(cause.message).toMatch(/state/);
  expect(await emulator.requests({ cname: channel })).toEqual([]);
});
