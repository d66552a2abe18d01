/**
 * The emulated Agora Analytics routes (agora.md §12) over raw HTTP against the shared emulator: the seed's
 * paths (the misspelled freeze/bucxket served, the corrected spelling not), Basic auth, and the 400/404
 * answers for what a caller gets wrong. Response shapes are the emulator's own (the seed gives none).
 */
import { APP, AUTH, agoraJson } from '../helpers/agora-http';
import { EmulatorControl } from '../helpers/emulator';
import { uniqueId } from '../helpers/wait';

const url = () => {
  const u = process.env.RTCFLOW_TEST_EMULATOR_URL;
  if (!u) throw new Error('RTCFLOW_TEST_EMULATOR_URL is not set: run through jest');
  return u;
};
const get = (path: string, q: Record<string, string | number>, auth = AUTH) =>
  agoraJson(url(), 'GET', `${path}?${new URLSearchParams(Object.fromEntries(Object.entries(q).map(([k, v]) => [k, String(v)])))}`, undefined, { authorization: auth });
const now = () => Math.floor(Date.now() / 1000);

let callId: string;
beforeAll(async () => {
  const control = new EmulatorControl(url());
  const cname = uniqueId('raw-call');
  await control.emptyChannel(APP, cname);
  await control.join(APP, cname, '7');
  const lists = await get('/beta/analytics/call/lists', { start_ts: now() - 600, end_ts: now() + 60, appid: APP });
  expect(lists.status).toBe(200);
  callId = lists.body.call_lists.find((c: { cname: string }) => c.cname === cname).call_id;
});

test('the seed’s paths answer with the keys its scripts read; freeze/bucxket is served as written, freeze/bucket is not a route', async () => {
  const w = { start_ts: now() - 600, end_ts: now() + 60, appid: APP, call_id: callId };
  const sessions = await get('/beta/analytics/call/sessions', w);
  expect(sessions.body.call_info).toEqual([expect.objectContaining({ sid: expect.stringMatching(/^[0-9A-F]{32}$/), uid: '7' })]);
  const bucket = await get('/beta/analytics/call/freeze/bucxket', { ...w, metric: 'audio_freeze_rate' });
  expect(bucket.status).toBe(200);
  expect(bucket.body.buckets).toHaveLength(5);
  expect(await get('/beta/analytics/call/freeze/bucket', { ...w, metric: 'audio_freeze_rate' })).toMatchObject({
    status: 404,
    body: { message: 'no Route matched with those values' },
  });
  const series = await get('/beta/realtime/usage/by_time_20sec', { startTs: now() - 60, endTs: now() + 1, appid: APP, metric: 'channelCount' });
  expect(series.body.data.every((p: { ts: number }) => p.ts % 20 === 0)).toBe(true);
});

test('what a caller gets wrong: 401, unknown App ID, missing or reversed window, unknown metric or dimension, unknown call, too many points', async () => {
  const w = { start_ts: now() - 600, end_ts: now() + 60, appid: APP };
  expect((await get('/beta/analytics/call/lists', w, `Basic ${Buffer.from('a:b').toString('base64')}`)).status).toBe(401);
  expect(await get('/beta/analytics/call/lists', { ...w, appid: 'f'.repeat(32) })).toMatchObject({ status: 400, body: { message: 'appid is invalid' } });
  expect((await get('/beta/analytics/call/lists', { appid: APP })).status).toBe(400);
  expect((await get('/beta/analytics/call/lists', { ...w, start_ts: w.end_ts, end_ts: w.start_ts })).status).toBe(400);
  expect((await get('/beta/analytics/call/statistics', { ...w, call_id: callId, dimension: 'planet', metric: 'video_freeze_rate' })).status).toBe(400);
  expect((await get('/beta/insight/quality/by_time', { startTs: w.start_ts, endTs: w.end_ts, appid: APP, metric: 'fps', productType: 'Native' })).status).toBe(400);
  expect((await get('/beta/analytics/call/sessions', { ...w, call_id: 'nope' })).status).toBe(404);
  expect((await get('/beta/realtime/usage/by_time_20sec', { startTs: 0, endTs: now(), appid: APP, metric: 'userCount' })).body.message).toMatch(/more than 10000 points/);
});
