/**
 * The typed Real-Time STT client (src/agora/stt.ts) against the emulator over HTTP: every call, the
 * results that are not errors (201 on start, 409 on join, 206 and 404 on stop/leave) and the error
 * classification (agora.md §13.2). A dedicated emulator: these tests move its clock.
 */
import { acquireBuilderToken, joinAgent, leaveAgent, listAgents, queryAgent, queryTask, startTask, stopTask, updateAgent, updateTask } from '../../src/agora/stt';
import { InvalidInputError } from '../../src/errors';
import { APP, frozenEmulator, stt6StartBody, stt7JoinBody } from '../helpers/agora-rtsc';
import { failure } from '../helpers/vendor-error';
import { uniqueId } from '../helpers/wait';

const env = frozenEmulator();

async function hostedChannel(prefix: string): Promise<string> {
  const cname = uniqueId(prefix);
  await env.control.emptyChannel(APP, cname);
  await env.control.join(APP, cname, '1234');
  return cname;
}

describe('6.x', () => {
  test('acquire → start → query → update → start again (201) → stop → stop again (404 = already stopped)', async () => {
    const cname = await hostedChannel('c-stt6');
    const token = await acquireBuilderToken(env.ctx, { instanceId: cname });
    expect(token).toEqual({ tokenName: expect.any(String), createTs: expect.any(Number), requestId: expect.any(String) });

    const started = await startTask(env.ctx, { builderToken: token.tokenName, request: stt6StartBody(cname) });
    expect(started).toEqual({
      taskId: expect.stringMatching(/^[0-9a-f]{32}$/),
      status: 'STARTED',
      createTs: expect.any(Number),
      alreadyStarted: false,
      requestId: expect.any(String),
    });
    const ref = { builderToken: token.tokenName, taskId: started.taskId! };
    await env.control.advanceClock(3_000);
    expect(await queryTask(env.ctx, ref)).toMatchObject({ taskId: ref.taskId, status: 'IN_PROGRESS', ended: false });

    const upd = await updateTask(env.ctx, ref, {
      sequenceId: 1,
      updateMask: ['languages', 'rtcConfig.subscribeAudioUids'],
      body: { languages: ['en-US', 'ru-RU'], rtcConfig: { subscribeAudioUids: ['9876', '5432'] } },
    });
    expect(upd.status).toBe('IN_PROGRESS');
    const stale = await failure(updateTask(env.ctx, ref, { sequenceId: 1, updateMask: ['languages'], body: { languages: ['ja-JP'] } }));
    expect(stale.info).toMatchObject({ product: 'stt6', operation: 'update', httpStatus: 400, retryable: false, ambiguous: false });

    const again = await startTask(env.ctx, { builderToken: token.tokenName, request: stt6StartBody(cname) });
    expect(again.alreadyStarted).toBe(true);
    expect(again.taskId).toBeUndefined();
    expect(await env.control.tasks({ cname, running: true })).toHaveLength(1);

    expect((await stopTask(env.ctx, ref)).outcome).toBe('stopped');
    expect(await env.control.tasks({ cname, running: true })).toEqual([]);
    expect(await queryTask(env.ctx, ref)).toMatchObject({ status: 'STOPPED', ended: true });
    expect((await stopTask(env.ctx, ref)).outcome).toBe('already_stopped');
  });

  test('stop of a task nobody published in reports 206 as stopped_no_audio', async () => {
    const cname = uniqueId('c-stt6-silent');
    await env.control.emptyChannel(APP, cname);
    const { tokenName } = await acquireBuilderToken(env.ctx, { instanceId: 'silent' });
    const { taskId } = await startTask(env.ctx, { builderToken: tokenName, request: stt6StartBody(cname) });
    expect((await stopTask(env.ctx, { builderToken: tokenName, taskId: taskId! })).outcome).toBe('stopped_no_audio');
  });

  test('an expired builderToken is a final 400 (acquire again); a 504 on start is retried with the same token', async () => {
    const cname = await hostedChannel('c-stt6-expired');
    const { tokenName } = await acquireBuilderToken(env.ctx, { instanceId: cname });
    await env.control.advanceClock(5 * 60_000 + 1_000);
    const expired = await failure(startTask(env.ctx, { builderToken: tokenName, request: stt6StartBody(cname) }));
    expect(expired.info).toMatchObject({ httpStatus: 400, retryable: false, ambiguous: false, reason: expect.stringMatching(/expired/) });

    const fresh = await acquireBuilderToken(env.ctx, { instanceId: cname });
    await env.control.addFault({ match: { product: 'stt6', operation: 'start' }, action: { type: 'error', status: 504, body: { message: 'gateway timeout' } }, count: 1 });
    const timeout = await failure(startTask(env.ctx, { builderToken: fresh.tokenName, request: stt6StartBody(cname) }));
    expect(timeout.info).toMatchObject({ httpStatus: 504, retryable: true, ambiguous: false });
    expect((await startTask(env.ctx, { builderToken: fresh.tokenName, request: stt6StartBody(cname) })).alreadyStarted).toBe(false);
  });

  test('429 is retryable with Retry-After; 500 on query is retryable; a gateway 404 on stop is not "already stopped"', async () => {
    const cname = await hostedChannel('c-stt6-errors');
    const { tokenName } = await acquireBuilderToken(env.ctx, { instanceId: cname });
    const { taskId } = await startTask(env.ctx, { builderToken: tokenName, request: stt6StartBody(cname) });
    const ref = { builderToken: tokenName, taskId: taskId! };
    await env.control.addFault({ match: { product: 'stt6', operation: 'query' }, action: { type: 'rate-limit', retryAfterSeconds: 2 }, count: 1 });
    expect((await failure(queryTask(env.ctx, ref))).info).toMatchObject({ httpStatus: 429, retryable: true, retryAfterMs: 2_000 });
    await env.control.addFault({ match: { product: 'stt6', operation: 'query' }, action: { type: 'error', status: 500, body: { message: 'internal' } }, count: 1 });
    expect((await failure(queryTask(env.ctx, ref))).info).toMatchObject({ httpStatus: 500, retryable: true, ambiguous: false });
    await env.control.addFault({
      match: { product: 'stt6', operation: 'stop' },
      action: { type: 'error', status: 404, body: { message: 'no Route matched with those values' } },
      count: 1,
    });
    expect((await failure(stopTask(env.ctx, ref))).info).toMatchObject({ httpStatus: 404, retryable: false });
    expect(await env.control.tasks({ cname, running: true })).toHaveLength(1);
    expect((await stopTask(env.ctx, ref)).outcome).toBe('stopped');
  });

  test('bad input is refused before any request: InvalidInputError', async () => {
    const cname = uniqueId('c-stt6-input');
    await expect(acquireBuilderToken(env.ctx, { instanceId: 'no spaces' })).rejects.toBeInstanceOf(InvalidInputError);
    const tooMany = { ...stt6StartBody(cname), languages: ['en-US', 'ru-RU', 'ja-JP', 'zh-CN', 'fr-FR'] };
    await expect(startTask(env.ctx, { builderToken: 'x', request: tooMany })).rejects.toThrow(/at most 4 languages/);
    const sameBots = stt6StartBody(cname, '5', '5');
    await expect(startTask(env.ctx, { builderToken: 'x', request: sameBots })).rejects.toBeInstanceOf(InvalidInputError);
    const ref = { builderToken: 'x', taskId: 'y' };
    await expect(updateTask(env.ctx, ref, { sequenceId: 1, updateMask: ['rtcConfig' as never], body: {} })).rejects.toThrow(/not updatable/);
    await expect(updateTask(env.ctx, ref, { sequenceId: 1, updateMask: ['languages'], body: {} })).rejects.toThrow(/missing from the body/);
    await expect(updateTask(env.ctx, ref, { sequenceId: -1, updateMask: ['languages'], body: { languages: ['en-US'] } })).rejects.toBeInstanceOf(InvalidInputError);
    expect(await env.control.requests({ cname })).toEqual([]);
  });
});

describe('7.x', () => {
  test('join → join again (409) → list → query → update → leave → leave again (404)', async () => {
    const cname = await hostedChannel('c-stt7');
    const name = `${cname}-stt-1`;
    const joined = await joinAgent(env.ctx, stt7JoinBody(cname, '666', '666666', name));
    expect(joined).toEqual({
      agentId: expect.stringMatching(/^[0-9a-f]{32}$/),
      status: 'STARTED',
      createTs: expect.any(Number),
      alreadyRunning: false,
      requestId: expect.any(String),
    });
    const agentId = joined.agentId!;

    const dup = await joinAgent(env.ctx, stt7JoinBody(cname, '667', '668', name));
    expect(dup.alreadyRunning).toBe(true);
    expect(dup.agentId).toBeUndefined();
    // the reconcile of agora.md §14.3: find the running agent by channel (list items carry no name)
    expect((await listAgents(env.ctx, { channel: cname, state: 'STARTING' })).agents.map((a) => a.agent_id)).toEqual([agentId]);
    await env.control.advanceClock(3_000);
    const listed = await listAgents(env.ctx, { channel: cname });
    expect(listed).toMatchObject({ agents: [{ agent_id: agentId, status: 'RUNNING', start_ts: joined.createTs }], nextCursor: undefined });

    expect(await queryAgent(env.ctx, agentId)).toMatchObject({ agentId, status: 'RUNNING', createTs: joined.createTs, ended: false, message: expect.any(String) });
    expect((await updateAgent(env.ctx, agentId, { sequenceId: 1, updateMask: ['languages'], body: { languages: ['en-US', 'ru-RU'] } })).status).toBe('RUNNING');
    const stale = await failure(updateAgent(env.ctx, agentId, { sequenceId: 0, updateMask: ['languages'], body: { languages: ['en-US'] } }));
    expect(stale.info).toMatchObject({ product: 'stt7', operation: 'update', httpStatus: 400, retryable: false });

    expect((await leaveAgent(env.ctx, agentId)).outcome).toBe('left');
    expect(await queryAgent(env.ctx, agentId)).toMatchObject({ status: 'STOPPED', ended: true });
    expect((await leaveAgent(env.ctx, agentId)).outcome).toBe('already_left');
    expect(await env.control.tasks({ cname, running: true })).toEqual([]);
  });

  test('listAgents pages with nextCursor', async () => {
    const cname = await hostedChannel('c-stt7-pages');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await joinAgent(env.ctx, stt7JoinBody(cname, String(800 + 2 * i), String(801 + 2 * i), `${cname}-${i}`))).agentId!);
    await env.control.advanceClock(3_000);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const r = await listAgents(env.ctx, { channel: cname, limit: 2, cursor });
      seen.push(...r.agents.map((a) => a.agent_id));
      cursor = r.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(ids);
    await expect(listAgents(env.ctx, { state: 'NOPE' as never })).rejects.toBeInstanceOf(InvalidInputError);
  });

  test('a join whose response is lost is ambiguous; listing the channel finds the agent it created', async () => {
    const cname = await hostedChannel('c-stt7-drop');
    await env.control.addFault({ match: { product: 'stt7', operation: 'join' }, action: { type: 'drop-response' }, count: 1 });
    const lost = await failure(joinAgent(env.ctx, stt7JoinBody(cname)));
    expect(lost.info).toMatchObject({ retryable: false, ambiguous: true });
    expect(lost.info.httpStatus).toBeUndefined();
    const found = await listAgents(env.ctx, { channel: cname, state: 'STARTING' });
    expect(found.agents).toHaveLength(1);
    // re-joining with the same name would be refused as a duplicate, not create a second agent
    expect((await joinAgent(env.ctx, stt7JoinBody(cname))).alreadyRunning).toBe(true);
    expect(await env.control.tasks({ cname, running: true })).toHaveLength(1);
  });

  test('504 on join means reconcile (ambiguous); 503 is retryable; 400 bot rules are final', async () => {
    const cname = await hostedChannel('c-stt7-errors');
    await env.control.addFault({ match: { product: 'stt7', operation: 'join' }, action: { type: 'error', status: 504, body: { message: 'gateway timeout' } }, count: 1 });
    expect((await failure(joinAgent(env.ctx, stt7JoinBody(cname)))).info).toMatchObject({ httpStatus: 504, retryable: false, ambiguous: true });
    await env.control.addFault({ match: { product: 'stt7', operation: 'join' }, action: { type: 'error', status: 503, body: { message: 'busy' } }, count: 1 });
    expect((await failure(joinAgent(env.ctx, stt7JoinBody(cname)))).info).toMatchObject({ httpStatus: 503, retryable: true, ambiguous: false });
    const taken = await failure(joinAgent(env.ctx, stt7JoinBody(cname, '1234', '999')));
    expect(taken.info).toMatchObject({ httpStatus: 400, retryable: false, ambiguous: false, reason: expect.stringMatching(/already used/) });
    expect(await env.control.tasks({ cname })).toEqual([]);
  });
});
