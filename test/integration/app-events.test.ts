/**
 * Events out to the application (issue 13): a real HTTP server in the test plays the application; a
 * worker configured with RTCFLOW_EVENTS_URL/RTCFLOW_EVENTS_SECRET runs recordings on the dev server
 * against the emulator. Every delivery is verified with the shipped verifyRtcflowEvent; a 500 is
 * followed by a redelivery of the same event ID; an application that is down does not hold the session
 * up; a profile without an events target starts no delivery; no history holds the signing secret.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { EMULATOR_AGORA } from '../../emulator/defaults';
import { RtcflowClient, RtcflowEventVerificationError, signRtcflowEvent, verifyRtcflowEvent, type RtcflowEvent } from '../../src/client';
import { ingestWorkflowId } from '../../src/client';
import { ingest, ingestStatusQuery, ingestStopUpdate } from '../../workflows/ingest';
import { historyText } from '../helpers/history';
import { untilPhase } from '../helpers/session';
import { TEST_CLIENT_OPTIONS } from '../helpers/api';
import { sharedEnvironment, testConfig, withWorker } from '../helpers/temporal';
import { eventually, uniqueId } from '../helpers/wait';

const SECRET = 'app-events-test-secret-7d1f0c2a9b';
const shared = sharedEnvironment();
const control = shared.control;
let env: TestWorkflowEnvironment;
beforeAll(() => {
  env = shared.env;
});

interface Delivery {
  headers: IncomingHttpHeaders;
  raw: string;
  receivedAt: number;
}

/** The application: records every delivery; `refuseFirst` of these types are answered 500 once each. */
async function appServer(refuseFirst: string[] = []): Promise<{ url: string; deliveries: Delivery[]; close: () => Promise<void> }> {
  const deliveries: Delivery[] = [];
  const refused = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      deliveries.push({ headers: req.headers, raw, receivedAt: Date.now() });
      const type = String(req.headers['rtcflow-event-type']);
      if (refuseFirst.includes(type) && !refused.has(type)) {
        refused.add(type);
        res.writeHead(500).end('not now');
        return;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/rtcflow/events`,
    deliveries,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A channel with two publishers, so the recording has files. */
async function liveChannel(prefix: string): Promise<string> {
  const channel = uniqueId(prefix);
  await control.emptyChannel(EMULATOR_AGORA.appId, channel);
  await control.join(EMULATOR_AGORA.appId, channel, '1001');
  await control.join(EMULATOR_AGORA.appId, channel, '1002');
  return channel;
}

/** Starts a recording through the typed client (so the ID names its profile), waits until it records. */
async function record(rtc: RtcflowClient, channel: string): Promise<string> {
  const { id } = await rtc.startRecording({ channel, mode: 'individual', pollIntervalMs: 300, confirmPollMs: 200 });
  await eventually(async () => ((await rtc.recordingStatus(id)).phase === 'recording' ? true : undefined), 'recording');
  return id;
}

const verified = (d: Delivery): RtcflowEvent => verifyRtcflowEvent(d.raw, d.headers, SECRET);

/** The workflow's start-child commands (the delivery workflows it started). */
async function childStarts(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) => (e.startChildWorkflowExecutionInitiatedEventAttributes ? [e.startChildWorkflowExecutionInitiatedEventAttributes.workflowId!] : []));
}

test('a recording tells the application started, files ready and ended, signed; a refused delivery comes again with the same event ID', async () => {
  const app = await appServer(['session.started']);
  const channel = await liveChannel('events');
  const config = testConfig(undefined, { RTCFLOW_EVENTS_URL: app.url, RTCFLOW_EVENTS_SECRET: SECRET });
  try {
    const { id, result } = await withWorker(env, config, async (taskQueue) => {
      const rtc = new RtcflowClient(env.client, taskQueue, TEST_CLIENT_OPTIONS);
      const id = await record(rtc, channel);
      const result = await rtc.stopRecording(id, 'class over');
      // the worker keeps running until the application has all three (the refused one retried after ~1 s)
      const count = (type: string) => app.deliveries.filter((d) => d.headers['rtcflow-event-type'] === type).length;
      await eventually(() => (count('session.started') >= 2 && count('files.ready') >= 1 && count('session.ended') >= 1 ? true : undefined), 'all three delivered');
      return { id, result };
    });
    expect(result.files.length).toBe(4);

    const events = app.deliveries.map(verified);
    const types = events.map((e) => e.type);
    // started (refused, then again), files.ready, ended; nothing else for a recording that ran straight through
    expect(types.filter((t) => t === 'session.started')).toHaveLength(2);
    expect(types.filter((t) => t === 'files.ready')).toHaveLength(1);
    expect(types.filter((t) => t === 'session.ended')).toHaveLength(1);
    expect(new Set(types)).toEqual(new Set(['session.started', 'files.ready', 'session.ended']));

    // the redelivery carries the same ID (header and body) and the same event, signed anew
    const started = app.deliveries.filter((d) => d.headers['rtcflow-event-type'] === 'session.started');
    expect(started[0]!.headers['rtcflow-event-id']).toBe(started[1]!.headers['rtcflow-event-id']);
    expect(verified(started[0]!)).toEqual(verified(started[1]!));
    expect(started[1]!.headers['rtcflow-signature']).not.toBe(started[0]!.headers['rtcflow-signature']);

    const byType = Object.fromEntries(events.map((e) => [e.type, e]));
    expect(byType['session.started']).toMatchObject({ session: { id, profile: 'default', product: 'cloud-recording', vendor: 'agora', channel }, data: { phase: 'recording' } });
    expect(byType['files.ready']!.data.files).toEqual(JSON.parse(JSON.stringify(result.files)));
    expect(byType['session.ended']).toMatchObject({ session: { id }, data: { outcome: 'stopped', reason: 'class over' } });
    expect(new Set(events.map((e) => e.id)).size).toBe(3);

    // a delivery signed with another secret, or altered, does not verify
    const d = started[1]!;
    expect(() => verifyRtcflowEvent(d.raw, d.headers, 'another-secret-of-16+')).toThrow(RtcflowEventVerificationError);
    expect(() => verifyRtcflowEvent(d.raw.replace('recording', 'recordinG'), d.headers, SECRET)).toThrow(/bad signature/);
    expect(() => verifyRtcflowEvent(d.raw, d.headers, SECRET, { now: Date.now() + 600_000 })).toThrow(/stale/);

    // the signing secret is in no history: the session's nor any delivery's
    const session = env.client.workflow.getHandle(id);
    const children = await childStarts(session);
    expect(children.sort()).toEqual(
      events
        .map((e) => e.id)
        .filter((v, i, a) => a.indexOf(v) === i)
        .sort(),
    );
    for (const h of [session, ...children.map((c) => env.client.workflow.getHandle(c))]) {
      const text = await historyText(h);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(app.url);
    }
  } finally {
    await app.close();
  }
});

test('an application that is down does not hold the session up: it completes on time while the deliveries retry', async () => {
  const gone = await appServer();
  await gone.close(); // nothing listens there any more
  const channel = await liveChannel('events-down');
  const config = testConfig(undefined, { RTCFLOW_EVENTS_URL: gone.url, RTCFLOW_EVENTS_SECRET: SECRET });
  const children = await withWorker(env, config, async (taskQueue) => {
    const rtc = new RtcflowClient(env.client, taskQueue, TEST_CLIENT_OPTIONS);
    const id = await record(rtc, channel);
    const t0 = Date.now();
    const result = await rtc.stopRecording(id, 'done');
    expect(result.outcome).toBe('stopped');
    const session = env.client.workflow.getHandle(id);
    await session.result();
    // closed as fast as without events: a stop and the workflow tasks, never the application's answer
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect((await session.describe()).status.name).toBe('COMPLETED');
    const started = await childStarts(session);
    expect(started).toHaveLength(3);
    // every delivery is still trying (the session closed without them)
    await eventually(async () => {
      const d = await env.client.workflow.getHandle(started[started.length - 1]!).describe();
      return d.status.name === 'RUNNING' && (d.raw.pendingActivities?.[0]?.attempt ?? 0) >= 2 ? true : undefined;
    }, 'session.ended delivery retrying');
    return started;
  });
  for (const c of children) await env.client.workflow.getHandle(c).terminate('test over');
});

test('a session that fails tells the application session.failed, with why (and no started before it)', async () => {
  const app = await appServer();
  const channel = uniqueId('events-fail');
  const config = testConfig(undefined, { RTCFLOW_EVENTS_URL: app.url, RTCFLOW_EVENTS_SECRET: SECRET });
  config.agora.default = { ...config.agora.default!, customerSecret: 'not-the-secret' };
  try {
    await withWorker(env, config, async (taskQueue) => {
      const rtc = new RtcflowClient(env.client, taskQueue, TEST_CLIENT_OPTIONS);
      const { id } = await rtc.startRecording({ channel, pollIntervalMs: 300 });
      await expect(env.client.workflow.getHandle(id).result()).rejects.toThrow();
      await eventually(() => (app.deliveries.length ? true : undefined), 'session.failed delivered');
    });
    const events = app.deliveries.map(verified);
    expect(events.map((e) => e.type)).toEqual(['session.failed']);
    expect(String(events[0]!.data.failure)).toMatch(/acquire: HTTP 401/);
  } finally {
    await app.close();
  }
});

test('the events target is configuration: https (http to loopback only), URL and secret together, per profile in the profiles file', () => {
  const load = (env: NodeJS.ProcessEnv) => testConfig(undefined, env);
  expect(() => load({ RTCFLOW_EVENTS_URL: 'http://app.example.com/hook', RTCFLOW_EVENTS_SECRET: SECRET })).toThrow(/RTCFLOW_EVENTS_URL.*must be https/s);
  expect(() => load({ RTCFLOW_EVENTS_URL: 'https://user:pw@app.example.com/hook', RTCFLOW_EVENTS_SECRET: SECRET })).toThrow(/must not carry credentials/);
  expect(() => load({ RTCFLOW_EVENTS_URL: 'https://app.example.com/hook' })).toThrow(/RTCFLOW_EVENTS_SECRET: required when RTCFLOW_EVENTS_URL is set/);
  expect(() => load({ RTCFLOW_EVENTS_URL: 'https://app.example.com/hook', RTCFLOW_EVENTS_SECRET: 'short' })).toThrow(/at least 16/);
  expect(load({ RTCFLOW_EVENTS_URL: 'https://app.example.com/hook', RTCFLOW_EVENTS_SECRET: SECRET }).events).toEqual({
    default: { url: 'https://app.example.com/hook', secret: SECRET },
  });
  expect(load({}).events).toEqual({});
  const dir = mkdtempSync(join(tmpdir(), 'rtcflow-events-'));
  const file = join(dir, 'profiles.json');
  writeFileSync(file, JSON.stringify({ events: { 'tenant-a': { url: 'https://a.example.com/rtcflow', secret: `${SECRET}-a` } } }));
  expect(load({ RTCFLOW_PROFILES_FILE: file }).events).toEqual({ 'tenant-a': { url: 'https://a.example.com/rtcflow', secret: `${SECRET}-a` } });
  writeFileSync(file, JSON.stringify({ events: { 'tenant-a': { url: 'ftp://a.example.com/x', secret: `${SECRET}-a` } } }));
  expect(() => load({ RTCFLOW_PROFILES_FILE: file })).toThrow(/events\.tenant-a\.url/);
});

test('every lifecycle gets them from the kernel: an ingest tells started (waiting for its encoder), updated (live) and ended', async () => {
  const app = await appServer();
  const channel = uniqueId('events-ingest');
  const config = testConfig(undefined, { RTCFLOW_EVENTS_URL: app.url, RTCFLOW_EVENTS_SECRET: SECRET });
  try {
    const id = await withWorker(env, config, async (taskQueue) => {
      const workflowId = ingestWorkflowId({ profile: 'default', channel, role: 'main' });
      const h = await env.client.workflow.start(ingest, { taskQueue, workflowId, args: [{ channel, uid: '100', pollIntervalMs: 500, muteVerifyMs: 200, reconnectWatchMs: 300 }] });
      const waiting = await untilPhase(h, ingestStatusQuery, 'waiting-for-encoder');
      await control.json('POST', '/_emulator/agora/media-gateway/encoders', { streamKey: waiting.push!.streamKey });
      await untilPhase(h, ingestStatusQuery, 'live');
      await h.executeUpdate(ingestStopUpdate, { args: [{ reason: 'show over' }] });
      await eventually(() => (app.deliveries.some((d) => d.headers['rtcflow-event-type'] === 'session.ended') ? true : undefined), 'session.ended delivered');
      return workflowId;
    });
    const events = app.deliveries.map(verified).sort((a, b) => Number(a.id.split('/').pop()) - Number(b.id.split('/').pop()));
    expect(events.map((e) => [e.type, e.data.phase ?? e.data.outcome])).toEqual([
      ['session.started', 'waiting-for-encoder'],
      ['session.updated', 'live'],
      ['session.ended', 'stopped'],
    ]);
    expect(events[0]!.session).toMatchObject({ id, profile: 'default', product: 'media-gateway', channel });
  } finally {
    await app.close();
  }
});

test('a profile without an events target starts no delivery', async () => {
  const channel = await liveChannel('events-none');
  await withWorker(env, testConfig(), async (taskQueue) => {
    const rtc = new RtcflowClient(env.client, taskQueue, TEST_CLIENT_OPTIONS);
    const id = await record(rtc, channel);
    await rtc.stopRecording(id, 'done');
    const session = env.client.workflow.getHandle(id);
    expect(await childStarts(session)).toEqual([]);
  });
});

test('verifyRtcflowEvent: constant-time HMAC over t and the raw body, tolerance, rotation, ID check', () => {
  const body = JSON.stringify({ id: 'e1', type: 'session.ended', createdAt: '', session: { id: 's', runId: 'r' }, data: {} });
  const t = 1_700_000_000_000;
  const headers = { 'Rtcflow-Signature': signRtcflowEvent(body, SECRET, t), 'Rtcflow-Event-Id': 'e1' };
  expect(verifyRtcflowEvent(body, headers, SECRET, { now: t + 1000 }).id).toBe('e1');
  expect(verifyRtcflowEvent(Buffer.from(body), new Headers(headers), ['old-secret-0123456789', SECRET], { now: t }).id).toBe('e1');
  const reason = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return (err as RtcflowEventVerificationError).reason;
    }
    return 'accepted';
  };
  expect(reason(() => verifyRtcflowEvent(body, {}, SECRET, { now: t }))).toBe('no_signature');
  expect(reason(() => verifyRtcflowEvent(body, { 'rtcflow-signature': 't=abc,v1=00' }, SECRET, { now: t }))).toBe('malformed_signature');
  expect(reason(() => verifyRtcflowEvent(body, headers, SECRET, { now: t + 300_001 }))).toBe('stale');
  expect(reason(() => verifyRtcflowEvent(body, headers, SECRET, { now: t + 600_000, toleranceMs: 600_000 }))).toBe('accepted');
  expect(reason(() => verifyRtcflowEvent(`${body} `, headers, SECRET, { now: t }))).toBe('bad_signature');
  // the signature covers t: the same v1 with another t is refused
  expect(reason(() => verifyRtcflowEvent(body, { ...headers, 'Rtcflow-Signature': headers['Rtcflow-Signature'].replace(`t=${t}`, `t=${t + 1}`) }, SECRET, { now: t }))).toBe(
    'bad_signature',
  );
  expect(reason(() => verifyRtcflowEvent(body, { ...headers, 'Rtcflow-Event-Id': 'e2' }, SECRET, { now: t }))).toBe('id_mismatch');
});
