/**
 * The trust boundary, tried as an attacker on the same network would: the HTTP API over real HTTP on the
 * dev server against the emulator. Public inputs only (no internal state, no test hooks, floors, profiles,
 * credentials, URL schemes), API keys and tenants, forged/stale/replayed/crafted NCS events, and errors that
 * say what happened (400 deep JSON, 409 ended, 503 Temporal down).
 */
import { createHmac } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { request } from 'undici';
import { EMULATOR_AGORA } from '../../emulator/defaults';
import { ApiKeyring } from '../../src/api/auth';
import { knownProfiles } from '../../src/config';
import { PUBLIC_INPUT_POLICY } from '../../src/schemas/policy';
import { startApi, testKey, withApi, type TestApi } from '../helpers/api';
import { signalsTaken } from '../helpers/history';
import { sharedEnvironment, testConfig, withWorker } from '../helpers/temporal';
import { eventually, uniqueId } from '../helpers/wait';

const shared = sharedEnvironment();
const control = shared.control;
let env: TestWorkflowEnvironment;
beforeAll(() => {
  env = shared.env;
});

const NCS = 'trust-boundary-ncs-secret';
const enc = encodeURIComponent;

/** A recording started over the API (test policy: fast polls), once it records. */
async function recording(api: TestApi, channel: string): Promise<{ id: string; sid: string; resourceId: string }> {
  await control.emptyChannel(EMULATOR_AGORA.appId, channel);
  await control.join(EMULATOR_AGORA.appId, channel, '1001');
  const started = await api.call('POST', '/v1/recordings', { channel, mode: 'mix', pollIntervalMs: 300, confirmPollMs: 200 });
  expect(started.status).toBe(201);
  const id = started.body.id as string;
  const s = await eventually(async () => {
    const r = await api.call('GET', `/v1/recordings/${enc(id)}`);
    return r.body.phase === 'recording' ? r.body : undefined;
  }, 'recording');
  return { id, sid: s.sid, resourceId: s.resourceId };
}

async function runningTasks(channel: string): Promise<number> {
  return (await control.tasks({ cname: channel, running: true })).length;
}

test('public inputs only: internal state, unknown keys, test hooks, short polls, unknown profiles, credentials and unsafe URLs are refused with 400 before anything starts', async () => {
  const victimChannel = uniqueId('victim');
  const channel = uniqueId('intruder');
  const config = testConfig();
  await withWorker(env, config, async (taskQueue) => {
    // a victim recording, recorded with the test policy
    const victim = await withApi(env.client, { taskQueue }, async (api) => {
      const v = await recording(api, victimChannel);
      // the public API of the same deployment
      await withApi(env.client, { taskQueue, inputPolicy: PUBLIC_INPUT_POLICY, profiles: knownProfiles(config) }, async (pub) => {
        const refused = async (body: unknown, issue: RegExp) => {
          const r = await pub.call('POST', '/v1/recordings', body);
          expect(r).toMatchObject({ status: 400, body: { error: 'invalid_input' } });
          expect((r.body.issues as string[]).some((i) => issue.test(i))).toBe(true);
          return r;
        };
        const base = { channel, mode: 'mix' };
        // the victim's sid/resourceId, wherever an attacker might put them
        await refused({ ...base, state: { sid: v.sid, resourceId: v.resourceId, uid: '1', files: [], segments: [] } }, /Unrecognized key: "state"/);
        await refused({ ...base, sid: v.sid, resourceId: v.resourceId }, /Unrecognized keys: "sid", "resourceId"/);
        await refused({ ...base, maxHistoryEvents: 100 }, /^maxHistoryEvents: a test hook/);
        await refused({ ...base, pollIntervalMs: 100 }, /^pollIntervalMs: must be at least 5000 ms/);
        await refused({ ...base, confirmPollMs: 100 }, /^confirmPollMs: must be at least 1000 ms/);
        await refused({ ...base, profile: 'nobody' }, /^profile: no Agora profile named "nobody" is configured/);
        await refused({ ...base, storageProfile: 'nobody' }, /^storageProfile: no storage profile named "nobody"/);
        // credentials in any case or spelling, with their path
        await refused({ ...base, clientRequest: { storageConfig: { SecretKey: 'x' } } }, /^clientRequest\.storageConfig: /);
        await refused({ ...base, clientRequest: { recordingConfig: { SecretKey: 'x' } } }, /^clientRequest\.recordingConfig\.SecretKey: "SecretKey" must not be passed in/);
        await refused({ ...base, clientRequest: { extensionParams: { sts_token: 'x' } } }, /^clientRequest\.extensionParams\.sts_token: /);
        await refused({ ...base, clientRequest: { appsCollection: { ACCESS_KEY: 'x' } } }, /^clientRequest\.appsCollection\.ACCESS_KEY: /);
        // URLs a vendor fetches are http(s) only and carry no credentials
        const web = (url: string) => ({
          channel,
          mode: 'web',
          clientRequest: {
            extensionServiceConfig: {
              extensionServices: [{ serviceName: 'web_recorder_service', serviceParam: { url, audioProfile: 0, videoWidth: 1280, videoHeight: 720, maxRecordingHour: 1 } }],
            },
          },
        });
        await refused(web('javascript:alert(1)'), /serviceParam\.url: must be an http\(s\):\/\/ URL/);
        await refused(web('file:///etc/passwd'), /serviceParam\.url: must be an http\(s\):\/\/ URL/);
        await refused(web('https://example.com/page?token=abc'), /serviceParam\.url: URLs must not carry credentials/);
        await refused(
          {
            ...base,
            clientRequest: {
              recordingConfig: { transcodingConfig: { width: 640, height: 360, fps: 15, bitrate: 500, mixedVideoLayout: 0, backgroundImage: 'javascript:alert(1)' } },
            },
          },
          /backgroundImage: must be an http\(s\)/,
        );
        // the same rules on a mid-session change
        const layout = await pub.call('PUT', `/v1/recordings/${enc(v.id)}/layout`, { mixedVideoLayout: 0, backgroundImage: 'file:///etc/passwd' });
        expect(layout).toMatchObject({ status: 400, body: { error: 'invalid_input' } });
        // a well-formed public start still works
        const ok = await pub.call('POST', '/v1/recordings', { ...base, pollIntervalMs: 5_000, confirmPollMs: 1_000 });
        expect(ok.status).toBe(201);
        await pub.call('POST', `/v1/recordings/${enc(ok.body.id)}/stop`, { reason: 'done' });
      });
      return v;
    });
    // nothing an attacker sent started anything or touched the victim
    const started = (await control.requests({ cname: channel })).filter((r) => r.operation === 'start');
    expect(started).toHaveLength(1);
    const status = await env.client.workflow.getHandle(victim.id).query('status');
    expect(status).toMatchObject({ phase: 'recording', sid: victim.sid });
    expect(await runningTasks(victimChannel)).toBe(1);
    await env.client.workflow.getHandle(victim.id).executeUpdate('stop', { args: [{ reason: 'test done' }] });
  });
  expect(await runningTasks(victimChannel)).toBe(0);
  expect(await runningTasks(channel)).toBe(0);
});

test('API keys: none or a wrong one → 401; another tenant → 403 on start and 404 on its sessions; the stats need a key', async () => {
  const channel = uniqueId('tenant-a');
  const b = testKey('tenant-b', ['tenant-b']);
  await withWorker(env, testConfig(), (taskQueue) =>
    withApi(env.client, { taskQueue, extraKeys: [b.entry] }, async (api) => {
      const a = await recording(api, channel);
      const path = `/v1/recordings/${enc(a.id)}`;
      const none = await request(`${api.base}${path}`);
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(await none.body.json()).toMatchObject({ error: 'unauthorized' });
      for (const authorization of [`Bearer ${api.key}x`, `Basic ${Buffer.from(`u:${api.key}`).toString('base64')}`, `Bearer ${b.key.slice(0, -1)}`, api.key]) {
        expect(await api.call('GET', path, undefined, { authorization })).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
      }
      expect(await api.call('POST', `${path}/stop`, {}, { authorization: 'Bearer nope-nope-nope-nope' })).toMatchObject({ status: 401 });
      const asB = { authorization: `Bearer ${b.key}` };
      expect(await api.call('POST', '/v1/recordings', { channel }, asB)).toMatchObject({ status: 403, body: { error: 'forbidden' } });
      expect(await api.call('POST', '/v1/transcriptions', { channel, languages: ['en-US'] }, asB)).toMatchObject({ status: 403 });
      expect(await api.call('GET', path, undefined, asB)).toMatchObject({ status: 404, body: { error: 'not_found' } });
      expect(await api.call('PUT', `${path}/layout`, { mixedVideoLayout: 1 }, asB)).toMatchObject({ status: 404 });
      expect(await api.call('POST', `${path}/stop`, {}, asB)).toMatchObject({ status: 404 });
      // every profile a start names counts: another tenant's bucket (also by default, and nested) is refused
      expect(await api.call('POST', '/v1/recordings', { channel, profile: 'tenant-b', pollIntervalMs: 300 }, asB)).toMatchObject({
        status: 403,
        body: { message: 'this API key may not use profile "default"' },
      });
      expect(await api.call('POST', '/v1/recordings', { channel, profile: 'tenant-b', storageProfile: 'default', pollIntervalMs: 300 }, asB)).toMatchObject({ status: 403 });
      expect(await api.call('POST', '/v1/transcriptions', { channel, profile: 'tenant-b', languages: ['en-US'], captions: { storageProfile: 'default' } }, asB)).toMatchObject({
        status: 403,
      });
      // tenant B's own profiles pass the key check (and then fail validation: no such profile here)
      expect(await api.call('POST', '/v1/recordings', { channel, profile: 'tenant-b', storageProfile: 'tenant-b', pollIntervalMs: 300 }, asB)).not.toMatchObject({ status: 403 });
      expect(await api.call('GET', '/v1/webhooks/stats', undefined, { authorization: '' })).toMatchObject({ status: 401 });
      // the receivers' counters cover every tenant: only a key for every profile reads them
      expect(await api.call('GET', '/v1/webhooks/stats', undefined, asB)).toMatchObject({ status: 403 });
      expect(await api.call('GET', '/v1/webhooks/stats')).toMatchObject({ status: 200 });
      // A's recording is untouched by all of it
      expect(await api.call('GET', path)).toMatchObject({ status: 200, body: { phase: 'recording', sid: a.sid } });
      expect(await api.call('POST', `${path}/stop`, { reason: 'owner' })).toMatchObject({ status: 200, body: { outcome: 'stopped', reason: 'owner' } });
    }),
  );
  expect(await runningTasks(channel)).toBe(0);
});

function ncsBody(event: Record<string, unknown>): { raw: string; headers: Record<string, string> } {
  const raw = JSON.stringify(event);
  return { raw, headers: { 'content-type': 'application/json', 'agora-signature-v2': createHmac('sha256', NCS).update(raw).digest('hex') } };
}

async function postNcs(base: string, raw: string, headers: Record<string, string>) {
  const res = await request(`${base}/webhooks/agora/ncs`, { method: 'POST', headers, body: raw });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
}

test('NCS: forged, unsigned, stale, oversized and crafted events change no session; a replay (also to a restarted receiver) is taken once', async () => {
  const channel = uniqueId('ncs-a');
  const other = uniqueId('ncs-b');
  await withWorker(env, testConfig(), (taskQueue) =>
    withApi(env.client, { taskQueue, agoraNcsSecret: NCS }, async (api) => {
      const a = await recording(api, channel);
      const b = await recording(api, other);
      const ha = env.client.workflow.getHandle(a.id);
      const hb = env.client.workflow.getHandle(b.id);
      const event = (payload: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
        noticeId: uniqueId('notice'),
        productId: 3,
        eventType: 31,
        notifyMs: Date.now(),
        payload: {
          cname: channel,
          uid: '0',
          sid: a.sid,
          sequence: 9,
          sendts: Date.now(),
          serviceType: 0,
          details: { msgName: 'uploaded', status: 0, fileList: [{ filename: 'forged.m3u8' }] },
          ...payload,
        },
        ...extra,
      });

      // forged: signed with another secret, or not signed
      const forged = event({});
      const raw = JSON.stringify(forged);
      expect(await postNcs(api.base, raw, { 'content-type': 'application/json', 'agora-signature-v2': createHmac('sha256', 'guess').update(raw).digest('hex') })).toMatchObject({
        status: 401,
      });
      expect(await postNcs(api.base, raw, { 'content-type': 'application/json' })).toMatchObject({ status: 401, body: { error: 'unsigned' } });
      // stale: correctly signed, but notifyMs 10 minutes old (a captured delivery played back)
      const stale = ncsBody(event({}, { notifyMs: Date.now() - 10 * 60_000 }));
      expect(await postNcs(api.base, stale.raw, stale.headers)).toMatchObject({ status: 400, body: { error: 'stale' } });
      const noTime = ncsBody({ ...event({}), notifyMs: undefined });
      expect(await postNcs(api.base, noTime.raw, noTime.headers)).toMatchObject({ status: 400, body: { error: 'stale' } });
      // oversized
      const big = ncsBody(event({ details: { msgName: 'x', pad: 'x'.repeat(100_000) } }));
      expect((await postNcs(api.base, big.raw, big.headers)).status).toBe(413);
      expect((await postNcs(api.base, big.raw, { ...big.headers, 'content-type': 'text/plain' })).status).toBe(413);
      // a crafted channel (no sid): routed nowhere, not to the other channel's session
      for (const cname of [`${other}" OR RtcChannel != "`, `${other}\\`, `' OR 1=1`]) {
        const crafted = ncsBody(event({ cname, sid: undefined }));
        expect(await postNcs(api.base, crafted.raw, crafted.headers)).toMatchObject({ status: 200, body: { routed: 0 } });
      }
      expect(await signalsTaken(ha, 'ncsEvent')).toBe(0);
      expect(await signalsTaken(hb, 'ncsEvent')).toBe(0);

      // genuine (signed with the secret, fresh, A's own sid): taken once by A only, however often it comes
      const genuine = ncsBody(event({ details: { msgName: 'recorder_started' } }, { eventType: 40 }));
      expect(await postNcs(api.base, genuine.raw, genuine.headers)).toMatchObject({ status: 200, body: { routed: 1 } });
      expect(await postNcs(api.base, genuine.raw, genuine.headers)).toMatchObject({ status: 200 });
      const restarted = await startApi(env.client, { taskQueue, agoraNcsSecret: NCS });
      try {
        expect(await postNcs(restarted.base, genuine.raw, genuine.headers)).toMatchObject({ status: 200 });
      } finally {
        await restarted.server.close();
      }
      expect(await signalsTaken(ha, 'ncsEvent')).toBe(1);
      expect(await signalsTaken(hb, 'ncsEvent')).toBe(0);

      const stats = await api.call('GET', '/v1/webhooks/stats');
      expect(stats.body).toMatchObject({ 'agora.bad_signature': 1, 'agora.unsigned': 1, 'agora.stale': 2, 'agora.oversized': 2, 'agora.unrouted': 3 });
      expect(stats.body['agora.routed']).toBeGreaterThanOrEqual(2);

      // both still record, with the emulator's files, not the forged ones
      for (const s of [a, b]) {
        const stopped = await api.call('POST', `/v1/recordings/${enc(s.id)}/stop`, { reason: 'done' });
        expect(stopped).toMatchObject({ status: 200, body: { outcome: 'stopped' } });
        expect((stopped.body.files as Array<{ fileName: string }>).map((f) => f.fileName)).not.toContain('forged.m3u8');
      }
    }),
  );
});

test('errors that say what happened: malformed and deep JSON → 400, a change to an ended session → 409 with its outcome, unknown → 404', async () => {
  const channel = uniqueId('errors');
  await withWorker(env, testConfig(), (taskQueue) =>
    withApi(env.client, { taskQueue }, async (api) => {
      const deep = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
      expect(await api.call('POST', '/v1/recordings', deep)).toMatchObject({ status: 400, body: { error: 'invalid_input', message: expect.stringMatching(/deeper than/) } });
      const deepArray = `{"channel":"x","clientRequest":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
      expect(await api.call('POST', '/v1/transcriptions', deepArray)).toMatchObject({ status: 400 });
      expect(await api.call('POST', '/v1/recordings', '{"channel": ')).toMatchObject({ status: 400, body: { error: 'invalid_input', message: 'malformed JSON' } });
      expect(await api.call('POST', '/v1/recordings', '[1,2]')).toMatchObject({ status: 400, body: { error: 'invalid_input' } });

      const s = await recording(api, channel);
      const path = `/v1/recordings/${enc(s.id)}`;
      expect(await api.call('POST', `${path}/stop`, { reason: 'finished' })).toMatchObject({ status: 200 });
      expect(await api.call('PUT', `${path}/layout`, { mixedVideoLayout: 1 })).toMatchObject({
        status: 409,
        body: { error: 'ended', status: 'COMPLETED', outcome: 'stopped', reason: 'finished' },
      });
      // its status and result stay readable
      expect(await api.call('GET', path)).toMatchObject({ status: 200, body: { phase: 'completed' } });
      expect(await api.call('POST', `${path}/stop`, {})).toMatchObject({ status: 200, body: { outcome: 'stopped', reason: 'finished' } });
      // stop bodies are checked too: a short reason, nothing else
      expect(await api.call('POST', `${path}/stop`, { reason: 'x'.repeat(300) })).toMatchObject({ status: 400, body: { error: 'invalid_input' } });
      expect(await api.call('POST', `${path}/stop`, { reason: 'ok', force: true })).toMatchObject({ status: 400, body: { error: 'invalid_input' } });

      // a session that ended without a result (terminated): its stop is a 409, not a 500
      const t = await recording(api, uniqueId('errors-terminated'));
      await env.client.workflow.getHandle(t.id).terminate('test');
      expect(await api.call('POST', `/v1/recordings/${enc(t.id)}/stop`, {})).toMatchObject({ status: 409, body: { error: 'ended' } });
      expect(await api.call('PUT', `/v1/recordings/${enc(`cloud-recording/default/main/${uniqueId('nobody')}`)}/layout`, { mixedVideoLayout: 1 })).toMatchObject({ status: 404 });
    }),
  );
});

test('Temporal unreachable: 503 with Retry-After within 3 s, never a hang or a 500', async () => {
  // a client whose server is not there (nothing listens on that port)
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  const client = new Client({ connection });
  const api = await startApi(client, {});
  try {
    for (const [method, path, body] of [
      ['POST', '/v1/recordings', { channel: 'down' }],
      ['GET', `/v1/recordings/${enc('cloud-recording/default/main/down')}`, undefined],
      ['POST', '/v1/transcriptions', { channel: 'down', languages: ['en-US'] }],
    ] as const) {
      const t0 = Date.now();
      const r = await api.call(method, path, body);
      expect({ status: r.status, error: r.body.error, retryAfter: r.headers['retry-after'] }).toEqual({ status: 503, error: 'unavailable', retryAfter: '2' });
      expect(Date.now() - t0).toBeLessThan(3_000);
    }
    // a bad key is still refused without the server
    expect(await api.call('GET', '/v1/recordings/x', undefined, { authorization: 'Bearer wrong-key-wrong-key' })).toMatchObject({ status: 401 });
  } finally {
    await api.server.close();
    await connection.close().catch(() => undefined);
  }
});

test('an empty keyring lets nobody in', async () => {
  const api = await startApi(env.client, { apiKeys: new ApiKeyring([]) });
  try {
    expect(await api.call('GET', '/v1/webhooks/stats')).toMatchObject({ status: 401 });
  } finally {
    await api.server.close();
  }
});
