/**
 * Several Agora projects in one worker, selected by profile name from RTCFLOW_PROFILES_FILE; each
 * session's calls carry its own App ID and credentials, and none of them reaches workflow history.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { EMULATOR_AGORA } from '../../emulator/defaults';
import { cloudRecording } from '../../workflows/cloud-recording';
import { recordingStatusQuery, stopUpdate } from '../../workflows/cloud-recording';
import { EmulatorControl, TENANT_B } from '../helpers/emulator';
import { historyText } from '../helpers/history';
import { capturedLogs, connectTestEnv, testConfig, withWorker } from '../helpers/temporal';
import { eventually, uniqueId } from '../helpers/wait';

let env: TestWorkflowEnvironment;
const emulatorUrl = process.env.RTCFLOW_TEST_EMULATOR_URL!;
const control = new EmulatorControl(emulatorUrl);

beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

test('two tenants record side by side, each with its own project and storage profile', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtcflow-profiles-'));
  const file = join(dir, 'profiles.json');
  writeFileSync(
    file,
    JSON.stringify({
      agora: { 'tenant-b': { ...TENANT_B, baseUrls: [emulatorUrl] } },
      storage: { 'tenant-b-bucket': { vendor: 2, region: 1, bucket: 'tenant-b-recordings', accessKey: 'tb-access-key-123', secretKey: 'tb-secret-key-456' } },
    }),
  );
  const config = testConfig(emulatorUrl, { RTCFLOW_PROFILES_FILE: file });
  expect(Object.keys(config.agora).sort()).toEqual(['default', 'tenant-b']);

  const chA = uniqueId('tenant-a');
  const chB = uniqueId('tenant-b');
  const [a, b] = await withWorker(env, config, async (tq) => {
    const ha = await env.client.workflow.start(cloudRecording, { taskQueue: tq, workflowId: uniqueId('wf-a'), args: [{ channel: chA, pollIntervalMs: 300, confirmPollMs: 200 }] });
    const hb = await env.client.workflow.start(cloudRecording, {
      taskQueue: tq,
      workflowId: uniqueId('wf-b'),
      args: [{ channel: chB, profile: 'tenant-b', storageProfile: 'tenant-b-bucket', pollIntervalMs: 300, confirmPollMs: 200 }],
    });
    for (const h of [ha, hb]) await eventually(async () => ((await h.query(recordingStatusQuery)).phase === 'recording' ? true : undefined), 'recording');
    const results = await Promise.all([ha, hb].map((h) => h.executeUpdate(stopUpdate, { args: [{}] })));
    for (const h of [ha, hb]) {
      const text = await historyText(h);
      for (const secret of [TENANT_B.customerSecret, TENANT_B.appCertificate, 'tb-access-key-123', 'tb-secret-key-456', EMULATOR_AGORA.customerSecret]) {
        expect(text).not.toContain(secret);
      }
    }
    return results;
  });
  expect(a.outcome).toBe('stopped');
  expect(b.outcome).toBe('stopped');

  const logA = await control.requests({ cname: chA });
  const logB = await control.requests({ cname: chB });
  expect(logA.every((r) => r.path.includes(`/apps/${EMULATOR_AGORA.appId}/`))).toBe(true);
  expect(logB.every((r) => r.path.includes(`/apps/${TENANT_B.appId}/`))).toBe(true);
  expect(logB.map((r) => `${r.operation}:${r.status}`)).toContain('start:200');
  // tenant B's start carried tenant B's bucket (keys masked by the emulator's log)
  const startB = logB.find((r) => r.operation === 'start')!;
  expect((startB.body as any).clientRequest.storageConfig).toMatchObject({ vendor: 2, region: 1, bucket: 'tenant-b-recordings', accessKey: '***', secretKey: '***' });
  expect(capturedLogs()).not.toContain(TENANT_B.customerSecret);
});

test('an unknown profile fails the session at once, before any vendor call', async () => {
  const channel = uniqueId('noprofile');
  const err = await withWorker(env, testConfig(emulatorUrl), (tq) =>
    env.client.workflow.execute(cloudRecording, { taskQueue: tq, workflowId: uniqueId('wf-noprofile'), args: [{ channel, profile: 'nobody' }] }).catch((e: unknown) => e),
  );
  expect(String((err as Error & { cause?: { cause?: Error } }).cause?.cause?.message)).toMatch(/unknown Agora profile "nobody"/);
  expect(await control.requests({ cname: channel })).toEqual([]);
});
