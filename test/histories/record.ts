/**
 * Records the histories that `npm test` replays (test/replay/histories.test.ts), so that a deploy can
 * never break a running session unnoticed. Run it when a lifecycle gains behaviour worth guarding, with
 * the code that is deployed *now*, before changing that code:
 *
 *   npm run record-histories [-- scenario-name ...]
 *
 * It starts its own Temporal dev server, emulator and worker, runs each scenario to its end, and writes
 * `test/histories/<workflow>-<scenario>.json` (the standard JSON history format). Existing files are
 * overwritten only for the scenarios named (all when none is named); never re-record a history to make
 * a replay pass: a history that no longer replays means running sessions would break.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { startDevServer } from '../../src/temporal/dev-server';
import type { CloudRecordingInput } from '../../src/schemas/workflows/cloud-recording';
import type { StorageProfile } from '../../src/config';
import { cloudRecording, recordingStatusQuery, stopUpdate, updateLayoutUpdate } from '../../workflows/cloud-recording';
import { updateLayoutSignal, updateRtmpOutputsUpdate, updateSubscriptionsSignal, updateSubscriptionsUpdate, updateWebRecordingUpdate } from '../../workflows/cloud-recording';
import type { SttInput } from '../../src/schemas/workflows/stt';
import { stt, sttStatusQuery, sttStopUpdate, sttUpdate } from '../../workflows/stt';
import type { RelayInput } from '../../src/schemas/workflows/relay';
import { relay, relayStatusQuery, relayStopUpdate, relayUpdate } from '../../workflows/relay';
import { banExtendUpdate, banStatusQuery, banStopUpdate, channelBan } from '../../workflows/channel-ban';
import { EMULATOR_AGORA } from '../../emulator/defaults';
import type { PullInput } from '../../src/schemas/workflows/pull';
import { pull, pullStatusQuery, pullStopUpdate, pullUpdate } from '../../workflows/pull';
import type { IngestInput } from '../../src/schemas/workflows/ingest';
import { ingest, ingestStatusQuery, ingestStopUpdate, ingestUpdate } from '../../workflows/ingest';
import type { TranscoderInput } from '../../src/schemas/workflows/transcoder';
import { transcoder, transcoderStatusQuery, transcoderStopUpdate, transcoderUpdate, transcoderUpdateSignal } from '../../workflows/transcoder';
import type { WhiteboardConversionInput } from '../../src/schemas/workflows/whiteboard';
import { whiteboardConversion, whiteboardPokeSignal, whiteboardStatusQuery, whiteboardStopUpdate } from '../../workflows/whiteboard';
import { EmulatorControl, spawnEmulator } from '../helpers/emulator';
import { testConfig, withWorker } from '../helpers/temporal';
import { WEB_RECORDER_SERVICE } from '../helpers/fixtures';
import { eventually, uniqueId } from '../helpers/wait';
import { buildApiServer } from '../../src/api/server';
import { ApiKeyring } from '../../src/api/auth';
import { TEST_CLIENT_OPTIONS } from '../helpers/api';
import { generateCallbackAuthKey, SparkRtcAdmin } from '../../src/client/sparkrtc-admin';
import { parseSparkRtcRecordingInput } from '../../src/client/recordings';
import type { SparkRtcRecordingInput } from '../../src/schemas/workflows/sparkrtc-recording';
import { sparkrtcRecording, sparkRtcLayoutUpdate, sparkRtcStatusQuery, sparkRtcStopUpdate } from '../../workflows/sparkrtc-recording';
import { DEMO as SPARK_DEMO, SparkControl } from '../helpers/sparkrtc';
import { sweeper } from '../../workflows/sweeper/workflow';
import * as mediaPush from '../../src/agora/media-push';
import { agoraContext } from '../../activities/deps';
import { HttpClient } from '../../src/http/client';

interface Ctx {
  env: TestWorkflowEnvironment;
  control: EmulatorControl;
  taskQueue: string;
}

type Scenario = (ctx: Ctx) => Promise<WorkflowHandle>;

const recordingInput = (extra: Partial<CloudRecordingInput> = {}): CloudRecordingInput => ({
  channel: uniqueId('hist'),
  mode: 'mix',
  pollIntervalMs: 300,
  confirmPollMs: 200,
  drainTimeoutMs: 10_000,
  ...extra,
});

async function startRecording(ctx: Ctx, input: CloudRecordingInput) {
  const h = await ctx.env.client.workflow.start(cloudRecording, { taskQueue: ctx.taskQueue, workflowId: uniqueId('hist-rec'), args: [input] });
  const status = await eventually(async () => {
    const s = await h.query(recordingStatusQuery);
    return s.phase === 'recording' ? s : undefined;
  }, 'recording');
  return { h, status };
}

async function recordAndStop(ctx: Ctx, input: CloudRecordingInput): Promise<WorkflowHandle> {
  const { h } = await startRecording(ctx, input);
  await h.executeUpdate(stopUpdate, { args: [{ reason: 'recorded history' }] });
  return h;
}

export const SCENARIOS: Record<string, Scenario> = {
  'cloud-recording-individual': (ctx) => recordAndStop(ctx, recordingInput({ mode: 'individual' })),
  'cloud-recording-mix': (ctx) => recordAndStop(ctx, recordingInput({ clientRequest: { recordingFileConfig: { avFileType: ['hls', 'mp4'] } } })),
  'cloud-recording-web': (ctx) => recordAndStop(ctx, recordingInput({ mode: 'web', clientRequest: WEB_RECORDER_SERVICE, acquire: { scene: 1 } })),
  'cloud-recording-screenshots': (ctx) =>
    recordAndStop(
      ctx,
      recordingInput({
        mode: 'individual',
        clientRequest: { recordingConfig: { channelType: 1, subscribeUidGroup: 0 }, snapshotConfig: { captureInterval: 5, fileType: ['jpg'] } },
      }),
    ),
  'cloud-recording-two-layouts': async (ctx) => {
    const { h } = await startRecording(ctx, recordingInput({ pollIntervalMs: 60_000 }));
    await h.executeUpdate(updateLayoutUpdate, { args: [{ mixedVideoLayout: 1, backgroundColor: '#112233' }] });
    await h.executeUpdate(updateLayoutUpdate, { args: [{ mixedVideoLayout: 2, maxResolutionUid: '10002' }] });
    await h.executeUpdate(stopUpdate, { args: [{}] });
    return h;
  },
  'cloud-recording-failover-grace': async (ctx) => {
    const { h, status } = await startRecording(ctx, recordingInput());
    await h.executeUpdate(updateLayoutUpdate, { args: [{ mixedVideoLayout: 1, backgroundColor: '#00FF00' }] });
    await ctx.control.failover(status.sid!, 3_000);
    await eventually(async () => ((await h.query(recordingStatusQuery)).suspectSince ? true : undefined), 'the 404s noticed');
    await ctx.control.endFailover(status.sid!);
    await eventually(async () => {
      const s = await h.query(recordingStatusQuery);
      return s.suspectSince === undefined && s.layoutApplied ? true : undefined;
    }, 'recovery');
    await h.executeUpdate(stopUpdate, { args: [{}] });
    return h;
  },
  'cloud-recording-ambiguous-start': async (ctx) => {
    await ctx.control.addFault({ match: { product: 'cloud-recording', operation: 'start' }, action: { type: 'drop-response' }, count: 1 });
    return recordAndStop(ctx, recordingInput());
  },
  'cloud-recording-continue-as-new': async (ctx) => {
    const { h } = await startRecording(ctx, recordingInput({ pollIntervalMs: 100, maxHistoryEvents: 100 }));
    await eventually(async () => ((await h.query(recordingStatusQuery)).continuedAsNew >= 1 ? true : undefined), 'a continue-as-new');
    await h.executeUpdate(updateLayoutUpdate, { args: [{ mixedVideoLayout: 1, backgroundColor: '#ABCDEF' }] });
    await h.executeUpdate(stopUpdate, { args: [{}] });
    return h;
  },
};

const sttInput = (extra: Partial<SttInput> = {}): SttInput => ({ channel: uniqueId('hist-stt'), languages: ['en-US'], pollIntervalMs: 300, confirmPollMs: 200, ...extra });

async function sttSession(ctx: Ctx, input: SttInput, during: (h: WorkflowHandle<typeof stt>) => Promise<void> = async () => undefined): Promise<WorkflowHandle> {
  const h = await ctx.env.client.workflow.start(stt, { taskQueue: ctx.taskQueue, workflowId: uniqueId('hist-stt'), args: [input] });
  await eventually(async () => ((await h.query(sttStatusQuery)).phase === 'running' ? true : undefined), 'running');
  await during(h);
  await h.executeUpdate(sttStopUpdate, { args: [{ reason: 'recorded history' }] });
  return h;
}

Object.assign(SCENARIOS, {
  // the carried state as the workflow's second argument (since the kernel restructure)
  'cloud-recording-continue-as-new-v2': async (ctx: Ctx) => {
    const { h } = await startRecording(ctx, recordingInput({ pollIntervalMs: 100, maxHistoryEvents: 100 }));
    await eventually(async () => ((await h.query(recordingStatusQuery)).continuedAsNew >= 1 ? true : undefined), 'a continue-as-new');
    await h.executeUpdate(updateLayoutUpdate, { args: [{ mixedVideoLayout: 1, backgroundColor: '#ABCDEF' }] });
    await h.executeUpdate(stopUpdate, { args: [{}] });
    return h;
  },
  'stt7-updates': (ctx: Ctx) =>
    sttSession(ctx, sttInput(), async (h) => {
      await h.executeUpdate(sttUpdate, { args: [{ languages: ['en-US', 'ja-JP'] }] });
      await h.executeUpdate(sttUpdate, { args: [{ subscribeAudioUids: ['10001'] }] });
    }),
  'stt6-updates': (ctx: Ctx) =>
    sttSession(ctx, sttInput({ version: '6' }), async (h) => {
      await h.executeUpdate(sttUpdate, { args: [{ languages: ['en-US', 'ja-JP'] }] });
    }),
  'stt7-ambiguous-join': async (ctx: Ctx) => {
    await ctx.control.addFault({ match: { product: 'stt7', operation: 'join' }, action: { type: 'drop-response' }, count: 1 });
    return sttSession(ctx, sttInput());
  },
  // since the join is reconciled by listing (behind patched('stt-join-reconcile-by-list'))
  'stt7-ambiguous-join-v2': async (ctx: Ctx) => {
    await ctx.control.addFault({ match: { product: 'stt7', operation: 'join' }, action: { type: 'drop-response' }, count: 1 });
    return sttSession(ctx, sttInput());
  },
  'stt7-continue-as-new': (ctx: Ctx) =>
    sttSession(ctx, sttInput({ pollIntervalMs: 100, maxHistoryEvents: 100 }), async (h) => {
      await eventually(async () => ((await h.query(sttStatusQuery)).continuedAsNew >= 1 ? true : undefined), 'a continue-as-new');
      await h.executeUpdate(sttUpdate, { args: [{ languages: ['fr-FR'] }] });
    }),
});

const pullInput = (extra: Partial<PullInput> = {}): PullInput => ({
  channel: uniqueId('hist-pull'),
  region: 'na',
  streamUrl: 'https://media.example.com/vod/keynote.mp4',
  listDelayMs: 1_000,
  confirmPollMs: 250,
  pollIntervalMs: 300,
  ...extra,
});

/** How a recorded session ends: stopped by the recorder once `during` is done, or by what `during` made happen. */
type Ending = 'stop' | 'itself';

async function pullSession(
  ctx: Ctx,
  input: PullInput,
  during: (h: WorkflowHandle<typeof pull>) => Promise<void> = async () => undefined,
  ending: Ending = 'stop',
): Promise<WorkflowHandle> {
  const h = await ctx.env.client.workflow.start(pull, { taskQueue: ctx.taskQueue, workflowId: uniqueId('hist-pull'), args: [input] });
  await eventually(async () => ((await h.query(pullStatusQuery)).phase === 'playing' ? true : undefined), 'playing');
  await during(h);
  if (ending === 'stop') await h.executeUpdate(pullStopUpdate, { args: [{ reason: 'recorded history' }] });
  else await h.result();
  return h;
}

Object.assign(SCENARIOS, {
  'pull-updates': (ctx: Ctx) =>
    pullSession(ctx, pullInput(), async (h) => {
      await h.executeUpdate(pullUpdate, { args: [{ volume: 150 }] });
      await h.executeUpdate(pullUpdate, { args: [{ streamUrl: 'rtmp://live.example.com/app/stream-2', isPause: true }] });
      await h.executeUpdate(pullUpdate, { args: [{ seekPosition: 30, isPause: false }] });
    }),
  // a failed player deleted and re-created, resuming with playTs
  'pull-recreate': (ctx: Ctx) =>
    pullSession(ctx, pullInput({ restartOnFailure: true }), async (h) => {
      const first = (await h.query(pullStatusQuery)).playerId;
      await ctx.control.json('POST', `/_emulator/agora/media-pull/players/${first}/fail`);
      await eventually(async () => {
        const s = await h.query(pullStatusQuery);
        return s.phase === 'playing' && s.playerId !== first ? true : undefined;
      }, 'a second player playing');
    }),
  'pull-ambiguous-create': async (ctx: Ctx) => {
    await ctx.control.addFault({ match: { product: 'media-pull', operation: 'create' }, action: { type: 'drop-response' }, count: 1 });
    return pullSession(ctx, pullInput());
  },
  // the player idles out; no NCS here, so the session waits its destroyReasonWaitMs for word, then ends as gone
  // (patched 'rtcflow-wait-for-word')
  'pull-gone-wait-for-word': (ctx: Ctx) =>
    pullSession(
      ctx,
      pullInput({ idleTimeout: 5, destroyReasonWaitMs: 1_000 }),
      async (h) => {
        const { playerId } = await h.query(pullStatusQuery);
        await ctx.control.json('POST', `/_emulator/agora/media-pull/players/${playerId}/finish`);
      },
      'itself',
    ),
});

const relayTranscoding = (width: number): NonNullable<RelayInput['transcoding']> => ({
  audioOptions: {},
  videoOptions: { canvas: { width, height: 720 }, layout: [{ rtcStreamUid: 701, region: { xPos: 0, yPos: 0, width, height: 720 } }], bitrate: 2000 },
});

/** A relay of a channel whose host (uid 701) publishes, so its converter runs; stopped after `during`. */
async function relaySession(
  ctx: Ctx,
  extra: Partial<RelayInput>,
  during: (h: WorkflowHandle<typeof relay>) => Promise<void> = async () => undefined,
  ending: Ending = 'stop',
): Promise<WorkflowHandle> {
  const channel = uniqueId('hist-relay');
  await ctx.control.join(EMULATOR_AGORA.appId, channel, '701');
  const input: RelayInput = {
    channel,
    region: 'na',
    rtmpUrl: 'rtmp://cdn.example.com/live/a',
    transcoding: relayTranscoding(1280),
    pollIntervalMs: 300,
    confirmPollMs: 100,
    ...extra,
  };
  const h = await ctx.env.client.workflow.start(relay, { taskQueue: ctx.taskQueue, workflowId: uniqueId('hist-relay'), args: [input] });
  await eventually(async () => ((await h.query(relayStatusQuery)).phase === 'running' ? true : undefined), 'running');
  await during(h);
  if (ending === 'stop') await h.executeUpdate(relayStopUpdate, { args: [{ reason: 'recorded history' }] });
  else await h.result();
  await ctx.control.leave(EMULATOR_AGORA.appId, channel, '701');
  return h;
}

Object.assign(SCENARIOS, {
  'relay-updates': (ctx: Ctx) =>
    relaySession(ctx, {}, async (h) => {
      await h.executeUpdate(relayUpdate, { args: [{ transcoding: relayTranscoding(960) }] });
      await h.executeUpdate(relayUpdate, { args: [{ rtmpUrl: 'rtmp://cdn.example.com/live/b' }] });
    }),
  // the converter is deleted outside the session; no NCS here, so the session waits its destroyReasonWaitMs for
  // word (patched 'rtcflow-wait-for-word'), then ends
  'relay-gone-wait-for-word': (ctx: Ctx) =>
    relaySession(
      ctx,
      { destroyReasonWaitMs: 1_000 },
      async (h) => {
        const { converterId } = await h.query(relayStatusQuery);
        await ctx.control.json('POST', `/_emulator/agora/media-push/converters/${converterId}/destroy`);
      },
      'itself',
    ),
  'relay-continue-as-new': (ctx: Ctx) =>
    relaySession(ctx, { pollIntervalMs: 100, maxHistoryEvents: 100 }, async (h) => {
      await h.executeUpdate(relayUpdate, { args: [{ rtmpUrl: 'rtmp://cdn.example.com/live/run-1' }] });
      await eventually(async () => ((await h.query(relayStatusQuery)).continuedAsNew >= 1 ? true : undefined), 'a continue-as-new');
      await h.executeUpdate(relayUpdate, { args: [{ rtmpUrl: 'rtmp://cdn.example.com/live/run-2' }] });
    }),
  'relay-ambiguous-create': async (ctx: Ctx) => {
    await ctx.control.addFault({ match: { product: 'media-push', operation: 'create' }, action: { type: 'drop-response' }, count: 1 });
    return relaySession(ctx, {});
  },
  // a failed converter deleted and re-created (restartOnFailure)
  'relay-recreate': (ctx: Ctx) =>
    relaySession(ctx, { restartOnFailure: true }, async (h) => {
      const first = (await h.query(relayStatusQuery)).converterId;
      await ctx.control.json('POST', `/_emulator/agora/media-push/converters/${first}/fail`);
      await eventually(async () => {
        const s = await h.query(relayStatusQuery);
        return s.phase === 'running' && s.converterId !== first ? true : undefined;
      }, 'a second converter running');
    }),
});

const ENCODERS = '/_emulator/agora/media-gateway/encoders';

/** An ingest session whose key an emulated encoder pushes with, live until `during` is done; stopped unless `during` ended it. */
async function ingestSession(ctx: Ctx, extra: Partial<IngestInput>, during: (h: WorkflowHandle<typeof ingest>, encoderId: string) => Promise<void>): Promise<WorkflowHandle> {
  const input: IngestInput = { channel: uniqueId('hist-ingest'), uid: '100', pollIntervalMs: 300, muteVerifyMs: 200, reconnectWatchMs: 300, ...extra };
  const h = await ctx.env.client.workflow.start(ingest, { taskQueue: ctx.taskQueue, workflowId: uniqueId('hist-ingest'), args: [input] });
  const waiting = await eventually(async () => {
    const s = await h.query(ingestStatusQuery);
    return s.phase === 'waiting-for-encoder' ? s : undefined;
  }, 'waiting for the encoder');
  const enc = await ctx.control.json<{ id: string }>('POST', ENCODERS, { streamKey: waiting.push!.streamKey });
  await eventually(async () => ((await h.query(ingestStatusQuery)).phase === 'live' ? true : undefined), 'live');
  await during(h, enc.id);
  if ((await h.describe()).status.name === 'RUNNING') await h.executeUpdate(ingestStopUpdate, { args: [{ reason: 'recorded history' }] });
  await h.result().catch(() => undefined);
  return h;
}

Object.assign(SCENARIOS, {
  // mute, unmute, a network drop (a new sid, re-muted), stop: the key destroyed before the push is cut
  'ingest-mute-reconnect': (ctx: Ctx) =>
    ingestSession(ctx, {}, async (h, encoderId) => {
      await h.executeUpdate(ingestUpdate, { args: [{ audioMuted: true }] });
      await h.executeUpdate(ingestUpdate, { args: [{ audioMuted: false, videoMuted: true }] });
      const before = (await h.query(ingestStatusQuery)).sid;
      await ctx.control.json('POST', `${ENCODERS}/${encoderId}/drop`);
      await eventually(async () => {
        const s = await h.query(ingestStatusQuery);
        return s.phase === 'live' && s.sid !== before && s.muteApplied ? true : undefined;
      }, 'the reconnected push live and muted');
    }),
  // the key's expiresAfter runs out on the emulator clock: the session ends with its reason
  'ingest-key-expiry': (ctx: Ctx) =>
    ingestSession(ctx, { expiresAfter: 60 }, async (h) => {
      await ctx.control.advanceClock(61_000);
      await h.result();
    }),
  // cancelled while live: the same teardown in a non-cancellable scope
  'ingest-cancel': (ctx: Ctx) =>
    ingestSession(ctx, {}, async (h) => {
      await h.cancel();
      await h.result().catch(() => undefined);
    }),
});

/**
 * SparkRTC recordings: the emulator's clock runs at real speed for them (SDK signatures and callback
 * timestamps are checked against it), rtcflow's receiver gets the app's signed callbacks, and the rooms
 * are controlled. Record them by name on a fresh emulator: earlier scenarios at 20x move its clock away.
 */
async function sparkSession(
  ctx: Ctx,
  input: (ruleId: string, room: string) => SparkRtcRecordingInput,
  during: (h: WorkflowHandle<typeof sparkrtcRecording>, spark: SparkControl, room: string) => Promise<void>,
): Promise<WorkflowHandle> {
  const spark = new SparkControl(ctx.control.url);
  if (Math.abs((await spark.now()) - Date.now()) > 5 * 60_000) throw new Error('the emulator clock is far from now: record the sparkrtc- scenarios by name');
  await spark.setTimeScale(1);
  const authKey = generateCallbackAuthKey();
  const api = buildApiServer({ client: ctx.env.client, taskQueue: ctx.taskQueue, sparkrtcCallbackKeys: { default: authKey }, apiKeys: new ApiKeyring([]) });
  await api.listen({ host: '127.0.0.1', port: 0 });
  const admin = new SparkRtcAdmin(testConfig(ctx.control.url), 'default');
  try {
    await admin.setRecordCallback(`http://127.0.0.1:${(api.server.address() as { port: number }).port}/webhooks/sparkrtc/default`, authKey);
    const { rule } = await admin.createOrReplaceRule({
      obs_addr: { location: 'cn-north-4', project_id: SPARK_DEMO.projectId, bucket: SPARK_DEMO.bucket, object: 'histories/' },
      record_formats: ['HLS', 'MP4'],
      hls_config: { record_cycle: 0 },
      mp4_config: { record_cycle: 600 },
    });
    const room = uniqueId('hist-spark');
    await spark.emptyRoom(SPARK_DEMO.appId, room);
    await spark.joinRoom(SPARK_DEMO.appId, room, 'u1');
    await spark.joinRoom(SPARK_DEMO.appId, room, 'u2');
    const h = await ctx.env.client.workflow.start(sparkrtcRecording, {
      taskQueue: ctx.taskQueue,
      workflowId: `sparkrtc-recording/default/history/${uniqueId('hist-spark')}`, // callbacks reach only their profile's sessions
      args: [parseSparkRtcRecordingInput(input(rule.rule_id, room), TEST_CLIENT_OPTIONS)],
    });
    await eventually(async () => ((await h.query(sparkRtcStatusQuery)).phase === 'recording' ? true : undefined), 'recording');
    await during(h, spark, room);
    await h.result();
    return h;
  } finally {
    await admin.close();
    await api.close();
    await spark.setTimeScale(20);
  }
}

const sparkMix = (ruleId: string, room: string): SparkRtcRecordingInput => ({
  vendor: 'sparkrtc',
  channel: room,
  kind: 'mix',
  recordRuleId: ruleId,
  encodeTemplate: '1280*720_15_2260',
  layout: { layout_template: 'nine_grids_view' },
  pollIntervalMs: 1_000,
  confirmPollMs: 200,
  drainTimeoutMs: 15_000,
  reconcileTimeoutMs: 5_000,
});

Object.assign(SCENARIOS, {
  // a mixed job whose layout is replaced twice (custom panes, then screen share), stopped and drained
  'sparkrtc-mix-two-layouts': (ctx: Ctx) =>
    sparkSession(ctx, sparkMix, async (h) => {
      await h.executeUpdate(sparkRtcLayoutUpdate, {
        args: [
          {
            layout_template: 'custom',
            layout_panes: [
              { id: 1, user_id: 'u1', x: 0, y: 0, width: 0.5, height: 1 },
              { id: 2, user_id: 'u2', x: 0.5, y: 0, width: 0.5, height: 1 },
            ],
          },
        ],
      });
      await h.executeUpdate(sparkRtcLayoutUpdate, {
        args: [{ layout_template: 'screen_share_left', layout_panes: [{ id: 1, user_id: '', video_type: 'SCREENSTREAM', filling_policy: 'SHARED_SCREEN' }] }],
      });
      await h.executeUpdate(sparkRtcStopUpdate, { args: [{ reason: 'recorded history' }] });
    }),
  // a single job to its end: its user leaves, SparkRTC stops it for idle time, the files come in
  'sparkrtc-single-idle': (ctx: Ctx) =>
    sparkSession(
      ctx,
      (ruleId, room) => ({
        vendor: 'sparkrtc',
        channel: room,
        kind: 'single',
        userId: 'u1',
        recordRuleId: ruleId,
        maxIdleTime: 5,
        pollIntervalMs: 1_000,
        confirmPollMs: 200,
        drainTimeoutMs: 15_000,
      }),
      async (_h, spark, room) => {
        await spark.leaveRoom(SPARK_DEMO.appId, room, 'u1');
      },
    ),
  // the start's answer is lost: the job is adopted from its callback, never started twice
  'sparkrtc-ambiguous-start': async (ctx: Ctx) => {
    await ctx.control.addFault({ match: { vendor: 'sparkrtc', product: 'mix-stream-jobs', operation: 'start' }, action: { type: 'drop-response' }, count: 1 });
    return sparkSession(ctx, sparkMix, async (h) => {
      await h.executeUpdate(sparkRtcStopUpdate, { args: [{ reason: 'recorded history' }] });
    });
  },
});

/** A ban of uid 4242 in a fresh channel, active until `during` is done; lifted unless `during` ended it. */
async function banSession(ctx: Ctx, durationSeconds: number, during: (h: WorkflowHandle<typeof channelBan>) => Promise<void> = async () => undefined): Promise<WorkflowHandle> {
  const h = await ctx.env.client.workflow.start(channelBan, {
    taskQueue: ctx.taskQueue,
    workflowId: uniqueId('hist-ban'),
    args: [{ channel: uniqueId('hist-ban'), uid: 4242, durationSeconds }],
  });
  await eventually(async () => {
    const s = await h.query(banStatusQuery);
    return s.phase === 'active' && s.termApplied ? true : undefined;
  }, 'active');
  await during(h);
  if ((await h.describe()).status.name === 'RUNNING') await h.executeUpdate(banStopUpdate, { args: [{ reason: 'recorded history' }] });
  await h.result().catch(() => undefined);
  return h;
}

Object.assign(SCENARIOS, {
  // the end moved twice (later, then sooner from now), then lifted by Update
  'channel-ban-extend-lift': (ctx: Ctx) =>
    banSession(ctx, 3600, async (h) => {
      await h.executeUpdate(banExtendUpdate, { args: [{ extendBySeconds: 600 }] });
      await h.executeUpdate(banExtendUpdate, { args: [{ endsInSeconds: 120 }] });
    }),
  // the create's answer is lost: the rules are listed, the one found adopted and given the end
  'channel-ban-ambiguous-create': async (ctx: Ctx) => {
    await ctx.control.addFault({ match: { product: 'channel-management', operation: 'createRule' }, action: { type: 'drop-response' }, count: 1 });
    return banSession(ctx, 3600);
  },
  // runs to its end (the emulator's 20x clock removed the rule first: the delete's 404 is fine)
  'channel-ban-expires': (ctx: Ctx) => banSession(ctx, 10, (h) => h.result().then(() => undefined)),
  // cancelled while active: the rule deleted in a non-cancellable scope
  'channel-ban-cancel': (ctx: Ctx) =>
    banSession(ctx, 3600, async (h) => {
      await h.cancel();
      await h.result().catch(() => undefined);
    }),
});

// ---- Cloud Transcoder ----

const tcVideo = (uid: number, x: number) => ({ rtcUid: uid, placeholderImageUrl: 'https://example.com/away.jpg', region: { x, y: 0, width: 320, height: 360, zOrder: 1 } });
const TC_VIDEO_OPTION = { fps: 30, codec: 'H264' as const, bitrate: 800, width: 960, height: 480 };

/**
 * A transcoder of a channel whose hosts 123 and 456 are in it, into an empty output channel; stopped
 * after `during`. The emulator runs at real speed meanwhile: its 2-second create window is emulated time.
 */
async function transcoderSession(
  ctx: Ctx,
  extra: Partial<TranscoderInput>,
  during: (h: WorkflowHandle<typeof transcoder>) => Promise<void> = async () => undefined,
): Promise<WorkflowHandle> {
  const channel = uniqueId('hist-tc');
  const out = uniqueId('hist-tc-out');
  await ctx.control.emptyChannel(EMULATOR_AGORA.appId, channel);
  await ctx.control.join(EMULATOR_AGORA.appId, channel, '123');
  await ctx.control.join(EMULATOR_AGORA.appId, channel, '456');
  await ctx.control.emptyChannel(EMULATOR_AGORA.appId, out);
  await ctx.control.setTimeScale(1);
  try {
    const input: TranscoderInput = {
      channel,
      audioInputs: [{ rtcUid: 123 }, { rtcUid: 456 }],
      videoInputs: [tcVideo(123, 0), tcVideo(456, 320)],
      canvas: { width: 960, height: 480, color: 0 },
      waterMarks: [{ imageUrl: 'https://example.com/logo.png', region: { x: 0, y: 0, width: 120, height: 120, zOrder: 50 } }],
      outputs: [{ rtcChannel: out, audioOption: { profileType: 'AUDIO_PROFILE_MUSIC_STANDARD' }, videoOption: TC_VIDEO_OPTION }],
      pollIntervalMs: 500,
      confirmPollMs: 100,
      ...extra,
    };
    const h = await ctx.env.client.workflow.start(transcoder, { taskQueue: ctx.taskQueue, workflowId: uniqueId('hist-tc'), args: [input] });
    await eventually(async () => ((await h.query(transcoderStatusQuery)).phase === 'running' ? true : undefined), 'running', 60_000);
    await during(h);
    await h.executeUpdate(transcoderStopUpdate, { args: [{ reason: 'recorded history' }] });
    return h;
  } finally {
    await ctx.control.setTimeScale(20);
  }
}

Object.assign(SCENARIOS, {
  // a region moved, then an output's audio profile changed: sequenceIds 0 and 1, the whole body each time
  'transcoder-updates': (ctx: Ctx) =>
    transcoderSession(ctx, {}, async (h) => {
      await h.executeUpdate(transcoderUpdate, { args: [{ videoInputs: [tcVideo(123, 0), tcVideo(456, 640)] }] });
      await h.executeUpdate(transcoderUpdate, { args: [{ outputs: [{ audioOption: { profileType: 'AUDIO_PROFILE_MUSIC_HIGH_QUALITY' }, videoOption: TC_VIDEO_OPTION }] }] });
    }),
  // the create's answer is lost: the task of the builderToken is read and adopted
  'transcoder-ambiguous-create': async (ctx: Ctx) => {
    await ctx.control.addFault({ match: { product: 'cloud-transcoder', operation: 'create' }, action: { type: 'drop-response' }, count: 1 });
    return transcoderSession(ctx, {});
  },
  // 503 past the backoff: the token's task is looked for (none), then a new token and a new output uid
  'transcoder-renew': async (ctx: Ctx) => {
    await ctx.control.addFault({
      match: { product: 'cloud-transcoder', operation: 'create' },
      action: { type: 'error', status: 503, body: { message: 'service unavailable' } },
      count: 3,
    });
    return transcoderSession(ctx, {});
  },
  // a canvas change: the task is deleted and created anew with the whole layout
  'transcoder-replace': (ctx: Ctx) =>
    transcoderSession(ctx, {}, async (h) => {
      await h.executeUpdate(transcoderUpdate, { args: [{ canvas: { width: 1280, height: 720, color: 255 } }] });
    }),
  // recorded before e56e17b: an output's audio alone (its videoOption dropped) was accepted, by signal and by
  // Update, and the update call refused it after every poll until the stop; runs like it keep that path
  'transcoder-invalid-change-pending': (ctx: Ctx) =>
    transcoderSession(ctx, {}, async (h) => {
      const audioOnly = { outputs: [{ audioOption: { profileType: 'AUDIO_PROFILE_SPEECH_STANDARD' as const } }] };
      await h.signal(transcoderUpdateSignal, audioOnly);
      await eventually(async () => ((await h.query(transcoderStatusQuery)).configApplied ? undefined : true), 'the change taken');
      await new Promise((r) => setTimeout(r, 1_500));
      // never answered before the stop (then SessionEnded): not awaited
      void h.executeUpdate(transcoderUpdate, { args: [audioOnly] }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 1_500));
    }),
  // continue-as-new between two updates: the sequenceId goes on in the second run
  'transcoder-continue-as-new': (ctx: Ctx) =>
    transcoderSession(ctx, { pollIntervalMs: 100, maxHistoryEvents: 100 }, async (h) => {
      await h.executeUpdate(transcoderUpdate, { args: [{ audioInputs: [{ rtcUid: 123 }] }] });
      await eventually(async () => ((await h.query(transcoderStatusQuery)).continuedAsNew >= 1 ? true : undefined), 'a continue-as-new');
      await h.executeUpdate(transcoderUpdate, { args: [{ audioInputs: [{ rtcUid: 123 }, { rtcUid: 456 }] }] });
    }),
});

// issue 12: the mid-session controls of a cloud recording
const CDN_A = 'rtmp://cdn-a.example.com/live/lesson';
const CDN_B = 'rtmps://cdn-b.example.com/app/lesson-b';
const webWithPush = {
  extensionServiceConfig: {
    errorHandlePolicy: 'error_abort',
    extensionServices: [
      ...WEB_RECORDER_SERVICE.extensionServiceConfig.extensionServices,
      { serviceName: 'rtmp_publish_service', errorHandlePolicy: 'error_ignore', serviceParam: { outputs: [{ rtmpUrl: CDN_A }] } },
    ],
  },
};

Object.assign(SCENARIOS, {
  // pause, a CDN added and one removed, a web layout signal ignored, a failover re-applying pause and outputs, resume
  'cloud-recording-web-controls': async (ctx: Ctx) => {
    const { h, status } = await startRecording(ctx, recordingInput({ mode: 'web', acquire: { scene: 1 }, clientRequest: webWithPush }));
    await h.executeUpdate(updateWebRecordingUpdate, { args: [{ onhold: true }] });
    await h.executeUpdate(updateRtmpOutputsUpdate, { args: [{ add: [CDN_B] }] });
    await h.signal(updateLayoutSignal, { mixedVideoLayout: 1 });
    await h.executeUpdate(updateRtmpOutputsUpdate, { args: [{ remove: [CDN_A] }] });
    await ctx.control.failover(status.sid!, 3_000);
    await eventually(async () => ((await h.query(recordingStatusQuery)).suspectSince ? true : undefined), 'the 404s noticed');
    await ctx.control.endFailover(status.sid!);
    await eventually(async () => {
      const s = await h.query(recordingStatusQuery);
      return s.suspectSince === undefined && !s.controls.webRecording?.pending && !s.controls.rtmpPublish?.pending ? true : undefined;
    }, 'recovery with the controls re-applied');
    await h.executeUpdate(updateWebRecordingUpdate, { args: [{ onhold: false }] });
    await h.executeUpdate(stopUpdate, { args: [{}] });
    return h;
  },
  // subscription lists from the start, one list changed by Update, the other by signal (each list kept when not given)
  'cloud-recording-subscriptions': async (ctx: Ctx) => {
    const { h } = await startRecording(
      ctx,
      recordingInput({ mode: 'individual', clientRequest: { recordingConfig: { subscribeAudioUids: ['#allstream#'], subscribeVideoUids: ['#allstream#'] } } }),
    );
    await h.executeUpdate(updateSubscriptionsUpdate, { args: [{ audioUidList: { subscribeAudioUids: ['10001'] } }] });
    await h.signal(updateSubscriptionsSignal, { videoUidList: { unSubscribeVideoUids: ['10002'] } });
    await eventually(async () => {
      const s = (await h.query(recordingStatusQuery)).controls.subscriptions;
      return s?.applied?.videoUidList?.unSubscribeVideoUids ? true : undefined;
    }, 'the signalled lists applied');
    await h.executeUpdate(stopUpdate, { args: [{}] });
    return h;
  },
});

/**
 * A recording with events out to the application (workflows/lib/events.ts): the session runs under its
 * client ID (the profile is its second segment) on a worker whose `default` profile has an events
 * target, a local application that takes them; `end` stops or cancels it. Kept until every event arrived.
 */
async function recordWithAppEvents(ctx: Ctx, end: 'stop' | 'cancel'): Promise<WorkflowHandle> {
  const { createServer } = await import('node:http');
  const { recordingWorkflowId } = await import('../../src/client');
  const got = new Set<string>();
  const app = createServer((req, res) => {
    got.add(String(req.headers['rtcflow-event-type']));
    req.resume().on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const port = (app.address() as { port: number }).port;
  const config = testConfig(ctx.control.url, { RTCFLOW_EVENTS_URL: `http://127.0.0.1:${port}/events`, RTCFLOW_EVENTS_SECRET: 'recorded-history-events-secret' });
  try {
    return await withWorker(ctx.env, config, async (taskQueue) => {
      const input = recordingInput({ mode: 'individual' });
      const h = await ctx.env.client.workflow.start(cloudRecording, {
        taskQueue,
        workflowId: recordingWorkflowId({ profile: 'default', channel: input.channel, role: 'main' }),
        args: [input],
      });
      await eventually(async () => ((await h.query(recordingStatusQuery)).phase === 'recording' ? true : undefined), 'recording');
      if (end === 'stop') await h.executeUpdate(stopUpdate, { args: [{ reason: 'recorded history' }] });
      else await h.cancel();
      await h.result().catch(() => undefined);
      const last = end === 'stop' ? ['session.started', 'files.ready', 'session.ended'] : ['session.started', 'session.ended'];
      await eventually(() => (last.every((t) => got.has(t)) ? true : undefined), 'the events delivered');
      return h;
    });
  } finally {
    await new Promise((r) => app.close(r));
  }
}

/**
 * A recording with expiring storage credentials (STS, refreshed 5 s before they lapse) that ends on its own
 * and is started again (restartOnFailure): the new recorder's credentials re-arm the refresh alarm (the
 * old timer cancelled beside the loop's wait timer), and the refresh later falls due and is sent.
 */
async function recordRestartWithSts(ctx: Ctx): Promise<WorkflowHandle> {
  let issued = 0;
  const storageCredentials = async (_name: string, p: StorageProfile): Promise<StorageProfile> => ({
    ...p,
    extensionParams: { stsToken: `recorded-sts-${++issued}`, stsExpiration: Math.floor((Date.now() + 30_000) / 1000) },
  });
  const app = EMULATOR_AGORA.appId;
  return withWorker(
    ctx.env,
    testConfig(ctx.control.url),
    async (taskQueue) => {
      const input = recordingInput({
        restartOnFailure: true,
        notFoundGraceMs: 1_000,
        drainTimeoutMs: 1_000,
        storageRefreshMarginMs: 5_000,
        clientRequest: { recordingConfig: { maxIdleTime: 60 } },
      });
      await ctx.control.emptyChannel(app, input.channel);
      await ctx.control.join(app, input.channel, '601');
      const { h, status: first } = await startRecording({ ...ctx, taskQueue }, input);
      const restart = await ctx.control.hold({ product: 'cloud-recording', operation: 'acquire' });
      await ctx.control.leave(app, input.channel, '601');
      await restart.held();
      await ctx.control.join(app, input.channel, '602');
      await restart.release();
      await eventually(async () => {
        const s = await h.query(recordingStatusQuery);
        return s.phase === 'recording' && s.sid !== first.sid ? true : undefined;
      }, 'a second recording');
      await eventually(
        async () =>
          (await ctx.control.requests({ cname: input.channel, product: 'cloud-recording' })).some((r) => r.operation === 'update' && r.status === 200) ? true : undefined,
        "the second recorder's storage refresh",
        40_000,
      );
      await h.executeUpdate(stopUpdate, { args: [{ reason: 'recorded history' }] });
      return h;
    },
    {},
    { storageCredentials },
  );
}

Object.assign(SCENARIOS, {
  'cloud-recording-app-events': (ctx: Ctx) => recordWithAppEvents(ctx, 'stop'),
  'cloud-recording-app-events-cancel': (ctx: Ctx) => recordWithAppEvents(ctx, 'cancel'),
  'cloud-recording-restart-sts': recordRestartWithSts,
});

/** The sweeper stopping an orphan converter (created with the typed client, no session) and reporting a second one that is too young. */
async function sweepOrphans(ctx: Ctx): Promise<WorkflowHandle> {
  const http = new HttpClient();
  try {
    const agora = agoraContext({ config: testConfig(ctx.control.url), http }, 'default');
    const channel = uniqueId('hist-sweep');
    await ctx.control.emptyChannel(EMULATOR_AGORA.appId, channel);
    await ctx.control.join(EMULATOR_AGORA.appId, channel, '701');
    const orphan = (raw: string) => ({ name: uniqueId('orphan'), rawOptions: { rtcChannel: channel, rtcStreamUid: 701 }, rtmpUrl: `rtmp://cdn.example.com/live/${raw}` });
    await mediaPush.createConverter(agora, { region: 'eu', converter: orphan('a') });
    const h = await ctx.env.client.workflow.start(sweeper, {
      taskQueue: ctx.taskQueue,
      workflowId: uniqueId('hist-sweeper'),
      args: [{ action: 'stop', minAgeSeconds: 0, products: ['media-push', 'stt'], channels: [channel] }],
    });
    const result = await h.result();
    if (result.orphans.length !== 1 || result.orphans[0]!.outcome !== 'stopped') throw new Error(`unexpected sweep: ${JSON.stringify(result)}`);
    return h;
  } finally {
    await http.close();
  }
}

Object.assign(SCENARIOS, {
  'sweeper-stop-orphan': sweepOrphans,
});

/** A whiteboard conversion of a document of `pages` pages (the emulator converts one a second, emulated). */
async function whiteboardSession(ctx: Ctx, pages: number, extra: Partial<WhiteboardConversionInput> = {}) {
  const resource = `https://docs.example.com/${uniqueId('hist-deck')}.pdf?pages=${pages}`;
  return ctx.env.client.workflow.start(whiteboardConversion, { taskQueue: ctx.taskQueue, workflowId: uniqueId('hist-wb'), args: [{ resource, pollIntervalMs: 300, ...extra }] });
}

Object.assign(SCENARIOS, {
  // queued → converting → converted with its pages; a priority set once created
  'whiteboard-converted': async (ctx: Ctx) => {
    const h = await whiteboardSession(ctx, 20, { priority: 'highest' });
    await h.result();
    return h;
  },
  // stopped while converting: the task deleted
  'whiteboard-stop': async (ctx: Ctx) => {
    const h = await whiteboardSession(ctx, 400);
    await eventually(async () => ((await h.query(whiteboardStatusQuery)).phase === 'converting' ? true : undefined), 'converting');
    await h.executeUpdate(whiteboardStopUpdate, { args: [{ reason: 'recorded history' }] });
    return h;
  },
  // an unanswered create reconciled by the list
  'whiteboard-ambiguous-create': async (ctx: Ctx) => {
    await ctx.control.addFault({ match: { product: 'whiteboard', operation: 'conversion-create' }, action: { type: 'drop-response' }, count: 1 });
    const h = await whiteboardSession(ctx, 5);
    await h.result();
    return h;
  },
  // pokes read the progress; the task and its progress carried across continue-as-new; then stopped
  'whiteboard-continue-as-new': async (ctx: Ctx) => {
    const h = await whiteboardSession(ctx, 400, { pollIntervalMs: 60_000, maxHistoryEvents: 100 });
    await eventually(async () => {
      await h.signal(whiteboardPokeSignal);
      return (await h.query(whiteboardStatusQuery)).continuedAsNew >= 1 ? true : undefined;
    }, 'a continue-as-new');
    await h.executeUpdate(whiteboardStopUpdate, { args: [{ reason: 'recorded history' }] });
    return h;
  },
});

/** Every run of the workflow (continue-as-new chains included), as [runIndex, history JSON]. */
async function histories(handle: WorkflowHandle): Promise<string[]> {
  const out: string[] = [];
  let runId: string | undefined = (handle as { firstExecutionRunId?: string }).firstExecutionRunId;
  for (let i = 0; i < 100 && runId; i++) {
    const history = await handle.client.getHandle(handle.workflowId, runId).fetchHistory();
    out.push(historyToJSON(history));
    const last = history.events?.[history.events.length - 1];
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return out;
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const names = wanted.length ? wanted : Object.keys(SCENARIOS);
  for (const n of names) if (!SCENARIOS[n]) throw new Error(`no scenario ${n}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = await startDevServer({ readyTimeoutMs: 60_000 });
  const emu = await spawnEmulator({ timeScale: 20 });
  process.env.TEMPORAL_ADDRESS = server.address;
  try {
    const env = await TestWorkflowEnvironment.createFromExistingServer({ address: server.address });
    const control = new EmulatorControl(emu.url);
    for (const name of names) {
      await control.clearFaults();
      const handle = await withWorker(env, testConfig(emu.url), (taskQueue) => SCENARIOS[name]!({ env, control, taskQueue }));
      const runs = await histories(handle);
      // a continued session: the run that continued and the one that went on are both kept
      runs.forEach((json, i) => {
        const file = join(__dirname, `${name}${runs.length > 1 ? `-run${i + 1}` : ''}.json`);
        writeFileSync(file, `${json}\n`);
        console.log(`wrote ${file}`);
      });
      if ((await control.tasks({ running: true })).length > 0) {
        throw new Error(`scenario ${name} left a vendor task running`);
      }
    }
    await env.teardown();
  } finally {
    await emu.stop();
    await server.stop();
  }
}

/**
 * The same paths recorded again once polls became local activities and search attributes were coalesced
 * (patched 'rtcflow-lean-kernel', workflows/lib/patches.ts): the earlier files
 * keep guarding the old branches, these the new ones.
 */
for (const name of [
  'cloud-recording-two-layouts',
  'cloud-recording-continue-as-new',
  'stt7-updates',
  'pull-updates',
  'relay-updates',
  'transcoder-updates',
  'sparkrtc-mix-two-layouts',
  'channel-ban-extend-lift',
  'ingest-mute-reconnect',
]) {
  SCENARIOS[`${name}-lean`] = SCENARIOS[name]!;
}

/**
 * The same paths recorded again once every time-based decision became a timer of its own (patched
 * 'rtcflow-history-clock', workflows/lib/loop.ts `Alarm`, `waitForPoll`): the files above keep guarding
 * the clock-decided branches, these the timer-decided ones.
 */
for (const name of [
  'cloud-recording-two-layouts',
  'cloud-recording-web-controls',
  'cloud-recording-failover-grace',
  'stt7-updates',
  'pull-updates',
  'relay-updates',
  'transcoder-updates',
  'whiteboard-stop',
  'sparkrtc-mix-two-layouts',
  'channel-ban-expires',
  'ingest-mute-reconnect',
  'ingest-key-expiry',
]) {
  SCENARIOS[`${name}-timers`] = SCENARIOS[name]!;
}

/**
 * The same paths recorded again once reads became local activities (patched 'rtcflow-local-reads-v3', which
 * implies every older kernel patch and writes only its own marker): the files above keep guarding the
 * regular-activity reads, these the local ones. Lifecycles without a `read` kind are recorded again too:
 * their first workflow task now carries that one marker instead of three.
 */
for (const name of [
  'cloud-recording-two-layouts',
  'cloud-recording-web-controls',
  'cloud-recording-failover-grace',
  'cloud-recording-continue-as-new',
  'cloud-recording-app-events',
  'stt7-updates',
  'stt7-ambiguous-join-v2',
  'pull-updates',
  'pull-gone-wait-for-word',
  'relay-updates',
  'relay-gone-wait-for-word',
  'transcoder-updates',
  'sparkrtc-mix-two-layouts',
  'channel-ban-expires',
  'ingest-mute-reconnect',
  'whiteboard-stop',
]) {
  SCENARIOS[`${name}-local`] = SCENARIOS[name]!;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
