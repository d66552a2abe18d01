/**
 * Sessions of every kind at once (`rtc.sessions`, GET /v1/sessions, `rtcflow ls|status|watch`) and how
 * a session reads in the Temporal UI (static summary and details, current details, activity summaries),
 * on the real dev server and the shared emulator: two products on one channel and one on another.
 */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { EMULATOR_AGORA } from '../../emulator/defaults';
import { RtcflowClient, type SessionListing } from '../../src/client';
import { requireBinary, TEMPORAL_CLI } from '../../src/temporal/binaries';
import type { RelayInput } from '../../src/schemas/workflows/relay';
import { forkWorker, sharedEnvironment, testConfig, withWorker } from '../helpers/temporal';
import { eventually, uniqueId } from '../helpers/wait';
import { json, rtcflow } from '../helpers/cli';
import { testKey, TEST_CLIENT_OPTIONS, withApi } from '../helpers/api';

const APP = EMULATOR_AGORA.appId;
const shared = sharedEnvironment();
const control = shared.control;
let env: TestWorkflowEnvironment;
beforeAll(() => {
  env = shared.env;
});

const relayInput = (channel: string): RelayInput => ({
  channel,
  region: 'na',
  rtmpUrl: 'rtmp://cdn.example.com/live/stream-a',
  transcoding: {
    audioOptions: {},
    videoOptions: { canvas: { width: 640, height: 360 }, layout: [{ rtcStreamUid: 701, region: { xPos: 0, yPos: 0, width: 640, height: 360 } }], bitrate: 800 },
  },
  pollIntervalMs: 300,
  confirmPollMs: 100,
});

async function liveChannel(prefix: string): Promise<string> {
  const channel = uniqueId(prefix);
  await control.emptyChannel(APP, channel);
  await control.join(APP, channel, '701');
  return channel;
}

const ids = (sessions: readonly SessionListing[]) => sessions.map((s) => s.id).sort();

/** Waits until the listing of `filter` is exactly `expected` (visibility is eventually consistent). */
function listsExactly(rtc: RtcflowClient, filter: Parameters<RtcflowClient['sessions']['list']>[0], expected: string[]): Promise<SessionListing[]> {
  return eventually(
    async () => {
      const { sessions } = await rtc.sessions.list(filter);
      return JSON.stringify(ids(sessions)) === JSON.stringify([...expected].sort()) ? sessions : undefined;
    },
    `listing ${JSON.stringify(filter)} = ${expected.join(', ')}`,
  );
}

/** `rtcflow watch <id> --json` as a child process: its lines as they come, and how it exits. */
function watch(taskQueue: string, id: string) {
  const child = spawn(process.execPath, [join(__dirname, '..', '..', 'bin', 'rtcflow.js'), 'watch', id, '--interval', '200', '--json'], {
    env: { PATH: process.env.PATH, TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS, RTCFLOW_TASK_QUEUE: taskQueue, RTCFLOW_TEST_HOOKS: '1' },
  });
  const lines: any[] = [];
  let buffered = '';
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const p of parts) if (p.trim()) lines.push(JSON.parse(p));
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return { lines, exited, stderr: () => stderr };
}

test('rtc.sessions, GET /v1/sessions and rtcflow ls list exactly the running sessions of a product and channel, for their tenant only; watch follows to the end', async () => {
  const [a, b] = [await liveChannel('ls-a'), await liveChannel('ls-b')];
  await withWorker(env, testConfig(), async (tq) => {
    const rtc = new RtcflowClient(env.client, tq, TEST_CLIENT_OPTIONS);
    const relayA = await rtc.relays.start(relayInput(a));
    const sttA = await rtc.transcriptions.start({ channel: a, languages: ['en-US'], pollIntervalMs: 300, confirmPollMs: 200 });
    const relayB = await rtc.relays.start(relayInput(b));
    for (const id of [relayA.id, relayB.id]) await eventually(async () => ((await rtc.sessions.status(id)).phase === 'running' ? true : undefined), `${id} running`);

    // the typed client: by channel, by product, by both; each listing says what the session is
    const onA = await listsExactly(rtc, { channel: a }, [relayA.id, sttA.id]);
    expect(onA.find((s) => s.id === relayA.id)).toMatchObject({
      profile: 'default',
      product: 'media-push',
      vendor: 'agora',
      channel: a,
      status: 'RUNNING',
      sid: expect.any(String),
    });
    expect(onA.find((s) => s.id === sttA.id)).toMatchObject({ product: 'stt', vendor: 'agora', channel: a });
    await listsExactly(rtc, { product: 'media-push' }, [relayA.id, relayB.id]);
    await listsExactly(rtc, { product: 'media-push', channel: a }, [relayA.id]);
    await listsExactly(rtc, { product: 'media-push', phase: 'running', vendor: 'agora' }, [relayA.id, relayB.id]);
    await listsExactly(rtc, { product: 'cloud-recording' }, []);

    // paged: one at a time, the token carries on where the last page stopped
    const first = await rtc.sessions.list({ channel: a, pageSize: 1 });
    expect(first.sessions).toHaveLength(1);
    const second = await rtc.sessions.list({ channel: a, pageSize: 1, nextPageToken: first.nextPageToken });
    expect(ids([...first.sessions, ...second.sessions])).toEqual([relayA.id, sttA.id].sort());

    // over HTTP: the same listing for an all-profiles key; nothing for a key of another tenant
    const other = testKey('tenant-x', ['tenant-x']);
    await withApi(env.client, { taskQueue: tq, extraKeys: [other.entry] }, async (api) => {
      const res = await api.call('GET', `/v1/sessions?product=media-push&channel=${a}`);
      expect(res.status).toBe(200);
      expect(ids(res.body.sessions)).toEqual([relayA.id]);
      expect(ids((await api.call('GET', `/v1/sessions?channel=${a}`)).body.sessions)).toEqual([relayA.id, sttA.id].sort());
      const paged = await api.call('GET', `/v1/sessions?channel=${a}&pageSize=1`);
      expect(paged.body.sessions).toHaveLength(1);
      expect(typeof paged.body.nextPageToken).toBe('string');

      const theirs = { authorization: `Bearer ${other.key}` };
      expect((await api.call('GET', `/v1/sessions?channel=${a}`, undefined, theirs)).body).toEqual({ sessions: [] });
      expect((await api.call('GET', '/v1/sessions?status=all', undefined, theirs)).body).toEqual({ sessions: [] });
      expect((await api.call('GET', `/v1/sessions/${encodeURIComponent(relayA.id)}`, undefined, theirs)).status).toBe(404);

      // a value the visibility query could not take as a literal, an unknown filter, a forged token: 400, nothing listed
      for (const bad of ['channel=a%22%20OR%20RtcChannel%20!%3D%20%22', 'owner=me', 'status=paused', 'pageSize=0', 'nextPageToken=forged']) {
        const r = await api.call('GET', `/v1/sessions?${bad}`);
        expect({ bad, status: r.status, error: r.body.error }).toEqual({ bad, status: 400, error: 'invalid_input' });
      }

      const one = await api.call('GET', `/v1/sessions/${encodeURIComponent(relayA.id)}`);
      expect(one.body).toMatchObject({ id: relayA.id, summary: `media-push · ${a} · transcoded · agora`, session: { phase: 'running', channel: a } });
    });

    // the CLI: the same listing as JSON and as a table
    expect(
      json(await rtcflow(tq, 'ls', '--channel', a, '--json'))
        .sessions.map((s: SessionListing) => s.id)
        .sort(),
    ).toEqual([relayA.id, sttA.id].sort());
    const table = await rtcflow(tq, 'ls', '--product', 'media-push');
    expect(table.code).toBe(0);
    const [header, ...rows] = table.stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+PRODUCT\s+VENDOR\s+CHANNEL\s+PHASE\s+SID\s+STARTED$/);
    expect(rows.map((r) => r.split(/\s+/)[0]).sort()).toEqual([relayA.id, relayB.id].sort());
    expect(json(await rtcflow(tq, 'status', sttA.id, '--json'))).toMatchObject({ id: sttA.id, phase: 'running', channel: a });

    // stopped: it leaves status=running, and shows with --all / status=all as COMPLETED
    await rtc.transcriptions.stop(sttA.id, 'listing test');
    await listsExactly(rtc, { channel: a }, [relayA.id]);
    const all = await listsExactly(rtc, { channel: a, status: 'all' }, [relayA.id, sttA.id]);
    expect(all.find((s) => s.id === sttA.id)).toMatchObject({ status: 'COMPLETED', phase: 'completed' });
    await listsExactly(rtc, { channel: a, status: 'closed' }, [sttA.id]);

    // watch: follows relay B from running to completed (exit 0) ...
    const w = watch(tq, relayB.id);
    await eventually(() => (w.lines.length ? true : undefined), 'the first progress line');
    expect(w.lines[0]).toMatchObject({ id: relayB.id, phase: 'running', status: 'RUNNING', terminal: false });
    await rtc.relays.stop(relayB.id, 'show over');
    expect(await w.exited).toBe(0);
    expect(w.lines.at(-1)).toMatchObject({ id: relayB.id, phase: 'completed', terminal: true, ok: true });

    // ... and relay A to a cancellation: not completed, so non-zero
    const wa = watch(tq, relayA.id);
    await eventually(() => (wa.lines.length ? true : undefined), 'the first progress line');
    await env.client.workflow.getHandle(relayA.id).cancel();
    expect(await wa.exited).toBe(1);
    expect(wa.lines.at(-1)).toMatchObject({ id: relayA.id, terminal: true, ok: false });
    await listsExactly(rtc, { product: 'media-push', channel: b }, []);
  });
});

const run = promisify(execFile);

test('a session reads well in the Temporal UI: static summary and details, current details with its resource, activity summaries', async () => {
  const channel = await liveChannel('ui');
  await withWorker(env, testConfig(), async (tq) => {
    const rtc = new RtcflowClient(env.client, tq, TEST_CLIENT_OPTIONS);
    const { id } = await rtc.relays.start(relayInput(channel));
    try {
      await eventually(async () => ((await rtc.sessions.status(id)).phase === 'running' ? true : undefined), `${id} running`);
      const d = await eventually(async () => {
        const got = await rtc.sessions.describe(id);
        return got.currentDetails?.includes('**running**') && got.sid ? got : undefined;
      }, 'current details: running');
      expect(d.summary).toBe(`media-push · ${channel} · transcoded · agora`);
      expect(d.details).toContain(`**session**: ${id}`);
      expect(d.details).toContain('**profile**: default');
      expect(d.details).not.toContain('rtmp://'); // stream keys live in URLs: never in the summary
      expect(d.currentDetails).toContain(`converter: \`${d.sid}\``);
      expect(d.currentDetails).toMatch(/\(since \d{4}-\d\d-\d\dT/);

      // the Temporal CLI shows the same
      const cli = requireBinary(TEMPORAL_CLI).path;
      const described = JSON.parse((await run(cli, ['workflow', 'describe', '--address', process.env.TEMPORAL_ADDRESS!, '-w', id, '-o', 'json'])).stdout);
      expect(described.executionConfig.userMetadata).toEqual({ summary: `media-push · ${channel} · transcoded · agora`, details: d.details });
      // current details are not stored by the server: the UI and `temporal workflow metadata` ask the workflow for them
      const metadata = (await run(cli, ['workflow', 'metadata', '--address', process.env.TEMPORAL_ADDRESS!, '-w', id, '-o', 'json'])).stdout;
      expect(metadata).toContain('**running**');
      expect(metadata).toContain(d.sid!);

      // every activity scheduled says which call it makes
      const history = await env.client.workflow.getHandle(id).fetchHistory();
      const summaries = (history.events ?? [])
        .filter((e) => e.activityTaskScheduledEventAttributes)
        .map((e) => JSON.parse(Buffer.from(e.userMetadata?.summary?.data ?? []).toString() || 'null'));
      expect(summaries.length).toBeGreaterThan(0);
      expect(summaries).toContain('createRelayConverter (create)');
      expect(summaries.every((s) => typeof s === 'string' && /^\w+ \((call|create|cleanup)\)$/.test(s))).toBe(true);
    } finally {
      await rtc.relays.stop(id, 'ui test');
    }
  });
});

test("the UI's Stack Trace tab: off by default (the SDK patch skips its promise hook), and RTCFLOW_WORKER_STACK_TRACES=on brings it back", async () => {
  for (const stackTraces of ['default', 'on'] as const) {
    const channel = await liveChannel(`st-${stackTraces}`);
    const tq = uniqueId('tq-st');
    // a worker process of its own, as in production: the setting reaches the workflow thread through its environment
    // (undefined: not passed on, whatever the shell running the tests exported)
    const worker = await forkWorker(tq, control.url, { RTCFLOW_WORKER_STACK_TRACES: stackTraces === 'on' ? 'on' : undefined });
    const rtc = new RtcflowClient(env.client, tq, TEST_CLIENT_OPTIONS);
    try {
      const { id } = await rtc.relays.start(relayInput(channel));
      try {
        await eventually(async () => ((await rtc.sessions.status(id)).phase === 'running' ? true : undefined), `${id} running`);
        // what the UI's tab and `temporal workflow stack` ask
        const asked = env.client.workflow.getHandle(id).query<string>('__stack_trace');
        if (stackTraces === 'on') expect(await asked).toMatch(/workflows\/lib\/\w+\.ts:\d+/);
        else await expect(asked).rejects.toThrow(/stack traces are not enabled/);
        // either way the session goes on and stops when asked
        expect((await rtc.sessions.status(id)).phase).toBe('running');
      } finally {
        await rtc.relays.stop(id, 'stack trace test');
      }
    } finally {
      worker.dispose();
    }
  }
});

test("the current details keep the last vendor error: Agora refuses a converter's read, the relay deletes it and says why", async () => {
  const channel = await liveChannel('ui-err');
  await withWorker(env, testConfig(), async (tq) => {
    const rtc = new RtcflowClient(env.client, tq, TEST_CLIENT_OPTIONS);
    const { id } = await rtc.relays.start(relayInput(channel));
    const running = await eventually(async () => {
      const s = await rtc.sessions.status(id);
      return s.phase === 'running' ? s : undefined;
    }, `${id} running`);
    // only this converter's reads: other tests share the emulator
    await control.addFault({
      match: { product: 'media-push', method: 'GET', path: `/rtmp-converters/${String(running.converterId)}$` },
      action: { type: 'error', status: 400 },
      count: 1,
    });
    const d = await eventually(async () => {
      const got = await rtc.sessions.describe(id);
      return got.currentDetails?.includes('**completed**') ? got : undefined;
    }, 'the session completed');
    expect(d.currentDetails).toMatch(/last vendor error \(\d{4}-[^)]+\): media-push\.\w+: HTTP 400/);
    expect(d.currentDetails).toContain('get failed');
  });
});
