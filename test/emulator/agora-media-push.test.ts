/**
 * The emulated Agora Media Push over HTTP (agora.md §6, §14.5): rtmp-converters create/get/list/update/
 * delete, names, sequence, idle timeout, limits and NCS events. Bodies are the seed's examples. This file
 * owns its emulator and runs it at a crawl (time scale 0.001): every window moves only with the clock.
 */
import { request } from 'undici';
import { agoraJson, APP, AUTH, crawlingEmulatorWithNcs, type Res } from '../helpers/agora-http';
import type { EmulatorControl, SpawnedEmulator } from '../helpers/emulator';
import { CallbackReceiver } from '../helpers/receiver';
import { eventually, uniqueId } from '../helpers/wait';

let emu: SpawnedEmulator;
let control: EmulatorControl;
const ncs = new CallbackReceiver('/ncs');
const conv = (region = 'na') => `/${region}/v1/projects/${APP}/rtmp-converters`;

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> => agoraJson(emu.url, method, path, body, headers);
/** A simulated event on a converter, through the control API: the service fails or destroys it. */
const converterEvent = (id: string, event: 'fail' | 'destroy') => control.json('POST', `/_emulator/agora/media-push/converters/${id}/${event}`, {});

/** The seed's "Custom layout for Media Push with transcoding" request, in a channel of our own. */
function transcoded(channel: string, name?: string) {
  return {
    converter: {
      ...(name ? { name } : {}),
      transcodeOptions: {
        rtcChannel: channel,
        audioOptions: { codecProfile: 'LC-AAC', sampleRate: 48000, bitrate: 48, audioChannels: 1 },
        videoOptions: {
          canvas: { width: 360, height: 640 },
          layout: [
            {
              rtcStreamUid: 201,
              region: { xPos: 0, yPos: 0, zIndex: 1, width: 360, height: 320 },
              fillMode: 'fill',
              placeholderImageUrl: 'http://example.agora.io/user_placeholder.jpg',
            },
            { rtcStreamUid: 202, region: { xPos: 0, yPos: 320, zIndex: 1, width: 360, height: 320 } },
          ],
          codecProfile: 'High',
          frameRate: 15,
          gop: 30,
          bitrate: 400,
          seiOptions: {},
        },
      },
      rtmpUrl: 'rtmp://example/live/show68',
    },
  };
}

/** The seed's "Media Push without transcoding" request (with the Postman item's idleTimeOut spelling). */
function raw(channel: string, name?: string, extra: Record<string, unknown> = {}) {
  return { converter: { ...(name ? { name } : {}), rawOptions: { rtcChannel: channel, rtcStreamUid: 201 }, rtmpUrl: 'rtmp://example/live/global', ...extra } };
}

async function create(body: unknown, region = 'na'): Promise<string> {
  const res = await call('POST', conv(region), body);
  expect(res.status).toBe(200);
  return res.body.converter.id;
}

const pushEvents = (id: string) => ncs.bodies.filter((e) => e.productId === 5 && e.payload?.converter?.id === id);
const eventFor = (id: string, eventType: number, pred: (e: Record<string, any>) => boolean = () => true) =>
  eventually(async () => pushEvents(id).find((e) => e.eventType === eventType && pred(e)), `Media Push NCS ${eventType} for ${id}`);

beforeAll(async () => {
  ({ emu, control } = await crawlingEmulatorWithNcs(ncs));
});
afterAll(async () => {
  await emu?.stop();
  await ncs.stop();
});
afterEach(async () => control.advanceClock(1_001));

test('create answers the seed shape with X-Resource-ID; Get shows the configuration; the converter runs once its source publishes', async () => {
  const channel = uniqueId('push-create');
  await control.emptyChannel(APP, channel);
  await control.join(APP, channel, '201');
  const res = await call('POST', conv(), transcoded(channel, 'show68_horizontal'), { 'x-request-id': 'req-push-1' });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({
    converter: { id: expect.stringMatching(/^[0-9a-f]{32}$/), createTs: expect.any(Number), updateTs: expect.any(Number), state: 'connecting' },
    fields: 'id,createTs,updateTs,state',
  });
  const id = res.body.converter.id;
  expect(res.headers['x-resource-id']).toBe(id);
  expect(res.headers['x-request-id']).toBe('req-push-1');
  expect(res.headers['x-custom-request-id']).toBe('req-push-1');
  expect(await control.tasks({ cname: channel, running: true })).toEqual([expect.objectContaining({ product: 'media-push', id, billing: true })]);

  const got = await call('GET', `${conv()}/${id}`);
  expect(got.status).toBe(200);
  expect(got.headers['x-resource-id']).toBe(id);
  expect(got.body).toMatchObject({
    name: 'show68_horizontal',
    transcodeOptions: transcoded(channel).converter.transcodeOptions,
    rtmpUrl: 'rtmp://example/live/show68',
    idleTimeout: 300,
    state: 'connecting',
  });

  await control.advanceClock(2_000);
  expect((await call('GET', `${conv()}/${id}`)).body.state).toBe('running');
  const created = await eventFor(id, 1);
  expect(created.payload).toMatchObject({ converter: { id, name: 'show68_horizontal', state: 'connecting' }, xRequestId: 'req-push-1' });
  await eventFor(id, 3, (e) => e.payload.converter.state === 'running');
  // the converter is a bot in its channel
  const users = await control.users(APP, channel);
  expect(users.some((u) => u.bot && u.uid.includes(id))).toBe(true);
  expect((await call('DELETE', `${conv()}/${id}`)).status).toBe(200);
});

test('a duplicate name is 409 without X-Resource-ID; unnamed converters may repeat; the name is free again after delete', async () => {
  const channel = uniqueId('push-name');
  const name = `n_${channel.replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 64);
  const id = await create(raw(channel, name));
  const dup = await call('POST', conv(), raw(channel, name));
  expect(dup).toMatchObject({ status: 409, body: { message: expect.stringMatching(/^Resource with the same name already exists/) } });
  expect(dup.headers['x-resource-id']).toBeUndefined();
  // names are unique per project, whatever the region or channel
  expect((await call('POST', conv('eu'), raw(`${channel}-2`, name))).status).toBe(409);
  const a = await create(raw(channel));
  const b = await create(raw(channel));
  expect(a).not.toBe(b);
  expect((await call('DELETE', `${conv()}/${id}`)).status).toBe(200);
  const again = await create(raw(channel, name));
  expect(again).not.toBe(id);
  for (const c of [a, b, again]) await call('DELETE', `${conv()}/${c}`);
  expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
});

test('list by project and by channel: the seed member shape (numbers as strings), cursor 0 at the end', async () => {
  const channel = uniqueId('push-list');
  const id1 = await create(raw(channel, `l1_${channel.slice(-8)}`, { idleTimeOut: 120 }));
  const id2 = await create(transcoded(channel));
  const other = await create(raw(`${channel}-other`));
  const byChannel = await call('GET', `/v1/projects/${APP}/channels/${channel}/rtmp-converters`);
  expect(byChannel.status).toBe(200);
  expect(byChannel.body).toMatchObject({ success: true, data: { total_count: 2, cursor: 0 } });
  const members = byChannel.body.data.members;
  expect(members.map((m: { converterId: string }) => m.converterId)).toEqual([id1, id2]);
  expect(members[0]).toEqual({
    rtcChannel: channel,
    status: '200',
    converterName: `l1_${channel.slice(-8)}`,
    updateTs: expect.stringMatching(/^\d+$/),
    appId: APP,
    rtmpUrl: 'rtmp://example/live/global',
    ip: expect.any(String),
    converterId: id1,
    create: expect.stringMatching(/^\d+$/),
    idleTimeout: '120',
    state: 'connecting',
  });
  const all = await call('GET', `/v1/projects/${APP}/rtmp-converters`);
  const ids = all.body.data.members.map((m: { converterId: string }) => m.converterId);
  expect(ids).toEqual(expect.arrayContaining([id1, id2, other]));
  expect(all.body.data.total_count).toBe(ids.length);
  expect((await call('GET', `/v1/projects/${APP}/rtmp-converters?cursor=abc`)).status).toBe(400);
  for (const c of [id1, id2, other]) await call('DELETE', `${conv()}/${c}`);
  expect((await call('GET', `/v1/projects/${APP}/channels/${channel}/rtmp-converters`)).body.data).toMatchObject({ total_count: 0, members: [] });
});

test('update needs a growing sequence: applied, repeated (no change), stale (400); the FieldMask picks what changes', async () => {
  const channel = uniqueId('push-upd');
  const id = await create(transcoded(channel));
  const before = (await call('GET', `${conv()}/${id}`)).body;
  // the seed's Update body
  const update = {
    converter: {
      transcodeOptions: {
        rtcChannel: channel,
        videoOptions: {
          canvas: { width: 960, height: 720 },
          layout: [
            {
              rtcStreamUid: 201,
              region: { xPos: 0, yPos: 0, zIndex: 1, width: 480, height: 720 },
              fillMode: 'fill',
              placeholderImageUrl: 'http://example.agora.io/host_placeholder.jpg',
            },
            { imageUrl: 'http://example.agora.io/host_placeholder.jpg', region: { xPos: 480, yPos: 0, zIndex: 1, width: 480, height: 720 }, fillMode: 'fill' },
          ],
        },
      },
    },
    fields: 'transcodeOptions.videoOptions.canvas,transcodeOptions.videoOptions.layout',
  };
  expect(await call('PATCH', `${conv()}/${id}`, update)).toMatchObject({ status: 400, body: { message: expect.stringMatching(/sequence/) } });
  await control.advanceClock(1_000);
  expect((await call('PATCH', `${conv()}/${id}?sequence=-1`, update)).status).toBe(400);
  await control.advanceClock(1_000);

  await control.advanceClock(5_000);
  const applied = await call('PATCH', `${conv()}/${id}?sequence=0`, update);
  expect(applied.status).toBe(200);
  expect(applied.headers['x-resource-id']).toBe(id);
  expect(applied.body).toMatchObject({ converter: { id, createTs: before.createTs }, fields: 'id,createTs,updateTs,state' });
  expect(applied.body.converter.updateTs).toBeGreaterThan(before.updateTs);
  const after = (await call('GET', `${conv()}/${id}`)).body;
  expect(after.transcodeOptions.videoOptions.canvas).toEqual({ width: 960, height: 720 });
  expect(after.transcodeOptions.videoOptions.layout).toEqual(update.converter.transcodeOptions.videoOptions.layout);
  // fields outside the mask keep their values
  expect(after.transcodeOptions.videoOptions.bitrate).toBe(400);
  expect(after.transcodeOptions.audioOptions).toEqual(before.transcodeOptions.audioOptions);
  await eventFor(id, 2);

  await control.advanceClock(1_000);
  const repeated = await call('PATCH', `${conv()}/${id}?sequence=0`, { converter: { rtmpUrl: 'rtmp://example/live/other' }, fields: 'rtmpUrl' });
  expect(repeated.status).toBe(200);
  expect((await call('GET', `${conv()}/${id}`)).body.rtmpUrl).toBe('rtmp://example/live/show68');

  await control.advanceClock(1_000);
  expect((await call('PATCH', `${conv()}/${id}?sequence=2`, { converter: { rtmpUrl: 'rtmp://example/live/other' }, fields: 'rtmpUrl' })).status).toBe(200);
  await control.advanceClock(1_000);
  expect(await call('PATCH', `${conv()}/${id}?sequence=1`, { converter: { rtmpUrl: 'rtmp://example/live/third' }, fields: 'rtmpUrl' })).toMatchObject({
    status: 400,
    body: { message: expect.stringMatching(/sequence/) },
  });
  const now = (await call('GET', `${conv()}/${id}`)).body;
  expect(now).toMatchObject({ rtmpUrl: 'rtmp://example/live/other', state: 'connecting' });

  // what cannot be updated
  const refuse = async (body: unknown, seq: number) => {
    await control.advanceClock(1_000);
    expect((await call('PATCH', `${conv()}/${id}?sequence=${seq}`, body)).status).toBe(400);
  };
  await refuse({ converter: { name: 'renamed' }, fields: 'name' }, 10);
  await refuse({ converter: { rtmpUrl: 'rtmp://example/live/x' }, fields: 'rtmpUrl,transcodeOptions.rtcStreamUid' }, 11);
  // a masked field left out of the body is cleared: rtmpUrl is required
  await refuse({ converter: {}, fields: 'rtmpUrl' }, 15);
  await refuse({ converter: { transcodeOptions: { rtcChannel: 'another-channel' } }, fields: 'transcodeOptions.rtcChannel' }, 12);
  await refuse({ converter: { rtmpUrl: 'http://not-rtmp' }, fields: 'rtmpUrl' }, 13);
  await refuse({ converter: { rtmpUrl: 'rtmp://example/live/x' } }, 14);
  await call('DELETE', `${conv()}/${id}`);
  expect((await call('PATCH', `${conv()}/${id}?sequence=99`, update)).status).toBe(404);
});

test('a vertical layout updates rtmpUrl only; audio-only cannot become video-only', async () => {
  const channel = uniqueId('push-vert');
  const vertical = transcoded(channel);
  const v = vertical.converter.transcodeOptions.videoOptions as Record<string, unknown>;
  Object.assign(v, {
    layoutType: 1,
    vertical: { maxResolutionUid: 201, fillMode: 'fill', refreshIntervalSec: 4 },
    defaultPlaceholderImageUrl: 'http://example/host_placeholder.jpg',
  });
  const id = await create(vertical);
  expect(
    (await call('PATCH', `${conv()}/${id}?sequence=0`, { converter: { transcodeOptions: { videoOptions: { bitrate: 800 } } }, fields: 'transcodeOptions.videoOptions.bitrate' }))
      .status,
  ).toBe(400);
  await control.advanceClock(1_000);
  expect((await call('PATCH', `${conv()}/${id}?sequence=1`, { converter: { rtmpUrl: 'rtmp://example/live/vertical2' }, fields: 'rtmpUrl' })).status).toBe(200);

  const audioOnly = { converter: { transcodeOptions: { rtcChannel: channel, audioOptions: { rtcStreamUids: [201] } }, rtmpUrl: 'rtmp://example/live/audio' } };
  const aid = await create(audioOnly);
  const toVideo = {
    converter: {
      transcodeOptions: {
        videoOptions: { canvas: { width: 640, height: 360 }, layout: [{ rtcStreamUid: 201, region: { xPos: 0, yPos: 0, width: 640, height: 360 } }], bitrate: 500 },
      },
    },
    fields: 'transcodeOptions.videoOptions',
  };
  // clearing the audio while adding video would make an audio-only converter video-only
  const switched = await call('PATCH', `${conv()}/${aid}?sequence=0`, { ...toVideo, fields: 'transcodeOptions.audioOptions,transcodeOptions.videoOptions' });
  expect(switched).toMatchObject({ status: 400, body: { message: expect.stringMatching(/audio-only/) } });
  // adding video to the audio gives audio + video, which is allowed
  await control.advanceClock(1_000);
  expect((await call('PATCH', `${conv()}/${aid}?sequence=0`, toVideo)).status).toBe(200);
  await control.advanceClock(1_000);
  // an idle timeout cleared through the mask falls back to the default
  expect((await call('PATCH', `${conv()}/${aid}?sequence=1`, { converter: {}, fields: 'idleTimeout' })).status).toBe(200);
  expect((await call('GET', `${conv()}/${aid}`)).body.idleTimeout).toBe(300);
  for (const c of [id, aid]) await call('DELETE', `${conv()}/${c}`);
});

test('update is limited to 2 a second per converter; create/get/delete to 50 a second per project', async () => {
  const channel = uniqueId('push-rate');
  const [a, b] = [await create(raw(channel)), await create(raw(channel))];
  const patch = (id: string, seq: number) => call('PATCH', `${conv()}/${id}?sequence=${seq}`, { converter: { rtmpUrl: `rtmp://example/live/${seq}` }, fields: 'rtmpUrl' });
  expect((await patch(a, 0)).status).toBe(200);
  expect((await patch(a, 1)).status).toBe(200);
  const limited = await patch(a, 2);
  expect(limited).toMatchObject({ status: 429, body: { message: 'Request rate limit exceeded.' } });
  expect(limited.headers['retry-after']).toBeDefined();
  expect((await patch(b, 0)).status).toBe(200);
  await control.advanceClock(1_000);
  expect((await patch(a, 2)).status).toBe(200);

  await control.advanceClock(1_000);
  const gets = await Promise.all(Array.from({ length: 51 }, () => call('GET', `${conv()}/${a}`)));
  expect(gets.filter((g) => g.status === 429)).toHaveLength(1);
  await control.advanceClock(1_000);
  const creates = await Promise.all(Array.from({ length: 51 }, () => call('POST', conv(), raw(channel))));
  expect(creates.filter((c) => c.status === 429)).toHaveLength(1);
  const made = creates.filter((c) => c.status === 200).map((c) => c.body.converter.id as string);
  expect(made).toHaveLength(50);
  await control.advanceClock(1_000);
  const ids = [...made, a];
  const deletes = await Promise.all(ids.map((id) => call('DELETE', `${conv()}/${id}`)));
  expect(deletes.filter((d) => d.status === 429)).toHaveLength(1);
  await control.advanceClock(1_000);
  const refused = ids.filter((_, i) => deletes[i]!.status === 429);
  for (const id of [...refused, b]) expect((await call('DELETE', `${conv()}/${id}`)).status).toBe(200);
  expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
});

test('delete: empty 200 with X-Resource-ID, then 404 {reason}; Get in another region is 404; NCS 4 Delete Request', async () => {
  const channel = uniqueId('push-del');
  const id = await create(raw(channel), 'eu');
  expect(await call('GET', `${conv('na')}/${id}`)).toMatchObject({ status: 404, body: { reason: 'Resource is not found and destroyed.' } });
  expect((await call('GET', `${conv('EU')}/${id}`)).status).toBe(404);
  const del = await call('DELETE', `${conv('eu')}/${id}`, undefined, { 'x-request-id': 'del-1' });
  expect(del.status).toBe(200);
  expect(del.text).toBe('');
  expect(del.headers['x-resource-id']).toBe(id);
  expect(await call('DELETE', `${conv('eu')}/${id}`)).toMatchObject({ status: 404, body: { reason: 'Resource is not found and destroyed.' } });
  expect(await call('GET', `${conv('eu')}/${id}`)).toMatchObject({ status: 404, body: { reason: 'Resource is not found and destroyed.' } });
  expect(await control.tasks({ cname: channel })).toEqual([expect.objectContaining({ id, billing: false, state: 'deleted', endReason: 'delete' })]);
  const destroyed = await eventFor(id, 4);
  expect(destroyed.payload).toMatchObject({ converter: { id, destroyReason: 'Delete Request' }, xRequestId: 'del-1' });
});

test('idleTimeout: destroyed after the source has been gone that long (state idle meanwhile); a return resets the timer', async () => {
  const channel = uniqueId('push-idle');
  await control.emptyChannel(APP, channel);
  await control.join(APP, channel, '201');
  const id = await create(raw(channel, undefined, { idleTimeOut: 60 }));
  await control.advanceClock(120_000);
  expect((await call('GET', `${conv()}/${id}`)).body).toMatchObject({ state: 'running', idleTimeout: 60 });

  await control.leave(APP, channel, '201');
  await control.advanceClock(40_000);
  expect((await call('GET', `${conv()}/${id}`)).body.state).toBe('idle');
  await control.join(APP, channel, '201'); // back before the timeout
  await control.advanceClock(1_000);
  await control.leave(APP, channel, '201');
  await control.advanceClock(59_000);
  expect((await call('GET', `${conv()}/${id}`)).status).toBe(200);
  // another user publishing does not keep a raw converter of uid 201 alive
  await control.join(APP, channel, '999');
  await control.advanceClock(2_000);
  expect(await call('GET', `${conv()}/${id}`)).toMatchObject({ status: 404, body: { reason: 'Resource is not found and destroyed.' } });
  expect(await control.tasks({ cname: channel })).toEqual([expect.objectContaining({ id, billing: false, state: 'destroyed', endReason: 'idle' })]);
  expect((await eventFor(id, 4)).payload.converter.destroyReason).toBe('Idle Timeout');
});

test('an unreachable CDN fails the converter; a service failure destroys it (Internal Error)', async () => {
  const channel = uniqueId('push-fail');
  await control.emptyChannel(APP, channel);
  await control.join(APP, channel, '201');
  const bad = await create(raw(channel, undefined, { rtmpUrl: 'rtmp://cdn.invalid/live/x' }));
  await control.advanceClock(2_000);
  expect((await call('GET', `${conv()}/${bad}`)).body.state).toBe('failed');
  const ok = await create(raw(channel));
  await control.advanceClock(2_000);
  await converterEvent(ok, 'fail');
  expect((await call('GET', `${conv()}/${ok}`)).body.state).toBe('failed');
  await converterEvent(ok, 'destroy');
  expect((await call('GET', `${conv()}/${ok}`)).status).toBe(404);
  expect((await eventFor(ok, 4)).payload.converter.destroyReason).toBe('Internal Error');
  await call('DELETE', `${conv()}/${bad}`);
  expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
});

test('bad requests get the vendor messages, never a crash', async () => {
  const channel = uniqueId('push-bad');
  const bad = async (body: unknown, field: RegExp, query = '') => {
    const res = await call('POST', `${conv()}${query}`, body);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(field);
    await control.advanceClock(30);
  };
  await bad({}, /converter/);
  await bad({ converter: { rawOptions: { rtcChannel: channel, rtcStreamUid: 201 } } }, /^Invalid parameter: rtmpUrl\. Replace it, and retry\.$/);
  await bad(raw(channel, undefined, { rtmpUrl: 'http://example/live' }), /rtmpUrl/);
  await bad(raw(channel, undefined, { rtmpUrl: `rtmp://example/${'x'.repeat(1020)}` }), /rtmpUrl/);
  await bad(raw(channel, undefined, { idleTimeout: -5 }), /^Invalid parameter: idleTimeout\. Replace it, and retry\.$/);
  await bad(raw(channel, undefined, { idleTimeOut: 'soon' }), /idleTimeout/);
  await bad(raw(channel, 'has space'), /name/);
  await bad(raw(channel, 'x'.repeat(65)), /name/);
  await bad({ converter: { ...transcoded(channel).converter, rawOptions: { rtcChannel: channel, rtcStreamUid: 1 } } }, /transcodeOptions\/rawOptions/);
  await bad({ converter: { rawOptions: { rtcChannel: channel, rtcStreamUid: 0 }, rtmpUrl: 'rtmp://a/b' } }, /rtcStreamUid/);
  await bad({ converter: { rawOptions: { rtcChannel: 'bad/name', rtcStreamUid: 1 }, rtmpUrl: 'rtmp://a/b' } }, /rtcChannel/);
  await bad(raw(channel), /regionHintIp/, '?regionHintIp=999.1.1.1');
  const t = transcoded(channel);
  await bad(
    { converter: { ...t.converter, transcodeOptions: { ...t.converter.transcodeOptions, videoOptions: { ...t.converter.transcodeOptions.videoOptions, bitrate: 0 } } } },
    /bitrate/,
  );
  await bad(
    { converter: { ...t.converter, transcodeOptions: { ...t.converter.transcodeOptions, videoOptions: { ...t.converter.transcodeOptions.videoOptions, layoutType: 1 } } } },
    /vertical/,
  );
  await bad(
    { converter: { ...t.converter, transcodeOptions: { ...t.converter.transcodeOptions, videoOptions: { ...t.converter.transcodeOptions.videoOptions, layout: [] } } } },
    /layout/,
  );
  const malformed = await request(`${emu.url}${conv()}`, { method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/json' }, body: '{"converter":' });
  expect(malformed.statusCode).toBe(400);
  expect(await malformed.body.json()).toHaveProperty('message');
  // protobuf-JSON: quoted integers are accepted (the Postman body quotes rtcStreamUid once); jitter buffer rounds up
  const quoted = await create({ converter: { rawOptions: { rtcChannel: channel, rtcStreamUid: '201' }, rtmpUrl: 'rtmp://example/live/q', jitterBufferSizeMs: 250 } });
  expect((await call('GET', `${conv()}/${quoted}`)).body).toMatchObject({ rawOptions: { rtcStreamUid: 201 }, jitterBufferSizeMs: 300 });
  await call('DELETE', `${conv()}/${quoted}`);
  expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
  expect((await call('GET', conv(), undefined, { authorization: `Basic ${Buffer.from('x:y').toString('base64')}` })).status).toBe(404); // no GET on the regional collection
  expect((await call('GET', `${conv()}/whatever`, undefined, { authorization: `Basic ${Buffer.from('x:y').toString('base64')}` })).status).toBe(401);
});

test('list pages hold at most 500 converters; the cursor leads to the next page and is 0 after the last', async () => {
  const channel = uniqueId('push-page');
  // 1,000+ events are not what this test is about: no NCS until the end of this test
  await control.json('DELETE', '/_emulator/webhooks');
  try {
    const ids: string[] = [];
    for (let batch = 0; batch < 11; batch++) {
      await control.advanceClock(1_000);
      const n = batch === 10 ? 1 : 50;
      const made = await Promise.all(Array.from({ length: n }, () => call('POST', conv(), raw(channel))));
      ids.push(...made.map((m) => m.body.converter.id as string));
    }
    expect(ids).toHaveLength(501);
    const first = await call('GET', `/v1/projects/${APP}/channels/${channel}/rtmp-converters`);
    expect(first.body.data.total_count).toBe(501);
    expect(first.body.data.members).toHaveLength(500);
    expect(first.body.data.cursor).not.toBe(0);
    const second = await call('GET', `/v1/projects/${APP}/channels/${channel}/rtmp-converters?cursor=${first.body.data.cursor}`);
    expect(second.body.data).toMatchObject({ total_count: 501, cursor: 0 });
    const listed = [...first.body.data.members, ...second.body.data.members].map((m: { converterId: string }) => m.converterId);
    expect(listed).toEqual(ids.slice().sort((x, y) => ids.indexOf(x) - ids.indexOf(y)));
    expect(new Set(listed).size).toBe(501);
    for (let i = 0; i < ids.length; i += 50) {
      await control.advanceClock(1_000);
      await Promise.all(ids.slice(i, i + 50).map((id) => call('DELETE', `${conv()}/${id}`)));
    }
    expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
  } finally {
    await control.addWebhook({ vendor: 'agora', url: ncs.url, secret: 'ncs' });
  }
});
