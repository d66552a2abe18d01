/**
 * The account-level commands as a user runs them (a child process against the shared emulator through
 * RTCFLOW_EMULATOR_URL): `rtcflow console …` with the certificate masked, `console usage` beside a
 * recording the emulator ran, `iot activate`, `analytics calls`, `sparkrtc stats rooms|usage`, and bad
 * input answered with exit code 2 before any call.
 */
import { EMULATOR_IOT } from '../../emulator/defaults';
import { APP, agoraJson, botToken } from '../helpers/agora-http';
import { rtcflowWith, json } from '../helpers/cli';
import { DEMO, SparkControl } from '../helpers/sparkrtc';
import { EMULATOR_STORAGE } from '../../emulator/defaults';
import { uniqueId } from '../helpers/wait';

const url = () => {
  const u = process.env.RTCFLOW_TEST_EMULATOR_URL;
  if (!u) throw new Error('RTCFLOW_TEST_EMULATOR_URL is not set: run through jest');
  return u;
};
const cli = (...args: string[]) => rtcflowWith({ RTCFLOW_EMULATOR_URL: url() }, 'unused', ...args);
const today = () => new Date().toISOString().slice(0, 10);

test('console: create a project (certificate masked unless asked), list it, usage beside a recording of the day', async () => {
  const name = uniqueId('cli-proj');
  const created = json(await cli('console', 'project', 'create', '--name', name, '--sign-key', '--json'));
  expect(created).toMatchObject({ name, sign_key: '***', signKeyEnabled: true, vendor_key: expect.stringMatching(/^[0-9a-f]{32}$/) });
  const shown = json(await cli('console', 'projects', '--show-secrets', '--json'));
  expect(shown.projects.find((p: { name: string }) => p.name === name).sign_key).toMatch(/^[0-9a-f]{32}$/);

  // a mix recording of the demo project for a couple of seconds
  const cname = uniqueId('cli-rec');
  const base = `/v1/apps/${APP}/cloud_recording`;
  const acq = await agoraJson(url(), 'POST', `${base}/acquire`, { cname, uid: '99', clientRequest: {} });
  const st = await agoraJson(url(), 'POST', `${base}/resourceid/${acq.body.resourceId}/mode/mix/start`, {
    cname,
    uid: '99',
    clientRequest: { token: botToken(cname, 99), recordingConfig: { maxIdleTime: 30 }, storageConfig: { ...EMULATOR_STORAGE } },
  });
  expect(st.status).toBe(200);
  await new Promise((r) => setTimeout(r, 2_000));
  expect((await agoraJson(url(), 'POST', `${base}/resourceid/${acq.body.resourceId}/sid/${st.body.sid}/mode/mix/stop`, { cname, uid: '99', clientRequest: {} })).status).toBe(200);

  const usage = json(await cli('console', 'usage', '--from', today(), '--business', 'cloudRecording', '--json'));
  expect(usage).toMatchObject({ business: 'cloudRecording', projectId: expect.any(String) });
  expect(usage.days).toHaveLength(1);
  expect(usage.days[0].date).toBe(today());
  expect(usage.days[0].seconds.durationVideoHd).toBeGreaterThanOrEqual(2);
  expect(usage.days[0].total).toBe(Object.values(usage.days[0].seconds as Record<string, number>).reduce((a, b) => a + b, 0));

  // the calls Analytics reports include that recording's channel
  const calls = json(await cli('analytics', 'calls', '--since', '10m', '--json'));
  expect(calls.calls.map((c: { cname: string }) => c.cname)).toContain(cname);
});

test('iot activate, sparkrtc stats rooms and usage (table), and bad input → exit 2 before any call', async () => {
  const lic = json(await cli('iot', 'activate', '--pid', EMULATOR_IOT.pid, '--license-key', uniqueId('dev'), '--json'));
  expect(lic.license).toMatch(/^[0-9A-F]{32}$/);

  const control = new SparkControl(url());
  const room = uniqueId('cli-room');
  await control.emptyRoom(DEMO.appId, room);
  await control.joinRoom(DEMO.appId, room, 'u1');
  const rooms = json(await cli('sparkrtc', 'stats', 'rooms', '--room', room, '--json'));
  expect(rooms.room_info_list).toEqual([expect.objectContaining({ room_id: room, state: 'RUNNING', end_time: '-' })]);
  const table = await cli('sparkrtc', 'stats', 'usage', '--metric', 'CommunicationDuration');
  expect(table.code).toBe(0);
  expect(table.stdout.split('\n')[0]).toMatch(/^date\s+audio\s+video_sd\s+video_hd\s+video_hdp\s+total s\s+minutes$/);
  expect(table.stdout).toContain(today());

  const bad = await cli('console', 'usage', '--project', 'p', '--from', '2026-02-30');
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/invalid usage query/);
});
