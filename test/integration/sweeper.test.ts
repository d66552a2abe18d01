/**
 * The sweeper on the real Temporal dev server against this file's emulator: a converter created directly
 * in the emulator with the typed client (no session) is stopped and reported, while the converter of a
 * running relay session is left alone; report mode and the minimum age touch nothing; the Schedule is
 * registered once.
 */
import { Client, type Connection, type WorkflowHandle } from '@temporalio/client';
import { setupNamespace, sweeperFromEnv } from '../../src/temporal/setup';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { EMULATOR_AGORA } from '../../emulator/defaults';
import { agoraContext } from '../../activities/deps';
import * as push from '../../src/agora/media-push';
import { HttpClient } from '../../src/http/client';
import { ensureSweeperSchedule, runSweep, SWEEPER_SCHEDULE_ID } from '../../src/client/sweeper';
import type { Config } from '../../src/config';
import type { SweeperInput } from '../../src/schemas/workflows/sweeper';
import { relay, relayStatusQuery, relayStopUpdate } from '../../workflows/relay';
import type { EmulatorControl } from '../helpers/emulator';
import { sessionHarness } from '../helpers/harness';
import { untilPhase } from '../helpers/session';
import { withWorker } from '../helpers/temporal';
import { uniqueId } from '../helpers/wait';

const APP = EMULATOR_AGORA.appId;
const world = sessionHarness();
let env: TestWorkflowEnvironment;
let control: EmulatorControl;
let config: Config;
const http = new HttpClient();
beforeAll(() => {
  ({ env, control, config } = world);
});
afterAll(() => http.close());

async function liveChannel(prefix: string): Promise<string> {
  const channel = uniqueId(prefix);
  await control.emptyChannel(APP, channel);
  await control.join(APP, channel, '701');
  return channel;
}

/** A converter nobody holds: created with the typed client, as a crashed deployment or a script would leave it. */
async function orphanConverter(channel: string): Promise<string> {
  const ctx = agoraContext({ config, http }, 'default');
  const c = await push.createConverter(ctx, {
    region: 'eu',
    converter: { name: uniqueId('orphan'), rawOptions: { rtcChannel: channel, rtcStreamUid: 701 }, rtmpUrl: 'rtmp://cdn.example.com/live/orphan' },
  });
  return c.converterId;
}

async function liveConverters(channel: string): Promise<string[]> {
  const { converters } = await control.json<{ converters: Array<{ id: string; channel: string; destroyed?: unknown }> }>('GET', '/_emulator/agora/media-push/converters');
  return converters.filter((c) => c.channel === channel && !c.destroyed).map((c) => c.id);
}

async function deletes(channel: string): Promise<string[]> {
  return (await control.requests({ cname: channel, product: 'media-push' })).filter((r) => r.operation === 'delete').map((r) => r.path);
}

async function startRelay(tq: string, channel: string): Promise<{ handle: WorkflowHandle<typeof relay>; converterId: string }> {
  const handle = world.track(
    await env.client.workflow.start(relay, {
      taskQueue: tq,
      workflowId: uniqueId('wf-relay'),
      args: [{ channel, region: 'na', rtmpUrl: 'rtmp://cdn.example.com/live/owned', raw: { rtcStreamUid: 701 }, pollIntervalMs: 300, confirmPollMs: 100 }],
    }),
  );
  await untilPhase(handle, relayStatusQuery, 'running');
  return { handle, converterId: (await handle.query(relayStatusQuery)).converterId! };
}

const sweep = async (tq: string, input: SweeperInput) => {
  const id = uniqueId('wf-sweeper');
  const result = await runSweep(env.client, tq, input, id);
  world.track(env.client.workflow.getHandle(id));
  return result;
};

test('stops an orphan converter and reports it; the converter of a running relay session is left alone', async () => {
  const orphanChannel = await liveChannel('sweep-orphan');
  const ownedChannel = await liveChannel('sweep-owned');
  const orphanId = await orphanConverter(orphanChannel);
  await withWorker(env, config, async (tq) => {
    const { handle, converterId: ownedId } = await startRelay(tq, ownedChannel);

    const result = await sweep(tq, { action: 'stop', minAgeSeconds: 0, products: ['media-push'], channels: [orphanChannel, ownedChannel] });
    expect(result).toMatchObject({ action: 'stop', errors: [], overdueSessions: [] });
    expect(result.orphans).toEqual([expect.objectContaining({ profile: 'default', product: 'media-push', id: orphanId, channel: orphanChannel, outcome: 'stopped' })]);
    // the orphan is gone (deleted in the region it was created in); the session's converter still runs and the session too
    expect(await liveConverters(orphanChannel)).toEqual([]);
    expect(await deletes(orphanChannel)).toEqual([expect.stringContaining(`/eu/v1/projects/${APP}/rtmp-converters/${orphanId}`)]);
    expect(await liveConverters(ownedChannel)).toEqual([ownedId]);
    expect(await deletes(ownedChannel)).toEqual([]);
    expect((await handle.query(relayStatusQuery)).phase).toBe('running');

    expect(await handle.executeUpdate(relayStopUpdate, { args: [{ reason: 'test over' }] })).toMatchObject({ outcome: 'stopped' });
  });
  expect(await liveConverters(ownedChannel)).toEqual([]);
});

test('report mode and the minimum age leave orphans running and say why', async () => {
  const channel = await liveChannel('sweep-report');
  const orphanId = await orphanConverter(channel);
  await withWorker(env, config, async (tq) => {
    const reported = await sweep(tq, { action: 'report', minAgeSeconds: 0, products: ['media-push', 'media-pull', 'stt'], channels: [channel] });
    expect(reported.orphans).toEqual([expect.objectContaining({ id: orphanId, outcome: 'reported', why: 'action is report' })]);
    expect(reported.errors).toEqual([]);

    const young = await sweep(tq, { action: 'stop', minAgeSeconds: 3600, products: ['media-push'], channels: [channel] });
    expect(young.orphans).toEqual([expect.objectContaining({ id: orphanId, outcome: 'reported', why: expect.stringMatching(/younger than 3600s/) })]);
  });
  expect(await liveConverters(channel)).toEqual([orphanId]);
  expect(await deletes(channel)).toEqual([]);
  // clean up what the test made
  await push.deleteConverter(agoraContext({ config, http }, 'default'), { region: 'eu', converterId: orphanId });
});

test('a running session started before the deadline is reported as overdue', async () => {
  const channel = await liveChannel('sweep-overdue');
  await withWorker(env, config, async (tq) => {
    const { handle } = await startRelay(tq, channel);
    const result = await sweep(tq, { action: 'report', products: ['media-push'], channels: [channel], sessionDeadlineHours: 0 });
    expect(result.overdueSessions).toEqual(
      expect.arrayContaining([expect.objectContaining({ workflowId: handle.workflowId, type: 'relay', product: 'media-push', channel, phase: 'running' })]),
    );
    // the session's own converter is not an orphan
    expect(result.orphans).toEqual([]);
    await handle.executeUpdate(relayStopUpdate, { args: [{ reason: 'test over' }] });
  });
});

test('the Schedule is registered once: a second registration leaves it as it is', async () => {
  const tq = uniqueId('tq-sweeper');
  await env.client.schedule
    .getHandle(SWEEPER_SCHEDULE_ID)
    .delete()
    .catch(() => undefined);
  try {
    expect(await ensureSweeperSchedule(env.client, { taskQueue: tq, every: '15m', input: { action: 'stop' } })).toBe('created');
    expect(await ensureSweeperSchedule(env.client, { taskQueue: tq })).toBe('exists');
    const d = await env.client.schedule.getHandle(SWEEPER_SCHEDULE_ID).describe();
    expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'sweeper', taskQueue: tq, args: [{ action: 'stop' }] });
    expect(d.spec.intervals).toEqual([expect.objectContaining({ every: 15 * 60_000 })]);
  } finally {
    await env.client.schedule.getHandle(SWEEPER_SCHEDULE_ID).delete();
  }
});

test('setup (the compose init service) registers a namespace, the search attributes and the Schedule, and changes nothing the second time', async () => {
  const namespace = uniqueId('rtcflow-setup');
  const connection = env.client.connection as Connection;
  const opts = { namespace, taskQueue: 'rtcflow', retentionDays: 1, sweeper: { action: 'report' as const, every: '1h' } };
  expect(await setupNamespace(connection, opts)).toEqual([
    `registered namespace ${namespace}`,
    'registered search attributes RtcVendor, RtcProduct, RtcChannel, RtcPhase, RtcSid',
    'sweeper Schedule created (every 1h, action report)',
  ]);
  expect(await setupNamespace(connection, opts)).toEqual(['search attributes present', 'sweeper Schedule present (left as it is)']);
  const schedules = new Client({ connection, namespace }).schedule;
  const d = await schedules.getHandle(SWEEPER_SCHEDULE_ID).describe();
  expect(d.action).toMatchObject({ workflowType: 'sweeper', taskQueue: 'rtcflow', args: [{ action: 'report' }] });
  await schedules.getHandle(SWEEPER_SCHEDULE_ID).delete();
  expect(sweeperFromEnv({})).toEqual({ action: 'report', every: '15m' });
  expect(sweeperFromEnv({ RTCFLOW_SWEEPER_ACTION: 'off' })).toBe('off');
  expect(() => sweeperFromEnv({ RTCFLOW_SWEEPER_ACTION: 'delete-all' })).toThrow(/RTCFLOW_SWEEPER_ACTION: must be report, stop or off/);
});
