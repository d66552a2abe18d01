/**
 * Property-based fuzzing over real HTTP on the dev server: start bodies, mid-session changes and signed
 * NCS bodies. Every bad input gets a typed answer (never a 5xx), nothing is started for it, and the running
 * sessions it was aimed at keep running with no failed workflow task.
 */
import { createHmac } from 'node:crypto';
import { fc } from '@fast-check/jest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { EMULATOR_AGORA } from '../../emulator/defaults';
import { PUBLIC_INPUT_POLICY } from '../../src/schemas/policy';
import { withApi, type TestApi } from '../helpers/api';
import { sharedEnvironment, testConfig, withWorker } from '../helpers/temporal';
import { eventually, uniqueId } from '../helpers/wait';

const shared = sharedEnvironment();
const control = shared.control;
let env: TestWorkflowEnvironment;
beforeAll(() => {
  env = shared.env;
});

const NCS = 'fuzz-ncs-secret';
const enc = encodeURIComponent;
const ROUTES = ['/v1/recordings', '/v1/transcriptions', '/v1/relays', '/v1/ingests', '/v1/pulls', '/v1/transcoders', '/v1/bans'];

const body = fc.oneof(
  fc.jsonValue({ maxDepth: 5 }),
  fc.record(
    {
      channel: fc.oneof(fc.string({ maxLength: 70 }), fc.constant('fuzz" OR 1=1'), fc.integer()),
      profile: fc.oneof(fc.constant('default'), fc.string({ maxLength: 70 })),
      mode: fc.constantFrom('mix', 'individual', 'web', 'x'),
      state: fc.jsonValue({ maxDepth: 2 }),
      clientRequest: fc.dictionary(fc.constantFrom('recordingConfig', 'storageConfig', 'extensionParams', 'SecretKey', 'x'), fc.jsonValue({ maxDepth: 3 })),
      pollIntervalMs: fc.integer({ min: -10, max: 10_000 }),
      maxHistoryEvents: fc.integer(),
      languages: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
    },
    { requiredKeys: [] },
  ),
);

function workflowTaskFailures(history: { events?: Array<{ workflowTaskFailedEventAttributes?: unknown }> | null }): number {
  return (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes).length;
}

test('fuzzed start bodies on every route: 201, 400 or 403 with a typed error, never a 5xx; nothing starts for a refusal', async () => {
  // no worker polls this queue: an accepted start would wait there, and makes no vendor call
  const taskQueue = uniqueId('fuzz-unpolled');
  await withApi(env.client, { taskQueue, inputPolicy: PUBLIC_INPUT_POLICY }, async (api) => {
    const accepted = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), body, async (route, b) => {
        const r = await api.call('POST', route, b as never);
        expect([201, 400, 403]).toContain(r.status);
        if (r.status === 201) accepted.add(r.body.id);
        else expect(r.body).toMatchObject({ error: expect.stringMatching(/^(invalid_input|forbidden)$/), message: expect.any(String) });
        if (r.status === 400 && r.body.issues) expect(Array.isArray(r.body.issues)).toBe(true);
      }),
      { numRuns: 150 },
    );
    // only what was accepted exists on the queue; stop it
    const started: string[] = [];
    for await (const wf of env.client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) started.push(wf.workflowId);
    expect(started.sort()).toEqual([...accepted].sort());
    for (const id of accepted) await env.client.workflow.getHandle(id).terminate('fuzz done');
  });
});

test('fuzzed changes to a running recording and fuzzed signed NCS bodies: typed answers, and the session keeps recording with no failed workflow task', async () => {
  const channel = uniqueId('fuzz-rec');
  await control.emptyChannel(EMULATOR_AGORA.appId, channel);
  await control.join(EMULATOR_AGORA.appId, channel, '1001');
  await withWorker(env, testConfig(), (taskQueue) =>
    withApi(env.client, { taskQueue, agoraNcsSecret: NCS }, async (api: TestApi) => {
      const started = await api.call('POST', '/v1/recordings', { channel, mode: 'mix', pollIntervalMs: 300, confirmPollMs: 200 });
      expect(started.status).toBe(201);
      const id = started.body.id as string;
      const path = `/v1/recordings/${enc(id)}`;
      const recording = await eventually(async () => {
        const r = await api.call('GET', path);
        return r.body.phase === 'recording' ? r.body : undefined;
      }, 'recording');

      await fc.assert(
        fc.asyncProperty(fc.constantFrom('PATCH', 'PUT'), fc.jsonValue({ maxDepth: 5 }), async (method, change) => {
          const r = await api.call(method as 'PATCH', method === 'PUT' ? `${path}/layout` : path, change as never);
          expect([200, 400, 409]).toContain(r.status);
        }),
        { numRuns: 60 },
      );

      const payload = fc.record(
        {
          cname: fc.oneof(fc.constant(channel), fc.string({ maxLength: 40 })),
          sid: fc.oneof(fc.constant(recording.sid as string), fc.string({ maxLength: 40 })),
          uid: fc.string({ maxLength: 10 }),
          details: fc.jsonValue({ maxDepth: 3 }),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.jsonValue({ maxDepth: 4 }),
            fc.record({ noticeId: fc.uuid(), productId: fc.constantFrom(3, 20, 4, 5, 10, 99), eventType: fc.integer({ min: 0, max: 120 }), payload }),
          ),
          async (event) => {
            const raw = JSON.stringify({ notifyMs: Date.now(), ...(typeof event === 'object' && event && !Array.isArray(event) ? event : { value: event }) });
            const res = await api.call('POST', '/webhooks/agora/ncs', raw, { 'agora-signature-v2': createHmac('sha256', NCS).update(raw).digest('hex') });
            expect([200, 400]).toContain(res.status);
          },
        ),
        { numRuns: 80 },
      );

      expect(await api.call('GET', path)).toMatchObject({ status: 200, body: { phase: 'recording', sid: recording.sid } });
      const handle = env.client.workflow.getHandle(id);
      expect(workflowTaskFailures(await handle.fetchHistory())).toBe(0);
      expect(await api.call('POST', `${path}/stop`, { reason: 'fuzz done' })).toMatchObject({ status: 200, body: { outcome: 'stopped' } });
    }),
  );
  expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
});
