/**
 * The emulator's bounded logs (emulator/ring.ts) and its per-request indexes: the request log keeps the
 * newest `requestLogLimit` entries with sequence numbers that keep rising across the wrap, `sinceSeq`
 * reads stay exact after it; a Cloud Recording recorder that has ended frees its cname+uid at once.
 */
import { Ring } from '../../emulator/ring';
import { World } from '../../emulator/world';
import { startEmulator, type RunningEmulator } from '../../emulator/server';
import { EMULATOR_STORAGE } from '../../emulator/defaults';
import { APP, botToken, cloudRecordingCall } from '../helpers/agora-http';
import { EmulatorControl } from '../helpers/emulator';
import { uniqueId } from '../helpers/wait';

describe('Ring', () => {
  test('keeps the newest `limit` items in arrival order across many wraps', () => {
    const ring = new Ring<number>(4);
    expect(ring.list()).toEqual([]);
    expect([1, 2, 3].map((n) => ring.push(n))).toEqual([1, 2, 3]);
    expect(ring.list()).toEqual([1, 2, 3]);
    for (let n = 4; n <= 11; n++) expect(ring.push(n)).toBe(n);
    expect(ring.length).toBe(4);
    expect(ring.pushed).toBe(11);
    expect(ring.list()).toEqual([8, 9, 10, 11]);
  });

  test('reads after an arrival number are exact after the wrap', () => {
    const ring = new Ring<number>(5);
    for (let n = 1; n <= 13; n++) ring.push(n); // kept: 9..13
    expect(ring.list(10)).toEqual([11, 12, 13]);
    expect(ring.list(8)).toEqual([9, 10, 11, 12, 13]); // just before the oldest kept
    expect(ring.list(2)).toEqual([9, 10, 11, 12, 13]); // long gone: everything kept
    expect(ring.list(-1)).toEqual([9, 10, 11, 12, 13]);
    expect(ring.list(12.5)).toEqual([13]);
    expect(ring.list(13)).toEqual([]);
    expect(ring.list(99)).toEqual([]);
    expect(ring.list(Number.NaN)).toEqual([]);
    expect(ring.list(9, (n) => n % 2 === 0)).toEqual([10, 12]);
  });

  test('refuses a limit that is not a positive integer', () => {
    expect(() => new Ring(0)).toThrow(RangeError);
    expect(() => new Ring(2.5)).toThrow(RangeError);
  });
});

describe('World request log', () => {
  const entry = (cname: string, product = 'cloud-recording') => ({ at: 0, method: 'GET', path: `/${cname}`, status: 200, product, cname });

  test('keeps the last requestLogLimit entries; seq keeps rising; sinceSeq and filters hold after the wrap', () => {
    const world = new World({ requestLogLimit: 6 });
    for (let i = 1; i <= 20; i++) world.record(entry(i % 2 ? 'odd' : 'even', i % 3 ? 'cloud-recording' : 'stt'));
    const all = world.requests();
    expect(all.map((e) => e.seq)).toEqual([15, 16, 17, 18, 19, 20]);
    expect(all.map((e) => e.path)).toEqual(['/odd', '/even', '/odd', '/even', '/odd', '/even']);
    expect(world.requests({ sinceSeq: 17 }).map((e) => e.seq)).toEqual([18, 19, 20]);
    expect(world.requests({ sinceSeq: 3 }).map((e) => e.seq)).toEqual([15, 16, 17, 18, 19, 20]);
    expect(world.requests({ cname: 'even', sinceSeq: 16 }).map((e) => e.seq)).toEqual([18, 20]);
    expect(world.requests({ product: 'stt' }).map((e) => e.seq)).toEqual([15, 18]);
    world.record(entry('odd'));
    expect(world.requests({ sinceSeq: 20 }).map((e) => e.seq)).toEqual([21]);
  });
});

describe('over HTTP', () => {
  let emu: RunningEmulator;
  let control: EmulatorControl;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, requestLogLimit: 8 });
    control = new EmulatorControl(emu.url);
  });
  afterAll(async () => {
    await emu?.close();
  });

  const start = async (cname: string, uid = '4242') => {
    const acq = await cloudRecordingCall(emu.url, 'POST', '/acquire', { cname, uid, clientRequest: {} });
    expect(acq.status).toBe(200);
    const resourceId = acq.body.resourceId as string;
    const st = await cloudRecordingCall(emu.url, 'POST', `/resourceid/${resourceId}/mode/individual/start`, {
      cname,
      uid,
      clientRequest: { token: botToken(cname, uid), recordingConfig: { maxIdleTime: 30 }, storageConfig: { ...EMULATOR_STORAGE } },
    });
    return { status: st.status, body: st.body, resourceId, sid: st.body.sid as string };
  };

  test('the request log wraps at its limit; sinceSeq reads after the wrap are exact', async () => {
    const cname = uniqueId('ring-http');
    const rec = await start(cname);
    expect(rec.status).toBe(200);
    for (let i = 0; i < 12; i++) {
      expect((await cloudRecordingCall(emu.url, 'GET', `/resourceid/${rec.resourceId}/sid/${rec.sid}/mode/individual/query`)).status).toBe(200);
    }
    const kept = await control.requests();
    expect(kept).toHaveLength(8);
    const seqs = kept.map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: 8 }, (_, i) => seqs[0]! + i));
    expect(seqs[7]).toBe(14); // acquire, start, 12 queries
    expect(kept.every((e) => e.operation === 'query' && e.cname === cname)).toBe(true);
    expect((await control.requests({ cname, sinceSeq: 11 })).map((e) => e.seq)).toEqual([12, 13, 14]);
    expect(await control.requests({ sinceSeq: 14 })).toEqual([]);
  });

  test('a recorder that stopped, crashed or idled out frees its cname+uid (53 only while one runs)', async () => {
    const cname = uniqueId('ring-index');
    const first = await start(cname);
    expect(first.status).toBe(200);
    expect((await start(cname)).body).toMatchObject({ code: 53 });
    const stop = await cloudRecordingCall(emu.url, 'POST', `/resourceid/${first.resourceId}/sid/${first.sid}/mode/individual/stop`, { cname, uid: '4242', clientRequest: {} });
    expect(stop.status).toBe(200);

    const second = await start(cname);
    expect(second.status).toBe(200);
    await control.json('POST', `/_emulator/agora/cloud-recording/${second.sid}/crash`);

    const third = await start(cname);
    expect(third.status).toBe(200);
    // nobody left in the channel: the running recorder idles out (the tick walks the running ones)
    await control.emptyChannel(APP, cname);
    await control.advanceClock(31_000);
    expect((await control.tasks({ cname, running: true })).map((t) => t.id)).toEqual([]);
    const [ended] = (await control.tasks({ cname })).filter((t) => t.id === third.sid);
    expect(ended).toMatchObject({ state: 'exited', endReason: 'idle' });

    const fourth = await start(cname);
    expect(fourth.status).toBe(200);
    expect((await control.tasks({ cname, running: true })).map((t) => t.id)).toEqual([fourth.sid]);
  });
});
