/**
 * Every mid-session control of an Agora cloud recording (issue 12), through every surface, on the real
 * Temporal dev server against this file's own emulator process (20× fast, NCS delivered through
 * rtcflow's receiver): pause/resume and the CDN push of a web recording through the typed client,
 * re-applied after an HA failover and carried across continue-as-new; subscriptions over HTTP and over
 * the `rtcflow` CLI reaching the emulator in order; a web layout refused before anything is sent.
 *
 * What reaches Agora is read from the emulator: its recorder view (what the recorder does now) and its
 * request log (every update body, in order). Every test ends with nothing billing; every history is
 * scanned for credentials (the harness).
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { InvalidInputError, recordingWorkflowId, RtcflowClient } from '../../src/client';
import type { Config } from '../../src/config';
import type { StreamSubscribe } from '../../src/schemas/agora/cloud-recording';
import type { CloudRecordingInput } from '../../src/schemas/workflows/cloud-recording';
import {
  cloudRecording,
  recordingStatusQuery,
  stopSignal,
  stopUpdate,
  updateLayoutUpdate,
  updateWebRecordingUpdate,
  type CloudRecordingPhase,
} from '../../workflows/cloud-recording';
import type { EmulatorControl } from '../helpers/emulator';
import { WEB_RECORDER_SERVICE } from '../helpers/fixtures';
import { sessionHarness } from '../helpers/harness';
import { withWorker } from '../helpers/temporal';
import { eventually, uniqueId } from '../helpers/wait';
import { json, rtcflow } from '../helpers/cli';
import { untilPhase } from '../helpers/session';
import { withApi } from '../helpers/api';

const world = sessionHarness();
let env: TestWorkflowEnvironment;
let control: EmulatorControl;
let config: Config;
beforeAll(() => {
  ({ env, control, config } = world);
});

type Handle = WorkflowHandle<typeof cloudRecording>;

const CDN_A = 'rtmp://cdn-a.example.com/live/lesson';
const CDN_B = 'rtmps://cdn-b.example.com/app/lesson-b';

/** A web recording that pushes to CDN_A from its start (rtmp_publish_service). */
const WEB_WITH_PUSH = {
  extensionServiceConfig: {
    errorHandlePolicy: 'error_abort',
    extensionServices: [
      ...WEB_RECORDER_SERVICE.extensionServiceConfig.extensionServices,
      { serviceName: 'rtmp_publish_service', errorHandlePolicy: 'error_ignore', serviceParam: { outputs: [{ rtmpUrl: CDN_A }] } },
    ],
  },
};

const input = (channel: string, extra: Partial<CloudRecordingInput> = {}): CloudRecordingInput => ({
  channel,
  mode: 'mix',
  pollIntervalMs: 300,
  confirmPollMs: 200,
  drainTimeoutMs: 10_000,
  ...extra,
});
const webInput = (channel: string, extra: Partial<CloudRecordingInput> = {}) => input(channel, { mode: 'web', acquire: { scene: 1 }, clientRequest: WEB_WITH_PUSH, ...extra });

async function start(taskQueue: string, args: CloudRecordingInput, workflowId = uniqueId('wf-ctl')): Promise<Handle> {
  return world.track(await env.client.workflow.start(cloudRecording, { taskQueue, workflowId, args: [args] }));
}
const phaseOf = (h: Handle, phase: CloudRecordingPhase) => untilPhase(h, recordingStatusQuery, phase);

interface WebView {
  state: string;
  web: { onhold: boolean; outputs: string[] };
  subscriptions: Record<string, unknown>;
  layout?: Record<string, unknown>;
}
/** What the emulated recorder does now. */
const recorder = (sid: string) => control.json<WebView>('GET', `/_emulator/agora/cloud-recording/${sid}`);

/** The clientRequest of every update/updateLayout of the channel that Agora accepted, in order. */
async function sent(cname: string): Promise<Array<{ op: string; body: Record<string, unknown> }>> {
  return (await control.requests({ cname, product: 'cloud-recording' }))
    .filter((r) => (r.operation === 'update' || r.operation === 'updateLayout') && r.status === 200)
    .map((r) => ({ op: r.operation!, body: (r.body as { clientRequest: Record<string, unknown> }).clientRequest }));
}
const onholdBody = (onhold: boolean) => ({ op: 'update', body: { webRecordingConfig: { onhold } } });
const outputsBody = (...urls: string[]) => ({ op: 'update', body: { rtmpPublishConfig: { outputs: urls.map((rtmpUrl) => ({ rtmpUrl })) } } });
const subsBody = (streamSubscribe: StreamSubscribe) => ({ op: 'update', body: { streamSubscribe } });

async function expectNothingRunning(cname: string): Promise<void> {
  expect(await control.tasks({ cname, running: true })).toEqual([]);
}

test('a web recording paused, pushed to a second CDN, the first removed and resumed: the recorder follows each step, the whole list sent each time', async () => {
  const cname = uniqueId('web-ctl');
  await withWorker(env, config, async (tq) => {
    const rtc = new RtcflowClient(env.client, tq);
    // a minute between queries: each change must wake the session's loop, not wait for the next query
    const h = await start(tq, webInput(cname, { pollIntervalMs: 60_000 }));
    const { sid } = await phaseOf(h, 'recording');
    // the start configuration is what the recorder has, before any change
    expect((await h.query(recordingStatusQuery)).controls).toEqual({
      webRecording: { desired: { onhold: false }, applied: { onhold: false }, pending: false },
      rtmpPublish: { desired: { outputs: [CDN_A] }, applied: { outputs: [CDN_A] }, pending: false },
    });
    expect((await recorder(sid!)).web).toMatchObject({ onhold: false, outputs: [CDN_A] });

    const t0 = Date.now();
    await rtc.pauseRecording(h.workflowId);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect((await recorder(sid!)).web.onhold).toBe(true);
    expect(await rtc.updateRtmpOutputs(h.workflowId, { add: [CDN_B] })).toEqual([CDN_A, CDN_B]);
    expect((await recorder(sid!)).web.outputs).toEqual([CDN_A, CDN_B]);
    expect(await rtc.updateRtmpOutputs(h.workflowId, { remove: [CDN_A] })).toEqual([CDN_B]);
    expect((await recorder(sid!)).web.outputs).toEqual([CDN_B]);
    // a repeated removal changes nothing
    expect(await rtc.updateRtmpOutputs(h.workflowId, { remove: [CDN_A] })).toEqual([CDN_B]);
    await rtc.resumeRecording(h.workflowId);
    expect((await recorder(sid!)).web).toMatchObject({ onhold: false, outputs: [CDN_B] });

    expect((await rtc.recordingStatus(h.workflowId)).controls).toEqual({
      webRecording: { desired: { onhold: false }, applied: { onhold: false }, pending: false },
      rtmpPublish: { desired: { outputs: [CDN_B] }, applied: { outputs: [CDN_B] }, pending: false },
    });
    const result = await h.executeUpdate(stopUpdate, { args: [{ reason: 'lesson over' }] });
    expect(result).toMatchObject({ outcome: 'stopped', uploadingStatus: 'uploaded' });
  });
  expect(await sent(cname)).toEqual([onholdBody(true), outputsBody(CDN_A, CDN_B), outputsBody(CDN_B), outputsBody(CDN_B), onholdBody(false)]);
  await expectNothingRunning(cname);
});

test('a web layout is refused before anything is sent, by the client (400-style issues) and by the session itself; so are controls of other modes', async () => {
  const cname = uniqueId('web-refuse');
  await withWorker(env, config, async (tq) => {
    const rtc = new RtcflowClient(env.client, tq);
    const h = await start(tq, webInput(cname));
    await phaseOf(h, 'recording');

    const layout = await rtc.updateLayout(h.workflowId, { mixedVideoLayout: 1 }).catch((e: unknown) => e);
    expect(layout).toBeInstanceOf(InvalidInputError);
    expect((layout as InvalidInputError).issues).toEqual([expect.stringMatching(/^layout: a web recording takes no layout: it records the page as the page draws it/)]);
    const subs = await rtc.updateRecording(h.workflowId, { subscriptions: { audioUidList: { subscribeAudioUids: ['10001'] } }, onhold: true }).catch((e: unknown) => e);
    expect((subs as InvalidInputError).issues).toEqual([expect.stringMatching(/^subscriptions: subscriptions apply to individual and mix recordings/)]);
    const bad = await rtc.updateRtmpOutputs(h.workflowId, { add: ['http://not-rtmp.example.com/x'] }).catch((e: unknown) => e);
    expect((bad as InvalidInputError).issues).toEqual([expect.stringMatching(/^rtmpOutputs\.add\.0: rtmpUrl must be an rtmp:\/\/ or rtmps:\/\/ address/)]);

    // the session refuses it too (a caller bypassing the client): the validator answers, nothing is recorded or sent
    const direct = await h.executeUpdate(updateLayoutUpdate, { args: [{ mixedVideoLayout: 1 }] }).catch((e: unknown) => e);
    expect(direct).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((direct as WorkflowUpdateFailedError).cause?.message).toMatch(/a web recording takes no layout/);

    // barrier: a valid change after the refused ones is the first thing sent
    await rtc.pauseRecording(h.workflowId);
    await h.executeUpdate(stopUpdate, { args: [{}] });
  });
  expect(await sent(cname)).toEqual([onholdBody(true)]);

  const mix = uniqueId('mix-refuse');
  await withWorker(env, config, async (tq) => {
    const rtc = new RtcflowClient(env.client, tq);
    const h = await start(tq, input(mix));
    await phaseOf(h, 'recording');
    const err = await rtc.updateRecording(h.workflowId, { onhold: true, rtmpOutputs: { add: [CDN_A] } }).catch((e: unknown) => e);
    expect((err as InvalidInputError).issues).toEqual([
      'onhold: pause/resume (onhold) applies to web recordings only',
      'rtmpOutputs: CDN push outputs (rtmpPublishConfig) apply to web recordings only',
    ]);
    const direct = await h.executeUpdate(updateWebRecordingUpdate, { args: [{ onhold: true }] }).catch((e: unknown) => e);
    expect((direct as WorkflowUpdateFailedError).cause?.message).toBe('pause/resume (onhold) applies to web recordings only');
    // a mix recording takes a layout
    expect(await rtc.updateLayout(h.workflowId, { mixedVideoLayout: 1 })).toEqual({ mixedVideoLayout: 1 });
    await h.executeUpdate(stopUpdate, { args: [{}] });
  });
  expect(await sent(mix)).toEqual([{ op: 'updateLayout', body: { mixedVideoLayout: 1 } }]);
  await expectNothingRunning(cname);
  await expectNothingRunning(mix);
});

test('after an HA failover the recorder is back at its start configuration: the pause and the outputs are sent again', async () => {
  const cname = uniqueId('web-failover');
  await withWorker(env, config, async (tq) => {
    const rtc = new RtcflowClient(env.client, tq);
    const h = await start(tq, webInput(cname));
    const { sid } = await phaseOf(h, 'recording');
    await rtc.pauseRecording(h.workflowId);
    await rtc.updateRtmpOutputs(h.workflowId, { add: [CDN_B] });

    await control.failover(sid!, 30);
    await eventually(async () => ((await h.query(recordingStatusQuery)).suspectSince ? true : undefined), 'the 404s noticed');
    await control.endFailover(sid!);
    // the migrated recorder neither holds nor pushes to CDN_B until the session sends them again
    const back = await eventually(async () => {
      const r = await recorder(sid!);
      return r.web.onhold && r.web.outputs.length === 2 ? r : undefined;
    }, 'pause and outputs re-applied');
    expect(back.web).toMatchObject({ onhold: true, outputs: [CDN_A, CDN_B] });
    const s = await eventually(async () => {
      const st = await h.query(recordingStatusQuery);
      return st.suspectSince === undefined && !st.controls.webRecording?.pending && !st.controls.rtmpPublish?.pending ? st : undefined;
    }, 'recovered');
    expect(s.controls).toEqual({
      webRecording: { desired: { onhold: true }, applied: { onhold: true }, pending: false },
      rtmpPublish: { desired: { outputs: [CDN_A, CDN_B] }, applied: { outputs: [CDN_A, CDN_B] }, pending: false },
    });
    await h.executeUpdate(stopUpdate, { args: [{}] });
  });
  expect(await sent(cname)).toEqual([onholdBody(true), outputsBody(CDN_A, CDN_B), onholdBody(true), outputsBody(CDN_A, CDN_B)]);
  await expectNothingRunning(cname);
});

test('a change Agora refuses fails its Update and falls back to what the recorder has; one sent during a failover waits for the recorder', async () => {
  const cname = uniqueId('web-edges');
  await withWorker(env, config, async (tq) => {
    const rtc = new RtcflowClient(env.client, tq);
    const h = await start(tq, webInput(cname));
    const { sid } = await phaseOf(h, 'recording');

    await control.addFault({
      match: { product: 'cloud-recording', operation: 'update' },
      action: { type: 'error', status: 400, body: { code: 2, reason: 'invalid parameter' } },
      count: 1,
    });
    const refused = await rtc.updateRtmpOutputs(h.workflowId, { add: [CDN_B] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((refused as WorkflowUpdateFailedError).cause?.message).toMatch(/HTTP 400 code 2/);
    expect((await h.query(recordingStatusQuery)).controls.rtmpPublish).toEqual({ desired: { outputs: [CDN_A] }, applied: { outputs: [CDN_A] }, pending: false });
    expect((await recorder(sid!)).web.outputs).toEqual([CDN_A]);

    // while the recorder cannot be found (a failover), the pause stays wanted (pending) and is sent once it is back
    await control.failover(sid!, 60);
    await eventually(async () => ((await h.query(recordingStatusQuery)).suspectSince ? true : undefined), 'the 404s noticed');
    const paused = rtc.pauseRecording(h.workflowId);
    await eventually(async () => ((await h.query(recordingStatusQuery)).controls.webRecording?.pending ? true : undefined), 'the pause accepted');
    expect((await h.query(recordingStatusQuery)).controls.webRecording).toEqual({ desired: { onhold: true }, applied: { onhold: false }, pending: true });
    await control.endFailover(sid!);
    await paused;
    expect((await recorder(sid!)).web.onhold).toBe(true);
    await h.executeUpdate(stopUpdate, { args: [{}] });
  });
  // the refused list was never in the recorder; after the failover the list wanted (the start's) is sent again, harmlessly
  expect(await sent(cname)).toEqual([onholdBody(true), outputsBody(CDN_A)]);
  await expectNothingRunning(cname);
});

/** A change of the CDN outputs is refused by the session's validator at once (within 15 s). */
async function expectRefusedAtOnce(rtc: RtcflowClient, workflowId: string): Promise<void> {
  const late = await Promise.race([
    rtc.updateRtmpOutputs(workflowId, { add: [CDN_B] }).catch((e: unknown) => e),
    new Promise((r) => setTimeout(() => r('still waiting after 15 s'), 15_000)),
  ]);
  expect(late).toBeInstanceOf(WorkflowUpdateFailedError);
  expect(((late as WorkflowUpdateFailedError).cause as ApplicationFailure | undefined)?.type).toBe('SessionEnding');
}

test('a change sent after a stop, while the stop waits for a call in flight, is refused at once (SessionEnding) and never sent', async () => {
  const cname = uniqueId('web-late');
  await withWorker(env, config, async (tq) => {
    const rtc = new RtcflowClient(env.client, tq);
    const h = await start(tq, webInput(cname));
    await phaseOf(h, 'recording');
    // the pause's call is held: the loop is busy with it, so a stop sent now waits for the loop
    const hold = await control.hold({ product: 'cloud-recording', operation: 'update' });
    const paused = rtc.pauseRecording(h.workflowId);
    await hold.held();
    await h.signal(stopSignal, { reason: 'lesson over' });
    // the status says so at once, though the loop takes the stop only once the call returns
    await eventually(async () => ((await h.query(recordingStatusQuery)).stopRequested ? true : undefined), 'stopRequested in the status');
    expect((await h.query(recordingStatusQuery)).phase).toBe('recording');
    // refused while the call is still held
    await expectRefusedAtOnce(rtc, h.workflowId);
    await hold.release();
    await paused;
    expect(await h.result()).toMatchObject({ outcome: 'stopped', reason: 'lesson over' });
  });
  // the pause went out; the change sent after the stop never did
  expect(await sent(cname)).toEqual([onholdBody(true)]);
  await expectNothingRunning(cname);
});

test('a change sent while a cancelled session stops its recording is refused at once (SessionEnding) and never sent', async () => {
  const cname = uniqueId('web-cancel');
  await withWorker(env, config, async (tq) => {
    const rtc = new RtcflowClient(env.client, tq);
    const h = await start(tq, webInput(cname));
    await phaseOf(h, 'recording');
    // the stop on cancel is held at Agora: the session is stopping for as long as the hold lasts
    const hold = await control.hold({ product: 'cloud-recording', operation: 'stop' });
    await h.cancel();
    await hold.held();
    expect(await h.query(recordingStatusQuery)).toMatchObject({ phase: 'stopping', stopRequested: true });
    await expectRefusedAtOnce(rtc, h.workflowId);
    await hold.release();
    await expect(h.result()).rejects.toThrow(/cancel/i);
  });
  expect(await sent(cname)).toEqual([]);
  await expectNothingRunning(cname);
});

test('the controls survive continue-as-new: kept as desired and applied, and a change after it merges with what the earlier run set', async () => {
  const cname = uniqueId('web-can');
  await withWorker(env, config, async (tq) => {
    const rtc = new RtcflowClient(env.client, tq);
    const h = await start(tq, webInput(cname, { pollIntervalMs: 100, maxHistoryEvents: 100 }));
    const { sid } = await phaseOf(h, 'recording');
    await rtc.pauseRecording(h.workflowId);
    await rtc.updateRtmpOutputs(h.workflowId, { add: [CDN_B] });
    const before = (await h.query(recordingStatusQuery)).continuedAsNew;
    await eventually(async () => ((await h.query(recordingStatusQuery)).continuedAsNew > before ? true : undefined), 'a continue-as-new');
    expect((await h.query(recordingStatusQuery)).controls).toEqual({
      webRecording: { desired: { onhold: true }, applied: { onhold: true }, pending: false },
      rtmpPublish: { desired: { outputs: [CDN_A, CDN_B] }, applied: { outputs: [CDN_A, CDN_B] }, pending: false },
    });
    expect(await rtc.updateRtmpOutputs(h.workflowId, { remove: [CDN_A] })).toEqual([CDN_B]);
    expect((await recorder(sid!)).web).toMatchObject({ onhold: true, outputs: [CDN_B] });
    await h.executeUpdate(stopUpdate, { args: [{}] });
  });
  // nothing sent twice: the carried slots knew the recorder had them
  expect(await sent(cname)).toEqual([onholdBody(true), outputsBody(CDN_A, CDN_B), outputsBody(CDN_B)]);
  await expectNothingRunning(cname);
});

test('subscriptions over HTTP (PATCH /v1/recordings/:id) reach the recorder in order, each list given replacing that list; bad changes answer 400 and send nothing', async () => {
  const cname = uniqueId('http-subs');
  await withWorker(env, config, async (tq) => {
    const h = await start(
      tq,
      input(cname, { mode: 'individual', clientRequest: { recordingConfig: { subscribeAudioUids: ['#allstream#'], subscribeVideoUids: ['#allstream#'] } } }),
    );
    const { sid } = await phaseOf(h, 'recording');
    const path = `/v1/recordings/${encodeURIComponent(h.workflowId)}`;
    await withApi(env.client, { taskQueue: tq }, async (api) => {
      // the start lists are the first desired value
      expect((await api.call('GET', path)).body.controls).toEqual({
        subscriptions: {
          desired: { audioUidList: { subscribeAudioUids: ['#allstream#'] }, videoUidList: { subscribeVideoUids: ['#allstream#'] } },
          applied: { audioUidList: { subscribeAudioUids: ['#allstream#'] }, videoUidList: { subscribeVideoUids: ['#allstream#'] } },
          pending: false,
        },
      });
      const first = await api.call('PATCH', path, { subscriptions: { audioUidList: { subscribeAudioUids: ['10001'] } } });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({
        id: h.workflowId,
        applied: { subscriptions: { audioUidList: { subscribeAudioUids: ['10001'] }, videoUidList: { subscribeVideoUids: ['#allstream#'] } } },
      });
      const second = await api.call('PATCH', path, { subscriptions: { videoUidList: { unSubscribeVideoUids: ['10002'] } } });
      expect(second.body.applied.subscriptions).toEqual({ audioUidList: { subscribeAudioUids: ['10001'] }, videoUidList: { unSubscribeVideoUids: ['10002'] } });
      expect((await recorder(sid!)).subscriptions).toEqual(second.body.applied.subscriptions);

      const both = await api.call('PATCH', path, { subscriptions: { audioUidList: { subscribeAudioUids: ['1'], unSubscribeAudioUids: ['2'] } } });
      expect(both).toMatchObject({
        status: 400,
        body: { error: 'invalid_input', issues: ['subscriptions.audioUidList: set subscribeAudioUids or unSubscribeAudioUids, not both'] },
      });
      const web = await api.call('PATCH', path, { onhold: true, layout: { mixedVideoLayout: 1 } });
      expect(web).toMatchObject({
        status: 400,
        body: { issues: [expect.stringMatching(/^layout: layouts apply to mix recordings/), 'onhold: pause/resume (onhold) applies to web recordings only'] },
      });
      expect(await api.call('PATCH', path, {})).toMatchObject({ status: 400, body: { issues: [expect.stringMatching(/nothing to change/)] } });
      expect(await api.call('PATCH', path, { paused: true })).toMatchObject({ status: 400 });
      const unknown = recordingWorkflowId({ profile: 'default', role: 'main', channel: uniqueId('nobody') });
      expect(await api.call('PATCH', `/v1/recordings/${encodeURIComponent(unknown)}`, { onhold: true })).toMatchObject({ status: 404 });
    });
    await h.executeUpdate(stopUpdate, { args: [{}] });
  });
  expect(await sent(cname)).toEqual([
    subsBody({ audioUidList: { subscribeAudioUids: ['10001'] }, videoUidList: { subscribeVideoUids: ['#allstream#'] } }),
    subsBody({ audioUidList: { subscribeAudioUids: ['10001'] }, videoUidList: { unSubscribeVideoUids: ['10002'] } }),
  ]);
  await expectNothingRunning(cname);
});

describe('through the CLI', () => {
  test('subscriptions of a mix recording reach the recorder in order', async () => {
    const cname = uniqueId('cli-subs');
    await withWorker(env, config, async (tq) => {
      const h = await start(tq, input(cname, { mode: 'mix' }));
      const { sid } = await phaseOf(h, 'recording');
      const first = json(await rtcflow(tq, 'record', 'update', h.workflowId, '--subscribe-audio', '10001,10002', '--json'));
      expect(first).toEqual({ id: h.workflowId, applied: { subscriptions: { audioUidList: { subscribeAudioUids: ['10001', '10002'] } } } });
      const second = json(await rtcflow(tq, 'record', 'update', h.workflowId, '--unsubscribe-audio', '10002', '--subscribe-video', '10001', '--json'));
      expect(second.applied.subscriptions).toEqual({ audioUidList: { unSubscribeAudioUids: ['10002'] }, videoUidList: { subscribeVideoUids: ['10001'] } });
      expect((await recorder(sid!)).subscriptions).toEqual(second.applied.subscriptions);
      const status = json(await rtcflow(tq, 'record', 'status', h.workflowId, '--json'));
      expect(status.controls.subscriptions).toEqual({ desired: second.applied.subscriptions, applied: second.applied.subscriptions, pending: false });
      await h.executeUpdate(stopUpdate, { args: [{}] });
    });
    expect(await sent(cname)).toEqual([
      subsBody({ audioUidList: { subscribeAudioUids: ['10001', '10002'] } }),
      subsBody({ audioUidList: { unSubscribeAudioUids: ['10002'] }, videoUidList: { subscribeVideoUids: ['10001'] } }),
    ]);
    await expectNothingRunning(cname);
  });

  test('a web recording paused, pushed and resumed; contradictory flags exit 2 and send nothing', async () => {
    const cname = uniqueId('cli-web');
    await withWorker(env, config, async (tq) => {
      const h = await start(tq, webInput(cname));
      const { sid } = await phaseOf(h, 'recording');
      const contradictory = await rtcflow(tq, 'record', 'update', h.workflowId, '--pause', '--resume', '--json');
      expect(contradictory.code).toBe(2);
      expect(contradictory.stderr).toMatch(/--pause and --resume exclude each other/);
      const layout = await rtcflow(tq, 'record', 'update', h.workflowId, '--layout', '{"mixedVideoLayout":1}', '--json');
      expect(layout.code).toBe(2);
      expect(layout.stderr).toMatch(/a web recording takes no layout/);

      expect(json(await rtcflow(tq, 'record', 'update', h.workflowId, '--pause', '--add-rtmp', CDN_B, '--json'))).toEqual({
        id: h.workflowId,
        applied: { onhold: true, rtmpOutputs: [CDN_A, CDN_B] },
      });
      expect((await recorder(sid!)).web).toMatchObject({ onhold: true, outputs: [CDN_A, CDN_B] });
      expect(json(await rtcflow(tq, 'record', 'update', h.workflowId, '--resume', '--rtmp-outputs', '', '--json')).applied).toEqual({ onhold: false, rtmpOutputs: [] });
      expect((await recorder(sid!)).web).toMatchObject({ onhold: false, outputs: [] });
      await h.executeUpdate(stopUpdate, { args: [{}] });
    });
    expect(await sent(cname)).toEqual([onholdBody(true), outputsBody(CDN_A, CDN_B), onholdBody(false), outputsBody()]);
    await expectNothingRunning(cname);
  });
});

test('the status of each mode lists the controls it takes', async () => {
  // (covered with values above; here only which controls each mode shows, with a layout from the start)
  const cname = uniqueId('ctl-modes');
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(cname, { clientRequest: { recordingConfig: { transcodingConfig: { mixedVideoLayout: 1 } } } }));
    await phaseOf(h, 'recording');
    expect((await h.query(recordingStatusQuery)).controls).toEqual({
      layout: { desired: { mixedVideoLayout: 1 }, applied: { mixedVideoLayout: 1 }, pending: false },
      subscriptions: { pending: false },
    });
    await h.executeUpdate(stopUpdate, { args: [{}] });
  });
  await expectNothingRunning(cname);
});
