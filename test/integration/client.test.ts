/** The app-facing typed client: idempotent start, status, layout, stop — against the real server and emulator. */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { InvalidInputError, RtcflowClient, recordingWorkflowId } from '../../src/client';
import { sharedEnvironment, testConfig, withWorker } from '../helpers/temporal';
import { eventually, uniqueId } from '../helpers/wait';
import { TEST_CLIENT_OPTIONS } from '../helpers/api';

const shared = sharedEnvironment();
const control = shared.control;
let env: TestWorkflowEnvironment;
beforeAll(() => {
  env = shared.env;
});

test('starting the same channel twice returns the running session, not a second recording', async () => {
  const channel = uniqueId('client');
  await withWorker(env, testConfig(), async (taskQueue) => {
    const rtc = new RtcflowClient(env.client, taskQueue, TEST_CLIENT_OPTIONS);
    const first = await rtc.startRecording({ channel, pollIntervalMs: 300, confirmPollMs: 200 });
    const second = await rtc.startRecording({ channel, pollIntervalMs: 300, confirmPollMs: 200 });
    expect(first.id).toBe(recordingWorkflowId({ profile: 'default', channel, role: 'main' }));
    expect(second).toEqual(first);
    await eventually(async () => ((await rtc.recordingStatus(first.id)).phase === 'recording' ? true : undefined), 'recording');
    expect(await rtc.updateLayout(first.id, { mixedVideoLayout: 1 })).toEqual({ mixedVideoLayout: 1 });
    const result = await rtc.stopRecording(first.id, 'done');
    expect(result).toMatchObject({ outcome: 'stopped', reason: 'done' });
    // stopping an ended session answers its result again
    expect(await rtc.stopRecording(first.id)).toEqual(result);
  });
  const ops = (await control.requests({ cname: channel })).map((r) => r.operation);
  expect(ops.filter((o) => o === 'start')).toHaveLength(1);
  expect(ops.filter((o) => o === 'updateLayout')).toHaveLength(1);
  expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
});

test('bad input throws a typed error before anything reaches Temporal or the vendor', async () => {
  const rtc = new RtcflowClient(env.client, 'nobody-polls-this');
  const channel = uniqueId('bad/name');
  const err = await rtc.startRecording({ channel }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidInputError);
  expect((err as InvalidInputError).issues.join()).toMatch(/channel: channel name may contain only/);
  const err2 = await rtc.startRecording({ channel: 'ok', mode: 'web' }).catch((e: unknown) => e);
  expect((err2 as InvalidInputError).issues.join()).toMatch(/web mode needs extensionServiceConfig/);
  const err3 = await rtc.updateLayout('whatever', { mixedVideoLayout: 7 } as never).catch((e: unknown) => e);
  expect(err3).toBeInstanceOf(InvalidInputError);
  expect(await env.client.workflow.count(`WorkflowId = "${recordingWorkflowId({ profile: 'default', channel, role: 'main' })}"`)).toMatchObject({ count: 0 });
});
