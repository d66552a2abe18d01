/**
 * The Media Gateway, Media Push and Media Pull client modules against the emulator over HTTP: every call,
 * its result shape, X-Request-ID passthrough, 404-as-gone, 409 handling (retryable for the Gateway, adopt
 * for Pull, reconcile-by-list for Push), Basic and HMAC auth. This file owns its emulator (it moves the
 * clock a little, staying well inside HMAC's 15-minute Date window).
 */
import { HttpClient } from '../../src/http/client';
import { InvalidInputError } from '../../src/errors';
import { VendorError } from '../../src/http/errors';
import type { AgoraContext } from '../../src/agora/http';
import * as gateway from '../../src/agora/media-gateway';
import * as push from '../../src/agora/media-push';
import * as pull from '../../src/agora/media-pull';
import { EMULATOR_AGORA } from '../../emulator/defaults';
import { EmulatorControl, spawnEmulator, type SpawnedEmulator } from '../helpers/emulator';
import { uniqueId } from '../helpers/wait';
import { failure } from '../helpers/vendor-error';

let emu: SpawnedEmulator;
let control: EmulatorControl;
const http = new HttpClient({ headersTimeoutMs: 10_000 });
const APP = EMULATOR_AGORA.appId;

function ctx(auth: 'basic' | 'hmac' = 'basic', customerSecret: string = EMULATOR_AGORA.customerSecret): AgoraContext {
  return { http, baseUrls: [emu.url], appId: APP, credentials: { customerId: EMULATOR_AGORA.customerId, customerSecret }, auth };
}

const invalidInput = (p: Promise<unknown>) => failure(p, InvalidInputError);

beforeAll(async () => {
  emu = await spawnEmulator();
  control = new EmulatorControl(emu.url);
});
afterAll(async () => {
  try {
    await http.close();
  } finally {
    await emu?.stop();
  }
});

describe('Media Gateway', () => {
  test('stream key: create, query over HMAC, destroy (then already gone, query null); a wrong HMAC signature is a final 401', async () => {
    const channel = uniqueId('cli-gw');
    const created = await gateway.createStreamKey(ctx(), { region: 'na', settings: { channel, uid: '100', expiresAfter: 600 }, requestId: 'cli-gw-create-1' });
    expect(created).toMatchObject({ channel, uid: '100', expiresAfter: 600, requestId: 'cli-gw-create-1' });
    expect(created.streamKey).toMatch(/^[A-Za-z0-9_-]{31}$/);
    expect(created.expiresAtMs).toBe((created.createdAt! + 600) * 1000);
    const log = await control.requests({ product: 'media-gateway', cname: channel });
    expect(log.map((e) => `${e.operation}:${e.status}:${e.requestId}`)).toEqual(['createStreamKey:200:cli-gw-create-1']);

    const viaHmac = await gateway.getStreamKey(ctx('hmac'), { region: 'na', streamKey: created.streamKey });
    expect(viaHmac).toMatchObject({ streamKey: created.streamKey, channel, uid: '100', createdAt: created.createdAt });

    const forged = await failure(gateway.getStreamKey(ctx('hmac', 'not-the-secret'), { region: 'na', streamKey: created.streamKey }));
    expect(forged.info).toMatchObject({ vendor: 'agora', product: 'media-gateway', operation: 'queryStreamKey', httpStatus: 401, retryable: false, ambiguous: false });
    expect(forged.message).not.toContain('not-the-secret');

    const wrongRegion = await failure(gateway.getStreamKey(ctx(), { region: 'eu', streamKey: created.streamKey }));
    expect(wrongRegion.info).toMatchObject({ httpStatus: 400, reason: 'Streamkey exists in region: na.', retryable: false });

    expect(await gateway.destroyStreamKey(ctx('hmac'), { region: 'na', streamKey: created.streamKey })).toMatchObject({ outcome: 'destroyed' });
    expect(await gateway.destroyStreamKey(ctx(), { region: 'na', streamKey: created.streamKey })).toMatchObject({ outcome: 'already_gone' });
    expect(await gateway.getStreamKey(ctx(), { region: 'na', streamKey: created.streamKey })).toBeNull();
    expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
  });

  test('bad input never reaches the gateway', async () => {
    const channel = uniqueId('cli-gw-bad');
    const issues = await invalidInput(gateway.createStreamKey(ctx(), { region: 'na', settings: { channel, uid: '', expiresAfter: 60 } }));
    expect(issues.issues.join(' ')).toMatch(/uid/);
    await invalidInput(gateway.createStreamKey(ctx(), { region: 'NA' as 'na', settings: { channel, uid: '1', expiresAfter: 60 } }));
    await invalidInput(gateway.createStreamKey(ctx(), { region: 'na', settings: { channel, uid: '1', expiresAfter: -1 } }));
    await invalidInput(gateway.putStreamTemplate(ctx(), { region: 'na', templateId: 'far-too-long-id', settings: {} }));
    await invalidInput(gateway.putStreamTemplate(ctx(), { region: 'na', templateId: 't1', settings: { jitterBuffer: { size: 900, maxSize: 800 } } }));
    expect(await control.requests({ cname: channel })).toEqual([]);
  });

  test('409 on concurrent stream-key creates is retryable; after the first documented backoff (1 s) the create succeeds', async () => {
    const channel = uniqueId('cli-gw-409');
    await control.setTimeScale(0.001); // the in-flight window stays open until the clock moves
    try {
      await gateway.createStreamKey(ctx(), { region: 'ap', settings: { channel, uid: '7', expiresAfter: 60 } });
      const conflict = await failure(gateway.createStreamKey(ctx(), { region: 'ap', settings: { channel, uid: '7', expiresAfter: 60 } }));
      expect(conflict.info).toMatchObject({ httpStatus: 409, reason: 'Resource with the same name already exists.', retryable: true, ambiguous: false });
      await control.advanceClock(1_000); // the first documented backoff: the concurrent create is over
      expect((await gateway.createStreamKey(ctx(), { region: 'ap', settings: { channel, uid: '7', expiresAfter: 60 } })).channel).toBe(channel);
    } finally {
      await control.setTimeScale(1);
    }
  });

  test('templates: put, get, list, update, default, delete (then already gone, get null)', async () => {
    const templateId = 'cli720p';
    const settings = {
      transcoding: { video: { enabled: true, codec: 'H.264' as const, width: 1280, height: 720, fps: 24, bitrate: 2200 }, audio: { enabled: false, profile: 3 } },
      jitterBuffer: { size: 500, maxSize: 800 },
    };
    await gateway.putStreamTemplate(ctx(), { region: 'na', templateId, settings });
    expect(await gateway.getStreamTemplate(ctx(), { region: 'na', templateId })).toMatchObject({ templateId, ...settings });
    const video = { enabled: true, width: 1920, height: 1080, fps: 30, bitrate: 3780 };
    await gateway.updateStreamTemplate(ctx('hmac'), { region: 'na', templateId, settings: { transcoding: { video } } });
    const updated = await gateway.getStreamTemplate(ctx(), { region: 'na', templateId });
    expect(updated?.transcoding).toEqual({ video, audio: settings.transcoding.audio });
    expect((await gateway.listStreamTemplates(ctx(), { region: 'na' })).map((t) => t.templateId)).toContain(templateId);
    await gateway.setDefaultStreamTemplate(ctx(), { region: 'na', templateId });
    const missing = await failure(gateway.setDefaultStreamTemplate(ctx(), { region: 'na', templateId: 'nosuch' }));
    expect(missing.info).toMatchObject({ httpStatus: 400, retryable: false });
    expect(await gateway.deleteStreamTemplate(ctx(), { region: 'na', templateId })).toMatchObject({ outcome: 'deleted' });
    expect(await gateway.deleteStreamTemplate(ctx(), { region: 'na', templateId })).toMatchObject({ outcome: 'already_gone' });
    expect(await gateway.getStreamTemplate(ctx(), { region: 'na', templateId })).toBeNull();
  });

  test('online streams: list, get, mute, disconnect (then already gone, get null)', async () => {
    const channel = uniqueId('cli-gw-live');
    const key = await gateway.createStreamKey(ctx(), { region: 'eu', settings: { channel, uid: 'host-1', expiresAfter: 0 } });
    const encoder = await control.json<{ id: string; sid: string }>('POST', '/_emulator/agora/media-gateway/encoders', { streamKey: key.streamKey });

    const live = await gateway.listOnlineStreams(ctx(), { region: 'eu' });
    expect(live.find((s) => s.sid === encoder.sid)).toMatchObject({ channel, uid: 'host-1', status: 'Running', video: { width: 1280 } });
    expect(await gateway.getOnlineStream(ctx('hmac'), { region: 'eu', sid: encoder.sid })).toMatchObject({ sid: encoder.sid, beginAt: expect.any(Number) });
    expect((await gateway.muteOnlineStream(ctx(), { region: 'eu', sid: encoder.sid, videoMuted: true, audioMuted: false, requestId: 'cli-mute-1' })).requestId).toBe('cli-mute-1');

    // teardown in the documented order: the key first, then the push
    expect((await gateway.destroyStreamKey(ctx(), { region: 'eu', streamKey: key.streamKey })).outcome).toBe('destroyed');
    expect((await gateway.disconnectOnlineStream(ctx(), { region: 'eu', sid: encoder.sid })).outcome).toBe('disconnected');
    expect((await gateway.disconnectOnlineStream(ctx(), { region: 'eu', sid: encoder.sid })).outcome).toBe('already_gone');
    expect(await gateway.getOnlineStream(ctx(), { region: 'eu', sid: encoder.sid })).toBeNull();
    await control.advanceClock(3_000);
    expect(await gateway.listOnlineStreams(ctx(), { region: 'eu' })).not.toContainEqual(expect.objectContaining({ channel }));
    expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
  });

  test('isGone: a 404 for a missing resource is gone, the gateway 404 for an unknown route is not', () => {
    const info = { vendor: 'agora' as const, product: 'media-gateway', operation: 'x', httpStatus: 404, retryable: false, ambiguous: false };
    expect(gateway.isGone(new VendorError({ ...info, reason: 'Resource is not found and destroyed.' }))).toBe(true);
    expect(gateway.isGone(new VendorError({ ...info, reason: 'no Route matched with those values' }))).toBe(false);
  });
});

describe('Media Push', () => {
  const rawConverter = (channel: string, name?: string) => ({
    ...(name ? { name } : {}),
    rawOptions: { rtcChannel: channel, rtcStreamUid: 201 },
    rtmpUrl: 'rtmp://example/live/global',
    idleTimeout: 120,
  });

  test('create, get, list, update with sequence (repeat harmless, stale final), delete (then already gone, get null)', async () => {
    const channel = uniqueId('cli-push');
    const created = await push.createConverter(ctx(), {
      region: 'na',
      converter: rawConverter(channel, `c_${channel.slice(-8)}`),
      regionHintIp: '203.0.113.7',
      requestId: 'cli-push-1',
    });
    expect(created).toMatchObject({ converterId: expect.stringMatching(/^[0-9a-f]{32}$/), state: 'connecting', requestId: 'cli-push-1' });
    const id = created.converterId;
    expect(await push.getConverter(ctx(), { region: 'na', converterId: id })).toMatchObject({
      name: `c_${channel.slice(-8)}`,
      rawOptions: { rtcChannel: channel, rtcStreamUid: 201 },
      idleTimeout: 120,
    });
    const page = await push.listConverters(ctx(), { channel });
    expect(page).toMatchObject({ cursor: '0', totalCount: 1 });
    expect(page.members).toEqual([expect.objectContaining({ converterId: id, rtcChannel: channel, idleTimeout: 120 })]);
    expect((await push.listAllConverters(ctx())).map((m) => m.converterId)).toContain(id);

    const up = await push.updateConverter(ctx(), { region: 'na', converterId: id, sequence: 0, converter: { rtmpUrl: 'rtmp://example/live/next' }, fields: ['rtmpUrl'] });
    expect(up).toMatchObject({ converterId: id, state: 'connecting' });
    await control.advanceClock(1_000);
    await push.updateConverter(ctx(), { region: 'na', converterId: id, sequence: 0, converter: { rtmpUrl: 'rtmp://example/live/next' }, fields: ['rtmpUrl'] });
    await push.updateConverter(ctx(), { region: 'na', converterId: id, sequence: 1, converter: { idleTimeout: 90 }, fields: ['idleTimeout'] });
    await control.advanceClock(1_000);
    const stale = await failure(
      push.updateConverter(ctx(), { region: 'na', converterId: id, sequence: 0, converter: { rtmpUrl: 'rtmp://example/live/old' }, fields: ['rtmpUrl'] }),
    );
    expect(stale.info).toMatchObject({ httpStatus: 400, retryable: false, ambiguous: false });
    expect(await push.getConverter(ctx(), { region: 'na', converterId: id })).toMatchObject({ rtmpUrl: 'rtmp://example/live/next', idleTimeout: 90 });
    await invalidInput(push.updateConverter(ctx(), { region: 'na', converterId: id, sequence: 2, converter: { rtmpUrl: 'rtmp://example/live/x' }, fields: ['idleTimeout'] }));
    await invalidInput(push.updateConverter(ctx(), { region: 'na', converterId: id, sequence: -1, converter: { rtmpUrl: 'rtmp://example/live/x' }, fields: ['rtmpUrl'] }));

    expect(await push.deleteConverter(ctx(), { region: 'na', converterId: id })).toMatchObject({ outcome: 'deleted' });
    expect(await push.deleteConverter(ctx(), { region: 'na', converterId: id })).toMatchObject({ outcome: 'already_gone' });
    expect(await push.getConverter(ctx(), { region: 'na', converterId: id })).toBeNull();
    expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
  });

  test('a 409 on create is adopted by listing the channel; a name used in another channel is not adopted; a profile preferring HMAC still works (Basic)', async () => {
    const channel = uniqueId('cli-adopt');
    const name = `a_${channel.slice(-8)}`;
    const first = await push.createOrAdoptConverter(ctx('hmac'), { region: 'na', converter: rawConverter(channel, name) });
    expect(first.adopted).toBe(false);
    const again = await push.createOrAdoptConverter(ctx(), { region: 'na', converter: rawConverter(channel, name) });
    expect(again).toMatchObject({ adopted: true, converterId: first.converterId });
    const conflict = await failure(push.createConverter(ctx(), { region: 'na', converter: rawConverter(channel, name) }));
    expect(conflict.info).toMatchObject({ httpStatus: 409, retryable: false, ambiguous: false });
    const elsewhere = await failure(push.createOrAdoptConverter(ctx(), { region: 'na', converter: rawConverter(`${channel}-other`, name) }));
    expect(elsewhere.info).toMatchObject({ code: 'NAME_IN_USE', retryable: false });
    expect(await push.findConverterByName(ctx(), { name, channel })).toMatchObject({ converterId: first.converterId });
    await invalidInput(push.createOrAdoptConverter(ctx(), { region: 'na', converter: rawConverter(channel) }));
    await push.deleteConverter(ctx(), { region: 'na', converterId: first.converterId });
  });

  test('429 from the update limit is retryable with Retry-After; bad input is refused before sending', async () => {
    const channel = uniqueId('cli-push-429');
    const { converterId } = await push.createConverter(ctx(), { region: 'cn', converter: rawConverter(channel) });
    await control.setTimeScale(0.001);
    try {
      const update = (sequence: number) =>
        push.updateConverter(ctx(), { region: 'cn', converterId, sequence, converter: { rtmpUrl: `rtmp://example/live/${sequence}` }, fields: ['rtmpUrl'] });
      await update(0);
      await update(1);
      const limited = await failure(update(2));
      expect(limited.info).toMatchObject({ httpStatus: 429, retryable: true, ambiguous: false });
      expect(limited.info.retryAfterMs).toBeGreaterThanOrEqual(1_000);
    } finally {
      await control.setTimeScale(1);
    }
    await invalidInput(push.createConverter(ctx(), { region: 'cn', converter: { ...rawConverter(channel), rtmpUrl: 'http://not-rtmp' } }));
    await invalidInput(push.createConverter(ctx(), { region: 'cn', converter: rawConverter(channel), regionHintIp: '300.1.1.1' }));
    await push.deleteConverter(ctx(), { region: 'cn', converterId });
  });
});

describe('Media Pull', () => {
  const playerConfig = (channel: string, extra: Record<string, unknown> = {}) => ({
    streamUrl: 'rtmp://example.agora.io/live/class32/101',
    channelName: channel,
    token: '2a784467d6',
    uid: 101,
    idleTimeout: 300,
    ...extra,
  });

  test('create; a repeat with the same name answers exists with the X-Resource-ID player; update; list and find after 10 s; delete (then already gone)', async () => {
    const channel = uniqueId('cli-pull');
    const name = `p_${channel.slice(-8)}`;
    const created = await pull.createPlayer(ctx(), { region: 'na', player: playerConfig(channel, { name }), requestId: 'cli-pull-1' });
    expect(created).toMatchObject({ outcome: 'created', playerId: expect.stringMatching(/^[0-9a-f]{32}$/), uid: 101, status: 'connecting', requestId: 'cli-pull-1' });
    const again = await pull.createPlayer(ctx('hmac'), { region: 'na', player: playerConfig(channel, { name }) });
    expect(again).toEqual({ outcome: 'exists', playerId: created.playerId, requestId: expect.any(String) });

    await pull.updatePlayer(ctx(), { region: 'na', playerId: created.playerId, sequence: 0, player: { audioOptions: { volume: 10 }, isPause: false, seekPosition: 40 } });
    await pull.updatePlayer(ctx(), { region: 'na', playerId: created.playerId, sequence: 0, player: { isPause: true } }); // repeated: harmless
    const stale = await failure(
      pull
        .updatePlayer(ctx(), { region: 'na', playerId: created.playerId, sequence: 1, player: { isPause: true } })
        .then(() => pull.updatePlayer(ctx(), { region: 'na', playerId: created.playerId, sequence: 0, player: { isPause: false } })),
    );
    expect(stale.info).toMatchObject({ httpStatus: 400, retryable: false });

    expect((await pull.listPlayers(ctx(), { channel })).players).toEqual([]); // too young to be listed
    await control.advanceClock(10_000);
    const page = await pull.listPlayers(ctx(), { channel, pageSize: 10 });
    expect(page).toMatchObject({ nextPageToken: '', totalSize: 1 });
    expect(page.players).toEqual([expect.objectContaining({ id: created.playerId, name, channelName: channel, uid: 101 })]);
    expect(await pull.findPlayerByName(ctx(), { name, channel })).toMatchObject({ id: created.playerId });
    expect(await pull.findPlayerByName(ctx(), { name: 'nobody' })).toBeUndefined();

    expect(await pull.deletePlayer(ctx(), { region: 'na', playerId: created.playerId })).toMatchObject({ outcome: 'deleted' });
    expect(await pull.deletePlayer(ctx(), { region: 'na', playerId: created.playerId })).toMatchObject({ outcome: 'already_gone' });
    expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
  });

  test('uid/account rules and other bad input are refused before sending; a 404 update is final', async () => {
    const channel = uniqueId('cli-pull-bad');
    const { uid: _uid, ...noUid } = playerConfig(channel);
    await invalidInput(pull.createPlayer(ctx(), { region: 'na', player: noUid as never }));
    await invalidInput(pull.createPlayer(ctx(), { region: 'na', player: playerConfig(channel, { account: 'teacher' }) }));
    await invalidInput(pull.createPlayer(ctx(), { region: 'na', player: playerConfig(channel, { idleTimeout: 601 }) }));
    await invalidInput(pull.createPlayer(ctx(), { region: 'na', player: playerConfig(channel, { streamUrl: 'ftp://x/y' }) }));
    await invalidInput(pull.createPlayer(ctx(), { region: 'na', player: playerConfig(channel), streamIp: 'nope' }));
    await invalidInput(pull.updatePlayer(ctx(), { region: 'na', playerId: 'x', sequence: 0, player: {} }));
    expect(await control.requests({ cname: channel })).toEqual([]);
    const gone = await failure(pull.updatePlayer(ctx(), { region: 'na', playerId: 'f'.repeat(32), sequence: 0, player: { isPause: true } }));
    expect(gone.info).toMatchObject({ httpStatus: 404, retryable: false });
  });

  test('an account player answers its account; uid 0 is assigned by the service', async () => {
    const channel = uniqueId('cli-pull-acc');
    const { uid: _uid, ...rest } = playerConfig(channel);
    const acc = await pull.createPlayer(ctx(), { region: 'eu', player: { ...rest, account: 'teacher101' } });
    expect(acc).toMatchObject({ outcome: 'created', account: 'teacher101' });
    const zero = await pull.createPlayer(ctx(), { region: 'eu', player: playerConfig(channel, { uid: 0 }) });
    expect(zero.outcome === 'created' && zero.uid).toBeGreaterThan(0);
    for (const p of [acc, zero]) await pull.deletePlayer(ctx(), { region: 'eu', playerId: p.playerId });
  });
});
