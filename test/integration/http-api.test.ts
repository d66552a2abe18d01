/** The HTTP API over real HTTP: start, status, layout, stop, and the errors a caller sees. */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { transcriptionWorkflowId } from '../../src/client';
import { sharedEnvironment, testConfig, withWorker } from '../helpers/temporal';
import { startApi, withApi, type TestApi } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/wait';

const shared = sharedEnvironment();
const control = shared.control;
let env: TestWorkflowEnvironment;
beforeAll(() => {
  env = shared.env;
});

async function call(api: TestApi, method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, body?: unknown) {
  const { status, body: answer } = await api.call(method, path, body);
  return { status, body: answer };
}

test('a recording driven entirely over HTTP', async () => {
  const channel = uniqueId('http');
  await withWorker(env, testConfig(), async (taskQueue) => {
    const base = await startApi(env.client, { taskQueue });
    try {
      const started = await call(base, 'POST', '/v1/recordings', { channel, mode: 'mix', pollIntervalMs: 300, confirmPollMs: 200 });
      expect(started.status).toBe(201);
      const id = encodeURIComponent(started.body.id);
      await eventually(async () => ((await call(base, 'GET', `/v1/recordings/${id}`)).body.phase === 'recording' ? true : undefined), 'recording');
      expect(await call(base, 'PUT', `/v1/recordings/${id}/layout`, { mixedVideoLayout: 1 })).toMatchObject({ status: 200, body: { layout: { mixedVideoLayout: 1 } } });
      expect(await call(base, 'PUT', `/v1/recordings/${id}/layout`, { mixedVideoLayout: 3 })).toMatchObject({ status: 400, body: { error: 'invalid_input' } });
      const stopped = await call(base, 'POST', `/v1/recordings/${id}/stop`, { reason: 'over http' });
      expect(stopped).toMatchObject({ status: 200, body: { outcome: 'stopped', reason: 'over http' } });
      expect(stopped.body.files.length).toBeGreaterThan(0);

      expect(await call(base, 'POST', '/v1/recordings', { channel: '' })).toMatchObject({ status: 400, body: { error: 'invalid_input' } });
      expect(await call(base, 'GET', `/v1/recordings/${encodeURIComponent('cloud-recording/default/main/nobody-here')}`)).toMatchObject({ status: 404 });
    } finally {
      await base.server.close();
    }
  });
  expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
});

test('a transcription driven entirely over HTTP: join on repeat, validated and refused changes, stop', async () => {
  const channel = uniqueId('http-stt');
  let agentId = '';
  await withWorker(env, testConfig(), (taskQueue) =>
    withApi(env.client, { taskQueue }, async (base) => {
      const input = { channel, languages: ['en-US'], pollIntervalMs: 300, confirmPollMs: 200 };
      const started = await call(base, 'POST', '/v1/transcriptions', input);
      expect(started).toMatchObject({ status: 201, body: { id: `stt/default/main/${channel}`, runId: expect.any(String) } });
      expect(await call(base, 'POST', '/v1/transcriptions', input)).toEqual(started);
      const id = encodeURIComponent(started.body.id);
      const running = await eventually(async () => {
        const r = await call(base, 'GET', `/v1/transcriptions/${id}`);
        return r.body.phase === 'running' ? r.body : undefined;
      }, 'running');
      expect(running).toMatchObject({ id: started.body.id, version: '7', channel, configApplied: true });
      agentId = running.agentId;

      expect(await call(base, 'PATCH', `/v1/transcriptions/${id}`, { languages: ['en-US', 'ja-JP'] })).toEqual({
        status: 200,
        body: { id: started.body.id, config: { languages: ['en-US', 'ja-JP'], subscribeAudioUids: ['all'], translation: [] } },
      });
      expect(await call(base, 'PATCH', `/v1/transcriptions/${id}`, { languages: ['en_US'], agentId: 'x' })).toMatchObject({
        status: 400,
        body: { error: 'invalid_input', issues: ['languages.0: language must be a code such as en-US', '(change): Unrecognized key: "agentId"'] },
      });
      expect(await call(base, 'PATCH', `/v1/transcriptions/${id}`, {})).toMatchObject({ status: 400, body: { issues: ['(change): nothing to change'] } });

      // a change the vendor refuses: the workflow rejects the Update
      await control.addFault({
        match: { product: 'stt7', operation: 'update', path: running.agentId },
        action: { type: 'error', status: 400, body: { message: 'refused by the test' } },
        count: 1,
      });
      expect(await call(base, 'PATCH', `/v1/transcriptions/${id}`, { subscribeAudioUids: ['10001'] })).toMatchObject({ status: 409, body: { error: 'rejected' } });

      const stopped = await call(base, 'POST', `/v1/transcriptions/${id}/stop`, { reason: 'over http' });
      expect(stopped).toMatchObject({ status: 200, body: { id: started.body.id, outcome: 'stopped', reason: 'over http', unstopped: [] } });
      expect(stopped.body.agents).toHaveLength(1);

      const unknown = encodeURIComponent(transcriptionWorkflowId({ profile: 'default', role: 'main', channel: uniqueId('nobody-here') }));
      expect(await call(base, 'GET', `/v1/transcriptions/${unknown}`)).toMatchObject({ status: 404, body: { error: 'not_found' } });
      expect(await call(base, 'PATCH', `/v1/transcriptions/${unknown}`, { languages: ['de-DE'] })).toMatchObject({ status: 404 });
      expect(await call(base, 'POST', `/v1/transcriptions/${unknown}/stop`, {})).toMatchObject({ status: 404 });
      expect(await call(base, 'POST', '/v1/transcriptions', { channel, languages: [] })).toMatchObject({
        status: 400,
        body: { error: 'invalid_input', issues: ['languages: at least one language'] },
      });
    }),
  );
  // a request refused by a fault is logged before its channel is known: the agent's path names it
  const ops = (await control.requests({ product: 'stt7' }))
    .filter((r) => r.cname === channel || r.path.includes(`/agents/${agentId}/`))
    .map((r) => `${r.operation}:${r.status}${r.fault ? `:${r.fault}` : ''}`);
  expect(ops.filter((o) => o.startsWith('join'))).toEqual(['join:200']);
  // the invalid changes never reached the vendor: the accepted one and the refused one did
  expect(ops.filter((o) => o.startsWith('update'))).toEqual(['update:200', expect.stringMatching(/^update:400/)]);
  expect(ops.filter((o) => o.startsWith('leave'))).toEqual(['leave:200']);
  expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
});
