/**
 * The typed Interactive Whiteboard client (src/agora/whiteboard.ts) and WhiteboardRooms
 * (src/client/whiteboard.ts) against an emulator of their own over HTTP (time scale 0.001: conversions move
 * only when a test moves the clock): every call (region and token headers, no Basic auth), tokens
 * minted locally and through the tokens API (its answer a bare JSON string), 404 on delete as already gone, the taxonomy of a refused
 * token and of a 503, the reconcile read of an unanswered create, and input refused before any call.
 */
import * as wb from '../../src/agora/whiteboard';
import { WhiteboardRooms } from '../../src/client/whiteboard';
import { ConfigurationError, InvalidInputError } from '../../src/errors';
import { HttpClient } from '../../src/http/client';
import { EMULATOR_WHITEBOARD } from '../../emulator/defaults';
import { EmulatorControl, spawnEmulator, type SpawnedEmulator } from '../helpers/emulator';
import { testConfig } from '../helpers/temporal';
import { failure } from '../helpers/vendor-error';
import { uniqueId } from '../helpers/wait';

let emu: SpawnedEmulator;
let control: EmulatorControl;
const http = new HttpClient();
const KEYS = { accessKey: EMULATOR_WHITEBOARD.accessKey, secretAccessKey: EMULATOR_WHITEBOARD.secretAccessKey };
const ctx = (token?: string): wb.WhiteboardContext => ({
  http,
  baseUrl: `${emu.url}/v5`,
  region: 'us-sv',
  token: token ?? wb.mintWhiteboardToken('sdk', KEYS, { role: 'admin', lifespanMs: 600_000 }),
});
const doc = (pages: number) => `https://docs.example.com/${uniqueId('client')}.pptx?pages=${pages}`;

beforeAll(async () => {
  emu = await spawnEmulator({ timeScale: 0.001 });
  control = new EmulatorControl(emu.url);
});
afterAll(async () => {
  await http.close();
  await emu?.stop();
});
afterEach(() => control.clearFaults());

test('tokens: minted locally (kind, scope, signature) and through the tokens API', async () => {
  const local = wb.mintWhiteboardToken('room', KEYS, { role: 'writer', lifespanMs: 1_000, uuid: 'abc', now: 5_000 });
  expect(local).toMatch(/^NETLESSROOM_[A-Za-z0-9_-]+$/);
  const read = wb.readWhiteboardToken(local)!;
  expect(read.kind).toBe('room');
  expect(read.fields).toMatchObject({ ak: KEYS.accessKey, role: '1', uuid: 'abc', expireAt: '6000', nonce: expect.any(String) });
  expect(read.fields.sig).toBe(wb.whiteboardTokenSignature(read.fields, KEYS.secretAccessKey));
  expect(JSON.stringify(read.fields)).not.toContain(KEYS.secretAccessKey);
  expect(() => wb.mintWhiteboardToken('task', KEYS, { role: 'admin', lifespanMs: 0 })).toThrow(/uuid/);

  const sdk = await wb.createSdkToken(ctx(), { ...KEYS, lifespan: 600_000, role: 'admin' });
  expect(sdk).toMatch(/^NETLESSSDK_/);
  const room = await wb.createRoom(ctx(sdk));
  expect(await wb.createRoomToken(ctx(sdk), room.uuid, { ak: KEYS.accessKey, lifespan: 0, role: 'reader' })).toMatch(/^NETLESSROOM_/);
  const task = await wb.createConversion(ctx(sdk), { resource: doc(2), type: 'dynamic' });
  expect(await wb.createTaskToken(ctx(sdk), task.uuid, { lifespan: 0, role: 'reader' })).toMatch(/^NETLESSTASK_/);
  const e = await failure(wb.createSdkToken(ctx(), { ...KEYS, secretAccessKey: 'wrong', lifespan: 0, role: 'admin' }));
  expect(e.info).toMatchObject({ product: 'whiteboard', operation: 'token-sdk', httpStatus: 401, retryable: false, ambiguous: false });
});

test('rooms, scenes and screenshots through the client, each call logged under its room; a forged token is a final 401', async () => {
  const since = (await control.requests({ product: 'whiteboard' })).at(-1)?.seq ?? 0;
  const room = await wb.createRoom(ctx(), { isRecord: false, limit: 3 });
  expect(room).toMatchObject({ uuid: expect.any(String), isBan: false, limit: 3 });
  expect(await wb.getRoom(ctx(), room.uuid)).toMatchObject({ uuid: room.uuid });
  expect(await wb.setRoomBan(ctx(), room.uuid, true)).toMatchObject({ isBan: true });
  expect(await wb.listScenes(ctx(), room.uuid)).toEqual(['/init']);
  await wb.addScenes(ctx(), room.uuid, { path: '/deck', scenes: [{ name: 'a', src: 'https://docs.example.com/a.png', width: 1280, height: 720 }] });
  await wb.switchScene(ctx(), room.uuid, '/deck/a');
  expect(await wb.screenshot(ctx(), room.uuid, { width: 320, height: 180, path: '/deck/a' })).toMatchObject({ url: expect.any(String) });
  expect(await wb.screenshotList(ctx(), room.uuid, { width: 320, height: 180, path: '/deck' })).toHaveLength(1);
  const ops = (await control.requests({ product: 'whiteboard', sinceSeq: since })).filter((r) => r.cname === room.uuid).map((r) => `${r.operation}:${r.status}`);
  expect(ops).toEqual(['room-create:201', 'room-get:200', 'room-ban:200', 'scenes-list:200', 'scenes-add:201', 'scene-state:200', 'screenshot:200', 'screenshot-list:200']);
  const err = await failure(wb.getRoom(ctx(wb.mintWhiteboardToken('sdk', { ...KEYS, secretAccessKey: 'forged' }, { role: 'admin', lifespanMs: 0 })), room.uuid));
  expect(err.info).toMatchObject({ operation: 'room-get', httpStatus: 401, retryable: false });
});

test('conversion: create → get (progress) → Finished; list and find; delete twice (already gone); priority', async () => {
  const resource = doc(3);
  const created = await wb.createConversion(ctx(), { resource, type: 'dynamic', preview: true, webhookEndpoint: 'https://app.example.com/hook', webhookRetry: 1 });
  expect(created).toMatchObject({ uuid: expect.any(String), type: 'dynamic', status: 'Waiting' });
  expect(await wb.findConversion(ctx(), { resource, type: 'dynamic', since: Date.now() - 5_000 })).toMatchObject({ uuid: created.uuid });
  expect(await wb.findConversion(ctx(), { resource, type: 'dynamic', known: [created.uuid] })).toBeUndefined();
  expect(await wb.findConversion(ctx(), { resource, type: 'static' })).toBeUndefined();
  await wb.setConversionPriority(ctx(), created.uuid, 'highest');
  await control.advanceClock(2_000 + 1_500);
  expect(await wb.getConversion(ctx(), created.uuid)).toMatchObject({ status: 'Converting', convertedPercentage: 33, pageCount: 3 });
  await control.advanceClock(2_000);
  const done = await wb.getConversion(ctx(), created.uuid);
  expect(done).toMatchObject({ status: 'Finished', pageCount: 3, prefix: expect.any(String) });
  expect(Object.keys(done.previews ?? {})).toEqual(['1', '2', '3']);

  const other = await wb.createConversion(ctx(), { resource: doc(50), type: 'static' });
  expect(await wb.deleteConversion(ctx(), other.uuid)).toEqual({ outcome: 'deleted' });
  expect(await wb.deleteConversion(ctx(), other.uuid)).toEqual({ outcome: 'already_gone' });
  expect((await failure(wb.getConversion(ctx(), other.uuid))).info).toMatchObject({ operation: 'conversion-get', httpStatus: 404 });
});

test('the taxonomy: a 503 is retryable, a create that gets no answer is ambiguous (reconcile), a refused body final', async () => {
  await control.addFault({ match: { product: 'whiteboard', operation: 'conversion-get' }, action: { type: 'error', status: 503 }, count: 1 });
  const t = await wb.createConversion(ctx(), { resource: doc(2), type: 'static' });
  expect((await failure(wb.getConversion(ctx(), t.uuid))).info).toMatchObject({ httpStatus: 503, retryable: true, ambiguous: false });
  await control.addFault({ match: { product: 'whiteboard', operation: 'conversion-create' }, action: { type: 'drop-response' }, count: 1 });
  const resource = doc(2);
  const lost = await failure(wb.createConversion(ctx(), { resource, type: 'static' }));
  expect(lost.info).toMatchObject({ operation: 'conversion-create', ambiguous: true });
  expect(await wb.findConversion(ctx(), { resource, type: 'static' })).toMatchObject({ resource, status: expect.any(String) });
});

test('input refused before any call: bad URL, type, scene path, uuid, region; no key pair in the profile', async () => {
  const since = (await control.requests({ product: 'whiteboard' })).at(-1)?.seq ?? 0;
  await failure(wb.createConversion(ctx(), { resource: 'file:///etc/passwd', type: 'static' }), InvalidInputError);
  await failure(wb.createConversion(ctx(), { resource: doc(1), type: 'video' as never }), InvalidInputError);
  await failure(wb.switchScene(ctx(), 'room1', 'no-slash'), InvalidInputError);
  await failure(wb.getRoom(ctx(), '../admin'), InvalidInputError);
  await failure(wb.getRoom({ ...ctx(), region: 'US SV' }, 'room1'), InvalidInputError);
  await failure(wb.screenshot(ctx(), 'room1', { width: 0, height: 1, path: '/init' }), InvalidInputError);
  expect(await control.requests({ product: 'whiteboard', sinceSeq: since })).toEqual([]);

  const config = testConfig(emu.url);
  const rooms = new WhiteboardRooms(config, { http });
  const room = await rooms.createRoom();
  expect(await rooms.banRoom(room.uuid)).toMatchObject({ isBan: true });
  expect(await rooms.roomToken(room.uuid, { role: 'reader', lifespanMs: 60_000 })).toMatch(/^NETLESSROOM_/);
  expect(rooms.token('room', { role: 'writer', lifespanMs: 0, uuid: room.uuid })).toMatch(/^NETLESSROOM_/);
  const { whiteboard: _wb, ...withoutWhiteboard } = config.agora.default!;
  expect(() => new WhiteboardRooms({ ...config, agora: { default: withoutWhiteboard } })).toThrow(ConfigurationError);
});
