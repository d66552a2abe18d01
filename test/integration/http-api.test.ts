/** The HTTP API over real HTTP: start, status, layout, stop, and the errors a caller sees. */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { buildApiServer } from '../../src/api/server';
import { EmulatorControl } from '../helpers/emulator';
import { connectTestEnv, testConfig, withWorker } from '../helpers/temporal';
import { eventually, uniqueId } from '../helpers/wait';

let env: TestWorkflowEnvironment;
const control = new EmulatorControl(process.env.RTCFLOW_TEST_EMULATOR_URL!);

beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

async function call(base: string, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) {
  const res = await request(`${base}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.statusCode, body: (await res.body.json()) as any };
}

test('a recording driven entirely over HTTP', async () => {
  const channel = uniqueId('http');
  await withWorker(env, testConfig(), async (taskQueue) => {
    const api: FastifyInstance = buildApiServer({ client: env.client, taskQueue });
    await api.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;
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
      await api.close();
    }
  });
  expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
});
