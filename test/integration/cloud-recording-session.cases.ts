/**
 * The cloud-recording session's behaviours, each on the real Temporal dev server against a dedicated
 * emulator process over HTTP. The emulator runs 20× fast (a 60 s failover passes in 3 s, a 5-minute
 * resource window in 15 s) and delivers its signed NCS webhooks to rtcflow's own receiver, which
 * signals the workflows.
 *
 * Defined once, run twice: by cloud-recording-session.test.ts with the worker's workflow cache, and by
 * cloud-recording-session-replay.test.ts with `maxCachedWorkflows: 0`, where every workflow task
 * replays the whole history first, so any non-determinism fails the suite.
 *
 * Rules of this file: every test ends with "nothing left billing in the emulator"; a test waits on
 * observable facts (the emulator's request log and ledger, a held request, the status query), never on
 * a sleep; a negative assertion comes only after a positive barrier.
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkerOptions } from '@temporalio/worker';
import * as agora from '../../src/agora/cloud-recording';
import type { Config, StorageProfile } from '../../src/config';
import { EMULATOR_AGORA } from '../../emulator/defaults';
import { HttpClient } from '../../src/http/client';
import type { Layout } from '../../src/schemas/agora/cloud-recording';
import type { CloudRecordingInput, CloudRecordingResult } from '../../src/schemas/workflows/cloud-recording';
import { cloudRecording } from '../../workflows/cloud-recording';
import {
  recordingStatusQuery,
  stopSignal,
  stopUpdate,
  updateLayoutSignal,
  updateLayoutUpdate,
  updateSubscriptionsUpdate,
  type CloudRecordingPhase,
} from '../../workflows/cloud-recording';
import { EmulatorControl, spawnEmulator, type SpawnedEmulator } from '../helpers/emulator';
import { historyText } from '../helpers/history';
import { WEB_RECORDER_SERVICE } from '../helpers/fixtures';
import { sessionHarness } from '../helpers/harness';
import { forkWorker, testConfig, withWorker } from '../helpers/temporal';
import { eventually, uniqueId } from '../helpers/wait';
import { failureOf, untilPhase } from '../helpers/session';

const APP = EMULATOR_AGORA.appId;

type Handle = WorkflowHandle<typeof cloudRecording>;

export function defineSessionTests(mode: { workerOptions: Partial<WorkerOptions> }): void {
  const world = sessionHarness();
  let env: TestWorkflowEnvironment;
  let emu: SpawnedEmulator;
  let control: EmulatorControl;
  let config: Config;
  beforeAll(() => {
    ({ env, emu, control, config } = world);
  });

  /** Test defaults: quick polling, quick confirmation. */
  const input = (channel: string, extra: Partial<CloudRecordingInput> = {}): CloudRecordingInput => ({
    channel,
    mode: 'mix',
    pollIntervalMs: 300,
    confirmPollMs: 200,
    drainTimeoutMs: 10_000,
    ...extra,
  });

  const run = <T>(fn: (taskQueue: string) => Promise<T>, extra: Parameters<typeof withWorker>[4] = {}, cfg: Config = config) => withWorker(env, cfg, fn, mode.workerOptions, extra);

  async function start(taskQueue: string, args: CloudRecordingInput, workflowId = uniqueId('wf-rec')): Promise<Handle> {
    return world.track(await env.client.workflow.start(cloudRecording, { taskQueue, workflowId, args: [args] }));
  }

  const phaseOf = (handle: Handle, phase: CloudRecordingPhase, timeoutMs?: number) => untilPhase(handle, recordingStatusQuery, phase, timeoutMs);

  /** `operation:status` of every Cloud Recording call on the channel, in order. */
  const operations = async (cname: string, c = control): Promise<string[]> => (await c.requests({ cname, product: 'cloud-recording' })).map((r) => `${r.operation}:${r.status}`);
  const callsOf = async (cname: string, operation: string) => (await operations(cname)).filter((o) => o.startsWith(`${operation}:`));

  /** The leak detector: no vendor task on the channel bills any more. */
  async function expectNothingRunning(cname: string, c = control): Promise<void> {
    expect(await c.tasks({ cname, running: true })).toEqual([]);
  }

  /** The failure a workflow ended with (its cause, an ApplicationFailure, for a thrown failure). */
  describe('each mode records and returns its files', () => {
    const webService = { ...WEB_RECORDER_SERVICE, recordingFileConfig: { avFileType: ['hls', 'mp4'] as Array<'hls' | 'mp4'> } };
    const cases: Array<[string, Partial<CloudRecordingInput>, (sid: string, cname: string) => string[]]> = [
      [
        'individual',
        { mode: 'individual' },
        (sid, c) => ['10001', '10002'].flatMap((u) => [`${sid}_${c}__uid_s_${u}__uid_e_audio.m3u8`, `${sid}_${c}__uid_s_${u}__uid_e_video.m3u8`]),
      ],
      ['mix', { mode: 'mix', clientRequest: { recordingFileConfig: { avFileType: ['hls', 'mp4'] } } }, (sid, c) => [`${sid}_${c}.m3u8`, `${sid}_${c}_0.mp4`]],
      ['web', { mode: 'web', clientRequest: webService, acquire: { scene: 1 } }, (sid, c) => [`${sid}_${c}_0.m3u8`, `${sid}_${c}_0.mp4`]],
    ];
    test.each(cases)('%s', async (_name, extra, expectedFiles) => {
      const cname = uniqueId(`mode-${_name}`);
      const result = await run(async (tq) => {
        const h = await start(tq, input(cname, extra));
        await phaseOf(h, 'recording');
        return h.executeUpdate(stopUpdate, { args: [{ reason: 'lesson over' }] });
      });
      expect(result).toMatchObject({ outcome: 'stopped', reason: 'lesson over', uploadingStatus: 'uploaded', needsReview: false, screenshots: false, unstopped: [] });
      expect(result.files.map((f) => f.fileName).sort()).toEqual(expectedFiles(result.sid!, cname).sort());
      const ops = await operations(cname);
      expect(ops.slice(0, 2)).toEqual(['acquire:200', 'start:200']);
      expect(ops.at(-1)).toBe('stop:200');
      expect(ops.filter((o) => o.startsWith('stop'))).toHaveLength(1);
      await expectNothingRunning(cname);
    });

    test('screenshots stay in the same workflow with their own results', async () => {
      const cname = uniqueId('mode-shot');
      const result = await run(async (tq) => {
        const h = await start(
          tq,
          input(cname, {
            mode: 'individual',
            clientRequest: { recordingConfig: { channelType: 1, subscribeUidGroup: 0 }, snapshotConfig: { captureInterval: 5, fileType: ['jpg'] } },
          }),
        );
        await phaseOf(h, 'recording');
        return h.executeUpdate(stopUpdate, { args: [{}] });
      });
      expect(result.screenshots).toBe(true);
      expect(result.files.map((f) => f.fileName).sort()).toEqual(
        ['10001', '10002'].map((u) => expect.stringMatching(new RegExp(`^${result.sid}_${cname}__uid_s_${u}__uid_e_video_\\d+\\.jpg$`))),
      );
      await expectNothingRunning(cname);
    });
  });

  describe('mid-session changes', () => {
    test('a layout updated twice reaches the emulator in order, whole each time', async () => {
      const cname = uniqueId('layout');
      const first: Layout = {
        mixedVideoLayout: 3,
        backgroundColor: '#112233',
        layoutConfig: [
          { uid: '10001', x_axis: 0, y_axis: 0, width: 0.5, height: 1 },
          { uid: '10002', x_axis: 0.5, y_axis: 0, width: 0.5, height: 1 },
        ],
      };
      const second: Layout = { mixedVideoLayout: 2, maxResolutionUid: '10002' };
      const result = await run(async (tq) => {
        const h = await start(tq, input(cname, { pollIntervalMs: 60_000 }));
        const s = await phaseOf(h, 'recording');
        expect(await h.executeUpdate(updateLayoutUpdate, { args: [first] })).toEqual(first);
        expect((await control.recorder(s.sid!)).layout).toEqual(first);
        expect(await h.executeUpdate(updateLayoutUpdate, { args: [second] })).toEqual(second);
        expect((await control.recorder(s.sid!)).layout).toEqual(second);
        expect(await h.query(recordingStatusQuery)).toMatchObject({ layout: second, layoutApplied: true });
        // the Temporal UI shows the phase as the workflow's current details
        const meta = await h.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
        expect(meta.currentDetails).toMatch(/^\*\*recording\*\*/);
        return h.executeUpdate(stopUpdate, { args: [{}] });
      });
      const layoutCalls = (await control.requests({ cname, product: 'cloud-recording' })).filter((r) => r.operation === 'updateLayout');
      expect(layoutCalls.map((r) => (r.body as { clientRequest: unknown }).clientRequest)).toEqual([first, second]);
      expect(result.outcome).toBe('stopped');
      await expectNothingRunning(cname);
    });

    test('an invalid layout is rejected by the validator and nothing is sent', async () => {
      const cname = uniqueId('badlayout');
      // a value no timestamp, id or duration in a history can contain by chance
      const marker = 0.87654321;
      await run(async (tq) => {
        const h = await start(tq, input(cname));
        await phaseOf(h, 'recording');
        const bad = { mixedVideoLayout: 3, layoutConfig: [{ x_axis: marker, y_axis: 0, width: 0.5, height: 1 }] } as Layout;
        const err = await h.executeUpdate(updateLayoutUpdate, { args: [bad] }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
        expect(String((err as WorkflowUpdateFailedError).cause?.message)).toMatch(/region extends beyond the canvas/);
        const custom = await h.executeUpdate(updateLayoutUpdate, { args: [{ mixedVideoLayout: 3 } as Layout] }).catch((e: unknown) => e);
        expect(String((custom as WorkflowUpdateFailedError).cause?.message)).toMatch(/needs layoutConfig/);
        await h.executeUpdate(stopUpdate, { args: [{}] });
        // a rejected update never reaches history
        expect(await historyText(h)).not.toContain(String(marker));
      });
      expect(await callsOf(cname, 'updateLayout')).toEqual([]);
      await expectNothingRunning(cname);
    });

    test('subscriptions are updated through update; the stop signal returns the files in the result', async () => {
      const cname = uniqueId('subs');
      const result = await run(async (tq) => {
        const h = await start(tq, input(cname, { mode: 'individual' }));
        const s = await phaseOf(h, 'recording');
        const subs = { audioUidList: { subscribeAudioUids: ['10001'] }, videoUidList: { subscribeVideoUids: ['10001'] } };
        await h.executeUpdate(updateSubscriptionsUpdate, { args: [subs] });
        expect((await control.recorder(s.sid!)).subscriptions).toEqual(subs);
        await h.signal(stopSignal, { reason: 'signalled' });
        return h.result();
      });
      expect(result).toMatchObject({ outcome: 'stopped', reason: 'signalled' });
      expect(result.files).toHaveLength(4);
      expect(await callsOf(cname, 'update')).toEqual(['update:200']);
      await expectNothingRunning(cname);
    });

    test('layout signals sent while the session continues as new are all accounted for: the last one wins, none goes backwards', async () => {
      const cname = uniqueId('can-signals');
      const colour = (i: number) => `#0000${i.toString(16).padStart(2, '0').toUpperCase()}`;
      const sent = 24;
      await run(async (tq) => {
        // the smallest history budget (100 events): a new run every few polls
        const h = await start(tq, input(cname, { pollIntervalMs: 100, maxHistoryEvents: 100 }));
        const s = await phaseOf(h, 'recording');
        const runsBefore = (await h.query(recordingStatusQuery)).continuedAsNew;
        for (let i = 1; i <= sent; i++) {
          await h.signal(updateLayoutSignal, { mixedVideoLayout: 1, backgroundColor: colour(i) });
          // spread over several runs: wait until the previous signal is in the session's state
          await eventually(async () => ((await h.query(recordingStatusQuery)).layout?.backgroundColor === colour(i) ? true : undefined), `signal ${i} accepted`);
        }
        const done = await eventually(async () => {
          const st = await h.query(recordingStatusQuery);
          return st.layoutApplied && st.layout?.backgroundColor === colour(sent) ? st : undefined;
        }, 'the last layout applied');
        expect(done.continuedAsNew).toBeGreaterThan(runsBefore);
        expect((await control.recorder(s.sid!)).layout).toEqual({ mixedVideoLayout: 1, backgroundColor: colour(sent) });
        await h.executeUpdate(stopUpdate, { args: [{}] });
      });
      const applied = (await control.requests({ cname, product: 'cloud-recording' }))
        .filter((r) => r.operation === 'updateLayout' && r.status === 200)
        .map((r) => parseInt(((r.body as { clientRequest: Layout }).clientRequest.backgroundColor ?? '#0').slice(1), 16));
      expect(applied.at(-1)).toBe(sent);
      // an older layout never overwrites a newer one
      expect([...applied].sort((a, b) => a - b)).toEqual(applied);
      await expectNothingRunning(cname);
    });
  });

  describe('starting', () => {
    test('a resource that lapsed while its start was in flight is acquired again', async () => {
      const cname = uniqueId('lapsed');
      const held = await control.hold({ product: 'cloud-recording', operation: 'start' });
      const result = await run(async (tq) => {
        const h = await start(tq, input(cname));
        // while the first start is held, six emulated minutes pass: its resourceId expires
        await held.held();
        await control.advanceClock(6 * 60_000);
        await held.release();
        await phaseOf(h, 'recording');
        return h.executeUpdate(stopUpdate, { args: [{}] });
      });
      expect((await operations(cname)).slice(0, 4)).toEqual(['acquire:200', 'start:400', 'acquire:200', 'start:200']);
      const starts = (await control.requests({ cname })).filter((r) => r.operation === 'start');
      expect(starts[0]!.resourceId).not.toBe(starts[1]!.resourceId);
      expect(result.outcome).toBe('stopped');
      await expectNothingRunning(cname);
    });

    test.each([
      [1001, 'resourceId decryption failed'],
      [109, 'token expired'],
      [110, 'token invalid'],
    ])('a start refused with code %i is acquired again with a new resource', async (code, reason) => {
      const cname = uniqueId(`code${code}`);
      await control.addFault({ match: { product: 'cloud-recording', operation: 'start' }, action: { type: 'error', status: 400, body: { code, reason } }, count: 1 });
      const result = await run(async (tq) => {
        const h = await start(tq, input(cname));
        await phaseOf(h, 'recording');
        return h.executeUpdate(stopUpdate, { args: [{}] });
      });
      expect((await operations(cname)).slice(0, 4)).toEqual(['acquire:200', 'start:400', 'acquire:200', 'start:200']);
      const log = await control.requests({ cname });
      const [firstAcquire, secondAcquire] = log.filter((r) => r.operation === 'acquire');
      expect(secondAcquire!.resourceId).not.toBe(firstAcquire!.resourceId);
      expect(result).toMatchObject({ outcome: 'stopped', resourceId: secondAcquire!.resourceId });
      await expectNothingRunning(cname);
    });

    test('an ambiguous start (response dropped) ends with exactly one recording', async () => {
      const cname = uniqueId('ambiguous');
      await control.addFault({ match: { product: 'cloud-recording', operation: 'start' }, action: { type: 'drop-response' }, count: 1 });
      const result = await run(async (tq) => {
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
      await control.code7WithoutSid(true);
      try {
        await control.addFault({ match: { product: 'cloud-recording', operation: 'start' }, action: { type: 'drop-response' }, count: 1 });
        const result = await run(async (tq) => {
          const h = await start(tq, input(cname));
          await phaseOf(h, 'recording');
          return h.executeUpdate(stopUpdate, { args: [{}] });
        });
        const log = await control.requests({ cname });
        expect(log.filter((r) => r.operation === 'start').map((r) => `${r.status}:${r.fault ?? ''}`)).toEqual(['200:drop-response', '201:']);
        const tasks = await control.tasks({ cname });
        expect(tasks).toHaveLength(1);
        expect(result.sid).toBe(tasks[0]!.id);
        expect(log.filter((r) => r.operation === 'stop').map((r) => `${r.sid}:${r.status}`)).toEqual([`${tasks[0]!.id}:200`]);
        await expectNothingRunning(cname);
      } finally {
        await control.code7WithoutSid(false);
      }
    });

    test('201/code 7 without a sid and no recorder_started in time: RecordingUnreachable, the resource named; idle ends it', async () => {
      const cname = uniqueId('unreachable');
      await control.code7WithoutSid(true);
      await control.stallStarts(1); // the recorder never reports in: no recorder_started carries its sid
      try {
        await control.emptyChannel(APP, cname);
        await control.addFault({ match: { product: 'cloud-recording', operation: 'start' }, action: { type: 'drop-response' }, count: 1 });
        const err = await run(async (tq) => {
          const h = await start(tq, input(cname, { confirmTimeoutMs: 1_500, clientRequest: { recordingConfig: { maxIdleTime: 30 } } }));
          return failureOf(h);
        });
        expect(err.cause).toBeInstanceOf(ApplicationFailure);
        expect((err.cause as ApplicationFailure).type).toBe('RecordingUnreachable');
        const starts = (await control.requests({ cname })).filter((r) => r.operation === 'start');
        expect(starts.map((r) => `${r.status}:${r.fault ?? ''}`)).toEqual(['200:drop-response', '201:']);
        expect((await control.requests({ cname })).filter((r) => r.operation === 'stop')).toEqual([]);
        // exactly one recorder ever ran; nobody is in the channel, so maxIdleTime ends it
        expect(await control.tasks({ cname })).toHaveLength(1);
        await eventually(async () => ((await control.tasks({ cname, running: true })).length === 0 ? true : undefined), 'the idle recorder to end');
        await expectNothingRunning(cname);
      } finally {
        await control.code7WithoutSid(false);
        await control.stallStarts(0);
      }
    });

    test('a recorder that never reports in is stopped and replaced by one with a new uid, its resource excluded', async () => {
      const cname = uniqueId('stall');
      await control.stallStarts(1);
      try {
        const result = await run(async (tq) => {
          const h = await start(tq, input(cname, { confirmTimeoutMs: 1_500 }));
          await phaseOf(h, 'recording');
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
        expect((await control.recorder(first.sid!)).stalled).toBe(true);
        expect(result.sid).not.toBe(first.sid);
        await expectNothingRunning(cname);
      } finally {
        await control.stallStarts(0);
      }
    });

    test('recorders that never report in, maxStartAttempts times: RecordingNotConfirmed, every one of them stopped', async () => {
      const cname = uniqueId('notconfirmed');
      await control.stallStarts(2);
      try {
        const err = await run(async (tq) => {
          const h = await start(tq, input(cname, { confirmTimeoutMs: 1_000, maxStartAttempts: 2 }));
          return failureOf(h);
        });
        expect((err.cause as ApplicationFailure).type).toBe('RecordingNotConfirmed');
        const log = await control.requests({ cname });
        const started = log.filter((r) => r.operation === 'start' && r.status === 200).map((r) => r.sid);
        expect(started).toHaveLength(2);
        // each stalled recorder was stopped exactly once
        expect(log.filter((r) => r.operation === 'stop').map((r) => `${r.sid}:${r.status}`)).toEqual(started.map((sid) => `${sid}:200`));
        await expectNothingRunning(cname);
      } finally {
        await control.stallStarts(0);
      }
    });

    test('a uid conflict (53) is solved with a new recorder uid', async () => {
      const cname = uniqueId('uid53');
      await control.emptyChannel(APP, cname);
      await control.join(APP, cname, '777'); // a user already has the uid we ask for
      const result = await run(async (tq) => {
        const h = await start(tq, input(cname, { recorderUid: '777' }));
        await phaseOf(h, 'recording');
        return h.executeUpdate(stopUpdate, { args: [{}] });
      });
      expect((await operations(cname)).slice(0, 4)).toEqual(['acquire:200', 'start:400', 'acquire:200', 'start:200']);
      expect(result.recorderUid).not.toBe('777');
      await expectNothingRunning(cname);
    });
  });

  describe('failover and the 404 grace window', () => {
    test('404s during a failover are not an end; the layout is re-applied after recovery', async () => {
      const cname = uniqueId('failover');
      const layout: Layout = { mixedVideoLayout: 1, backgroundColor: '#00FF00' };
      const result = await run(async (tq) => {
        const h = await start(tq, input(cname));
        const s = await phaseOf(h, 'recording');
        await h.executeUpdate(updateLayoutUpdate, { args: [layout] });
        // a failover that lasts until the test ends it
        await control.failover(s.sid!, 3_000);
        await eventually(async () => ((await h.query(recordingStatusQuery)).suspectSince ? true : undefined), 'the workflow noticing the 404s');
        await control.endFailover(s.sid!);
        const after = await eventually(async () => {
          const rec = await control.recorder(s.sid!);
          const st = await h.query(recordingStatusQuery);
          return rec.failoverUntil === undefined && rec.layout?.backgroundColor === '#00FF00' && st.suspectSince === undefined ? st : undefined;
        }, 'recovery with the layout re-applied');
        expect(after).toMatchObject({ phase: 'recording', layoutApplied: true, sid: s.sid });
        return h.executeUpdate(stopUpdate, { args: [{}] });
      });
      expect(result).toMatchObject({ outcome: 'stopped', segments: [expect.objectContaining({ sid: result.sid })] });
      const ops = await operations(cname);
      expect(ops).toContain('query:404');
      expect(ops.filter((o) => o === 'updateLayout:200')).toHaveLength(2);
      expect(ops.filter((o) => o.startsWith('stop'))).toEqual(['stop:200']);
      await expectNothingRunning(cname);
    });

    test('a failover noticed only through NCS (session_failover) re-applies the layout', async () => {
      const cname = uniqueId('ncs-failover');
      const layout: Layout = { mixedVideoLayout: 1, backgroundColor: '#FF00FF' };
      await run(async (tq) => {
        // no poll falls inside the failover: only the NCS event can tell the session the recorder moved
        const h = await start(tq, input(cname, { pollIntervalMs: 600_000 }));
        const s = await phaseOf(h, 'recording');
        await h.executeUpdate(updateLayoutUpdate, { args: [layout] });
        await control.failover(s.sid!, 3_000);
        await control.endFailover(s.sid!);
        // the recorder is back (its layout reset to the start configuration in the same step) ...
        await eventually(async () => ((await control.recorder(s.sid!)).failoverUntil === undefined ? true : undefined), 'the recorder back from the failover');
        // ... and the session, told only by session_failover, sends the layout again
        await eventually(
          async () => ((await control.recorder(s.sid!)).layout?.backgroundColor === '#FF00FF' ? true : undefined),
          'the layout back on the migrated recorder',
          15_000,
        );
        expect(await h.query(recordingStatusQuery)).toMatchObject({ phase: 'recording', layoutApplied: true, sid: s.sid });
        await h.executeUpdate(stopUpdate, { args: [{}] });
      });
      const ops = await operations(cname);
      expect(ops.filter((o) => o.startsWith('updateLayout'))).toEqual(['updateLayout:200', 'updateLayout:200']);
      expect(ops).not.toContain('query:404');
      await expectNothingRunning(cname);
    });

    test('a recorder gone past the grace window ends the session with its files and the reason', async () => {
      const cname = uniqueId('gone');
      const result = await run(async (tq) => {
        // no NCS event will come from a dead recorder: the upload stays unknown after a short drain
        const h = await start(tq, input(cname, { notFoundGraceMs: 1_500, drainTimeoutMs: 1_000 }));
        const s = await phaseOf(h, 'recording');
        await eventually(async () => ((await h.query(recordingStatusQuery)).files.length ? true : undefined), 'files seen by query');
        await control.crash(s.sid!);
        return h.result();
      });
      expect(result).toMatchObject({ outcome: 'ended', unstopped: [], needsReview: true });
      expect(result.reason).toMatch(/recording not found for 2 s/);
      expect(result.files.map((f) => f.fileName)).toEqual([`${result.sid}_${cname}.m3u8`]);
      // the end was inferred from 404s: one stop made sure, and 404 means it is gone
      expect(await callsOf(cname, 'stop')).toEqual(['stop:404']);
      await expectNothingRunning(cname);
    });

    test('a cancellation inside the grace window ends once the window has run out (its timer survives the cancellation)', async () => {
      const cname = uniqueId('cancel-gone');
      await run(async (tq) => {
        const h = await start(tq, input(cname, { notFoundGraceMs: 2_000, drainTimeoutMs: 1_000 }));
        const s = await phaseOf(h, 'recording');
        await control.crash(s.sid!);
        await eventually(async () => ((await h.query(recordingStatusQuery)).suspectSince ? true : undefined), 'the 404s noticed');
        await h.cancel();
        const err = await failureOf(h);
        expect(err.cause).toBeInstanceOf(CancelledFailure);
      });
      // the stop on cancel asked again through the rest of the window (every 50 ms to 5 s), then took 404 for gone
      const stops = await callsOf(cname, 'stop');
      expect(stops.length).toBeGreaterThan(0);
      expect(stops.length).toBeLessThan(20);
      expect(stops.every((o) => o === 'stop:404')).toBe(true);
      await expectNothingRunning(cname);
    });

    test('a stop requested during a failover waits for the recorder to come back, then stops it once', async () => {
      const cname = uniqueId('stop-failover');
      const result = await run(async (tq) => {
        const h = await start(tq, input(cname));
        const s = await phaseOf(h, 'recording');
        await control.failover(s.sid!, 3_000);
        await eventually(async () => ((await h.query(recordingStatusQuery)).suspectSince ? true : undefined), 'the 404s noticed');
        await h.signal(stopSignal, { reason: 'class over' });
        await eventually(async () => ((await callsOf(cname, 'stop')).includes('stop:404') ? true : undefined), 'a stop answered 404');
        await control.endFailover(s.sid!);
        return h.result();
      });
      expect(result).toMatchObject({ outcome: 'stopped', reason: 'class over', uploadingStatus: 'uploaded', unstopped: [] });
      expect(result.files.map((f) => f.fileName)).toEqual([`${result.sid}_${cname}.m3u8`]);
      const stops = await callsOf(cname, 'stop');
      expect(stops.at(-1)).toBe('stop:200');
      expect(stops.filter((o) => o === 'stop:200')).toHaveLength(1);
      await expectNothingRunning(cname);
    });
  });

  describe('ending', () => {
    test('an idle timeout ends the workflow with the files and the reason', async () => {
      const cname = uniqueId('idle');
      await control.emptyChannel(APP, cname);
      await control.join(APP, cname, '501');
      const result = await run(async (tq) => {
        const h = await start(tq, input(cname, { clientRequest: { recordingConfig: { maxIdleTime: 30 } } }));
        await phaseOf(h, 'recording');
        await eventually(async () => ((await h.query(recordingStatusQuery)).files.length ? true : undefined), 'files seen by query');
        await control.leave(APP, cname, '501'); // 30 emulated seconds later the recorder leaves
        return h.result();
      });
      expect(result).toMatchObject({ outcome: 'ended', uploadingStatus: 'uploaded', unstopped: [] });
      expect(result.reason).toMatch(/no users for maxIdleTime/);
      expect(result.files.map((f) => f.fileName)).toEqual([`${result.sid}_${cname}.m3u8`]);
      // the end was inferred (404 + NCS notice), so one stop made sure: 404, it is gone
      expect(await callsOf(cname, 'stop')).toEqual(['stop:404']);
      await expectNothingRunning(cname);
    });

    test('restartOnFailure starts a new recording when the first one ends on its own', async () => {
      const cname = uniqueId('restart');
      await control.emptyChannel(APP, cname);
      await control.join(APP, cname, '601');
      const result = await run(async (tq) => {
        const h = await start(tq, input(cname, { restartOnFailure: true, clientRequest: { recordingConfig: { maxIdleTime: 60 } } }));
        const first = await phaseOf(h, 'recording');
        // the restart's acquire waits until someone is back in the channel for the second recorder
        const restart = await control.hold({ product: 'cloud-recording', operation: 'acquire' });
        await control.leave(APP, cname, '601');
        await restart.held();
        await control.join(APP, cname, '602');
        await restart.release();
        await eventually(async () => {
          const s = await h.query(recordingStatusQuery);
          return s.phase === 'recording' && s.sid !== first.sid ? s : undefined;
        }, 'a second recording');
        return h.executeUpdate(stopUpdate, { args: [{}] });
      });
      expect(result.restarts).toBe(1);
      expect(result.segments).toHaveLength(2);
      expect(result.segments[0]!.endReason).toMatch(/maxIdleTime/);
      expect(result.segments[1]!.sid).not.toBe(result.segments[0]!.sid);
      expect(result).toMatchObject({ outcome: 'stopped', sid: result.segments[1]!.sid });
      await expectNothingRunning(cname);
    });

    test('a slow upload (206 on stop) is drained until the uploaded event arrives', async () => {
      const cname = uniqueId('drain');
      await control.uploadProfile('slow', APP);
      try {
        const result = await run(async (tq) => {
          const h = await start(tq, input(cname, { drainTimeoutMs: 30_000 }));
          await phaseOf(h, 'recording');
          await h.signal(stopSignal, { reason: 'slow' });
          // 206: stopped, upload unknown; 60 emulated seconds later NCS 31 reports it uploaded
          await phaseOf(h, 'draining');
          return h.result();
        });
        expect(result).toMatchObject({ outcome: 'stopped', uploadingStatus: 'uploaded', needsReview: false });
        expect(result.files.map((f) => f.fileName)).toEqual([`${result.sid}_${cname}.m3u8`]);
        expect(await callsOf(cname, 'stop')).toEqual(['stop:206']);
        await expectNothingRunning(cname);
      } finally {
        await control.uploadProfile('fast', APP);
      }
    });

    test('an upload not confirmed within drainTimeoutMs completes with the files it has and needsReview', async () => {
      const cname = uniqueId('drain-bound');
      await control.uploadProfile('slow', APP);
      try {
        const result = await run(async (tq) => {
          const h = await start(tq, input(cname, { drainTimeoutMs: 500 }));
          await phaseOf(h, 'recording');
          return h.executeUpdate(stopUpdate, { args: [{ reason: 'bounded' }] });
        });
        expect(result).toMatchObject({ outcome: 'stopped', reason: 'bounded', uploadingStatus: 'unknown', needsReview: true, unstopped: [] });
        // the file list stop answered with is kept, never dropped
        expect(result.files.map((f) => f.fileName)).toEqual([`${result.sid}_${cname}.m3u8`]);
        expect(await callsOf(cname, 'stop')).toEqual(['stop:206']);
        await expectNothingRunning(cname);
      } finally {
        await control.uploadProfile('fast', APP);
      }
    });

    test('a query the vendor refuses (403) stops the recording rather than let it bill unseen', async () => {
      const cname = uniqueId('refused');
      const result = await run(async (tq) => {
        const h = await start(tq, input(cname));
        await phaseOf(h, 'recording');
        await control.addFault({ match: { product: 'cloud-recording', operation: 'query' }, action: { type: 'error', status: 403, body: { message: 'forbidden' } }, count: 1 });
        return h.result();
      });
      expect(result.outcome).toBe('stopped');
      expect(result.reason).toMatch(/^query failed: .*HTTP 403/);
      expect(await callsOf(cname, 'stop')).toEqual(['stop:200']);
      await expectNothingRunning(cname);
    });

    test('a stop the vendor refuses fails the session with StopFailed and the recording in `unstopped`', async () => {
      const cname = uniqueId('stopfail');
      const httpClient = new HttpClient();
      try {
        let sid = '';
        const err = await run(async (tq) => {
          const h = await start(tq, input(cname));
          sid = (await phaseOf(h, 'recording')).sid!;
          await control.addFault({
            match: { product: 'cloud-recording', operation: 'stop', path: `/sid/${sid}/` },
            action: { type: 'error', status: 401, body: { message: 'Invalid authentication credentials' } },
          });
          await h.signal(stopSignal, { reason: 'done' });
          const e = await failureOf(h);
          expect(await h.query(recordingStatusQuery)).toMatchObject({ phase: 'failed' });
          return e;
        });
        const cause = err.cause as ApplicationFailure;
        expect(cause.type).toBe('StopFailed');
        expect(cause.message).toContain(sid);
        const [{ unstopped }] = cause.details as [{ unstopped: CloudRecordingResult['unstopped'] }];
        expect(unstopped).toEqual([expect.objectContaining({ sid, error: expect.stringMatching(/HTTP 401/) })]);
        // exactly one stop was tried (a 401 is final), and the recording still bills
        expect(await callsOf(cname, 'stop')).toEqual(['stop:401']);
        expect(await control.tasks({ cname, running: true })).toHaveLength(1);
        // what `unstopped` names is enough for an operator to stop it
        await control.clearFaults();
        const ctx = { http: httpClient, baseUrls: [emu.url], appId: APP, credentials: { customerId: EMULATOR_AGORA.customerId, customerSecret: EMULATOR_AGORA.customerSecret } };
        await agora.stop(ctx, { resourceId: unstopped[0]!.resourceId, sid: unstopped[0]!.sid, mode: 'mix', cname, uid: unstopped[0]!.recorderUid });
        await expectNothingRunning(cname);
      } finally {
        await httpClient.close();
      }
    });

    test('cancellation stops the recording once and the workflow ends cancelled', async () => {
      const cname = uniqueId('cancel');
      await run(async (tq) => {
        const h = await start(tq, input(cname));
        await phaseOf(h, 'recording');
        await h.cancel();
        const err = await failureOf(h);
        expect(err.cause).toBeInstanceOf(CancelledFailure);
        expect(await h.query(recordingStatusQuery)).toMatchObject({ phase: 'completed' });
      });
      expect(await callsOf(cname, 'stop')).toEqual(['stop:200']);
      await expectNothingRunning(cname);
    });

    test('cancellation while the start is in flight learns the sid and stops that recording', async () => {
      const cname = uniqueId('cancel-start');
      const held = await control.hold({ product: 'cloud-recording', operation: 'start' });
      await run(async (tq) => {
        const h = await start(tq, input(cname));
        await held.held();
        await h.cancel();
        // the workflow has acted on the cancellation (asked to cancel the start) before the start is answered
        await eventually(async () => {
          const events = (await h.fetchHistory()).events ?? [];
          return events.some((e) => e.activityTaskCancelRequestedEventAttributes) ? true : undefined;
        }, 'the workflow cancelling the start in flight');
        await held.release();
        const err = await failureOf(h);
        expect(err.cause).toBeInstanceOf(CancelledFailure);
      });
      const log = await control.requests({ cname, product: 'cloud-recording' });
      const started = log.filter((r) => r.operation === 'start' && r.sid).map((r) => r.sid);
      expect(new Set(started).size).toBe(1);
      expect(log.filter((r) => r.operation === 'stop').map((r) => `${r.sid}:${r.status}`)).toEqual([`${started[0]}:200`]);
      await expectNothingRunning(cname);
    });

    test('the max duration stops the recording', async () => {
      const cname = uniqueId('maxdur');
      const result = await run(async (tq) => {
        const h = await start(tq, input(cname, { maxDurationMs: 4_000 }));
        return h.result();
      });
      expect(result).toMatchObject({ outcome: 'stopped', unstopped: [] });
      expect(result.reason).toMatch(/max duration/);
      expect(await callsOf(cname, 'stop')).toEqual(['stop:200']);
      await expectNothingRunning(cname);
    });
  });

  describe('storage credentials', () => {
    /** A test STS provider: credentials valid `validMs` from issue; records every expiry it issued. */
    const stsProvider = (validMs: number) => {
      const issued: number[] = [];
      const provide = async (_name: string, p: StorageProfile): Promise<StorageProfile> => {
        const expiresAt = Date.now() + validMs;
        issued.push(expiresAt);
        return { ...p, extensionParams: { stsToken: `sts-token-${issued.length}`, stsExpiration: Math.floor(expiresAt / 1000) } };
      };
      return { issued, provide };
    };

    test('expiring storage credentials are refreshed through update before they lapse, once per lapse', async () => {
      const cname = uniqueId('sts');
      const sts = stsProvider(8_000);
      const result = await run(
        async (tq) => {
          const h = await start(tq, input(cname, { storageRefreshMarginMs: 5_000 }));
          await phaseOf(h, 'recording');
          await eventually(async () => ((await operations(cname)).includes('update:200') ? true : undefined), 'an STS refresh', 20_000);
          const r = await h.executeUpdate(stopUpdate, { args: [{}] });
          expect(await historyText(h)).not.toContain('sts-token-');
          return r;
        },
        { storageCredentials: sts.provide },
      );
      // one set of credentials at start, one refresh: the next is not due for a minute
      expect(sts.issued).toHaveLength(2);
      const updates = (await control.requests({ cname })).filter((r) => r.operation === 'update');
      expect(updates.map((r) => r.status)).toEqual([200]);
      // the emulator's log masks the keys; the shape shows it was a storage refresh
      expect((updates[0]!.body as any).clientRequest.storageConfig.extensionParams.stsToken).toBe('***');
      expect(result.outcome).toBe('stopped');
      await expectNothingRunning(cname);
    });

    test('a storage refresh falling due during a failover waits for the recovery (no hot loop)', async () => {
      const cname = uniqueId('sts-failover');
      const sts = stsProvider(15_000);
      await run(
        async (tq) => {
          const h = await start(tq, input(cname, { storageRefreshMarginMs: 5_000 }));
          const s = await phaseOf(h, 'recording');
          // the failover starts long before the refresh falls due (10 s after issue) and lasts until ended
          await control.failover(s.sid!, 3_000);
          await eventually(async () => ((await callsOf(cname, 'query')).includes('query:404') ? true : undefined), 'a poll noticing the 404s');
          const due = sts.issued[0]! - 5_000;
          expect(await callsOf(cname, 'update')).toEqual([]); // the failover was noticed before the refresh fell due
          await eventually(async () => (Date.now() > due ? true : undefined), 'the refresh to fall due', 20_000);
          // barrier: two more queries answered 404 after it fell due
          const seen = (await callsOf(cname, 'query')).filter((o) => o === 'query:404').length;
          await eventually(async () => ((await callsOf(cname, 'query')).filter((o) => o === 'query:404').length >= seen + 2 ? true : undefined), 'two more 404s');
          // the workflow still answers (a spinning loop would never finish its task) and sent no update meanwhile
          expect((await h.query(recordingStatusQuery)).phase).toBe('recording');
          expect(await callsOf(cname, 'update')).toEqual([]);
          await control.endFailover(s.sid!);
          // after the recovery the overdue refresh goes out, once
          await eventually(async () => ((await callsOf(cname, 'update')).includes('update:200') ? true : undefined), 'the refresh after recovery');
          return h.executeUpdate(stopUpdate, { args: [{}] });
        },
        { storageCredentials: sts.provide },
      );
      expect(await callsOf(cname, 'update')).toEqual(['update:200']);
      expect(sts.issued).toHaveLength(2);
      await expectNothingRunning(cname);
    });
  });

  describe('durability', () => {
    test('a worker killed with SIGKILL mid-recording: a new worker carries on and the recording is stopped once', async () => {
      const cname = uniqueId('crash');
      const taskQueue = uniqueId('tq-crash');
      const worker = await forkWorker(taskQueue, emu.url);
      try {
        const h = await start(taskQueue, input(cname));
        const before = await phaseOf(h, 'recording', 60_000);
        await worker.kill();

        const result = await run(
          async () => {
            await h.signal(stopSignal, { reason: 'after the crash' });
            return h.result();
          },
          { taskQueue },
        );
        expect(result).toMatchObject({ outcome: 'stopped', sid: before.sid, reason: 'after the crash' });
        const ops = await operations(cname);
        expect(ops.filter((o) => o.startsWith('start'))).toEqual(['start:200']);
        expect(ops.filter((o) => o.startsWith('stop'))).toEqual(['stop:200']);
        await expectNothingRunning(cname);
      } finally {
        worker.dispose();
      }
    });

    test('a 72-hour session crosses continue-as-new without losing a layout update', async () => {
      // its own emulator; once recording, 43 200× fast: 72 emulated hours in 6 real seconds. The dev server
      // fires timers no sooner than a second, so a run of 100 events (6 per poll) lasts about 16 s.
      const fast = await spawnEmulator({ timeScale: 20 });
      try {
        const fastControl = new EmulatorControl(fast.url);
        const cname = uniqueId('long');
        const layout: Layout = { mixedVideoLayout: 1, backgroundColor: '#ABCDEF' };
        const result = await run(
          async (tq) => {
            const h = await start(tq, input(cname, { pollIntervalMs: 100, maxHistoryEvents: 100, acquire: { resourceExpiredHour: 720 } }));
            const s = await phaseOf(h, 'recording');
            await fastControl.setTimeScale(43_200);
            await eventually(async () => ((await h.query(recordingStatusQuery)).continuedAsNew >= 1 ? true : undefined), 'a first continue-as-new', 60_000);
            await h.executeUpdate(updateLayoutUpdate, { args: [layout] });
            const runsAtUpdate = (await h.query(recordingStatusQuery)).continuedAsNew;
            const startedAt = await fastControl.now();
            await eventually(
              async () => {
                const now = await fastControl.now();
                const runs = (await h.query(recordingStatusQuery)).continuedAsNew;
                // the layout update must have been carried across at least one more continue-as-new
                return now - startedAt >= 72 * 3_600_000 && runs > runsAtUpdate ? true : undefined;
              },
              '72 emulated hours and a continue-as-new after the layout update',
              120_000,
            );
            const status = await h.query(recordingStatusQuery);
            expect(status.continuedAsNew).toBeGreaterThanOrEqual(2);
            expect(status).toMatchObject({ phase: 'recording', sid: s.sid, layout, layoutApplied: true });
            expect((await fastControl.recorder(s.sid!)).layout).toEqual(layout);
            return h.executeUpdate(stopUpdate, { args: [{}] });
          },
          {},
          testConfig(fast.url),
        );
        expect(result.outcome).toBe('stopped');
        const ops = (await fastControl.requests({ cname })).map((r) => r.operation);
        expect(ops.filter((o) => o === 'start')).toHaveLength(1);
        expect(ops.filter((o) => o === 'updateLayout')).toHaveLength(1);
        await expectNothingRunning(cname, fastControl);
      } finally {
        await fast.stop();
      }
    }, 240_000);
  });
}
