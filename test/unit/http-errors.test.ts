/** The error taxonomy: undici MockAgent stands in for the network in this narrow mapping test only. */
import { MockAgent } from 'undici';
import { HttpClient } from '../../src/http/client';
import { acquire, start, stop } from '../../src/agora/cloud-recording';
import type { AgoraContext } from '../../src/agora/http';
import { failure } from '../helpers/vendor-error';

const ORIGIN = 'https://api.example.test';
const APP = 'f'.repeat(32);

function ctxWith(agent: MockAgent): AgoraContext {
  return { http: new HttpClient({ dispatcher: agent }), baseUrls: [ORIGIN], appId: APP, credentials: { customerId: 'id', customerSecret: 'sekrit' } };
}

function mock() {
  const agent = new MockAgent();
  agent.disableNetConnect();
  return { agent, pool: agent.get(ORIGIN) };
}

const startPath = `/v1/apps/${APP}/cloud_recording/resourceid/r1/mode/mix/start`;
const startInput = { resourceId: 'r1', mode: 'mix' as const, cname: 'c', uid: '1', clientRequest: {} };

test.each([
  [429, {}, { retryable: true, ambiguous: false }],
  [500, {}, { retryable: true, ambiguous: false }],
  [503, {}, { retryable: true, ambiguous: false }],
  [504, {}, { retryable: false, ambiguous: true }],
  [401, { message: 'Invalid authentication credentials' }, { retryable: false, ambiguous: false }],
  [400, { code: 433, reason: 'resource expired' }, { retryable: false, ambiguous: false, code: 433 }],
  [400, { code: 62, reason: 'cannot reach recording service' }, { retryable: true, ambiguous: false, code: 62 }],
  [400, { code: 65, reason: 'network jitter' }, { retryable: false, ambiguous: true, code: 65 }],
  [400, { code: 53, reason: 'already recording' }, { retryable: false, ambiguous: false, code: 53 }],
])('start answered %i %j is classified %j', async (status, body, expected) => {
  const { agent, pool } = mock();
  pool.intercept({ path: startPath, method: 'POST' }).reply(status, body, { headers: { 'content-type': 'application/json' } });
  const e = await failure(start(ctxWith(agent), startInput));
  expect(e.info).toMatchObject({ vendor: 'agora', product: 'cloud-recording', operation: 'start', httpStatus: status, ...expected });
  expect(e.message).not.toContain('sekrit');
});

test('code 62 on acquire is final (no permission), unlike on start', async () => {
  const { agent, pool } = mock();
  pool.intercept({ path: `/v1/apps/${APP}/cloud_recording/acquire`, method: 'POST' }).reply(400, { code: 62, reason: 'no permission' });
  const e = await failure(acquire(ctxWith(agent), { cname: 'c', uid: '1' }));
  expect(e.info).toMatchObject({ retryable: false, ambiguous: false, code: 62 });
});

test('Retry-After is carried as retryAfterMs', async () => {
  const { agent, pool } = mock();
  pool.intercept({ path: `/v1/apps/${APP}/cloud_recording/acquire`, method: 'POST' }).reply(429, { message: 'API rate limit exceeded' }, { headers: { 'retry-after': '7' } });
  const e = await failure(acquire(ctxWith(agent), { cname: 'c', uid: '1' }));
  expect(e.info).toMatchObject({ retryable: true, retryAfterMs: 7000, reason: 'API rate limit exceeded' });
});

test('a reset after sending start is ambiguous; before sending (refused) it is plainly retryable', async () => {
  const { agent, pool } = mock();
  pool.intercept({ path: startPath, method: 'POST' }).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
  const reset = await failure(start(ctxWith(agent), startInput));
  expect(reset.info).toMatchObject({ code: 'ECONNRESET', retryable: false, ambiguous: true });
  expect(reset.info.httpStatus).toBeUndefined();

  pool.intercept({ path: startPath, method: 'POST' }).replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
  const refused = await failure(start(ctxWith(agent), startInput));
  expect(refused.info).toMatchObject({ code: 'ECONNREFUSED', retryable: true, ambiguous: false });
});

test('the X-Request-ID sent is the one surfaced in the error', async () => {
  const { agent, pool } = mock();
  let sent: string | undefined;
  pool.intercept({ path: startPath, method: 'POST' }).reply((opts) => {
    sent = (opts.headers as Record<string, string>)['x-request-id'];
    return { statusCode: 500, data: { message: 'internal' } };
  });
  const e = await failure(start(ctxWith(agent), startInput));
  expect(sent).toMatch(/^[0-9a-f-]{36}$/);
  expect(e.info.requestId).toBe(sent);
});

test('stop: codes 49 and 435 mean already stopped / nothing recorded, 206 means upload pending', async () => {
  const { agent, pool } = mock();
  const stopPath = `/v1/apps/${APP}/cloud_recording/resourceid/r1/sid/s1/mode/mix/stop`;
  const input = { resourceId: 'r1', sid: 's1', mode: 'mix' as const, cname: 'c', uid: '1' };
  pool.intercept({ path: stopPath, method: 'POST' }).reply(400, { code: 49, reason: 'repeated stop' });
  expect((await stop(ctxWith(agent), input)).outcome).toBe('already_stopped');
  pool.intercept({ path: stopPath, method: 'POST' }).reply(400, { code: 435, reason: 'no recorded file' });
  expect((await stop(ctxWith(agent), input)).outcome).toBe('no_files');
  pool.intercept({ path: stopPath, method: 'POST' }).reply(206, { resourceId: 'r1', sid: 's1', serverResponse: { fileListMode: 'json' } });
  expect(await stop(ctxWith(agent), input)).toMatchObject({ outcome: 'stopped_upload_pending', uploadingStatus: 'unknown', files: [] });
});
