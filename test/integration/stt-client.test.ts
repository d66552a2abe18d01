/** `rtc.transcriptions`: idempotent start, validated updates, stop with the result — against the real server and emulator. */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { InvalidInputError, RtcflowClient, transcriptionWorkflowId } from '../../src/client';
import { sharedEnvironment, testConfig, withWorker } from '../helpers/temporal';
import { eventually, uniqueId } from '../helpers/wait';
import { TEST_CLIENT_OPTIONS } from '../helpers/api';

const shared = sharedEnvironment();
const control = shared.control;
let env: TestWorkflowEnvironment;
beforeAll(() => {
  env = shared.env;
});

const running = (rtc: RtcflowClient, id: string) =>
  eventually(async () => {
    const s = await rtc.transcriptions.status(id);
    return s.phase === 'running' ? s : undefined;
  }, `${id} running`);

test('7.x: starting twice joins the running session; a bad change is refused before it is sent; stop returns the result', async () => {
  const channel = uniqueId('client-stt7');
  await withWorker(env, testConfig(), async (taskQueue) => {
    const rtc = new RtcflowClient(env.client, taskQueue, TEST_CLIENT_OPTIONS);
    const input = { channel, languages: ['en-US'], pollIntervalMs: 300, confirmPollMs: 200 };
    const first = await rtc.transcriptions.start(input);
    const second = await rtc.transcriptions.start(input);
    expect(first.id).toBe(transcriptionWorkflowId({ profile: 'default', channel, role: 'main' }));
    expect(first.id).toBe(`stt/default/main/${channel}`);
    expect(second).toEqual(first);
    const status = await running(rtc, first.id);
    expect(status).toMatchObject({ version: '7', channel, configApplied: true, sequenceId: 0 });

    for (const bad of [{ languages: ['en-US', 'en-US'] }, {}, { subscribeAudioUids: ['all', '5'] }, { languages: ['en-US'], agentId: 'x' }]) {
      const err = await rtc.transcriptions.update(first.id, bad as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidInputError);
    }
    const err = (await rtc.transcriptions.update(first.id, { languages: ['en-US', 'en-US'] }).catch((e: unknown) => e)) as InvalidInputError;
    expect(err.issues).toEqual(['languages: languages must not repeat']);

    expect(await rtc.transcriptions.update(first.id, { subscribeAudioUids: ['10001'], translation: [{ source: 'en-US', target: ['fr-FR'] }] })).toEqual({
      languages: ['en-US'],
      subscribeAudioUids: ['10001'],
      translation: [{ source: 'en-US', target: ['fr-FR'] }],
    });
    expect(await rtc.transcriptions.status(first.id)).toMatchObject({ sequenceId: 1, configApplied: true });

    const result = await rtc.transcriptions.stop(first.id, 'done');
    expect(result).toMatchObject({ workflowId: first.id, channel, version: '7', outcome: 'stopped', reason: 'done', updates: 1, unstopped: [] });
    expect(result.agents).toEqual([expect.objectContaining({ id: status.agentId, endReason: 'done' })]);
    expect(result.captions.publishedInChannelBy).toMatch(/^\d+$/);
    // stopping an ended session answers its result again
    expect(await rtc.transcriptions.stop(first.id)).toEqual(result);
  });
  const ops = (await control.requests({ cname: channel, product: 'stt7' })).map((r) => `${r.operation}:${r.status}`);
  expect(ops.filter((o) => o.startsWith('join'))).toEqual(['join:200']);
  expect(ops.filter((o) => o.startsWith('update'))).toEqual(['update:200']);
  expect(ops.filter((o) => o.startsWith('leave'))).toEqual(['leave:200']);
  expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
});

test('6.x: requestStop ends the session; stop afterwards returns how it ended', async () => {
  const channel = uniqueId('client-stt6');
  await withWorker(env, testConfig(), async (taskQueue) => {
    const rtc = new RtcflowClient(env.client, taskQueue, TEST_CLIENT_OPTIONS);
    const { id } = await rtc.transcriptions.start({ channel, version: '6', languages: ['en-US'], pollIntervalMs: 300, confirmPollMs: 200 });
    await running(rtc, id);
    await rtc.transcriptions.requestStop(id, 'fire and forget');
    const result = await env.client.workflow.getHandle(id).result();
    expect(result).toMatchObject({ version: '6', outcome: 'stopped', reason: 'fire and forget' });
    expect(await rtc.transcriptions.stop(id, 'too late')).toEqual(result);
  });
  const ops = (await control.requests({ cname: channel, product: 'stt6' })).map((r) => `${r.operation}:${r.status}`);
  expect(ops.filter((o) => o.startsWith('start'))).toEqual(['start:200']);
  expect(ops.filter((o) => o.startsWith('stop'))).toEqual(['stop:200']);
  expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
});

test('bad input and unknown ids: typed errors, nothing reaches Temporal or the vendor', async () => {
  const rtc = new RtcflowClient(env.client, 'nobody-polls-this');
  const channel = uniqueId('client-stt-bad');
  const err = await rtc.transcriptions.start({ channel, languages: ['xx_YY'], version: '6', onLifetimeEnd: 'rollover' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidInputError);
  expect((err as InvalidInputError).issues).toEqual([
    'languages.0: language must be a code such as en-US',
    'onLifetimeEnd: rollover applies to 7.x agents (6.x documents no lifetime)',
  ]);
  const id = transcriptionWorkflowId({ profile: 'default', channel, role: 'main' });
  expect(await env.client.workflow.count(`WorkflowId = "${id}"`)).toMatchObject({ count: 0 });

  // a bad change is refused by the client itself: the unknown session is never asked
  await expect(rtc.transcriptions.update(id, { translation: [{ source: 'en-US', target: [] }] })).rejects.toBeInstanceOf(InvalidInputError);
  await expect(rtc.transcriptions.status(id)).rejects.toBeInstanceOf(WorkflowNotFoundError);
  await expect(rtc.transcriptions.update(id, { languages: ['de-DE'] })).rejects.toBeInstanceOf(WorkflowNotFoundError);
  await expect(rtc.transcriptions.stop(id)).rejects.toBeInstanceOf(WorkflowNotFoundError);
  expect(await control.requests({ cname: channel })).toEqual([]);
});
