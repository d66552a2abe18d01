/**
 * The typed SparkRTC statistics client (src/sparkrtc/statistics.ts, SparkRtcStats) against its own
 * emulator, signed for real: rooms, realtime scale and quality, and the daily usage, scale and quality the
 * emulator derives from its rooms and recording jobs; the 30/min flow control; input refused before any
 * call. The clock is nearly frozen (time scale 0.001) and moves when a test says so.
 */
import { EMULATOR_ACCOUNT } from '../../emulator/defaults';
import { SparkRtcStats } from '../../src/client/sparkrtc-stats';
import { loadConfig, resolveSparkRtcProfile } from '../../src/config';
import { InvalidInputError } from '../../src/errors';
import { HttpClient } from '../../src/http/client';
import { createSparkRtcContext, type SparkRtcContext } from '../../src/sparkrtc/http';
import { startIndividualJob, startMixJob, stopIndividualJob, stopMixJob } from '../../src/sparkrtc/jobs';
import { createOrReplaceRule } from '../../src/sparkrtc/rules';
import { historyQuality, historyScale, historyUsage, realtimeQuality, realtimeScale, roomStats } from '../../src/sparkrtc/statistics';
import { statsDate, statsTime } from '../../src/schemas/sparkrtc/statistics';
import { spawnEmulator, type SpawnedEmulator } from '../helpers/emulator';
import { DEMO, SparkControl } from '../helpers/sparkrtc';
import { failure } from '../helpers/vendor-error';
import { uniqueId } from '../helpers/wait';

const DAY = 86_400_000;
let emu: SpawnedEmulator;
let control: SparkControl;
let http: HttpClient;
let ctx: SparkRtcContext;
let ruleId: string;
/** the emulator clock, as the signer must see it once the tests have moved that clock */
let offset = 0;
const now = () => Date.now() + offset;

async function advance(ms: number): Promise<void> {
  await control.advanceClock(ms);
  offset = (await control.now()) - Date.now();
}

beforeAll(async () => {
  emu = await spawnEmulator({ timeScale: 0.001 });
  control = new SparkControl(emu.url);
  await control.settings({ limits: { management: 100_000, jobs: 100_000, rooms: 100_000, obs: 100_000 } });
  offset = (await control.now()) - Date.now();
  http = new HttpClient();
  ctx = createSparkRtcContext(resolveSparkRtcProfile(loadConfig({ RTCFLOW_EMULATOR_URL: emu.url }, { emulator: EMULATOR_ACCOUNT }), 'default'), http, { now });
  const { rule } = await createOrReplaceRule(ctx, {
    obs_addr: { location: 'cn-north-4', project_id: DEMO.projectId, bucket: DEMO.bucket, object: 'stats/' },
    record_formats: ['MP4'],
    mp4_config: { record_cycle: 3600 },
  });
  ruleId = rule.rule_id;
  // start just after a UTC midnight, so the tests' activity stays inside one day
  const t = await control.now();
  await advance(Math.ceil(t / DAY) * DAY + 60_000 - t);
});
afterAll(async () => {
  try {
    await http?.close();
  } finally {
    await emu?.stop();
  }
});
// each test in a fresh 30/min window
beforeEach(() => advance(61_000));

async function roomWith(...users: string[]): Promise<string> {
  const room = uniqueId('stats');
  await control.emptyRoom(DEMO.appId, room);
  for (const u of users) await control.joinRoom(DEMO.appId, room, u);
  return room;
}

test('a room with users is RUNNING; realtime scale counts its users and rooms; quality has native points only', async () => {
  const room = await roomWith('ann', 'bob');
  await advance(120_000);
  const rooms = await roomStats(ctx, { room_id: room });
  expect(rooms.room_info_list).toEqual([expect.objectContaining({ room_id: room, state: 'RUNNING', end_time: '-', duration: 120 })]);
  const w = { start_time: statsTime(now() - 10 * 60_000), end_time: statsTime(now()), room_id: room };
  const users = await realtimeScale(ctx, { ...w, metric: 'OnlineUsers' });
  expect(users.scale.at(-1)).toEqual({ time: statsTime(Math.floor(now() / 60_000) * 60_000), value: 2 });
  expect(users.scale[0]!.value).toBe(0);
  expect((await realtimeScale(ctx, { ...w, metric: 'RoomCount' })).scale.at(-1)!.value).toBe(1);
  const native = await realtimeQuality(ctx, { ...w, metric: 'JoinSuccessRate', sdk_type: 'native' });
  expect(native.quality.length).toBeGreaterThan(0);
  expect(native.quality.every((p) => p.value !== null && p.value >= 0.985 && p.value <= 1)).toBe(true);
  expect((await realtimeQuality(ctx, { ...w, metric: 'JoinSuccessRate', sdk_type: 'webrtc' })).quality).toEqual([]);
});

test('usage per day from the jobs: a 720p mix (video_hd) and a single audio-only job; the room closes when they end', async () => {
  const room = await roomWith('cam', 'mic');
  const { job: mix } = await startMixJob(ctx, {
    mix_param: { room_id: room, encode_template: '1280x720_15_2260', layout_template: 'nine_grids_view' },
    record_param: { record_rule_id: ruleId },
  });
  const { job: single } = await startIndividualJob(ctx, { room_id: room, user_id: 'mic', is_record_audio: true, video_type: '', record_param: { record_rule_id: ruleId } });
  await advance(5 * 60_000);
  await stopIndividualJob(ctx, single.job_id);
  await advance(5 * 60_000);
  await stopMixJob(ctx, mix.job_id);
  await control.leaveRoom(DEMO.appId, room, 'cam');
  await control.leaveRoom(DEMO.appId, room, 'mic');

  const today = statsDate(now());
  const recorded = await historyUsage(ctx, { metric: 'RecordDuration', start_date: today, end_date: today });
  // earlier tests' rooms had no jobs: everything recorded today is these two
  expect(recorded.usage).toEqual([{ date: today, video_sd: 0, video_hd: 600, video_hdp: 0, audio: 300, total_duration: 900 }]);
  const transcoded = await historyUsage(ctx, { metric: 'TranscodeDuration', start_date: today, end_date: today });
  expect(transcoded.usage[0]).toMatchObject({ video_hd: 600, audio: 0, total_duration: 600 });

  const closed = await roomStats(ctx, { room_id: room, state: 'CLOSED' });
  expect(closed.room_info_list).toEqual([expect.objectContaining({ room_id: room, state: 'CLOSED', duration: 600, end_time: expect.stringMatching(/Z$/) })]);
  expect((await roomStats(ctx, { room_id: room, state: 'RUNNING' })).room_info_list).toEqual([]);

  // the daily history APIs never include today: tomorrow, today is there
  await advance(DAY);
  const scale = await historyScale(ctx, { metric: ['RoomCount', 'UserCount'], start_date: today, end_date: today });
  expect(scale.scale).toEqual([{ date: today, room_count: expect.any(Number), user_count: expect.any(Number) }]);
  expect(Number(scale.scale[0]!.room_count)).toBeGreaterThanOrEqual(2);
  const quality = await historyQuality(ctx, { metric: ['VideoFreezeRate', 'FirstVideoRecvTime'], start_date: today, end_date: statsDate(now()) });
  expect(quality.quality.map((q) => q.date)).toEqual([today]);
  expect(quality.quality[0]).toMatchObject({ video_freeze_rate: expect.any(Number), first_video_recv_time: expect.any(Number) });
});

test('30 requests a minute per tenant: the 31st is a retryable 429 (APIG.0308)', async () => {
  const w = { metric: 'OnlineUsers' as const };
  for (let i = 0; i < 30; i++) await realtimeScale(ctx, w);
  const err = await failure(realtimeScale(ctx, w));
  expect(err.info).toMatchObject({ httpStatus: 429, code: 'APIG.0308', retryable: true });
});

test('bad input is refused before any call; what only the service can check is its 400', async () => {
  const before = (await control.requests({ product: 'statistics' })).length;
  await failure(realtimeScale(ctx, { metric: 'Users' as never }), InvalidInputError);
  await failure(realtimeQuality(ctx, { metric: 'JoinSuccessRate', sdk_type: 'native', start_time: '2026-01-01T00:00:00Z', end_time: '2026-01-03T00:00:00Z' }), InvalidInputError);
  await failure(roomStats(ctx, { start_time: '2026-01-01 00:00:00' }), InvalidInputError);
  await failure(historyUsage(ctx, { metric: 'RecordDuration', start_date: '2026-01-02', end_date: '2026-01-01' }), InvalidInputError);
  await failure(historyQuality(ctx, { metric: [] }), InvalidInputError);
  expect((await control.requests({ product: 'statistics' })).length).toBe(before);
  const tooLong = await failure(historyUsage(ctx, { metric: 'RecordDuration', start_date: '2000-01-01', end_date: '2026-01-01' }));
  expect(tooLong.info).toMatchObject({ httpStatus: 400, code: '400', retryable: false });
});

test('SparkRtcStats: the configured profile’s app and the same answers as the calls', async () => {
  const stats = new SparkRtcStats(loadConfig({ RTCFLOW_EMULATOR_URL: emu.url }, { emulator: EMULATOR_ACCOUNT }), 'default', http, { now });
  expect(stats.appId).toBe(DEMO.appId);
  const w = { start_time: statsTime(now() - 3 * DAY), end_time: statsTime(now()) };
  expect(await stats.rooms(w)).toEqual(await roomStats(ctx, w));
  const today = statsDate(now());
  expect(await stats.usage({ metric: 'RecordDuration', start_date: today, end_date: today })).toEqual(
    await historyUsage(ctx, { metric: 'RecordDuration', start_date: today, end_date: today }),
  );
});
