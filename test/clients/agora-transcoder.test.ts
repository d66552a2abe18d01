/**
 * The typed Cloud Transcoder client (src/agora/transcoder.ts) against the emulator over HTTP: every
 * call, the results that are not errors (409 on create, 404 on delete), 206 and the 50x rows of the
 * classification table (agora.md §8, §13.2). A dedicated emulator: these tests move its clock.
 */
import { acquireBuilderToken, createTask, deleteTask, queryTask, updateTask } from '../../src/agora/transcoder';
import { InvalidInputError } from '../../src/errors';
import { APP, frozenEmulator, transcoderCreateBody } from '../helpers/agora-rtsc';
import { failure } from '../helpers/vendor-error';
import { uniqueId } from '../helpers/wait';

const env = frozenEmulator();

async function channels(prefix: string) {
  const input = uniqueId(`${prefix}-in`);
  const output = uniqueId(`${prefix}-out`);
  await env.control.emptyChannel(APP, input);
  await env.control.join(APP, input, '123');
  await env.control.join(APP, input, '456');
  await env.control.emptyChannel(APP, output);
  return { input, output, body: transcoderCreateBody(input, output) };
}

test('acquire → create → create again (409) → query → update → delete → delete again (404)', async () => {
  const { input, body } = await channels('c-tc');
  const token = await acquireBuilderToken(env.ctx, { instanceId: 'testtranscoding01' });
  expect(token).toEqual({ tokenName: expect.any(String), createTs: expect.any(Number), requestId: expect.any(String) });

  const created = await createTask(env.ctx, { builderToken: token.tokenName, request: body });
  expect(created).toMatchObject({
    taskId: expect.stringMatching(/^[0-9a-f]{32}$/),
    status: 'STARTED',
    serviceStatus: 'serviceReady',
    sequenceId: 0,
    ended: false,
    alreadyStarted: false,
    accepted: false,
  });
  const ref = { builderToken: token.tokenName, taskId: created.taskId! };

  const again = await createTask(env.ctx, { builderToken: token.tokenName, request: body });
  expect(again).toMatchObject({ alreadyStarted: true, ended: false });
  expect(await env.control.tasks({ cname: input, running: true })).toHaveLength(1);

  await env.control.advanceClock(3_000);
  expect(await queryTask(env.ctx, ref)).toMatchObject({ taskId: ref.taskId, status: 'IN_PROGRESS', serviceStatus: 'serviceInProgress', ended: false });

  const moved = JSON.parse(JSON.stringify(body));
  moved.services.cloudTranscoder.config.transcoder.videoInputs[1].region.x = 640;
  expect(await updateTask(env.ctx, ref, { sequenceId: 0, request: moved })).toMatchObject({ sequenceId: 0, status: 'IN_PROGRESS' });
  const louder = JSON.parse(JSON.stringify(moved));
  louder.services.cloudTranscoder.config.transcoder.outputs[0].audioOption.profileType = 'AUDIO_PROFILE_MUSIC_HIGH_QUALITY';
  expect((await updateTask(env.ctx, ref, { sequenceId: 1, request: louder })).sequenceId).toBe(1);
  const stale = await failure(updateTask(env.ctx, ref, { sequenceId: 1, request: body }));
  expect(stale.info).toMatchObject({ product: 'cloud-transcoder', operation: 'update', httpStatus: 400, retryable: false, ambiguous: false });

  const del = await deleteTask(env.ctx, ref);
  expect(del).toMatchObject({ outcome: 'deleted', status: 'STOPPED', serviceStatus: 'serviceCompleted', ended: true });
  expect(await env.control.tasks({ cname: input, running: true })).toEqual([]);
  expect(await queryTask(env.ctx, ref)).toMatchObject({ status: 'STOPPED', ended: true });
  expect(await deleteTask(env.ctx, ref)).toMatchObject({ outcome: 'already_deleted', ended: true });
});

test('206 on create (later than 2 s after acquire) is a retryable VendorError; a new builderToken succeeds', async () => {
  const { input, body } = await channels('c-tc-206');
  const late = await acquireBuilderToken(env.ctx, { instanceId: 'late' });
  await env.control.advanceClock(3_000);
  const timedOut = await failure(createTask(env.ctx, { builderToken: late.tokenName, request: body }));
  expect(timedOut.info).toMatchObject({
    product: 'cloud-transcoder',
    operation: 'create',
    httpStatus: 206,
    retryable: true,
    ambiguous: false,
    reason: expect.stringMatching(/timed out/),
  });
  expect(await env.control.tasks({ cname: input })).toEqual([]);
  const fresh = await acquireBuilderToken(env.ctx, { instanceId: 'fresh' });
  expect((await createTask(env.ctx, { builderToken: fresh.tokenName, request: body })).taskId).toBeDefined();
});

test('50x on create is retryable (the same builderToken is safe: a create that happened answers 409)', async () => {
  const { input, body } = await channels('c-tc-50x');
  const token = await acquireBuilderToken(env.ctx, { instanceId: 'x' });
  for (const status of [500, 501, 503, 504]) {
    await env.control.addFault({ match: { product: 'cloud-transcoder', operation: 'create' }, action: { type: 'error', status, body: { message: 'upstream' } }, count: 1 });
    const e = await failure(createTask(env.ctx, { builderToken: token.tokenName, request: body }));
    expect(e.info).toMatchObject({ httpStatus: status, retryable: true, ambiguous: false });
  }
  await env.control.addFault({
    match: { product: 'cloud-transcoder', operation: 'create' },
    action: { type: 'error', status: 400, body: { code: 65, message: 'network jitter' } },
    count: 1,
  });
  expect((await failure(createTask(env.ctx, { builderToken: token.tokenName, request: body }))).info).toMatchObject({ code: 65, retryable: true });

  // a create whose response is lost: the retry with the same token learns it was started
  await env.control.addFault({ match: { product: 'cloud-transcoder', operation: 'create' }, action: { type: 'drop-response' }, count: 1 });
  expect((await failure(createTask(env.ctx, { builderToken: token.tokenName, request: body }))).info).toMatchObject({ ambiguous: true });
  expect((await createTask(env.ctx, { builderToken: token.tokenName, request: body })).alreadyStarted).toBe(true);
  expect(await env.control.tasks({ cname: input, running: true })).toHaveLength(1);
});

test('an expired builderToken and a taken output uid are final 400s', async () => {
  const { output, body } = await channels('c-tc-final');
  const old = await acquireBuilderToken(env.ctx, { instanceId: 'old' });
  await env.control.advanceClock(5 * 60_000 + 1_000);
  expect((await failure(createTask(env.ctx, { builderToken: old.tokenName, request: body }))).info).toMatchObject({
    httpStatus: 400,
    retryable: false,
    reason: expect.stringMatching(/expired/),
  });
  await env.control.join(APP, output, '9999');
  const fresh = await acquireBuilderToken(env.ctx, { instanceId: 'fresh' });
  expect((await failure(createTask(env.ctx, { builderToken: fresh.tokenName, request: body }))).info).toMatchObject({
    httpStatus: 400,
    retryable: false,
    reason: expect.stringMatching(/9999/),
  });
});

test('bad input is refused before any request: InvalidInputError', async () => {
  const { input, body } = await channels('c-tc-input');
  const bad = JSON.parse(JSON.stringify(body));
  bad.services.cloudTranscoder.config.transcoder.canvas.width = 119;
  await expect(createTask(env.ctx, { builderToken: 'x', request: bad })).rejects.toBeInstanceOf(InvalidInputError);
  await expect(updateTask(env.ctx, { builderToken: 'x', taskId: 'y' }, { sequenceId: -1, request: body })).rejects.toBeInstanceOf(InvalidInputError);
  await expect(acquireBuilderToken(env.ctx, { instanceId: '' })).rejects.toBeInstanceOf(InvalidInputError);
  expect(await env.control.requests({ cname: input, product: 'cloud-transcoder' })).toEqual([]);
});
