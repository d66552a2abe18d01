/**
 * A Media Gateway ingest session driven as a user drives it: through the `rtcflow ingest` command (child
 * processes) and through the HTTP API, against the real dev server and the shared emulator, with a
 * simulated encoder pushing the key the status showed. Every test ends with no key and no push of its
 * channel left in the emulator, and no credential in the session's history.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startApi, type TestApi } from '../helpers/api';
import { ingestWorkflowId } from '../../src/client';
import { expectNoSecrets } from '../helpers/harness';
import { sharedEnvironment, testConfig, withWorker } from '../helpers/temporal';
import { eventually, uniqueId } from '../helpers/wait';
import { json, rtcflow } from '../helpers/cli';

const shared = sharedEnvironment();
const control = shared.control;
let env: TestWorkflowEnvironment;
beforeAll(() => {
  env = shared.env;
});

interface Encoder {
  id: string;
  sid?: string;
  muted?: { audio: boolean; video: boolean };
}
const ENCODERS = '/_emulator/agora/media-gateway/encoders';
const pushWith = (streamKey: string) => control.json<Encoder>('POST', ENCODERS, { streamKey });
const encoder = async (id: string) => (await control.json<{ encoders: Encoder[] }>('GET', ENCODERS)).encoders.find((e) => e.id === id)!;

/** `operation:status` of the Media Gateway requests about the channel, in order. */
async function ops(channel: string): Promise<string[]> {
  return (await control.requests({ cname: channel, product: 'media-gateway' })).map((r) => `${r.operation}:${r.status}`);
}

async function expectTornDown(channel: string): Promise<void> {
  const o = await ops(channel);
  expect(o.filter((x) => x.startsWith('createStreamKey'))).toEqual(['createStreamKey:200']);
  expect(o.filter((x) => x.startsWith('destroyStreamKey'))).toEqual(['destroyStreamKey:200']);
  const disconnect = o.indexOf('disconnectOnlineStream:200');
  if (disconnect >= 0) expect(o.indexOf('destroyStreamKey:200')).toBeLessThan(disconnect);
  expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
}

test('through the CLI: start, status shows where to push and the key, the encoder goes live, mute, stop', async () => {
  const channel = uniqueId('cli-ingest');
  const id = ingestWorkflowId({ profile: 'default', role: 'main', channel });
  await withWorker(env, testConfig(), async (tq) => {
    const started = json(await rtcflow(tq, 'ingest', 'start', '--channel', channel, '--uid', '100', '--region', 'eu', '--poll-interval', '500', '--json'));
    expect(started).toEqual({ id, runId: expect.any(String) });

    const waiting = await eventually(async () => {
      const s = json(await rtcflow(tq, 'ingest', 'status', id, '--json'));
      return s.phase === 'waiting-for-encoder' ? s : undefined;
    }, 'phase waiting-for-encoder through `rtcflow ingest status`');
    expect(waiting).toMatchObject({ id, channel, uid: '100', region: 'eu', push: { server: 'rtmp://rtls-ingress-prod-eu.agoramdn.com/live', streamKey: expect.any(String) } });
    const key: string = waiting.push.streamKey;
    const human = await rtcflow(tq, 'ingest', 'status', id);
    expect(human.stdout).toContain('push to:    rtmp://rtls-ingress-prod-eu.agoramdn.com/live');
    expect(human.stdout).toContain(`stream key: ${key}`);

    // the operator pastes them into the encoder, which pushes
    const enc = await pushWith(key);
    const live = await eventually(async () => {
      const s = json(await rtcflow(tq, 'ingest', 'status', id, '--json'));
      return s.phase === 'live' ? s : undefined;
    }, 'phase live');
    expect(live.sid).toBe(enc.sid);

    expect(json(await rtcflow(tq, 'ingest', 'update', id, '--mute-audio', '--json'))).toEqual({ id, mute: { audioMuted: true, videoMuted: false } });
    expect((await encoder(enc.id)).muted).toEqual({ audio: true, video: false });

    const stop = await rtcflow(tq, 'ingest', 'stop', id, '--reason', 'cli test over', '--json');
    const result = json(stop);
    expect(result).toMatchObject({
      id,
      channel,
      outcome: 'stopped',
      reason: 'cli test over',
      keyDestroyed: true,
      muteCalls: 1,
      mute: { audioMuted: true, videoMuted: false },
      unstopped: [],
    });
    expect(result.streams.map((s: { sid: string }) => s.sid)).toEqual([enc.sid]);
    // the status is the one place the key is shown
    expect(stop.stdout).not.toContain(key);
  });
  await expectTornDown(channel);
  await expectNoSecrets(env.client.workflow.getHandle(id));
});

test('a bad invocation exits non-zero with the issue and sends nothing; an unknown id says so', async () => {
  const channel = uniqueId('cli-ingest-bad');
  const tq = uniqueId('tq-nobody');
  const bad = await rtcflow(tq, 'ingest', 'start', '--channel', channel, '--uid', '0', '--json');
  expect(bad.code).toBe(2);
  expect(bad.stdout).toBe('');
  expect(bad.stderr).toMatch(/invalid ingest request: uid: uid must be an integer 1 … 2\^32-1/);
  const id = ingestWorkflowId({ profile: 'default', role: 'main', channel });
  const contradiction = await rtcflow(tq, 'ingest', 'update', id, '--mute-video', '--unmute-video');
  expect(contradiction.code).toBe(2);
  expect(contradiction.stderr).toMatch(/invalid ingest change/);
  const nothing = await rtcflow(tq, 'ingest', 'update', id);
  expect(nothing.code).toBe(2);
  expect(nothing.stderr).toMatch(/invalid ingest change/);
  const unknown = await rtcflow(tq, 'ingest', 'status', id, '--json');
  expect(unknown.code).toBe(3);
  expect(unknown.stderr).toMatch(/no such session: ingest\/default\/main\//);
  expect(await control.requests({ cname: channel })).toEqual([]);
});

async function call(api: TestApi, method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown) {
  const { status, body: answer } = await api.call(method, path, body);
  return { status, body: answer };
}

test('over HTTP: a start repeated after a lost answer joins the session (one key); mute; stop', async () => {
  const channel = uniqueId('http-ingest');
  const id = ingestWorkflowId({ profile: 'default', role: 'main', channel });
  await withWorker(env, testConfig(), async (taskQueue) => {
    const base = await startApi(env.client, { taskQueue });
    try {
      const body = { channel, uid: 'host-1', pollIntervalMs: 500 };
      const started = await call(base, 'POST', '/v1/ingests', body);
      expect(started).toEqual({ status: 201, body: { id, runId: expect.any(String) } });
      // the caller never saw that answer and asks again: the same session, no second key
      expect(await call(base, 'POST', '/v1/ingests', body)).toEqual(started);
      const path = `/v1/ingests/${encodeURIComponent(id)}`;
      const waiting = await eventually(async () => {
        const r = await call(base, 'GET', path);
        return r.body.phase === 'waiting-for-encoder' ? r.body : undefined;
      }, 'waiting-for-encoder over HTTP');
      // no push yet: the mute is kept for the push to come
      expect(await call(base, 'PATCH', path, { videoMuted: true })).toEqual({ status: 200, body: { id, mute: { audioMuted: false, videoMuted: true } } });
      expect(await call(base, 'PATCH', path, { muted: true })).toMatchObject({ status: 400, body: { error: 'invalid_input' } });
      const enc = await pushWith(waiting.push.streamKey);
      await eventually(async () => ((await encoder(enc.id)).muted?.video ? true : undefined), 'the push muted as soon as it came');
      const stopped = await call(base, 'POST', `${path}/stop`, { reason: 'over http' });
      expect(stopped).toMatchObject({ status: 200, body: { id, outcome: 'stopped', reason: 'over http', keyDestroyed: true, muteCalls: 1 } });
      expect(await call(base, 'PATCH', path, { audioMuted: true })).toMatchObject({ status: 409, body: { error: 'ended', outcome: 'stopped' } });
    } finally {
      await base.server.close();
    }
  });
  await expectTornDown(channel);
  await expectNoSecrets(env.client.workflow.getHandle(id));
});
