/**
 * The typed Analytics client (src/agora/analytics.ts, AgoraAdmin.analytics) against the shared emulator:
 * a project of its own (created through the Console client, so no other test's channels are in it), two
 * users in a channel and a recording, then every report reads what the emulator holds. Also: no base URL
 * for real Agora (the seed leaves {{baseUrl}} undefined), the misspelled freeze-bucket path and its fallback.
 */
import {
  analyticsContext,
  callFreezeBucket,
  callLists,
  callMetrics,
  callSessions,
  callStatistics,
  callStatisticsTime,
  FREEZE_BUCKET_PATHS,
  insightQuality,
  insightUsage,
  realtimeQuality,
  realtimeUsage,
} from '../../src/agora/analytics';
import { createProject } from '../../src/agora/console';
import type { AgoraContext } from '../../src/agora/http';
import { AgoraAdmin } from '../../src/client/agora-admin';
import { loadConfig } from '../../src/config';
import { EMULATOR_AGORA } from '../../emulator/defaults';
import { ConfigurationError, InvalidInputError } from '../../src/errors';
import { HttpClient } from '../../src/http/client';
import { EmulatorControl } from '../helpers/emulator';
import { failure } from '../helpers/vendor-error';
import { uniqueId } from '../helpers/wait';

const http = new HttpClient({ headersTimeoutMs: 5_000 });
const url = () => {
  const u = process.env.RTCFLOW_TEST_EMULATOR_URL;
  if (!u) throw new Error('RTCFLOW_TEST_EMULATOR_URL is not set: run through jest');
  return u;
};
const credentials = { customerId: EMULATOR_AGORA.customerId, customerSecret: EMULATOR_AGORA.customerSecret };
let control: EmulatorControl;
let ctx: AgoraContext;
let cname: string;

beforeAll(async () => {
  control = new EmulatorControl(url());
  const base: AgoraContext = { http, baseUrls: [url()], appId: EMULATOR_AGORA.appId, credentials };
  const { project } = await createProject(base, { name: uniqueId('analytics'), enableSignKey: false });
  ctx = analyticsContext({ ...base, appId: project.vendor_key }, url());
  cname = uniqueId('call');
  await control.emptyChannel(ctx.appId, cname);
  await control.json('POST', `/_emulator/agora/channels/${ctx.appId}/${cname}/users`, { uid: '101', platform: 7 });
  await control.json('POST', `/_emulator/agora/channels/${ctx.appId}/${cname}/users`, { uid: '102', platform: 1, publishing: false });
});
afterAll(async () => {
  await http.close();
});

const window = () => {
  const now = Math.floor(Date.now() / 1000);
  return { startTs: now - 3600, endTs: now + 60 };
};

test('the freeze-bucket path: the seed’s misspelled one first; on a 404 the corrected one (and both were asked)', async () => {
  // runs first: nothing has remembered which path this base URL serves
  const { calls } = await callLists(ctx, window());
  const q = { callId: calls[0]!.call_id, ...window(), metric: 'video_freeze_rate' as const };
  const fault = await control.addFault({
    match: { vendor: 'agora', product: 'analytics', path: 'freeze/bucxket' },
    action: { type: 'error', status: 404, body: { message: 'fault: the misspelled route is gone' } },
    count: 1,
  });
  try {
    const seq = (await control.requests()).at(-1)!.seq;
    const err = await failure(callFreezeBucket(ctx, q));
    // the 404 that ends it is the gateway's for the corrected path (the emulator serves only the seed's)
    expect(err.info).toMatchObject({ httpStatus: 404, operation: 'callFreezeBucket', reason: 'no Route matched with those values' });
    const logged = (await control.requests({ sinceSeq: seq })).filter((r) => r.path.includes('/freeze/')).map((r) => [r.path.split('?')[0], r.fault !== undefined]);
    expect(logged).toEqual([[FREEZE_BUCKET_PATHS.seed, true]]);
    expect(FREEZE_BUCKET_PATHS.corrected).toBe('/beta/analytics/call/freeze/bucket');
  } finally {
    await control.removeFault(fault.id).catch(() => undefined);
  }
  // the emulator serves the documented path: the next call succeeds there
  const ok = await callFreezeBucket(ctx, q);
  expect((ok.buckets as Array<{ user_count: number }>).reduce((s, b) => s + b.user_count, 0)).toBe(2);
});

test('Call Search: the call, its two sessions, their metrics, statistics by OS, users over time', async () => {
  const w = window();
  const { calls } = await callLists(ctx, w);
  expect(calls).toEqual([expect.objectContaining({ call_id: expect.stringMatching(/^[0-9a-f]{32}$/), cname, created_ts: expect.any(Number), destroyed_ts: expect.any(Number) })]);
  const callId = calls[0]!.call_id;
  const { sessions } = await callSessions(ctx, { callId, ...w });
  expect(sessions.map((s) => [s.uid, s.os]).sort()).toEqual([
    ['101', 'Web'],
    ['102', 'Android'],
  ]);
  const metrics = await callMetrics(ctx, { callId, ...w, sids: sessions.map((s) => s.sid) });
  expect((metrics.metrics as Array<{ sid: string }>).map((m) => m.sid).sort()).toEqual(sessions.map((s) => s.sid).sort());
  const byOs = await callStatistics(ctx, { callId, ...w, dimension: 'os', metric: 'audio_freeze_rate' });
  expect((byOs.statistics as Array<{ os: string; user_count: number }>).map((s) => [s.os, s.user_count]).sort()).toEqual([
    ['Android', 1],
    ['Web', 1],
  ]);
  const users = await callStatisticsTime(ctx, { callId, ...w, metric: 'user_count' });
  expect(users.data!.at(-1)!.value).toBe(2);
  // an unknown call is the vendor's 404, final
  expect((await failure(callSessions(ctx, { callId: 'f'.repeat(32), ...w }))).info).toMatchObject({ httpStatus: 404, retryable: false });
});

test('Data Insights and Realtime: hourly quality, daily users, 20-second user and channel counts', async () => {
  const w = window();
  const web = await insightQuality(ctx, { ...w, metric: 'networkDelay', productType: 'WebRTC' });
  const delays = web.data!.map((p) => p.value).filter((v): v is number => v !== null);
  expect(delays.length).toBeGreaterThan(0);
  expect(delays.every((v) => v >= 40 && v <= 120)).toBe(true);
  const daily = await insightUsage(ctx, { startTs: w.endTs - 86_400, endTs: w.endTs });
  expect(Math.max(...daily.data!.map((p) => p.value ?? 0))).toBe(2);
  const userCount = await realtimeUsage(ctx, { ...w, metric: 'userCount' });
  expect(userCount.data!.at(-1)!.value).toBe(2);
  expect((await realtimeUsage(ctx, { ...w, metric: 'channelCount', cname })).data!.at(-1)!.value).toBe(1);
  expect((await realtimeUsage(ctx, { ...w, metric: 'userCount', cname: uniqueId('empty') })).data!.every((p) => p.value === 0)).toBe(true);
  const join = await realtimeQuality(ctx, { ...w, metric: 'joinSuccessRate', productType: 'Native', cname });
  expect(join.data!.at(-1)!.value).toBeGreaterThan(0.98);
});

test('input is checked first; without a base URL for real Agora there is no default', async () => {
  const since = (await control.requests()).at(-1)!.seq;
  await failure(callLists(ctx, { startTs: 2_000, endTs: 1_000 }), InvalidInputError);
  await failure(callLists(ctx, { startTs: Date.now(), endTs: Date.now() + 1 }), InvalidInputError); // milliseconds
  await failure(callMetrics(ctx, { callId: 'c', startTs: 1, endTs: 2, sids: [] }), InvalidInputError);
  await failure(insightQuality(ctx, { startTs: 1, endTs: 2, metric: 'latency' as never, productType: 'Native' }), InvalidInputError);
  await failure(realtimeUsage(ctx, { startTs: 3, endTs: 2, metric: 'userCount' }), InvalidInputError);
  expect((await control.requests({ sinceSeq: since, product: 'analytics' })).length).toBe(0);

  expect(() => analyticsContext(ctx, undefined)).toThrow(ConfigurationError);
  const real = loadConfig({ AGORA_APP_ID: EMULATOR_AGORA.appId, AGORA_CUSTOMER_ID: 'c', AGORA_CUSTOMER_SECRET: 's' });
  const admin = new AgoraAdmin(real, 'default', http);
  await failure(() => admin.analytics.calls(window()), ConfigurationError);
  const configured = new AgoraAdmin(
    loadConfig({ AGORA_APP_ID: EMULATOR_AGORA.appId, AGORA_CUSTOMER_ID: 'c', AGORA_CUSTOMER_SECRET: 's', AGORA_ANALYTICS_BASE_URL: url() }),
    'default',
    http,
  );
  // the setting is used: the emulator answers (401 here: these are not its credentials)
  expect((await failure(configured.analytics.calls(window()))).info.httpStatus).toBe(401);
});
