/**
 * `rtc.usage` and `rtcflow usage`: the sessions' own cost ledgers beside the emulated Console usage, on the
 * real dev server and this file's own emulator (its Console counts only what this file recorded). The
 * emulator runs at time scale 1 here: its Console books emulated time and the ledger books workflow time,
 * so a faster emulated clock would itself be a difference.
 *
 * Three cloud recordings on one day in three usage columns (mix 640×360 → durationVideoHd, mix 1920×1080
 * → durationVideoHdp, individual audio only → durationAudioAll): read while one still runs (its status
 * query) and once all stopped (their results), each column beside the Console with no flag; then a
 * recording the emulator ran that rtcflow did not start is flagged; bad input is refused before any call.
 */
import { EMULATOR_AGORA, EMULATOR_STORAGE } from '../../emulator/defaults';
import { InvalidInputError, RtcflowClient, type CloudRecordingResult, type UsageReport } from '../../src/client';
import { agoraJson, botToken } from '../helpers/agora-http';
import { TEST_CLIENT_OPTIONS, testKey, withApi } from '../helpers/api';
import { json, rtcflowWith } from '../helpers/cli';
import { sessionHarness } from '../helpers/harness';
import { withWorker } from '../helpers/temporal';
import { eventually, uniqueId } from '../helpers/wait';

const h = sessionHarness({ timeScale: 1 });
const APP = EMULATOR_AGORA.appId;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const RECORDINGS = [
  { name: 'hd', usageClass: 'durationVideoHd', input: { mode: 'mix' as const } },
  {
    name: 'hdp',
    usageClass: 'durationVideoHdp',
    input: { mode: 'mix' as const, clientRequest: { recordingConfig: { transcodingConfig: { width: 1920, height: 1080, fps: 15, bitrate: 2260, mixedVideoLayout: 1 } } } },
  },
  { name: 'audio', usageClass: 'durationAudioAll', input: { mode: 'individual' as const, clientRequest: { recordingConfig: { streamTypes: 0 as const } } } },
];

/** The report's row for a column of cloud recording on `day`. */
const row = (r: UsageReport, day: string, usageClass: string) => r.rows.find((x) => x.date === day && x.product === 'cloud-recording' && x.usageClass === usageClass);

test('three recordings of a day: rtc.usage and rtcflow usage set their ledger beside the Console usage, no flag; a recording rtcflow did not start is flagged', async () => {
  const day = utcDay(Date.now());
  await withWorker(h.env, h.config, async (tq) => {
    const rtc = new RtcflowClient(h.env.client, tq, TEST_CLIENT_OPTIONS);
    const cli = (...args: string[]) => rtcflowWith({ RTCFLOW_EMULATOR_URL: h.emu.url }, tq, 'usage', ...args);

    const started = await Promise.all(
      RECORDINGS.map(async (r) => {
        const channel = uniqueId(`usage-${r.name}`);
        await h.control.emptyChannel(APP, channel);
        await h.control.join(APP, channel, '1001');
        const s = await rtc.startRecording({ channel, ...r.input, pollIntervalMs: 300, confirmPollMs: 200 });
        h.track(h.env.client.workflow.getHandle(s.id));
        return { ...r, ...s };
      }),
    );
    // each records for a few seconds (its own ledger says so), in the column its resolution bills under
    for (const s of started) {
      await eventually(async () => {
        const st = await rtc.recordingStatus(s.id);
        return st.phase === 'recording' && st.usage.length === 1 && st.usage[0]!.seconds >= 3 ? st : undefined;
      }, `${s.name} recording 3 s`);
      expect((await rtc.recordingStatus(s.id)).usage[0]).toMatchObject({ product: 'cloud-recording', usageClass: s.usageClass });
    }
    const results: CloudRecordingResult[] = [];
    for (const s of started.slice(0, 2)) results.push(await rtc.stopRecording(s.id, 'usage test'));

    // two closed (their results), one running (its status query: an open interval counted up to now)
    const mid = await eventually(async () => {
      const r = await rtc.usage({ from: day, to: day }, { config: h.config });
      return r.sessions.listed === 3 ? r : undefined;
    }, 'the three sessions listed');
    expect(mid.sessions).toEqual({ listed: 3, counted: 3, withoutLedger: {}, unaccounted: [] });
    expect(mid.flagged).toBe(0);
    for (const s of started) expect(row(mid, day, s.usageClass)).toMatchObject({ business: 'cloudRecording', flagged: false, rtcflowSeconds: expect.any(Number) });
    expect(row(mid, day, 'durationAudioAll')!.rtcflowSeconds).toBeGreaterThanOrEqual(3);

    results.push(await rtc.stopRecording(started[2]!.id, 'usage test'));
    // all closed: each column is exactly the results' ledger, and the Console's within a couple of seconds
    const ledger = (usageClass: string) =>
      results
        .flatMap((r) => r.usage)
        .filter((e) => e.usageClass === usageClass)
        .reduce((a, e) => a + e.seconds, 0);
    const done = await eventually(async () => {
      const r = await rtc.usage({ from: day, to: day }, { config: h.config });
      return r.sessions.listed === 3 && r.rows.every((x) => x.rtcflowSeconds === ledger(x.usageClass)) ? r : undefined;
    }, 'the closed sessions listed with their results');
    expect(done.projectId).toEqual(expect.any(String));
    expect(done.tolerance).toEqual({ percent: 1, seconds: 60 });
    expect(done.rows.map((x) => x.usageClass).sort()).toEqual(RECORDINGS.map((r) => r.usageClass).sort());
    for (const s of started) {
      const x = row(done, day, s.usageClass)!;
      expect(x.rtcflowSeconds).toBeGreaterThanOrEqual(3);
      expect(x.consoleSeconds).toBeGreaterThanOrEqual(3);
      expect(Math.abs(x.differenceSeconds!)).toBeLessThanOrEqual(2);
      expect(x.differenceSeconds).toBe(x.rtcflowSeconds - x.consoleSeconds!);
      expect(x.flagged).toBe(false);
    }

    // the CLI: the same report as JSON (and as a table below)
    const viaCli = json(await cli('--from', day, '--json'));
    expect(viaCli.rows).toEqual(done.rows.map((x) => expect.objectContaining({ date: x.date, usageClass: x.usageClass, rtcflowSeconds: x.rtcflowSeconds, flagged: false })));
    expect(viaCli.sessions).toMatchObject({ listed: 3, counted: 3 });
    // and over HTTP, for a key allowed the profile (another tenant's key: 403)
    const other = testKey('tenant-x', ['tenant-x']);
    await withApi(h.env.client, { taskQueue: tq, config: h.config, extraKeys: [other.entry] }, async (api) => {
      const res = await api.call('GET', `/v1/usage?from=${day}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        from: day,
        to: day,
        profile: 'default',
        flagged: 0,
        rows: done.rows.map((x) => expect.objectContaining({ usageClass: x.usageClass, rtcflowSeconds: x.rtcflowSeconds })),
      });
      expect((await api.call('GET', `/v1/usage?from=${day}`, undefined, { authorization: `Bearer ${other.key}` })).status).toBe(403);
    });
    // a recording rtcflow did not start (straight to the emulator), ten emulated minutes long: flagged
    const cname = uniqueId('usage-raw');
    await h.control.emptyChannel(APP, cname);
    await h.control.join(APP, cname, '1001');
    const base = `/v1/apps/${APP}/cloud_recording`;
    const acq = await agoraJson(h.emu.url, 'POST', `${base}/acquire`, { cname, uid: '99', clientRequest: {} });
    const st = await agoraJson(h.emu.url, 'POST', `${base}/resourceid/${acq.body.resourceId}/mode/mix/start`, {
      cname,
      uid: '99',
      clientRequest: { token: botToken(cname, 99), recordingConfig: { maxIdleTime: 30 }, storageConfig: { ...EMULATOR_STORAGE } },
    });
    expect(st.status).toBe(200);
    const t0 = await h.control.now();
    await h.control.advanceClock(600_000);
    expect((await agoraJson(h.emu.url, 'POST', `${base}/resourceid/${acq.body.resourceId}/sid/${st.body.sid}/mode/mix/stop`, { cname, uid: '99', clientRequest: {} })).status).toBe(
      200,
    );
    const last = utcDay(await h.control.now());
    const flagged = await rtc.usage({ from: day, to: last }, { config: h.config });
    const hdConsole = flagged.rows.filter((x) => x.usageClass === 'durationVideoHd').reduce((a, x) => a + (x.consoleSeconds ?? 0), 0);
    expect(hdConsole).toBeGreaterThanOrEqual(row(done, day, 'durationVideoHd')!.consoleSeconds! + 600);
    const hdOfRaw = row(flagged, utcDay(t0), 'durationVideoHd')!;
    expect(hdOfRaw).toMatchObject({ flagged: true, rtcflowSeconds: row(done, day, 'durationVideoHd')!.rtcflowSeconds });
    expect(hdOfRaw.differenceSeconds!).toBeLessThan(-60);
    expect(flagged.flagged).toBeGreaterThanOrEqual(1);
    // the other columns still agree
    expect(row(flagged, day, 'durationAudioAll')!.flagged).toBe(false);
    // the CLI's table, in minutes: the two columns that agree, and the one that differs
    const text = await cli('--from', day, '--to', last);
    expect(text.code).toBe(0);
    const line = (usageClass: string) =>
      text.stdout
        .split('\n')
        .find((l) => l.includes(` ${usageClass} `))!
        .trim()
        .split(/\s+/);
    const minutes = (s: number) => (s / 60).toFixed(1);
    for (const usageClass of ['durationVideoHdp', 'durationAudioAll']) {
      const x = row(flagged, day, usageClass)!;
      expect(line(usageClass)).toEqual([day, 'cloud-recording', usageClass, minutes(x.rtcflowSeconds), minutes(x.consoleSeconds!), expect.stringMatching(/^[+-]?0\.0$/), 'ok']);
    }
    expect(line('durationVideoHd')).toEqual([
      utcDay(t0),
      'cloud-recording',
      'durationVideoHd',
      minutes(hdOfRaw.rtcflowSeconds),
      minutes(hdOfRaw.consoleSeconds!),
      minutes(hdOfRaw.differenceSeconds!),
      'DIFFERS',
    ]);
    expect(text.stdout).toContain('3 listed, 3 with a ledger');
    expect(text.stdout).toContain('1 row(s) differ by more than the tolerance');
  });
});

test('a session that ended without a result (terminated) is reported, its ledger read from its status query', async () => {
  const day = utcDay(Date.now());
  await withWorker(h.env, h.config, async (tq) => {
    const rtc = new RtcflowClient(h.env.client, tq, TEST_CLIENT_OPTIONS);
    const channel = uniqueId('usage-term');
    await h.control.emptyChannel(APP, channel);
    await h.control.join(APP, channel, '1001');
    const transcodingConfig = { width: 1920, height: 1080, fps: 15, bitrate: 2260, mixedVideoLayout: 1 };
    const { id } = await rtc.startRecording({ channel, mode: 'mix', clientRequest: { recordingConfig: { transcodingConfig } }, pollIntervalMs: 300, confirmPollMs: 200 });
    const handle = h.track(h.env.client.workflow.getHandle(id));
    await eventually(async () => ((await rtc.recordingStatus(id)).usage[0]?.seconds ?? 0) >= 2 || undefined, 'recording 2 s');
    await handle.terminate('usage test: terminated');

    const last = utcDay(await h.control.now());
    const r = await eventually(async () => {
      const x = await rtc.usage({ from: day, to: last }, { config: h.config });
      return x.sessions.listed === 1 && x.sessions.unaccounted.length === 1 ? x : undefined;
    }, 'the terminated session listed');
    expect(r.sessions).toEqual({
      listed: 1,
      counted: 1,
      withoutLedger: {},
      unaccounted: [{ id, runId: expect.any(String), product: 'cloud-recording', status: 'TERMINATED', counted: true, reason: expect.stringContaining('terminated') }],
    });
    // only this session's ledger is on the rtcflow side (this worker's task queue); the Console side is the whole project's
    expect(r.rows.filter((x) => x.rtcflowSeconds > 0).map((x) => x.usageClass)).toEqual(['durationVideoHdp']);
    expect(r.rows.find((x) => x.usageClass === 'durationVideoHdp')!.rtcflowSeconds).toBeGreaterThanOrEqual(2);
  });
});

test('a session that continued as new is one session with its whole ledger', async () => {
  const day = utcDay(Date.now());
  await withWorker(h.env, h.config, async (tq) => {
    const rtc = new RtcflowClient(h.env.client, tq, TEST_CLIENT_OPTIONS);
    const channel = uniqueId('usage-can');
    await h.control.emptyChannel(APP, channel);
    await h.control.join(APP, channel, '1001');
    // the smallest history budget (100 events), filled by layout changes: a new run after a few of them
    const { id } = await rtc.startRecording({ channel, mode: 'mix', pollIntervalMs: 300, confirmPollMs: 100, maxHistoryEvents: 100 });
    h.track(h.env.client.workflow.getHandle(id));
    await eventually(async () => ((await rtc.recordingStatus(id)).phase === 'recording' ? true : undefined), 'recording');
    for (let i = 0; i < 40 && (await rtc.recordingStatus(id)).continuedAsNew < 1; i++) await rtc.updateLayout(id, { mixedVideoLayout: i % 2 === 0 ? 1 : 0 });
    await eventually(async () => {
      const st = await rtc.recordingStatus(id);
      return st.continuedAsNew >= 1 && (st.usage[0]?.seconds ?? 0) >= 2 ? true : undefined;
    }, 'a new run, 2 s recorded');
    const result = await rtc.stopRecording(id, 'usage test');
    expect(result.usage).toHaveLength(1);
    const r = await eventually(async () => {
      const x = await rtc.usage({ from: day, to: utcDay(await h.control.now()) }, { config: h.config });
      return x.sessions.listed === 1 ? x : undefined;
    }, 'the session listed');
    expect(r.sessions).toEqual({ listed: 1, counted: 1, withoutLedger: {}, unaccounted: [] });
    expect(r.rows.filter((x) => x.rtcflowSeconds > 0).map((x) => [x.usageClass, x.rtcflowSeconds])).toEqual([['durationVideoHd', result.usage[0]!.seconds]]);
  });
});

test('bad input is a typed error (HTTP 400, exit 2) before any Console call', async () => {
  const rtc = new RtcflowClient(h.env.client, 'nobody-polls-this', TEST_CLIENT_OPTIONS);
  const before = (await h.control.requests({ product: 'console' })).length;
  for (const input of [
    { from: '2026-02-30', to: '2026-03-01' },
    { from: '2026-12-02', to: '2026-12-01' },
    { from: '2026-01-01', to: '2026-12-31' },
    { from: '2026-12-01', to: '2026-12-01', profile: 'no such/profile' },
    { from: '2026-12-01', to: '2026-12-01', tolerancePercent: -1 },
  ]) {
    const err = await rtc.usage(input, { config: h.config }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
  }
  await withApi(h.env.client, { taskQueue: 'nobody-polls-this', config: h.config }, async (api) => {
    for (const q of [
      'from=2026-12-02&to=2026-12-01',
      'from=12%2F01%2F2026',
      'from=2026-12-01&surprise=1',
      'from=2026-12-01&toleranceSeconds=-5',
      'from=2026-12-01&profile=nobody',
    ]) {
      const res = await api.call('GET', `/v1/usage?${q}`);
      expect([q, res.status, res.body.error]).toEqual([q, 400, 'invalid_input']);
    }
  });
  await withApi(h.env.client, { taskQueue: 'nobody-polls-this' }, async (api) => expect((await api.call('GET', '/v1/usage?from=2026-12-01')).status).toBe(503));
  const cli = (...args: string[]) => rtcflowWith({ RTCFLOW_EMULATOR_URL: h.emu.url }, 'nobody-polls-this', 'usage', ...args);
  const bad = await cli('--from', '2026-12-02', '--to', '2026-12-01');
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('to: is before from');
  expect((await cli('--from', '2026-01-01', '--to', '2026-12-31', '--json')).stderr).toContain('at most 92 days');
  expect((await h.control.requests({ product: 'console' })).length).toBe(before);
});
