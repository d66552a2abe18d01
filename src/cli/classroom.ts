/**
 * `rtcflow classroom ...`: Agora Flexible Classroom calls with the profile's credentials (agora.md §12),
 * each on a Signaling token minted from the profile's App Certificate.
 *
 *   rtcflow classroom create <roomUuid> --region na --name <roomName> --type 4 [--start <ISO|ms> --duration 45m [--close-delay 5m]] [--properties '<json>']
 *   rtcflow classroom state <roomUuid> --region na --state not-started|started|ended
 *   rtcflow classroom record start <roomUuid> --region na --url <page> [--root-url <url>] [--retry-timeout 60]
 *   rtcflow classroom record hold|resume|stop|list <roomUuid> --region na
 *   rtcflow classroom kick <roomUuid> <userUuid> --region na [--ban-for 10m]
 *   rtcflow classroom props set|delete <roomUuid> --region na [--user <uuid> | --ext-app <uuid>] --properties '<json>'
 *   rtcflow classroom events --region na [--next-id <id>] [--count N]
 *   rtcflow classroom widget <roomUuid> popupQuiz|poll --region na
 * Every command takes --profile <name> (default) and --json.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { Classroom } from '../client/classroom';
import type { PropertyTarget } from '../agora/classroom';
import type { AgoraRegion } from '../schemas/agora/media-gateway';
import { adminConfig, duration, jsonOption, out, positive } from './common';

async function withClassroom<T>(o: { profile: string }, fn: (c: Classroom) => Promise<T>): Promise<T> {
  const c = new Classroom(adminConfig(), { profile: o.profile });
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

const STATES: Record<string, 0 | 1 | 2> = { 'not-started': 0, started: 1, ended: 2 };

function when(v: string): number {
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('expected an ISO time or milliseconds since the epoch');
  return n;
}

export function registerClassroomCommands(program: Command): void {
  const cls = program.command('classroom').description('Agora Flexible Classroom: rooms, states, class recording, kick, properties, room events');
  const opts = (c: Command) =>
    c.requiredOption('--region <region>', 'cn | ap | na | eu').option('--profile <name>', 'Agora profile', 'default').option('--json', 'print one JSON object');
  const ref = (roomUuid: string, o: { region: string }) => ({ roomUuid, region: o.region as AgoraRegion });

  opts(
    cls
      .command('create <roomUuid>')
      .description('create a room (a second create of the same UUID answers exists)')
      .requiredOption('--name <roomName>', 'room name')
      .requiredOption('--type <n>', 'room type ([public] 0 one-to-one, 2 lecture hall, 4 small classroom)', Number)
      .option('--start <time>', 'schedule: start (ISO or ms)', when)
      .option('--duration <d>', 'schedule: length, e.g. 45m', duration)
      .option('--close-delay <d>', 'schedule: how long the room stays open after it', duration)
      .option('--properties <json>', 'more roomProperties'),
  ).action(async (roomUuid: string, o) => {
    const extra = o.properties === undefined ? {} : (jsonOption('properties', o.properties) as Record<string, unknown>);
    const schedule =
      o.start !== undefined || o.duration !== undefined
        ? {
            schedule: {
              startTime: o.start ?? Date.now(),
              duration: Math.round((o.duration ?? 0) / 1000),
              ...(o.closeDelay !== undefined ? { closeDelay: Math.round(o.closeDelay / 1000) } : {}),
            },
          }
        : {};
    const roomProperties = { ...extra, ...schedule };
    const r = await withClassroom(o, (c) =>
      c.createRoom({ ...ref(roomUuid, o), room: { roomName: o.name, roomType: o.type, ...(Object.keys(roomProperties).length ? { roomProperties } : {}) } }),
    );
    out(!!o.json, { roomUuid, ...r }, () => `room ${roomUuid}: ${r.outcome}`);
  });

  opts(cls.command('state <roomUuid>').description('set the room state').requiredOption('--state <state>', 'not-started | started | ended')).action(async (roomUuid: string, o) => {
    const state = STATES[o.state];
    if (state === undefined) throw new InvalidArgumentError('--state is not-started, started or ended');
    await withClassroom(o, (c) => c.setRoomState({ ...ref(roomUuid, o), state }));
    out(!!o.json, { roomUuid, state: o.state }, () => `room ${roomUuid}: ${o.state}`);
  });

  const record = cls.command('record').description('class recording (web recording of the classroom page)');
  opts(
    record
      .command('start <roomUuid>')
      .description('start recording (or update the running recording)')
      .requiredOption('--url <url>', 'the classroom page the recorder opens')
      .option('--root-url <url>', 'webRecordConfig.rootUrl')
      .option('--retry-timeout <s>', 'seconds the service keeps trying to start', positive),
  ).action(async (roomUuid: string, o) => {
    const config = {
      mode: 'web',
      webRecordConfig: { url: o.url, ...(o.rootUrl ? { rootUrl: o.rootUrl } : {}) },
      ...(o.retryTimeout !== undefined ? { retryTimeout: o.retryTimeout } : {}),
    };
    const r = await withClassroom(o, (c) => c.setRecordingState({ ...ref(roomUuid, o), state: 1, config }));
    out(!!o.json, { roomUuid, ...r }, () => `recording ${r.recordId ?? ''} started in ${roomUuid}`);
  });
  for (const [name, onhold] of [
    ['hold', true],
    ['resume', false],
  ] as const) {
    opts(record.command(`${name} <roomUuid>`).description(`${name} the running recording (webRecordConfig.onhold)`)).action(async (roomUuid: string, o) => {
      const r = await withClassroom(o, (c) => c.setRecordingState({ ...ref(roomUuid, o), state: 1, config: { webRecordConfig: { onhold } } }));
      out(!!o.json, { roomUuid, onhold, ...r }, () => `recording in ${roomUuid}: ${onhold ? 'on hold' : 'resumed'}`);
    });
  }
  opts(record.command('stop <roomUuid>').description('stop recording (harmless when none runs)')).action(async (roomUuid: string, o) => {
    const r = await withClassroom(o, (c) => c.setRecordingState({ ...ref(roomUuid, o), state: 0 }));
    out(!!o.json, { roomUuid, ...r }, () => `recording in ${roomUuid} stopped`);
  });
  opts(record.command('list <roomUuid>').description("the room's recordings")).action(async (roomUuid: string, o) => {
    const list = await withClassroom(o, (c) => c.listRecordings(ref(roomUuid, o)));
    out(
      !!o.json,
      { recordings: list },
      () =>
        list.map((r) => `${r.recordId ?? '?'}  ${r.status === 1 ? 'recording' : 'ended'}  ${r.startTime ? new Date(r.startTime).toISOString() : ''}`).join('\n') || 'no recordings',
    );
  });

  opts(cls.command('kick <roomUuid> <userUuid>').description('kick a user out').option('--ban-for <d>', 'keep them out this long', duration)).action(
    async (roomUuid: string, userUuid: string, o) => {
      await withClassroom(o, (c) =>
        c.kickUser({ ...ref(roomUuid, o), userUuid, ...(o.banFor !== undefined ? { dirty: { state: 1, duration: Math.round(o.banFor / 1000) } } : {}) }),
      );
      out(!!o.json, { roomUuid, userUuid, kicked: true }, () => `${userUuid} kicked from ${roomUuid}`);
    },
  );

  const props = cls.command('props').description('custom properties of the room, a user or an extApp');
  for (const action of ['set', 'delete'] as const) {
    opts(
      props
        .command(`${action} <roomUuid>`)
        .description(action === 'set' ? 'merge properties (key paths allowed)' : 'delete the key paths named (a JSON array, or an object whose keys are the paths)')
        .option('--user <uuid>', "a user's properties")
        .option('--ext-app <uuid>', "an extApp's properties")
        .requiredOption('--properties <json>', 'e.g. {"key1":"value1"}'),
    ).action(async (roomUuid: string, o) => {
      if (o.user !== undefined && o.extApp !== undefined) throw new InvalidArgumentError('give at most one of --user and --ext-app');
      const target: PropertyTarget =
        o.user !== undefined ? { kind: 'user', userUuid: o.user } : o.extApp !== undefined ? { kind: 'extApp', extAppUuid: o.extApp } : { kind: 'room' };
      const properties = jsonOption('properties', o.properties) as Record<string, unknown>;
      await withClassroom(o, (c) =>
        action === 'set' ? c.setProperties({ ...ref(roomUuid, o), target, properties }) : c.deleteProperties({ ...ref(roomUuid, o), target, properties }),
      );
      out(!!o.json, { roomUuid, target, [action === 'set' ? 'set' : 'deleted']: properties }, () => `properties ${action === 'set' ? 'set' : 'deleted'}`);
    });
  }

  opts(
    cls
      .command('events')
      .description("the App ID's room events in a region, from --next-id (keep the printed nextId for the next read)")
      .option('--next-id <id>', 'continue from here')
      .option('--count <n>', 'at most this many (1 … 1000)', positive),
  ).action(async (o) => {
    const r = await withClassroom(o, (c) => c.roomEvents({ region: o.region as AgoraRegion, nextId: o.nextId, count: o.count }));
    out(!!o.json, r, () =>
      [...r.list.map((s) => `${s.sequence}  ${s.roomUuid}  ${String(s.cmd)}  ${JSON.stringify(s.data ?? null)}`), `nextId ${r.nextId ?? '(none)'}`].join('\n'),
    );
  });

  opts(cls.command('widget <roomUuid> <widget>').description('pop-up quiz (popupQuiz) or poll data')).action(async (roomUuid: string, widget: string, o) => {
    if (widget !== 'popupQuiz' && widget !== 'poll') throw new InvalidArgumentError('widget is popupQuiz or poll');
    const r = await withClassroom(o, (c) => c.widgetData({ ...ref(roomUuid, o), widget }));
    out(!!o.json, r, () => JSON.stringify(r.list, null, 2));
  });
}
