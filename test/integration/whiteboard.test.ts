/**
 * Whiteboard file conversion as a durable job on the real Temporal dev server against its own emulator
 * process (20× fast): the projector task created once (also after an unanswered create, found by the
 * list), progress in `status`, RtcPhase and the current details, the pages in the result, Fail reported,
 * stop and cancellation deleting the task, a SIGKILLed worker's conversion finished by another, and the
 * typed client refusing bad input before anything starts. Every history is scanned for credentials and
 * whiteboard tokens (NETLESS…_).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { InvalidInputError, RtcflowClient, whiteboardWorkflowId } from '../../src/client';
import type { Config } from '../../src/config';
import { TEST_INPUT_POLICY } from '../../src/schemas/policy';
import type { WhiteboardConversionInput } from '../../src/schemas/workflows/whiteboard';
import { whiteboardConversion, whiteboardPokeSignal, whiteboardStatusQuery, whiteboardStopUpdate, type WhiteboardPhase, type WhiteboardStatus } from '../../workflows/whiteboard';
import { SA } from '../../workflows/lib/search-attributes';
import type { EmulatorControl } from '../helpers/emulator';
import { sessionHarness } from '../helpers/harness';
import { historyText } from '../helpers/history';
import { forkWorker, withWorker } from '../helpers/temporal';
import { eventually, uniqueId } from '../helpers/wait';
import { failureOf, untilPhase } from '../helpers/session';
import { json, rtcflow, rtcflowWith } from '../helpers/cli';

const world = sessionHarness();
let env: TestWorkflowEnvironment;
let control: EmulatorControl;
let config: Config;
beforeAll(() => {
  ({ env, control, config } = world);
});

/** A document of its own per test: the emulator converts one page per emulated second (50 ms real at 20×). */
const doc = (pages: number, ext = 'pdf') => `https://docs.example.com/${uniqueId('deck')}.${ext}?pages=${pages}`;
const input = (resource: string, extra: Partial<WhiteboardConversionInput> = {}): WhiteboardConversionInput => ({ resource, pollIntervalMs: 150, ...extra });

async function start(taskQueue: string, args: WhiteboardConversionInput): Promise<WorkflowHandle<typeof whiteboardConversion>> {
  return world.track(await env.client.workflow.start(whiteboardConversion, { taskQueue, workflowId: uniqueId('wf-wb'), args: [args] }));
}
const phaseOf = (h: WorkflowHandle, phase: WhiteboardPhase, timeoutMs?: number) => untilPhase<WhiteboardStatus>(h, whiteboardStatusQuery, phase, timeoutMs);

/** `operation:status[:fault]` of every whiteboard call about the resource, in order. */
async function operations(resource: string): Promise<string[]> {
  return (await control.requests({ cname: resource, product: 'whiteboard' })).map((r) => `${r.operation}:${r.status}${r.fault ? `:${r.fault}` : ''}`);
}

interface TaskView {
  uuid: string;
  resource: string;
  status: string;
  deleted?: boolean;
}
async function tasksOf(resource: string): Promise<TaskView[]> {
  return (await control.json<{ tasks: TaskView[] }>('GET', '/_emulator/agora/whiteboard/tasks')).tasks.filter((t) => t.resource === resource);
}

async function expectNoToken(h: WorkflowHandle): Promise<void> {
  expect(await historyText(h)).not.toMatch(/NETLESS(SDK|ROOM|TASK)_/);
}

test('a static conversion: queued, progress in status and RtcPhase, converted with its pages; one create, no token in history', async () => {
  const resource = doc(40);
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(resource, { priority: 'highest' }));
    const converting = await eventually(async () => {
      const s = await h.query(whiteboardStatusQuery);
      return s.phase === 'converting' && s.progress.percentage > 0 && s.progress.percentage < 100 ? s : undefined;
    }, 'progress between 0 and 100 %');
    expect(converting).toMatchObject({ resource, type: 'static', lastStatus: 'Converting', priorityApplied: true, progress: { pageCount: 40 } });
    expect(converting.progress.pagesConverted).toBeGreaterThan(0);
    expect(converting.reason).toMatch(/^\d+% \(\d+\/40 pages\)$/);
    expect((await h.describe()).typedSearchAttributes.get(SA.phase)).toBe('converting');

    const result = await h.result();
    expect(result).toMatchObject({
      outcome: 'converted',
      reason: 'converted: 40 pages',
      resource,
      type: 'static',
      taskUuid: converting.taskUuid,
      finalStatus: 'Finished',
      unstopped: [],
    });
    expect(result.progress).toEqual({ percentage: 100, pagesConverted: 40, pageCount: 40 });
    expect(result.pages).toHaveLength(40);
    expect(result.pages[0]).toEqual({ page: 1, url: expect.stringMatching(/\/1\.png$/), width: 1280, height: 720, preview: expect.stringMatching(/preview\/1\.png$/) });
    expect(result.pages.map((p) => p.page)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const d = await h.describe();
    expect(d.typedSearchAttributes.get(SA.phase)).toBe('completed');
    expect(d.typedSearchAttributes.get(SA.sid)).toBe(result.taskUuid);
    await expectNoToken(h);
  });
  const ops = await operations(resource);
  expect(ops.filter((o) => o.startsWith('conversion-create'))).toEqual(['conversion-create:201']);
  expect(ops).toContain('conversion-priority:200');
  // a finished task is not deleted: its pages stay
  expect(ops.filter((o) => o.startsWith('conversion-delete'))).toEqual([]);
});

test('a conversion the projector fails ends failed with its error; nothing to delete', async () => {
  const resource = `https://files.example.invalid/${uniqueId('gone')}.pptx`;
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(resource, { type: 'dynamic' }));
    const result = await h.result();
    expect(result).toMatchObject({ outcome: 'failed', finalStatus: 'Fail', errorCode: 'DownloadFail', pages: [] });
    expect(result.reason).toMatch(/the projector failed the conversion \(DownloadFail\)/);
    expect((await h.describe()).typedSearchAttributes.get(SA.phase)).toBe('failed');
  });
  expect((await operations(resource)).filter((o) => o.startsWith('conversion-delete'))).toEqual([]);
});

test('stop cancels: the task is deleted once and the result says cancelled', async () => {
  const resource = doc(400);
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(resource));
    await phaseOf(h, 'converting');
    const result = await h.executeUpdate(whiteboardStopUpdate, { args: [{ reason: 'slides replaced' }] });
    expect(result).toMatchObject({ outcome: 'cancelled', reason: 'slides replaced', pages: [] });
    expect(result.progress.percentage).toBeLessThan(100);
  });
  expect((await operations(resource)).filter((o) => o.startsWith('conversion-delete'))).toEqual(['conversion-delete:200']);
  expect(await tasksOf(resource)).toEqual([expect.objectContaining({ deleted: true })]);
  expect(await control.tasks({ cname: resource, running: true })).toEqual([]);
});

test('cancellation deletes the task once and the workflow ends cancelled', async () => {
  const resource = doc(400);
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(resource));
    await phaseOf(h, 'converting');
    await h.cancel();
    expect((await failureOf(h)).cause).toBeInstanceOf(CancelledFailure);
    expect(await h.query(whiteboardStatusQuery)).toMatchObject({ phase: 'completed', reason: 'workflow cancelled; task deleted' });
  });
  expect((await operations(resource)).filter((o) => o.startsWith('conversion-delete'))).toEqual(['conversion-delete:200']);
  expect(await control.tasks({ cname: resource, running: true })).toEqual([]);
});

test('an unanswered create is reconciled by the list: the task it started is adopted, never a second one', async () => {
  const resource = doc(5);
  await control.addFault({ match: { product: 'whiteboard', operation: 'conversion-create' }, action: { type: 'drop-response' }, count: 1 });
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(resource));
    const result = await h.result();
    expect(result).toMatchObject({ outcome: 'converted', adopted: true, pages: expect.arrayContaining([expect.objectContaining({ page: 5 })]) });
  });
  const ops = await operations(resource);
  expect(ops.filter((o) => o.startsWith('conversion-create'))).toEqual([expect.stringMatching(/^conversion-create:\d+:/)]);
  expect(await tasksOf(resource)).toHaveLength(1);
});

test('a worker killed with SIGKILL mid-conversion: a new worker follows the same task to its pages', async () => {
  const resource = doc(60);
  const taskQueue = uniqueId('tq-wb-crash');
  const worker = await forkWorker(taskQueue, world.emu.url);
  try {
    const h = await start(taskQueue, input(resource));
    const before = await phaseOf(h, 'converting', 60_000);
    await worker.kill();
    const result = await withWorker(env, config, () => h.result(), {}, { taskQueue });
    expect(result).toMatchObject({ outcome: 'converted', taskUuid: before.taskUuid, progress: { percentage: 100, pageCount: 60 } });
    expect(result.pages).toHaveLength(60);
  } finally {
    worker.dispose();
  }
  expect((await operations(resource)).filter((o) => o.startsWith('conversion-create'))).toEqual(['conversion-create:201']);
  expect(await tasksOf(resource)).toHaveLength(1);
});

test('pokes read the progress at once; continue-as-new carries the task, its progress and the count of reads', async () => {
  const resource = doc(400);
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(resource, { pollIntervalMs: 60_000, maxHistoryEvents: 100 }));
    // created: queued until a read says otherwise, and the poll is a minute away: every read now is a poke's
    const before = await phaseOf(h, 'queued');
    const carried = await eventually(async () => {
      await h.signal(whiteboardPokeSignal);
      const s = await h.query(whiteboardStatusQuery);
      return s.continuedAsNew > 0 ? s : undefined;
    }, 'a continue-as-new');
    expect(carried).toMatchObject({ phase: 'converting', taskUuid: before.taskUuid, progress: { pageCount: 400 } });
    expect(carried.polls).toBeGreaterThan(before.polls);
    expect(carried.progress.percentage).toBeGreaterThan(0);
    const result = await h.executeUpdate(whiteboardStopUpdate, { args: [{ reason: 'enough' }] });
    expect(result).toMatchObject({ outcome: 'cancelled', taskUuid: before.taskUuid });
  });
  const ops = await operations(resource);
  expect(ops.filter((o) => o.startsWith('conversion-create'))).toEqual(['conversion-create:201']);
  expect(ops.filter((o) => o.startsWith('conversion-delete'))).toEqual(['conversion-delete:200']);
});

test('through the typed client: idempotent start by name, status, result; bad input refused before anything starts', async () => {
  const resource = doc(8);
  await withWorker(env, config, async (tq) => {
    const rtc = new RtcflowClient(env.client, tq, { inputPolicy: TEST_INPUT_POLICY });
    const first = await rtc.whiteboard.start({ resource, name: uniqueId('deck'), pollIntervalMs: 200 });
    world.track(env.client.workflow.getHandle(first.id));
    expect(first.id).toMatch(/^whiteboard\/default\/deck-/);
    const again = await rtc.whiteboard.start({ resource: doc(3), name: first.id.split('/')[2]!, pollIntervalMs: 200 });
    expect(again).toEqual(first);
    expect(whiteboardWorkflowId({ profile: 'default', resource, type: 'static' })).toMatch(/^whiteboard\/default\/static-[0-9a-f]{8}$/);
    const result = await rtc.whiteboard.result(first.id);
    expect(result.pages).toHaveLength(8);
    expect((await rtc.whiteboard.status(first.id)).phase).toBe('completed');

    const publicRtc = new RtcflowClient(env.client, tq);
    await expect(publicRtc.whiteboard.start({ resource: 'javascript:alert(1)' })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(publicRtc.whiteboard.start({ resource, pollIntervalMs: 100 })).rejects.toThrow(/pollIntervalMs: must be at least 5000 ms/);
    await expect(publicRtc.whiteboard.start({ resource, secretAccessKey: 'x' } as never)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(publicRtc.whiteboard.start({ resource, type: 'video' as never })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(
      new RtcflowClient(env.client, tq, { profiles: { agora: ['default'], storage: [], sparkrtc: [] } }).whiteboard.start({ resource, profile: 'other' }),
    ).rejects.toThrow(/no Agora profile named "other"/);
  });
  // one create: the refused starts reached neither Temporal nor the vendor
  expect((await operations(resource)).filter((o) => o.startsWith('conversion-create'))).toEqual(['conversion-create:201']);
});

test('through the CLI: convert --wait; a room created and banned with the profile key pair; bad input exits 2 before anything', async () => {
  const resource = doc(6);
  const name = uniqueId('cli-deck');
  const id = whiteboardWorkflowId({ profile: 'default', name, resource, type: 'static' });
  await withWorker(env, config, async (tq) => {
    const done = json(await rtcflow(tq, 'whiteboard', 'convert', '--resource', resource, '--name', name, '--poll-interval', '200', '--wait', '--json'));
    world.track(env.client.workflow.getHandle(id));
    expect(done).toMatchObject({ id, outcome: 'converted', progress: { percentage: 100, pageCount: 6 } });
    expect(done.pages).toHaveLength(6);

    const bad = await rtcflow(tq, 'whiteboard', 'convert', '--resource', 'ftp://docs.example.com/x.pdf', '--json');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/resource/);
  });
  expect((await operations(resource)).filter((o) => o.startsWith('conversion-create'))).toEqual(['conversion-create:201']);

  const emulator = { RTCFLOW_EMULATOR_URL: world.emu.url };
  const room = json(await rtcflowWith(emulator, 'unused', 'whiteboard', 'room', 'create', '--limit', '4', '--json'));
  expect(room).toMatchObject({ uuid: expect.any(String), limit: 4, isBan: false });
  expect(json(await rtcflowWith(emulator, 'unused', 'whiteboard', 'room', 'ban', room.uuid, '--json'))).toMatchObject({ uuid: room.uuid, isBan: true });
});
