/**
 * SparkRTC recordings and their management driven entirely through the `rtcflow` command (child
 * processes, as a user runs them): the callback address with a generated auth_key, rules, auto-record,
 * both job kinds end to end through `rtcflow record --vendor sparkrtc`, a single job's rule change, and
 * the room calls. The emulator checks every signature; nothing is left running.
 */
import { withWorker } from '../helpers/temporal';
import { DEMO } from '../helpers/sparkrtc';
import { eventually, uniqueId } from '../helpers/wait';
import { RULE, sparkWorld } from './sparkrtc-recording.world';
import { json, rtcflowWith } from '../helpers/cli';

const w = sparkWorld({ configureCallback: false });

/** `rtcflow <args>`, reaching the test's emulator too. */
const rtcflow = (taskQueue: string, ...args: string[]) => rtcflowWith({ RTCFLOW_EMULATOR_URL: w.h.emu.url }, taskQueue, ...args);

async function until(tq: string, id: string, phase: string): Promise<any> {
  return eventually(async () => {
    const s = json(await rtcflow(tq, 'record', 'status', id, '--json'));
    return s.phase === phase ? s : undefined;
  }, `${phase} through \`rtcflow record status\``);
}

test('management, then a mixed and a single job end to end through the CLI', async () => {
  const tq = w.taskQueue;
  // one command points the callbacks at the receiver and generates the auth_key, saying where it goes
  const set = json(await rtcflow(tq, 'sparkrtc', 'callback', 'set', '--url', w.callbackUrl, '--json'));
  expect(set).toMatchObject({ profile: 'default', appId: DEMO.appId, url: w.callbackUrl, configure: { env: 'SPARKRTC_CALLBACK_AUTH_KEY' } });
  expect(set.authKey).toMatch(/^[0-9a-f]{32}$/);
  expect(set.config.record_callback.auth_key).toBe('***');
  w.keys.default = set.authKey;
  w.secrets.push(set.authKey);
  expect(json(await rtcflow(tq, 'sparkrtc', 'callback', 'get', '--json')).record_callback).toMatchObject({ url: w.callbackUrl, auth_key: '***' });

  // rules (an upsert per OBS location) and auto-record
  const replaced = json(await rtcflow(tq, 'sparkrtc', 'rules', 'set', '--rule', JSON.stringify({ ...RULE, mp4_config: { record_cycle: 900 } }), '--json'));
  expect(replaced).toMatchObject({ created: false, rule: { rule_id: w.ruleId, mp4_config: { record_cycle: 900 } } });
  expect(
    json(await rtcflow(tq, 'sparkrtc', 'rules', 'list', '--json'))
      .rules.map((r: any) => r.rule_id)
      .sort(),
  ).toEqual([w.ruleId, w.otherRuleId].sort());
  expect(json(await rtcflow(tq, 'sparkrtc', 'auto-record', 'get', '--json'))).toMatchObject({ auto_record_mode: { mode: 'AUTO_RECORD_OFF' } });

  const mixRoom = uniqueId('cli-mix');
  const singleRoom = uniqueId('cli-single');
  await w.spark.emptyRoom(DEMO.appId, mixRoom);
  await w.spark.joinRoom(DEMO.appId, mixRoom, 'u1');
  await w.spark.joinRoom(DEMO.appId, mixRoom, 'u2');
  await w.spark.emptyRoom(DEMO.appId, singleRoom);
  await w.spark.joinRoom(DEMO.appId, singleRoom, 'presenter', { audio: true, video: true, screen: true });

  await withWorker(
    w.h.env,
    w.h.config,
    async () => {
      const common = ['--vendor', 'sparkrtc', '--rule', w.ruleId, '--poll-interval', '1s', '--drain-timeout', '15s', '--json'];
      const [mix, single] = await Promise.all([
        rtcflow(
          tq,
          'record',
          'start',
          '--kind',
          'mix',
          '--channel',
          mixRoom,
          '--encode-template',
          '640x480_15_500',
          '--layout',
          '{"layout_template":"nine_grids_view"}',
          ...common,
        ),
        rtcflow(tq, 'record', 'start', '--kind', 'single', '--channel', singleRoom, '--user', 'presenter', '--video', 'screen', '--no-audio', ...common),
      ]).then((runs) => runs.map(json));
      expect(mix.id).toBe(`sparkrtc-recording/default/main/${mixRoom}/mix`);
      expect(single.id).toBe(`sparkrtc-recording/default/main/${singleRoom}/single/presenter/screen`);
      for (const id of [mix.id, single.id]) w.h.track(w.h.env.client.workflow.getHandle(id));

      const [mixing, recording] = await Promise.all([until(tq, mix.id, 'recording'), until(tq, single.id, 'recording')]);
      expect(mixing).toMatchObject({ vendor: 'sparkrtc', kind: 'mix', channel: mixRoom, sid: expect.any(String) });
      expect(recording).toMatchObject({ vendor: 'sparkrtc', kind: 'single', userId: 'presenter', videoType: 'SCREENSTREAM', recordRuleId: w.ruleId });

      const layout = { layout_template: 'screen_share_right', layout_panes: [{ id: 1, user_id: 'u1', video_type: 'CAMERASTREAM', filling_policy: 'FIXED_USER' }] };
      const [laidOut, ruled] = await Promise.all([
        rtcflow(tq, 'record', 'layout', mix.id, '--layout', JSON.stringify(layout), '--json'),
        rtcflow(tq, 'sparkrtc', 'job-rule', single.id, '--rule', w.otherRuleId, '--json'),
      ]).then((runs) => runs.map(json));
      expect(laidOut).toEqual({ id: mix.id, layout });
      expect(ruled).toEqual({ id: single.id, recordRuleId: w.otherRuleId });

      const [mixed, recorded] = await Promise.all([
        rtcflow(tq, 'record', 'stop', mix.id, '--reason', 'cli mix over', '--json'),
        rtcflow(tq, 'record', 'stop', single.id, '--reason', 'cli single over', '--json'),
      ]).then((runs) => runs.map(json));
      expect(mixed).toMatchObject({
        id: mix.id,
        vendor: 'sparkrtc',
        outcome: 'stopped',
        reason: 'cli mix over',
        sid: mixing.sid,
        uploadingStatus: 'uploaded',
        needsReview: false,
        layout,
      });
      expect(recorded).toMatchObject({ id: single.id, outcome: 'stopped', reason: 'cli single over', sid: recording.sid, uploadingStatus: 'uploaded', updates: 1 });
      for (const r of [mixed, recorded]) expect(r.files.map((f: any) => f.format).sort()).toEqual(['HLS', 'MP4']);
      // mixed at the encode template's size (sent in the `*` form, given in the `x` form)
      expect(mixed.files[0]).toMatchObject({ width: 640, height: 480 });
    },
    {},
    { taskQueue: tq },
  );

  // the room calls: one user out, then everyone
  expect(json(await rtcflow(tq, 'sparkrtc', 'room', 'remove-users', mixRoom, '--user', 'u2', '--json'))).toEqual({ roomId: mixRoom, removing: ['u2'] });
  await eventually(async () => ((await w.spark.room(DEMO.appId, mixRoom)).users.map((u) => u.userId).join() === 'u1' ? true : undefined), 'u2 removed');
  expect(json(await rtcflow(tq, 'sparkrtc', 'room', 'dismiss', mixRoom, '--json'))).toEqual({ roomId: mixRoom, outcome: 'accepted' });
  await eventually(async () => ((await w.spark.room(DEMO.appId, mixRoom)).users.length === 0 ? true : undefined), 'room dismissed');

  for (const room of [mixRoom, singleRoom]) {
    expect(await w.spark.jobs({ appId: DEMO.appId, roomId: room, running: true })).toEqual([]);
    expect(await w.h.control.tasks({ cname: room, running: true })).toEqual([]);
  }
  const starts = [...(await w.h.control.requests({ cname: mixRoom })), ...(await w.h.control.requests({ cname: singleRoom }))].filter((r) => r.operation === 'start');
  expect(starts.map((r) => `${r.product}:${r.status}`).sort()).toEqual(['individual-stream-jobs:201', 'mix-stream-jobs:201']);
});

test('a bad SparkRTC invocation exits 2 with the issue and sends nothing', async () => {
  const room = uniqueId('cli-bad');
  const tq = uniqueId('tq-nobody');
  const bad = await rtcflow(tq, 'record', 'start', '--vendor', 'sparkrtc', '--kind', 'single', '--channel', room, '--rule', w.ruleId, '--json');
  expect(bad.code).toBe(2);
  expect(bad.stdout).toBe('');
  expect(bad.stderr).toMatch(/invalid SparkRTC recording request: userId: a single-stream recording needs the userId to record/);
  const vendor = await rtcflow(tq, 'record', 'start', '--vendor', 'huawei', '--channel', room, '--json');
  expect(vendor.code).toBe(2);
  expect(vendor.stderr).toMatch(/vendor must be "agora" or "sparkrtc"/);
  expect(await w.h.control.requests({ cname: room })).toEqual([]);
});
