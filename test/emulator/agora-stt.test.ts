/**
 * The emulated Agora Real-Time STT 6.x and 7.x over HTTP, checked against the documented behaviour
 * (agora.md §3, §4, §14.2, §14.3; webhooks.md §1). This file owns its emulator process so it can move
 * the emulator's clock.
 */
import { createHmac } from 'node:crypto';
import { EmulatorControl, spawnEmulator, type SpawnedEmulator } from '../helpers/emulator';
import { APP, BAD_AUTH, call, NcsReceiver, stt6StartBody, stt7JoinBody } from '../helpers/agora-rtsc';
import { eventually, uniqueId } from '../helpers/wait';

const FROZEN = 0.001;
let emu: SpawnedEmulator;
let control: EmulatorControl;
const ncs = new NcsReceiver();
const NCS_SECRET = 'stt-ncs-secret';

beforeAll(async () => {
  // a nearly frozen clock (1 emulated ms per real second): every window moves only when a test advances it
  emu = await spawnEmulator({ timeScale: FROZEN });
  control = new EmulatorControl(emu.url);
  await ncs.start();
  await ncs.subscribe(control, NCS_SECRET);
});
afterAll(async () => {
  await emu?.stop();
  await ncs.stop();
});
// every test starts with fresh rate-limit windows (10 req/s per operation)
beforeEach(() => control.advanceClock(1_100));
afterEach(() => control.clearFaults());

const s6 = (path: string) => `/v1/projects/${APP}/rtsc/speech-to-text${path}`;
const s7 = (path: string) => `/api/speech-to-text/v1/projects/${APP}${path}`;
const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, opts?: Parameters<typeof call>[4]) => call(emu.url, method, path, body, opts);

/** A controlled channel with one publishing host (uid 1234), so the task does not idle out. */
async function hostedChannel(prefix: string, host = '1234'): Promise<string> {
  const cname = uniqueId(prefix);
  await control.emptyChannel(APP, cname);
  await control.join(APP, cname, host);
  return cname;
}

describe('STT 6.x', () => {
  async function acquire(instanceId = 'demo'): Promise<string> {
    const r = await api('POST', s6('/builderTokens'), { instanceId });
    expect(r.status).toBe(200);
    return r.body.tokenName;
  }

  async function start(cname: string, body: unknown = stt6StartBody(cname)) {
    const token = await acquire(cname);
    const r = await api('POST', s6(`/tasks?builderToken=${token}`), body);
    expect(r.status).toBe(200);
    return { token, taskId: r.body.taskId as string, body: r.body };
  }

  test('acquire answers the saved example shape; auth and a bad instanceId get the vendor error', async () => {
    const r = await api('POST', s6('/builderTokens'), { instanceId: 'XXXX' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ createTs: expect.any(Number), instanceId: 'XXXX', tokenName: expect.stringMatching(/^[A-Za-z0-9_-]{100,}$/) });
    expect(Math.abs(r.body.createTs * 1000 - Date.now())).toBeLessThan(10 * 60_000);

    for (const bad of [{ instanceId: 'x'.repeat(65) }, { instanceId: 'has space' }, { instanceId: 5 }, {}]) {
      const e = await api('POST', s6('/builderTokens'), bad);
      expect(e.status).toBe(400);
      expect(e.body).toEqual({ message: expect.stringContaining('instanceId') });
    }
    expect(await api('POST', s6('/builderTokens'), { instanceId: 'x' }, { auth: BAD_AUTH })).toMatchObject({
      status: 401,
      body: { message: 'Invalid authentication credentials' },
    });
    const otherApp = await call(emu.url, 'POST', `/v1/projects/${'0'.repeat(32)}/rtsc/speech-to-text/builderTokens`, { instanceId: 'x' });
    expect(otherApp).toMatchObject({ status: 400, body: { message: 'appid is invalid' } });
  });

  test('start → query → repeated start (201) → stop → 404: bots and the ledger follow the task', async () => {
    const cname = await hostedChannel('stt6-life');
    const { token, taskId, body } = await start(cname);
    expect(body).toEqual({ createTs: expect.any(Number), status: 'STARTED', taskId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(await control.tasks({ cname, running: true })).toEqual([expect.objectContaining({ product: 'stt6', id: taskId, billing: true, state: 'running' })]);
    const bots = (await control.users(APP, cname))
      .filter((u) => u.bot)
      .map((u) => u.uid)
      .sort();
    expect(bots).toEqual(['666', '666666']);

    const q1 = await api('GET', s6(`/tasks/${taskId}?builderToken=${token}`));
    expect(q1.status).toBe(200);
    expect(q1.body.status).toBe('STARTED');
    await control.advanceClock(3_000);
    expect((await api('GET', s6(`/tasks/${taskId}?builderToken=${token}`))).body).toEqual({ createTs: body.createTs, status: 'IN_PROGRESS', taskId });

    // one builderToken = one task: "service already running, don't repeat start"
    const again = await api('POST', s6(`/tasks?builderToken=${token}`), stt6StartBody(cname));
    expect(again.status).toBe(201);
    expect(await control.tasks({ cname })).toHaveLength(1);

    // the seeds send Content-Type: application/json on DELETE with no body
    const stop = await api('DELETE', s6(`/tasks/${taskId}?builderToken=${token}`), undefined, { contentType: 'application/json' });
    expect(stop.status).toBe(200);
    expect(stop.text).toBe('');
    expect(await control.tasks({ cname, running: true })).toEqual([]);
    expect(await control.tasks({ cname })).toEqual([expect.objectContaining({ id: taskId, state: 'STOPPED', endReason: 'stop', billing: false })]);
    expect((await control.users(APP, cname)).filter((u) => u.bot)).toEqual([]);

    expect((await api('GET', s6(`/tasks/${taskId}?builderToken=${token}`))).body.status).toBe('STOPPED');
    expect(await api('DELETE', s6(`/tasks/${taskId}?builderToken=${token}`))).toMatchObject({ status: 404, body: { message: expect.any(String) } });
    expect((await api('POST', s6(`/tasks?builderToken=${token}`), stt6StartBody(cname))).status).toBe(201);
  });

  test('a builderToken must start its task within 5 minutes of acquire (emulator clock)', async () => {
    const c1 = await hostedChannel('stt6-window');
    const c2 = await hostedChannel('stt6-expired');
    const inTime = await acquire(c1);
    await control.advanceClock(5 * 60_000 - 10_000);
    expect((await api('POST', s6(`/tasks?builderToken=${inTime}`), stt6StartBody(c1))).status).toBe(200);

    const late = await acquire(c2);
    await control.advanceClock(5 * 60_000 + 1_000);
    const r = await api('POST', s6(`/tasks?builderToken=${late}`), stt6StartBody(c2));
    expect(r).toMatchObject({ status: 400, body: { message: expect.stringMatching(/expired/) } });
    expect(await control.tasks({ cname: c2 })).toEqual([]);
    // the running task's token keeps working for query long after 5 minutes
    const [task] = await control.tasks({ cname: c1, running: true });
    expect((await api('GET', s6(`/tasks/${task!.id}?builderToken=${inTime}`))).status).toBe(200);
  });

  test('query, update and stop need the builderToken that started the task', async () => {
    const cname = await hostedChannel('stt6-token');
    const { token, taskId } = await start(cname);
    const other = await acquire(cname);
    expect(await api('GET', s6(`/tasks/${taskId}?builderToken=${other}`))).toMatchObject({ status: 400, body: { message: expect.stringMatching(/does not match/) } });
    expect((await api('DELETE', s6(`/tasks/${taskId}?builderToken=${other}`))).status).toBe(400);
    expect((await api('GET', s6(`/tasks/${taskId}`))).status).toBe(400);
    expect(await control.tasks({ cname, running: true })).toHaveLength(1);
    expect(await api('GET', s6(`/tasks/${'f'.repeat(32)}?builderToken=${token}`))).toMatchObject({ status: 404, body: { message: 'task not found' } });
    expect(await api('POST', s6('/tasks?builderToken=not-a-token'), stt6StartBody(cname))).toMatchObject({ status: 400, body: { message: 'invalid builderToken' } });
    expect(await api('POST', s6('/tasks'), stt6StartBody(cname))).toMatchObject({ status: 400, body: { message: 'builderToken is required' } });
  });

  test('bot uids are integer strings, differ from each other and from everyone in the channel', async () => {
    const cname = await hostedChannel('stt6-uids', '4242');
    const first = await start(cname, stt6StartBody(cname, '1001', '1002'));
    const token = await acquire(cname);
    const attempt = (sub: unknown, pub: unknown) => {
      const body = stt6StartBody(cname) as any;
      body.rtcConfig.subBotUid = sub;
      body.rtcConfig.pubBotUid = pub;
      return api('POST', s6(`/tasks?builderToken=${token}`), body);
    };
    expect(await attempt('777', '777')).toMatchObject({ status: 400, body: { message: expect.stringMatching(/must differ/) } });
    expect(await attempt('4242', '777')).toMatchObject({ status: 400, body: { message: expect.stringMatching(/subBotUid 4242 is already used/) } });
    expect(await attempt('777', '1002')).toMatchObject({ status: 400, body: { message: expect.stringMatching(/pubBotUid 1002 is already used/) } });
    for (const [sub, pub] of [
      ['abc', '777'],
      ['0', '777'],
      ['4294967296', '777'],
      [777, '778'],
      ['777', undefined],
    ]) {
      expect((await attempt(sub, pub)).status).toBe(400);
    }
    // refused starts consumed nothing: the token still starts a task once the uid is free
    expect((await api('DELETE', s6(`/tasks/${first.taskId}?builderToken=${first.token}`))).status).toBe(200);
    expect((await attempt('1002', '1003')).status).toBe(200);
  });

  test('with App Certificate on, both bot tokens are required and must differ (the seed example reuses one)', async () => {
    const cname = await hostedChannel('stt6-cert');
    const token = await acquire(cname);
    const seedExample = {
      languages: ['en-US'],
      maxIdleTime: 60,
      rtcConfig: {
        channelName: cname,
        subBotUid: '666',
        subBotToken: '007lnoquitehr98ter89hdfnvfdvdfvdf',
        pubBotUid: '666666',
        pubBotToken: '007lnoquitehr98ter89hdfnvfdvdfvdf',
        subscribeAudioUids: ['1234', '5678'],
      },
    };
    expect(await api('POST', s6(`/tasks?builderToken=${token}`), seedExample)).toMatchObject({ status: 400, body: { message: expect.stringMatching(/must differ/) } });
    const noPubToken = stt6StartBody(cname) as any;
    delete noPubToken.rtcConfig.pubBotToken;
    expect(await api('POST', s6(`/tasks?builderToken=${token}`), noPubToken)).toMatchObject({ status: 400, body: { message: expect.stringMatching(/App Certificate/) } });
    expect(await control.tasks({ cname })).toEqual([]);
  });

  test('languages (1-4), maxIdleTime (5-2592000) and field types are checked', async () => {
    const cname = await hostedChannel('stt6-fields');
    const token = await acquire(cname);
    const with_ = (patch: (b: any) => void) => {
      const b = stt6StartBody(cname) as any;
      patch(b);
      return api('POST', s6(`/tasks?builderToken=${token}`), b);
    };
    expect(await with_((b) => (b.languages = ['en-US', 'ru-RU', 'ja-JP', 'zh-CN', 'fr-FR']))).toMatchObject({ status: 400, body: { message: expect.stringMatching(/at most 4/) } });
    expect((await with_((b) => (b.languages = []))).status).toBe(400);
    expect((await with_((b) => (b.languages = 'en-US'))).status).toBe(400);
    expect((await with_((b) => (b.maxIdleTime = 4))).status).toBe(400);
    expect((await with_((b) => (b.maxIdleTime = 2_592_001))).status).toBe(400);
    expect((await with_((b) => (b.maxIdleTime = 30.5))).status).toBe(400);
    expect((await with_((b) => delete b.rtcConfig)).status).toBe(400);
    const sixTargets = ['fr-FR', 'de-DE', 'es-ES', 'it-IT', 'ja-JP', 'ko-KR'];
    expect(await with_((b) => (b.translateConfig = { languages: [{ source: 'en-US', target: sixTargets }] }))).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/at most 5 target languages/) },
    });
    const ok = await with_((b) => (b.languages = ['en-US', 'ru-RU', 'ja-JP', 'zh-CN']));
    expect(ok.status).toBe(200);
  });

  test('the task stops after maxIdleTime with nobody publishing (an audience member does not count)', async () => {
    const cname = await hostedChannel('stt6-idle');
    await control.join(APP, cname, '55', false);
    const body = stt6StartBody(cname) as any;
    body.maxIdleTime = 30;
    const { token, taskId } = await start(cname, body);
    await control.advanceClock(60_000);
    expect((await api('GET', s6(`/tasks/${taskId}?builderToken=${token}`))).body.status).toBe('IN_PROGRESS');
    await control.leave(APP, cname, '1234');
    await control.advanceClock(29_000);
    expect((await api('GET', s6(`/tasks/${taskId}?builderToken=${token}`))).body.status).toBe('IN_PROGRESS');
    await control.advanceClock(2_000);
    expect((await api('GET', s6(`/tasks/${taskId}?builderToken=${token}`))).body.status).toBe('STOPPED');
    expect(await control.tasks({ cname })).toEqual([expect.objectContaining({ id: taskId, billing: false, endReason: 'idle' })]);
    expect((await api('DELETE', s6(`/tasks/${taskId}?builderToken=${token}`))).status).toBe(404);
  });

  test('stopping a task during which nobody published answers 206', async () => {
    const cname = uniqueId('stt6-silent');
    await control.emptyChannel(APP, cname);
    const { token, taskId } = await start(cname);
    const stop = await api('DELETE', s6(`/tasks/${taskId}?builderToken=${token}`));
    expect(stop.status).toBe(206);
    expect(await control.tasks({ cname, running: true })).toEqual([]);
  });

  test('update: PATCH with an increasing sequenceId and dotted updateMask paths', async () => {
    const cname = await hostedChannel('stt6-update');
    const { token, taskId } = await start(cname);
    const patch = (seq: unknown, mask: string, body: unknown) => api('PATCH', s6(`/tasks/${taskId}?builderToken=${token}&sequenceId=${seq}&updateMask=${mask}`), body);
    // the seed's saved example of the update
    const seedBody = { languages: ['en-US', 'ru-RU'], rtcConfig: { subscribeAudioUids: ['9876', '5432'] } };
    const first = await patch(1, 'languages,rtcConfig.subscribeAudioUids', seedBody);
    expect(first).toMatchObject({ status: 200, body: { taskId, status: expect.any(String), createTs: expect.any(Number) } });
    expect((await patch(1, 'languages,rtcConfig.subscribeAudioUids', seedBody)).status).toBe(200); // same update again: as before
    expect(await patch(1, 'languages', { languages: ['ja-JP'] })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/stale/) } });
    expect((await patch(0, 'languages', { languages: ['ja-JP'] })).status).toBe(400);
    expect(await patch(2, 'languages,rtcConfig,subscribeAudioUids', seedBody)).toMatchObject({ status: 400, body: { message: expect.stringMatching(/not updatable/) } });
    expect(await patch(2, 'languages', { rtcConfig: { subscribeAudioUids: ['1'] } })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/missing/) } });
    expect(await api('PATCH', s6(`/tasks/${taskId}?builderToken=${token}&updateMask=languages`), { languages: ['ja-JP'] })).toMatchObject({
      status: 400,
      body: { message: 'sequenceId is required' },
    });
    expect((await patch('x', 'languages', { languages: ['ja-JP'] })).status).toBe(400);
    expect((await patch(2, 'languages', { languages: ['ja-JP'] })).status).toBe(200);
    await api('DELETE', s6(`/tasks/${taskId}?builderToken=${token}`));
    expect((await patch(3, 'languages', { languages: ['en-US'] })).status).toBe(404);
  });

  test('a user taking a bot uid kicks the bot: the task ends (STOPPED, 6.x has no failure state)', async () => {
    const cname = await hostedChannel('stt6-kick');
    const { token, taskId } = await start(cname);
    await control.join(APP, cname, '666');
    expect((await api('GET', s6(`/tasks/${taskId}?builderToken=${token}`))).body.status).toBe('STOPPED');
    expect(await control.tasks({ cname })).toEqual([expect.objectContaining({ billing: false, endReason: 'uid-conflict' })]);
  });

  test('a bot knocked out of the channel rejoins: RECONNECTING, then IN_PROGRESS again', async () => {
    const cname = await hostedChannel('stt6-reconnect');
    const { token, taskId } = await start(cname);
    await control.advanceClock(3_000);
    await control.leave(APP, cname, '666');
    expect((await api('GET', s6(`/tasks/${taskId}?builderToken=${token}`))).body.status).toBe('RECONNECTING');
    expect((await control.users(APP, cname)).some((u) => u.uid === '666' && u.bot)).toBe(true);
    await control.advanceClock(6_000);
    expect((await api('GET', s6(`/tasks/${taskId}?builderToken=${token}`))).body.status).toBe('IN_PROGRESS');
    expect(await control.tasks({ cname, running: true })).toHaveLength(1);
  });

  test('a start whose response was lost: the retry with the same builderToken answers 201, one task runs', async () => {
    const cname = await hostedChannel('stt6-drop');
    const token = await acquire(cname);
    await control.addFault({ match: { product: 'stt6', operation: 'start' }, action: { type: 'drop-response' }, count: 1 });
    await expect(api('POST', s6(`/tasks?builderToken=${token}`), stt6StartBody(cname))).rejects.toThrow();
    expect((await api('POST', s6(`/tasks?builderToken=${token}`), stt6StartBody(cname))).status).toBe(201);
    expect(await control.tasks({ cname, running: true })).toHaveLength(1);
    const log = await control.requests({ cname, product: 'stt6' });
    expect(log.map((r) => `${r.operation}:${r.status}:${r.fault ?? ''}`)).toEqual(['start:200:drop-response', 'start:201:']);
  });

  test('bad requests get the vendor error shape, never a crash', async () => {
    const token = await acquire('bad');
    const raw = await api('POST', s6(`/tasks?builderToken=${token}`), '{not json');
    expect(raw).toMatchObject({ status: 400, body: { message: expect.any(String) } });
    expect((await api('POST', s6(`/tasks?builderToken=${token}`), '<languages/>', { contentType: 'application/xml' })).status).toBe(415);
    expect(await api('POST', s6(`/tasks?builderToken=${token}`))).toMatchObject({ status: 400, body: { message: expect.stringMatching(/languages/) } });
    expect(await api('GET', s6('/nothing'))).toMatchObject({ status: 404, body: { message: 'no Route matched with those values' } });
  });
});

describe('STT 7.x', () => {
  async function join(body: unknown) {
    const r = await api('POST', s7('/join'), body);
    expect(r.status).toBe(200);
    return r.body.agent_id as string;
  }
  const query = (agentId: string) => api('GET', s7(`/agents/${agentId}`));

  test('join (saved example) → NCS 101; query STARTING → RUNNING; leave → NCS 102; then 404', async () => {
    const cname = await hostedChannel('stt7-life');
    const r = await api('POST', s7('/join'), stt7JoinBody(cname));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ createTs: expect.any(Number), status: 'STARTED', agent_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
    const agentId = r.body.agent_id as string;
    expect(await control.tasks({ cname, running: true })).toEqual([expect.objectContaining({ product: 'stt7', id: agentId, billing: true })]);

    expect((await query(agentId)).body.status).toBe('STARTING');
    await control.advanceClock(3_000);
    expect((await query(agentId)).body).toEqual({ message: expect.any(String), agent_id: agentId, createTs: r.body.createTs, status: 'RUNNING' });

    const leave = await api('POST', s7(`/agents/${agentId}/leave`));
    expect(leave).toMatchObject({ status: 200, text: '' });
    expect((await query(agentId)).body.status).toBe('STOPPED');
    expect(await control.tasks({ cname })).toEqual([expect.objectContaining({ id: agentId, billing: false, state: 'STOPPED', endReason: 'leave' })]);
    expect((await api('POST', s7(`/agents/${agentId}/leave`), undefined, { contentType: 'application/json' })).status).toBe(404);
    expect((await api('POST', s7(`/agents/${agentId}/update?sequenceId=1&updateMask=languages`), { languages: ['en-US'] })).status).toBe(404);
    expect(await query('f'.repeat(32))).toMatchObject({ status: 404, body: { message: 'agent not found' } });

    const events = await eventually(() => {
      const mine = ncs.received.filter((e) => e.body.payload?.agent_id === agentId);
      return mine.length >= 2 ? mine : undefined;
    }, 'NCS 101 and 102');
    expect(events.map((e) => e.body.eventType).sort()).toEqual([101, 102]);
    for (const e of events) {
      expect(e.body).toMatchObject({ productId: 20, noticeId: expect.any(String), notifyMs: expect.any(Number) });
      expect(e.headers['agora-signature-v2']).toBe(createHmac('sha256', NCS_SECRET).update(e.raw).digest('hex'));
    }
    const joined = events.find((e) => e.body.eventType === 101)!.body.payload;
    const left = events.find((e) => e.body.eventType === 102)!.body.payload;
    expect(joined).toEqual({ agent_id: agentId, channel: cname, start_ts: r.body.createTs });
    expect(left).toEqual({ agent_id: agentId, channel: cname, start_ts: r.body.createTs, stop_ts: expect.any(Number) });
    expect(left.stop_ts).toBeGreaterThanOrEqual(left.start_ts + 3);
  });

  test('a name is unique among running agents: 409 while one runs, free again after it left', async () => {
    const cname = await hostedChannel('stt7-name');
    const name = `${cname}-stt-1`;
    const first = await join(stt7JoinBody(cname, '701', '702', name));
    const dup = await api('POST', s7('/join'), stt7JoinBody(cname, '703', '704', name));
    expect(dup).toMatchObject({ status: 409, body: { message: expect.stringContaining(name) } });
    expect(await control.tasks({ cname, running: true })).toHaveLength(1);
    await api('POST', s7(`/agents/${first}/leave`));
    const second = await join(stt7JoinBody(cname, '703', '704', name));
    expect(second).not.toBe(first);
  });

  test('update: increasing sequenceId, dotted and known updateMask paths, masked fields present', async () => {
    const cname = await hostedChannel('stt7-update');
    const agentId = await join(stt7JoinBody(cname));
    const update = (seq: unknown, mask: string, body: unknown) => api('POST', s7(`/agents/${agentId}/update?sequenceId=${seq}&updateMask=${mask}`), body);
    const seedBody = { languages: ['en-US', 'ru-RU'], rtcConfig: { subscribeAudioUids: ['1234', '5678'] } };
    expect(await update(1, 'languages,rtcConfig.subscribeAudioUids', seedBody)).toMatchObject({ status: 200, body: { agent_id: agentId, status: expect.any(String) } });
    expect((await update(1, 'languages,rtcConfig.subscribeAudioUids', seedBody)).status).toBe(200);
    expect(await update(1, 'languages', { languages: ['ja-JP'] })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/stale/) } });
    // the seed URL's un-dotted mask (agora.md §13.5 item 4)
    expect(await update(2, 'languages,rtcConfig,subscribeAudioUids', seedBody)).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/"rtcConfig" is not updatable/) },
    });
    expect((await update(2, 'languages', { languages: ['en-US', 'ru-RU', 'ja-JP', 'zh-CN', 'fr-FR'] })).status).toBe(400);
    expect((await update(2, 'translateConfig.enable', { languages: ['en-US'] })).status).toBe(400);
    expect((await update(-1, 'languages', { languages: ['en-US'] })).status).toBe(400);
    expect((await api('POST', s7(`/agents/${agentId}/update?sequenceId=2`), { languages: ['en-US'] })).status).toBe(400);
    expect(
      (await update(2, 'translateConfig.enable,translateConfig.languages', { translateConfig: { enable: true, languages: [{ source: 'en-US', target: ['fr-FR'] }] } })).status,
    ).toBe(200);
    expect((await update(3, 'rtcConfig.subscribeAudioUids', { rtcConfig: { subscribeAudioUids: ['all'] } })).status).toBe(200);
  });

  test('list by channel and state, paged with the agent_id cursor', async () => {
    const a = await hostedChannel('stt7-list-a');
    const b = await hostedChannel('stt7-list-b');
    const inA = [await join(stt7JoinBody(a, '711', '712', `${a}-1`)), await join(stt7JoinBody(a, '713', '714', `${a}-2`)), await join(stt7JoinBody(a, '715', '716', `${a}-3`))];
    const inB = await join(stt7JoinBody(b, '711', '712', `${b}-1`));
    const list = (qs: string) => api('GET', s7(`/agents?${qs}`));
    // just joined: STARTING (state 1), not in the default RUNNING (2) list
    expect((await list(`channel=${a}&state=1`)).body.data.count).toBe(3);
    expect((await list(`channel=${a}`)).body.data.count).toBe(0);
    await control.advanceClock(3_000);

    const running = await list(`channel=${a}`);
    expect(running.status).toBe(200);
    expect(running.body).toMatchObject({ status: 'ok', data: { count: 3 } });
    expect(running.body.data.list.map((i: { agent_id: string }) => i.agent_id).sort()).toEqual([...inA].sort());
    expect(running.body.data.list[0]).toEqual({ agent_id: expect.any(String), start_ts: expect.any(Number), status: 'RUNNING' });
    expect((await list('limit=100')).body.data.list.map((i: { agent_id: string }) => i.agent_id)).toEqual(expect.arrayContaining([...inA, inB]));

    await api('POST', s7(`/agents/${inA[1]}/leave`));
    expect((await list(`channel=${a}`)).body.data.count).toBe(2);
    expect((await list(`channel=${a}&state=4`)).body.data.list).toEqual([expect.objectContaining({ agent_id: inA[1], status: 'STOPPED' })]);

    const p1 = await list(`channel=${a}&limit=1`);
    const p2 = await list(`channel=${a}&limit=1&cursor=${p1.body.data.list[0].agent_id}`);
    const p3 = await list(`channel=${a}&limit=1&cursor=${p2.body.data.list[0].agent_id}`);
    expect([p1, p2].map((p) => p.body.data.list[0].agent_id)).toEqual([inA[0], inA[2]]);
    expect(p3.body.data).toEqual({ count: 0, list: [] });

    await control.advanceClock(1_100);
    const future = Math.floor(Date.now() / 1000) + 7 * 86_400;
    expect((await list(`channel=${a}&from_time=${future}`)).body.data.count).toBe(0);
    for (const bad of ['state=7', 'limit=0', 'cursor=nope', 'from_time=abc', 'state=RUNNING']) {
      expect(await list(`channel=${a}&${bad}`)).toMatchObject({ status: 400, body: { message: expect.any(String) } });
    }
  });

  test('an agent idles out after maxIdleTime without publishers; NCS 102 reports it', async () => {
    const cname = await hostedChannel('stt7-idle');
    const body = stt7JoinBody(cname) as any;
    body.maxIdleTime = 60;
    const agentId = await join(body);
    await control.leave(APP, cname, '1234');
    await control.advanceClock(59_000);
    expect((await query(agentId)).body.status).toBe('RUNNING');
    await control.advanceClock(2_000);
    expect((await query(agentId)).body).toMatchObject({ status: 'STOPPED', message: expect.stringMatching(/idle/) });
    expect(await control.tasks({ cname })).toEqual([expect.objectContaining({ billing: false, endReason: 'idle' })]);
    await eventually(() => ncs.received.find((e) => e.body.eventType === 102 && e.body.payload.agent_id === agentId), 'NCS 102');
    expect((await api('POST', s7(`/agents/${agentId}/leave`))).status).toBe(404);
  });

  test('every agent ends after 72 hours, even with maxIdleTime 0 (never idle) in an empty channel', async () => {
    const cname = uniqueId('stt7-72h');
    await control.emptyChannel(APP, cname);
    const body = stt7JoinBody(cname) as any;
    body.maxIdleTime = 0;
    const agentId = await join(body);
    await control.advanceClock(10 * 60_000);
    expect((await query(agentId)).body.status).toBe('RUNNING');
    await control.advanceClock(72 * 3_600_000 - 10 * 60_000 - 60_000);
    expect((await query(agentId)).body.status).toBe('RUNNING');
    await control.advanceClock(2 * 60_000);
    expect((await query(agentId)).body.status).toBe('STOPPED');
    expect(await control.tasks({ cname })).toEqual([expect.objectContaining({ billing: false, endReason: 'lifetime' })]);
    await eventually(() => ncs.received.find((e) => e.body.eventType === 102 && e.body.payload.agent_id === agentId), 'NCS 102');
  });

  test('a user taking a bot uid makes the agent FAILED; a removed bot makes it RECOVERING, then RUNNING', async () => {
    const c1 = await hostedChannel('stt7-fail');
    const failed = await join(stt7JoinBody(c1));
    await control.join(APP, c1, '666666');
    expect((await query(failed)).body.status).toBe('FAILED');
    expect(await control.tasks({ cname: c1 })).toEqual([expect.objectContaining({ state: 'FAILED', endReason: 'uid-conflict', billing: false })]);

    const c2 = await hostedChannel('stt7-recover');
    const recovering = await join(stt7JoinBody(c2));
    await control.advanceClock(3_000);
    await control.leave(APP, c2, '666');
    expect((await query(recovering)).body.status).toBe('RECOVERING');
    await control.advanceClock(6_000);
    expect((await query(recovering)).body.status).toBe('RUNNING');
  });

  test('bad joins get 400 {message}: missing name, bad types, bot rules; nothing runs', async () => {
    const cname = await hostedChannel('stt7-bad', '4242');
    const with_ = (patch: (b: any) => void) => {
      const b = stt7JoinBody(cname) as any;
      patch(b);
      return api('POST', s7('/join'), b);
    };
    expect(await with_((b) => delete b.name)).toMatchObject({ status: 400, body: { message: expect.stringMatching(/name/) } });
    expect((await with_((b) => (b.name = 'n'.repeat(65)))).status).toBe(400);
    expect((await with_((b) => (b.maxIdleTime = 3))).status).toBe(400);
    expect((await with_((b) => (b.rtcConfig.pubBotUid = 666666))).status).toBe(400);
    expect((await with_((b) => (b.rtcConfig.subscribeAudioUids = ['all', '1']))).status).toBe(400);
    expect(await with_((b) => (b.rtcConfig.subBotUid = '4242'))).toMatchObject({ status: 400, body: { message: expect.stringMatching(/already used/) } });
    expect((await api('POST', s7('/join'), '{"name":')).status).toBe(400);
    expect(await control.tasks({ cname })).toEqual([]);
  });

  test('a join answered 503 by an injected fault succeeds on retry (fault labels are in place)', async () => {
    const cname = await hostedChannel('stt7-fault');
    await control.addFault({ match: { product: 'stt7', operation: 'join' }, action: { type: 'error', status: 503, body: { message: 'overloaded' } }, count: 1 });
    expect(await api('POST', s7('/join'), stt7JoinBody(cname))).toMatchObject({ status: 503, body: { message: 'overloaded' } });
    expect(await control.tasks({ cname })).toEqual([]);
    await join(stt7JoinBody(cname));
  });
});

test('10 requests per second per operation (the observed RateLimit headers): the 11th gets 429', async () => {
  await control.advanceClock(1_100);
  const statuses: number[] = [];
  let limited: Awaited<ReturnType<typeof api>> | undefined;
  for (let i = 0; i < 12; i++) {
    const r = await api('GET', s7(`/agents/${'a'.repeat(32)}`));
    statuses.push(r.status);
    if (r.status === 429) limited = r;
  }
  expect(statuses).toEqual([...Array(10).fill(404), 429, 429]);
  expect(limited!.headers['retry-after']).toBeDefined();
  expect(limited!.headers['ratelimit-limit']).toBe('10');
  expect(limited!.body).toEqual({ message: 'API rate limit exceeded' });
  // other operations and the 6.x API have their own windows
  expect((await api('GET', s7('/agents'))).status).toBe(200);
  expect((await api('POST', s6('/builderTokens'), { instanceId: 'rl' })).status).toBe(200);
  await control.advanceClock(1_100);
  expect((await api('GET', s7(`/agents/${'a'.repeat(32)}`))).status).toBe(404);
});
