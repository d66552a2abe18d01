/**
 * The emulated Interactive Whiteboard (netless, agora.md §12) over raw HTTP: the token header (kind, scope,
 * signature, expiry, role) and the region header, the tokens API, rooms (create, get, ban), scenes and
 * screenshots, and projector tasks whose progress moves only with the emulator's clock (this file's
 * emulator crawls at time scale 0.001) to Finished with its pages or Fail, the webhookEndpoint told of
 * each status, delete and priority, the world ledger, and a fault through the shared fault machinery.
 */
import { mintWhiteboardToken } from '../../src/agora/whiteboard';
import { EMULATOR_WHITEBOARD } from '../../emulator/defaults';
import { send, type Res } from '../helpers/agora-http';
import { EmulatorControl, spawnEmulator, type SpawnedEmulator } from '../helpers/emulator';
import { CallbackReceiver } from '../helpers/receiver';
import { eventually, uniqueId } from '../helpers/wait';

let emu: SpawnedEmulator;
let control: EmulatorControl;
const hooks = new CallbackReceiver('/projector');
const KEYS = { accessKey: EMULATOR_WHITEBOARD.accessKey, secretAccessKey: EMULATOR_WHITEBOARD.secretAccessKey };
const sdk = (role: 'admin' | 'writer' | 'reader' = 'admin') => mintWhiteboardToken('sdk', KEYS, { role, lifespanMs: 600_000 });

function wb(method: string, path: string, body?: unknown, opts: { token?: string; region?: string | null } = {}): Promise<Res> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.region !== null) headers.region = opts.region ?? 'us-sv';
  const token = 'token' in opts ? opts.token : sdk();
  if (token) headers.token = token;
  return send(emu.url, method, `/v5${path}`, { body: body === undefined ? undefined : JSON.stringify(body), headers });
}

const resourceUrl = (pages: number, ext = 'pdf') => `https://docs.example.com/${uniqueId('doc')}.${ext}?pages=${pages}`;

async function createTask(body: Record<string, unknown>): Promise<string> {
  const res = await wb('POST', '/projector/tasks', body);
  expect(res.status).toBe(201);
  return res.body.uuid;
}

beforeAll(async () => {
  emu = await spawnEmulator({ timeScale: 0.001 });
  control = new EmulatorControl(emu.url);
  await hooks.start();
});
afterAll(async () => {
  await emu?.stop();
  await hooks.stop();
});

describe('tokens', () => {
  test('the tokens API mints an SDK token from the key pair (a bare JSON string); a wrong secret is 401, no region 400', async () => {
    const ok = await wb('POST', '/tokens/teams', { ...KEYS, lifespan: 0, role: 'admin' }, { token: undefined });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatch(/^NETLESSSDK_[A-Za-z0-9_-]+$/);
    // the minted token opens the API
    expect((await wb('POST', '/rooms', {}, { token: ok.body })).status).toBe(201);

    expect((await wb('POST', '/tokens/teams', { ...KEYS, secretAccessKey: 'wrong', lifespan: 0, role: 'admin' }, { token: undefined })).status).toBe(401);
    expect((await wb('POST', '/tokens/teams', { ...KEYS, lifespan: 0, role: 'admin' }, { token: undefined, region: null })).status).toBe(400);
    expect((await wb('POST', '/tokens/teams', { ...KEYS, lifespan: 0, role: 'owner' }, { token: undefined })).status).toBe(400);
  });

  test('room and task tokens need an SDK token; a room token reads its own room only', async () => {
    const room = (await wb('POST', '/rooms', { isRecord: false, limit: 0 })).body.uuid as string;
    const other = (await wb('POST', '/rooms', {})).body.uuid as string;
    const rt = await wb('POST', `/tokens/rooms/${room}`, { ak: KEYS.accessKey, lifespan: 3_600_000, role: 'writer' });
    expect(rt.status).toBe(201);
    expect(rt.body).toMatch(/^NETLESSROOM_/);
    expect((await wb('GET', `/rooms/${room}`, undefined, { token: rt.body })).status).toBe(200);
    expect((await wb('GET', `/rooms/${other}`, undefined, { token: rt.body })).status).toBe(401);
    // a room token cannot mint tokens nor ban
    expect((await wb('POST', `/tokens/rooms/${room}`, { lifespan: 0, role: 'admin' }, { token: rt.body })).status).toBe(401);
    expect((await wb('PATCH', `/rooms/${room}`, { isBan: true }, { token: rt.body })).status).toBe(401);
    // no token, a forged one, an expired one
    expect((await wb('GET', `/rooms/${room}`, undefined, { token: undefined })).status).toBe(401);
    expect((await wb('GET', `/rooms/${room}`, undefined, { token: sdk().slice(0, -4) + 'AAAA' })).status).toBe(401);
    const forged = mintWhiteboardToken('sdk', { ...KEYS, secretAccessKey: 'not-the-secret' }, { role: 'admin', lifespanMs: 0 });
    expect((await wb('GET', `/rooms/${room}`, undefined, { token: forged })).status).toBe(401);
    const expired = mintWhiteboardToken('sdk', KEYS, { role: 'admin', lifespanMs: 1_000, now: Date.now() - 60_000 });
    const res = await wb('GET', `/rooms/${room}`, undefined, { token: expired });
    expect(res).toMatchObject({ status: 401, body: { message: 'token expired' } });
  });
});

describe('rooms, scenes and screenshots', () => {
  test('create, get, ban and unban; a reader cannot ban; an unknown room is 404', async () => {
    const created = await wb('POST', '/rooms', { isRecord: false, limit: 5 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ uuid: expect.any(String), isBan: false, limit: 5, teamUUID: KEYS.accessKey });
    const uuid = created.body.uuid as string;
    expect((await wb('GET', `/rooms/${uuid}`)).body).toMatchObject({ uuid, isBan: false });
    expect((await wb('PATCH', `/rooms/${uuid}`, { isBan: true }, { token: sdk('reader') })).status).toBe(403);
    expect((await wb('PATCH', `/rooms/${uuid}`, { isBan: true })).body).toMatchObject({ uuid, isBan: true });
    expect((await wb('GET', `/rooms/${uuid}`, undefined, { token: sdk('reader') })).body.isBan).toBe(true);
    expect((await wb('PATCH', `/rooms/${uuid}`, { isBan: false })).body.isBan).toBe(false);
    expect((await wb('PATCH', `/rooms/${uuid}`, { isBan: 'yes' })).status).toBe(400);
    expect((await wb('GET', '/rooms/0123456789abcdef')).status).toBe(404);
  });

  test('scenes: /init, added under a directory, switched; screenshots of a scene and of a directory', async () => {
    const uuid = (await wb('POST', '/rooms', {})).body.uuid as string;
    expect((await wb('GET', `/rooms/${uuid}/scenes`)).body).toEqual(['/init']);
    const added = await wb('POST', `/rooms/${uuid}/scenes`, {
      scenes: [
        { name: '1', ppt: 'https://docs.example.com/p1.png', src: 'https://docs.example.com/p1.png', width: '1280', height: '720' },
        { name: '2', src: 'https://docs.example.com/p2.png', width: '1280', height: '720' },
      ],
      path: '/ppt',
    });
    expect(added.status).toBe(201);
    expect((await wb('GET', `/rooms/${uuid}/scenes`)).body).toEqual(['/init', '/ppt/1', '/ppt/2']);
    expect((await wb('PATCH', `/rooms/${uuid}/scene-state`, { scenePath: '/ppt/2' })).body).toEqual({ scenePath: '/ppt/2' });
    expect((await wb('PATCH', `/rooms/${uuid}/scene-state`, { scenePath: '/nowhere' })).status).toBe(400);

    const one = await wb('POST', `/rooms/${uuid}/screenshots`, { width: '640', height: '360', path: '/ppt/1' });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ url: expect.stringMatching(/^http/), key: expect.stringContaining('/ppt/1-640x360.png') });
    const list = await wb('POST', `/rooms/${uuid}/screenshot-list`, { width: 640, height: 360, path: '/ppt' });
    expect(list.body.map((s: { key: string }) => s.key)).toEqual([expect.stringContaining('/ppt/1-'), expect.stringContaining('/ppt/2-')]);
    expect((await wb('POST', `/rooms/${uuid}/screenshots`, { width: 0, height: 360, path: '/ppt/1' })).status).toBe(400);
    const rooms = await control.json<{ rooms: Array<{ uuid: string; scenePath: string }> }>('GET', '/_emulator/agora/whiteboard/rooms');
    expect(rooms.rooms.find((r) => r.uuid === uuid)?.scenePath).toBe('/ppt/2');
  });
});

describe('projector tasks', () => {
  test('Waiting → Converting page by page → Finished with its pages, on the emulator clock; the webhook hears each status', async () => {
    const resource = resourceUrl(4);
    const uuid = await createTask({ resource, type: 'static', preview: true, scale: 1.0, outputFormat: 'png', webhookEndpoint: hooks.url, webhookRetry: 3 });
    expect((await wb('GET', `/projector/tasks/${uuid}`)).body).toMatchObject({ uuid, status: 'Waiting', convertedPercentage: 0 });
    expect(await control.tasks({ cname: resource, running: true })).toHaveLength(1);

    await control.advanceClock(2_000 + 1_000);
    expect((await wb('GET', `/projector/tasks/${uuid}`)).body).toMatchObject({ status: 'Converting', convertedPercentage: 25, pageCount: 4 });
    // a task token reads its own task, not another one
    const tt = await wb('POST', `/tokens/tasks/${uuid}`, { lifespan: 600_000, role: 'reader' });
    expect(tt.body).toMatch(/^NETLESSTASK_/);
    expect((await wb('GET', `/projector/tasks/${uuid}`, undefined, { token: tt.body })).body.status).toBe('Converting');

    await control.advanceClock(3_000);
    const done = await wb('GET', `/projector/tasks/${uuid}`);
    expect(done.body).toMatchObject({ uuid, type: 'static', status: 'Finished', convertedPercentage: 100, pageCount: 4, prefix: expect.stringContaining(uuid) });
    expect(Object.keys(done.body.images)).toEqual(['1', '2', '3', '4']);
    expect(done.body.images['2']).toEqual({ width: 1280, height: 720, url: expect.stringMatching(/\/2\.png$/) });
    expect(Object.keys(done.body.previews)).toHaveLength(4);
    expect(await control.tasks({ cname: resource, running: true })).toEqual([]);

    const statuses = await eventually(() => {
      const seen = hooks.bodies.filter((b) => b?.uuid === uuid).map((b) => b.status);
      return seen.length >= 2 ? seen : undefined;
    }, 'webhook deliveries');
    expect(statuses).toEqual(['Converting', 'Finished']);
    expect(hooks.bodies.find((b) => b?.uuid === uuid && b.status === 'Finished')).toMatchObject({ resource, pageCount: 4 });
  });

  test('the list shows the team’s tasks with their resource; delete cancels (404 after) and ends the ledger task', async () => {
    const resource = resourceUrl(3);
    const uuid = await createTask({ resource, type: 'static' });
    const listed = await wb('GET', '/projector/tasks');
    expect(listed.body.find((t: { uuid: string }) => t.uuid === uuid)).toMatchObject({ resource, status: 'Waiting', createdAt: expect.any(String) });
    expect((await wb('PUT', `/projector/tasks/${uuid}`, { priority: 'highest' })).body).toMatchObject({ uuid, priority: 'highest' });
    expect((await wb('DELETE', `/projector/tasks/${uuid}`, undefined, { token: sdk('reader') })).status).toBe(403);
    expect((await wb('DELETE', `/projector/tasks/${uuid}`)).status).toBe(200);
    expect((await wb('GET', `/projector/tasks/${uuid}`)).status).toBe(404);
    expect((await wb('DELETE', `/projector/tasks/${uuid}`)).status).toBe(404);
    expect((await wb('GET', '/projector/tasks')).body.find((t: { uuid: string }) => t.uuid === uuid)).toBeUndefined();
    expect(await control.tasks({ cname: resource })).toEqual([expect.objectContaining({ billing: false, state: 'Cancelled' })]);
  });

  test('an unreachable resource and a dynamic conversion of a PDF fail; bad bodies are 400; the fault machinery hits the create', async () => {
    const bad = await createTask({ resource: 'https://files.example.invalid/x.pptx', type: 'dynamic' });
    const pdf = await createTask({ resource: resourceUrl(2, 'pdf'), type: 'dynamic' });
    await control.advanceClock(2_500);
    expect((await wb('GET', `/projector/tasks/${bad}`)).body).toMatchObject({ status: 'Fail', errorCode: 'DownloadFail' });
    expect((await wb('GET', `/projector/tasks/${pdf}`)).body).toMatchObject({ status: 'Fail', errorCode: 'FileTypeUnsupported' });

    expect((await wb('POST', '/projector/tasks', { resource: 'ftp://x/y.pdf', type: 'static' })).status).toBe(400);
    expect((await wb('POST', '/projector/tasks', { resource: resourceUrl(1), type: 'video' })).status).toBe(400);
    // the seed's `"{{webhookEndpoint}}"` left empty: no webhook, accepted
    expect((await wb('POST', '/projector/tasks', { resource: resourceUrl(1), type: 'static', webhookEndpoint: '' })).status).toBe(201);

    await control.addFault({ match: { product: 'whiteboard', operation: 'conversion-create' }, action: { type: 'error', status: 503 }, count: 1 });
    try {
      expect((await wb('POST', '/projector/tasks', { resource: resourceUrl(1), type: 'static' })).status).toBe(503);
      expect((await wb('POST', '/projector/tasks', { resource: resourceUrl(1), type: 'static' })).status).toBe(201);
    } finally {
      await control.clearFaults();
    }
  });

  test('the control API fails a converting task', async () => {
    const uuid = await createTask({ resource: resourceUrl(10), type: 'static' });
    await control.advanceClock(2_500);
    await control.json('POST', `/_emulator/agora/whiteboard/tasks/${uuid}/fail`, {});
    expect((await wb('GET', `/projector/tasks/${uuid}`)).body).toMatchObject({ status: 'Fail', errorCode: 'ConvertFail' });
  });
});
