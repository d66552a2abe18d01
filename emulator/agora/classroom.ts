/**
 * Emulated Agora Flexible Classroom (agora.md §12) under `/{region}/edu/apps/{appId}/v2/rooms/{roomUuid}`
 * (region cn, ap, na, eu). The seed gives paths and request bodies only; it is silent on state codes,
 * errors and response shapes, so the emulator is lenient ([public] docs for the shapes: `{msg, code, ts,
 * data}` with code 0 on success; room states 0 not started, 1 started, 2 ended; recording states 0
 * stopped, 1 started):
 *
 *   auth        Signaling token only (`x-agora-token` or `Authorization: agora token=…`, + `x-agora-uid`),
 *               checked as Signaling checks it (./signaling.ts); 401 otherwise
 *   create      POST …/rooms/{roomUuid} {roomName, roomType, roomProperties?{schedule{startTime ms,
 *               duration s, closeDelay s}, processes, hostingScene, …}}: 409 when the room exists
 *   state       PUT …/states/{0|1|2}; an unknown room 404; any other state 400
 *   recording   PUT …/records/states/{1|0} {mode?, webRecordConfig{url, rootUrl, onhold, …}?, retryTimeout?}:
 *               1 starts a recording (a billing task in the ledger) or updates the running one's config
 *               (`onhold`), 0 stops it (a stop with none running is 200 too); GET …/records lists them
 *               (`nextId` cursor, newest last)
 *   kick        POST …/users/{userUuid}/exit {dirty?{state, duration}}
 *   properties  PUT/DELETE …/properties, …/users/{userUuid}/properties, …/extApps/{extAppUuid}/properties
 *               ({properties, cause}; DELETE takes key paths, an array or an object's keys)
 *   events      GET /{region}/edu/polling/apps/{appId}/v2/rooms/sequences[?nextId=&count=]: every room
 *               change of the App ID in that region as {roomUuid, cmd, sequence, data}, from `nextId`
 *               (the first sequence not yet read; absent: from the start), at most `count` (default 100,
 *               at most 1000); the answer's `nextId` is where the next poll continues (null when caught up
 *               it repeats the one given). Reading does not consume.
 *   widgets     GET …/widgets/{popupQuiz|poll}/sequences[?nextId=]: entries the control API added
 *
 * Control: POST /_emulator/agora/classroom/:region/:appId/rooms/:roomUuid/widgets/:widget {data} adds a
 * quiz or poll entry; POST …/rooms/:roomUuid/records/end ends the running recording by itself; GET /_emulator/agora/classroom/rooms lists rooms.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorContext } from '../context';
import { regionalScope } from './media-common';
import { signalingAuth } from './signaling';

const PRODUCT = 'flexible-classroom';
const REGIONS = new Set(['cn', 'ap', 'na', 'eu']);
const ROOM_STATES = new Set([0, 1, 2]);
const WIDGETS = new Set(['popupQuiz', 'poll']);

interface Recording {
  recordId: string;
  sid: string;
  roomUuid: string;
  startTime: number;
  endTime?: number;
  /** 1 recording, 2 ended */
  status: 1 | 2;
  mode: string;
  webRecordConfig: Record<string, unknown>;
  retryTimeout?: number;
  taskId: string;
}

interface Room {
  appId: string;
  region: string;
  roomUuid: string;
  roomName: string;
  roomType: number;
  roomProperties: Record<string, unknown>;
  state: number;
  createdAt: number;
  userProperties: Map<string, Record<string, unknown>>;
  extApps: Map<string, Record<string, unknown>>;
  kicked: Map<string, { at: number; dirty?: unknown }>;
  records: Recording[];
  widgets: Map<string, Array<{ sequence: number; data: unknown; ts: number }>>;
}

interface Sequence {
  sequence: number;
  roomUuid: string;
  cmd: string;
  ts: number;
  data: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function registerAgoraClassroom(app: FastifyInstance, ctx: EmulatorContext): void {
  const { world } = ctx;
  const auth = signalingAuth(world, { basic: false });
  const labels = (operation: string) => ({ labels: { vendor: 'agora' as const, product: PRODUCT, operation } });
  const rooms = new Map<string, Room>();
  /** `${appId}\0${region}` → sequences */
  const sequences = new Map<string, Sequence[]>();
  let nextRecord = 1;

  const ok = (data: unknown = null) => ({ msg: 'Success', code: 0, ts: world.now(), ...(data === null ? {} : { data }) });
  const fail = (reply: FastifyReply, status: number, code: number, msg: string) => reply.code(status).send({ msg, code, ts: world.now() });

  const requireRegion = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!REGIONS.has((req.params as { region: string }).region)) return reply.code(404).send({ message: 'no Route matched with those values' });
    return undefined;
  };
  const pre = [requireRegion, auth];
  const route = (operation: string) => ({ config: labels(operation), preHandler: pre });
  const key = (p: { appid: string; region: string; roomUuid: string }) => `${p.appid}\u0000${p.region}\u0000${p.roomUuid}`;

  const emit = (room: Room, cmd: string, data: unknown) => {
    const k = `${room.appId}\u0000${room.region}`;
    let list = sequences.get(k);
    if (!list) sequences.set(k, (list = []));
    list.push({ sequence: list.length + 1, roomUuid: room.roomUuid, cmd, ts: world.now(), data });
  };

  const findRoom = (req: FastifyRequest, reply: FastifyReply): Room | undefined => {
    const p = req.params as { appid: string; region: string; roomUuid: string };
    req.logRef = { ...req.logRef, cname: p.roomUuid };
    const room = rooms.get(key(p));
    if (!room) {
      fail(reply, 404, 404, 'room not found');
      return undefined;
    }
    return room;
  };

  const recordView = (r: Recording) => ({
    recordId: r.recordId,
    roomUuid: r.roomUuid,
    sid: r.sid,
    startTime: r.startTime,
    ...(r.endTime !== undefined ? { endTime: r.endTime } : {}),
    status: r.status,
    mode: r.mode,
    webRecordConfig: r.webRecordConfig,
  });

  const base = '/:region/edu/apps/:appid/v2/rooms/:roomUuid';

  // empty bodies with a JSON content type are no body (PUT …/states/1 carries none), X-Request-ID echoed
  regionalScope(app, (scope) => vendorRoutes(scope));
  function vendorRoutes(app: FastifyInstance): void {
    app.post(base, route('createRoom'), async (req, reply) => {
      const p = req.params as { appid: string; region: string; roomUuid: string };
      req.logRef = { ...req.logRef, cname: p.roomUuid };
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (!isObject(body) || typeof body.roomName !== 'string' || body.roomName === '') return fail(reply, 400, 400, 'roomName is required');
      if (typeof body.roomType !== 'number' || !Number.isInteger(body.roomType)) return fail(reply, 400, 400, 'roomType must be an integer');
      if (body.roomProperties !== undefined && !isObject(body.roomProperties)) return fail(reply, 400, 400, 'roomProperties must be an object');
      if (rooms.has(key(p))) return fail(reply, 409, 409, 'room already exists');
      const room: Room = {
        appId: p.appid,
        region: p.region,
        roomUuid: p.roomUuid,
        roomName: body.roomName,
        roomType: body.roomType,
        roomProperties: (body.roomProperties as Record<string, unknown> | undefined) ?? {},
        state: 0,
        createdAt: world.now(),
        userProperties: new Map(),
        extApps: new Map(),
        kicked: new Map(),
        records: [],
        widgets: new Map(),
      };
      rooms.set(key(p), room);
      emit(room, 'roomCreated', { roomName: room.roomName, roomType: room.roomType, roomProperties: room.roomProperties });
      return ok({ roomUuid: room.roomUuid, roomName: room.roomName, roomType: room.roomType, roomProperties: room.roomProperties });
    });

    app.put(`${base}/states/:state`, route('setRoomState'), async (req, reply) => {
      const room = findRoom(req, reply);
      if (!room) return reply;
      const state = Number((req.params as { state: string }).state);
      if (!ROOM_STATES.has(state)) return fail(reply, 400, 400, 'state must be 0, 1 or 2');
      room.state = state;
      emit(room, 'roomStateChanged', { state });
      return ok();
    });

    app.put(`${base}/records/states/:state`, route('setRecordingState'), async (req, reply) => {
      const room = findRoom(req, reply);
      if (!room) return reply;
      const state = Number((req.params as { state: string }).state);
      if (state !== 0 && state !== 1) return fail(reply, 400, 400, 'state must be 0 (stop) or 1 (start)');
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (!isObject(body)) return fail(reply, 400, 400, 'invalid body');
      if (body.webRecordConfig !== undefined && !isObject(body.webRecordConfig)) return fail(reply, 400, 400, 'webRecordConfig must be an object');
      if (body.retryTimeout !== undefined && (typeof body.retryTimeout !== 'number' || body.retryTimeout < 0))
        return fail(reply, 400, 400, 'retryTimeout must be a number of seconds');
      const running = room.records.find((r) => r.status === 1);
      if (state === 1) {
        if (running) {
          running.webRecordConfig = { ...running.webRecordConfig, ...(body.webRecordConfig as Record<string, unknown> | undefined) };
          if (typeof body.retryTimeout === 'number') running.retryTimeout = body.retryTimeout;
          emit(room, 'recordingUpdated', { recordId: running.recordId, webRecordConfig: running.webRecordConfig });
          return ok({ recordId: running.recordId, sid: running.sid });
        }
        const n = nextRecord++;
        const rec: Recording = {
          recordId: `rec-${n}`,
          sid: `sid${String(n).padStart(12, '0')}`,
          roomUuid: room.roomUuid,
          startTime: world.now(),
          status: 1,
          mode: typeof body.mode === 'string' ? body.mode : 'web',
          webRecordConfig: (body.webRecordConfig as Record<string, unknown> | undefined) ?? {},
          retryTimeout: typeof body.retryTimeout === 'number' ? body.retryTimeout : undefined,
          taskId: `classroom-record-${n}`,
        };
        room.records.push(rec);
        world.putTask({ vendor: 'agora', product: PRODUCT, id: rec.taskId, appId: room.appId, cname: room.roomUuid, state: 'recording', billing: true, startedAt: world.now() });
        emit(room, 'recordingStarted', { recordId: rec.recordId, sid: rec.sid });
        return ok({ recordId: rec.recordId, sid: rec.sid });
      }
      if (running) {
        running.status = 2;
        running.endTime = world.now();
        world.endTask('agora', PRODUCT, running.taskId, 'stopped', 'stop request');
        emit(room, 'recordingStopped', { recordId: running.recordId });
      }
      return ok();
    });

    const page = <T>(list: T[], q: { nextId?: string; count?: string }, max = 1000) => {
      const from = q.nextId === undefined || q.nextId === '' || q.nextId === 'null' ? 0 : Number(q.nextId);
      const count = q.count === undefined ? 100 : Number(q.count);
      if (!Number.isInteger(from) || from < 0 || !Number.isInteger(count) || count < 1) return undefined;
      const slice = list.slice(from, from + Math.min(count, max));
      const next = from + slice.length;
      return { total: list.length, list: slice, count: slice.length, nextId: next < list.length ? String(next) : null };
    };

    app.get(`${base}/records`, route('listRecordings'), async (req, reply) => {
      const room = findRoom(req, reply);
      if (!room) return reply;
      const p = page(room.records.map(recordView), req.query as { nextId?: string; count?: string });
      if (!p) return fail(reply, 400, 400, 'invalid nextId or count');
      return ok(p);
    });

    app.post(`${base}/users/:userUuid/exit`, route('kickUser'), async (req, reply) => {
      const room = findRoom(req, reply);
      if (!room) return reply;
      const { userUuid } = req.params as { userUuid: string };
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (!isObject(body) || (body.dirty !== undefined && !isObject(body.dirty))) return fail(reply, 400, 400, 'dirty must be an object');
      room.kicked.set(userUuid, { at: world.now(), dirty: body.dirty });
      emit(room, 'userKicked', { userUuid, ...(body.dirty !== undefined ? { dirty: body.dirty } : {}) });
      return ok();
    });

    /** PUT merges `properties` (dotted key paths allowed); DELETE removes the key paths it names. */
    const setPath = (target: Record<string, unknown>, path: string, value: unknown) => {
      const parts = path.split('.');
      let t = target;
      for (const part of parts.slice(0, -1)) {
        if (!isObject(t[part])) t[part] = {};
        t = t[part] as Record<string, unknown>;
      }
      if (value === undefined) delete t[parts[parts.length - 1]!];
      else t[parts[parts.length - 1]!] = value;
    };
    const properties = (
      operation: string,
      target: (room: Room, params: Record<string, string>) => Record<string, unknown>,
      scope: (params: Record<string, string>) => Record<string, string>,
    ) => {
      const put = async (req: FastifyRequest, reply: FastifyReply) => {
        const room = findRoom(req, reply);
        if (!room) return reply;
        const body = (req.body ?? {}) as Record<string, unknown>;
        if (!isObject(body) || !isObject(body.properties)) return fail(reply, 400, 400, 'properties must be an object');
        const params = req.params as Record<string, string>;
        const t = target(room, params);
        for (const [k, v] of Object.entries(body.properties)) setPath(t, k, v);
        if (isObject(body.common)) t.common = { ...(isObject(t.common) ? t.common : {}), ...body.common };
        emit(room, `${operation}Updated`, { ...scope(params), properties: body.properties, ...(body.cause !== undefined ? { cause: body.cause } : {}) });
        return ok();
      };
      const del = async (req: FastifyRequest, reply: FastifyReply) => {
        const room = findRoom(req, reply);
        if (!room) return reply;
        const body = (req.body ?? {}) as Record<string, unknown>;
        const keys = Array.isArray(body.properties) ? body.properties : isObject(body.properties) ? Object.keys(body.properties) : undefined;
        if (!keys || !keys.every((k) => typeof k === 'string')) return fail(reply, 400, 400, 'properties must name the keys to delete');
        const params = req.params as Record<string, string>;
        const t = target(room, params);
        for (const k of keys as string[]) setPath(t, k, undefined);
        emit(room, `${operation}Deleted`, { ...scope(params), keys, ...(body.cause !== undefined ? { cause: body.cause } : {}) });
        return ok();
      };
      return { put, del };
    };

    const roomProps = properties(
      'roomProperties',
      (room) => room.roomProperties,
      () => ({}),
    );
    const mapTarget = (m: Map<string, Record<string, unknown>>, id: string) => {
      let t = m.get(id);
      if (!t) m.set(id, (t = {}));
      return t;
    };
    const userProps = properties(
      'userProperties',
      (room, p) => mapTarget(room.userProperties, p.userUuid!),
      (p) => ({ userUuid: p.userUuid! }),
    );
    const extAppProps = properties(
      'extAppProperties',
      (room, p) => mapTarget(room.extApps, p.extAppUuid!),
      (p) => ({ extAppUuid: p.extAppUuid! }),
    );
    app.put(`${base}/properties`, route('setRoomProperties'), roomProps.put);
    app.delete(`${base}/properties`, route('deleteRoomProperties'), roomProps.del);
    app.put(`${base}/users/:userUuid/properties`, route('setUserProperties'), userProps.put);
    app.delete(`${base}/users/:userUuid/properties`, route('deleteUserProperties'), userProps.del);
    app.put(`${base}/extApps/:extAppUuid/properties`, route('setExtAppProperties'), extAppProps.put);
    app.delete(`${base}/extApps/:extAppUuid/properties`, route('deleteExtAppProperties'), extAppProps.del);

    app.get(`${base}/widgets/:widget/sequences`, route('widgetSequences'), async (req, reply) => {
      const room = findRoom(req, reply);
      if (!room) return reply;
      const { widget } = req.params as { widget: string };
      if (!WIDGETS.has(widget)) return fail(reply, 404, 404, 'no such widget');
      const p = page(room.widgets.get(widget) ?? [], req.query as { nextId?: string; count?: string });
      if (!p) return fail(reply, 400, 400, 'invalid nextId or count');
      return ok(p);
    });

    app.get('/:region/edu/polling/apps/:appid/v2/rooms/sequences', route('roomSequences'), async (req, reply) => {
      const p = req.params as { appid: string; region: string };
      const q = req.query as { nextId?: string; count?: string };
      const list = sequences.get(`${p.appid}\u0000${p.region}`) ?? [];
      const pg = page(list, q);
      if (!pg) return fail(reply, 400, 400, 'invalid nextId or count');
      // caught up: the cursor stays where it is, so the next poll sees what comes next
      return ok({ ...pg, nextId: pg.nextId ?? String((q.nextId && q.nextId !== 'null' ? Number(q.nextId) : 0) + pg.count) });
    });
  }

  // ---- control ----
  app.post('/_emulator/agora/classroom/:region/:appId/rooms/:roomUuid/widgets/:widget', async (req, reply) => {
    const p = req.params as { region: string; appId: string; roomUuid: string; widget: string };
    const room = rooms.get(`${p.appId}\u0000${p.region}\u0000${p.roomUuid}`);
    if (!room || !WIDGETS.has(p.widget)) return reply.code(404).send({ message: 'no such room or widget' });
    let list = room.widgets.get(p.widget);
    if (!list) room.widgets.set(p.widget, (list = []));
    const entry = { sequence: list.length + 1, data: (req.body as { data?: unknown } | undefined)?.data ?? null, ts: world.now() };
    list.push(entry);
    return reply.code(201).send(entry);
  });
  /** The running recording ends by itself (the service stopped it: the class closed, an error). */
  app.post('/_emulator/agora/classroom/:region/:appId/rooms/:roomUuid/records/end', async (req, reply) => {
    const p = req.params as { region: string; appId: string; roomUuid: string };
    const room = rooms.get(`${p.appId}\u0000${p.region}\u0000${p.roomUuid}`);
    const running = room?.records.find((r) => r.status === 1);
    if (!room || !running) return reply.code(404).send({ message: 'no running recording in that room' });
    running.status = 2;
    running.endTime = world.now();
    world.endTask('agora', PRODUCT, running.taskId, 'ended', 'ended by the service');
    emit(room, 'recordingStopped', { recordId: running.recordId });
    return reply.code(200).send(recordView(running));
  });
  app.get('/_emulator/agora/classroom/rooms', async () => ({
    rooms: [...rooms.values()].map((r) => ({
      appId: r.appId,
      region: r.region,
      roomUuid: r.roomUuid,
      roomName: r.roomName,
      roomType: r.roomType,
      state: r.state,
      roomProperties: r.roomProperties,
      userProperties: Object.fromEntries(r.userProperties),
      extApps: Object.fromEntries(r.extApps),
      kicked: [...r.kicked.keys()],
      records: r.records.map(recordView),
    })),
  }));
}
