/**
 * `rtcflow whiteboard convert|status|wait|stop`: whiteboard file conversions as durable jobs (the
 * `whiteboardConversion` workflow), and `rtcflow whiteboard room create|get|ban|unban|scenes|screenshot|token`:
 * rooms with the profile's whiteboard key pair, straight to the vendor (src/client/whiteboard.ts).
 */
import type { Command } from 'commander';
import { parseWhiteboardConversionInput, WhiteboardRooms } from '../client/whiteboard';
import { InvalidInputError } from '../errors';
import { WhiteboardRole } from '../schemas/agora/whiteboard';
import type { WhiteboardConversionInput, WhiteboardConversionResult } from '../schemas/workflows/whiteboard';
import type { WhiteboardStatus } from '../../workflows/whiteboard/messages';
import { adminConfig, cliInputChecks, duration, number, out, statusAndStop, withClient } from './common';

const describeProgress = (s: Pick<WhiteboardStatus, 'progress'>) =>
  `${s.progress.percentage}%${s.progress.pageCount !== undefined ? ` (${s.progress.pagesConverted}/${s.progress.pageCount} pages)` : ''}`;

const describeResult = (id: string, r: WhiteboardConversionResult) =>
  [
    `${id}: ${r.outcome} (${r.reason}), task ${r.taskUuid ?? '-'}, ${r.pages.length} page(s)`,
    ...r.pages.map((p) => `  ${p.page}: ${p.url}`),
    ...r.unstopped.map((u) => `  WARNING: task ${u.taskUuid} may still be converting: ${u.error}`),
  ].join('\n');

async function withRooms<T>(profile: string, fn: (rooms: WhiteboardRooms) => Promise<T>): Promise<T> {
  const rooms = new WhiteboardRooms(adminConfig(), { profile });
  try {
    return await fn(rooms);
  } finally {
    await rooms.close();
  }
}

export function registerWhiteboardCommands(program: Command): void {
  const wbCmd = program.command('whiteboard').description('Agora Interactive Whiteboard: file conversions (durable) and rooms');

  wbCmd
    .command('convert')
    .description('convert a document into whiteboard pages (or join the running conversion of the same name)')
    .requiredOption('--resource <url>', 'the file to convert (http:// or https://)')
    .option('--type <type>', 'static (PPT/PPTX/DOC/DOCX/PDF to images) or dynamic (PPTX to an animated page)', 'static')
    .option('--name <key>', "the document's key (part of the id; default: from the resource and type)")
    .option('--preview', 'dynamic: also render preview images')
    .option('--scale <n>', 'static: image scale 0.1-3', number)
    .option('--format <fmt>', 'static: png, jpg, jpeg or webp')
    .option('--priority <p>', 'set the task priority once created (e.g. highest)')
    .option('--webhook <url>', 'your own progress callback (the vendor calls it)')
    .option('--profile <name>', 'Agora profile with a whiteboard key pair', 'default')
    .option('--poll-interval <duration>', 'how often the progress is read', duration)
    .option('--max-duration <duration>', 'cancel the conversion after this long (default 2h)', duration)
    .option('--wait', 'wait for the pages and print the result')
    .option('--json', 'print one JSON object')
    .action(async (o) => {
      const input: WhiteboardConversionInput = {
        resource: o.resource,
        type: o.type,
        profile: o.profile,
        ...(o.name !== undefined ? { name: o.name } : {}),
        ...(o.preview ? { preview: true } : {}),
        ...(o.scale !== undefined ? { scale: o.scale } : {}),
        ...(o.format !== undefined ? { outputFormat: o.format } : {}),
        ...(o.priority !== undefined ? { priority: o.priority } : {}),
        ...(o.webhook !== undefined ? { webhookEndpoint: o.webhook } : {}),
        ...(o.pollInterval !== undefined ? { pollIntervalMs: o.pollInterval } : {}),
        ...(o.maxDuration !== undefined ? { maxDurationMs: o.maxDuration } : {}),
      };
      parseWhiteboardConversionInput(input, cliInputChecks()); // refused before connecting to anything
      await withClient(async (c) => {
        const started = await c.whiteboard.start(input);
        if (!o.wait) return out(!!o.json, started, () => `whiteboard conversion ${started.id} (run ${started.runId})`);
        const r = await c.whiteboard.result(started.id);
        out(!!o.json, { id: started.id, ...r }, () => describeResult(started.id, r));
      });
    });

  wbCmd
    .command('wait <id>')
    .description('wait for a conversion to end and print its result (the pages)')
    .option('--json', 'print one JSON object')
    .action(async (id: string, o) => {
      const r = await withClient((c) => c.whiteboard.result(id));
      out(!!o.json, { id, ...r }, () => describeResult(id, r));
    });

  statusAndStop(wbCmd, (c) => c.whiteboard, {
    status: 'the conversion phase and its progress',
    stop: 'cancel the conversion (its task is deleted) and print how it ended',
    describeStatus: (id, s) =>
      `${id}: ${s.phase}${s.reason ? ` (${s.reason})` : ''} ${describeProgress(s)}${s.taskUuid ? ` task=${s.taskUuid}` : ''}${s.lastStatus ? ` status=${s.lastStatus}` : ''}`,
    describeResult,
  });

  const room = wbCmd.command('room').description('whiteboard rooms (straight to the vendor with the profile’s key pair)');
  const profileOpt = (cmd: Command) => cmd.option('--profile <name>', 'Agora profile with a whiteboard key pair', 'default').option('--json', 'print one JSON object');

  profileOpt(room.command('create').description('create a room').option('--limit <n>', 'max users (0 = no limit)', number)).action(async (o) => {
    const r = await withRooms(o.profile, (rooms) => rooms.createRoom(o.limit !== undefined ? { limit: o.limit } : {}));
    out(!!o.json, r, () => `room ${r.uuid}`);
  });
  profileOpt(room.command('get <uuid>').description('a room')).action(async (uuid: string, o) => {
    const r = await withRooms(o.profile, (rooms) => rooms.getRoom(uuid));
    out(!!o.json, r, () => `room ${r.uuid}${r.isBan ? ' (banned)' : ''}`);
  });
  for (const [name, isBan] of [
    ['ban', true],
    ['unban', false],
  ] as const) {
    profileOpt(room.command(`${name} <uuid>`).description(isBan ? 'ban (disable) a room' : 'unban a room')).action(async (uuid: string, o) => {
      const r = await withRooms(o.profile, (rooms) => rooms.banRoom(uuid, isBan));
      out(!!o.json, r, () => `room ${r.uuid}: ${r.isBan ? 'banned' : 'open'}`);
    });
  }
  profileOpt(room.command('scenes <uuid>').description("the room's scene paths")).action(async (uuid: string, o) => {
    const paths = await withRooms(o.profile, (rooms) => rooms.listScenes(uuid));
    out(!!o.json, { uuid, scenes: paths }, () => paths.join('\n'));
  });
  profileOpt(
    room
      .command('screenshot <uuid>')
      .description('an image of a scene (or, with --dir, of every scene of a directory)')
      .requiredOption('--path <path>', 'the scene path (or directory)')
      .option('--dir', 'every scene of the directory')
      .option('--width <px>', 'width', number, 1280)
      .option('--height <px>', 'height', number, 720),
  ).action(async (uuid: string, o) => {
    const body = { path: o.path, width: o.width, height: o.height };
    const shots = await withRooms(o.profile, async (rooms) => (o.dir ? rooms.screenshotList(uuid, body) : [await rooms.screenshot(uuid, body)]));
    out(!!o.json, { uuid, screenshots: shots }, () => shots.map((s) => s.url).join('\n'));
  });
  profileOpt(
    room
      .command('token <uuid>')
      .description('a room token for an application user (printed: treat it as a secret)')
      .option('--role <role>', 'admin, writer or reader', 'writer')
      .option('--lifespan <duration>', 'how long it is valid (0 = never expires)', duration, 3_600_000),
  ).action(async (uuid: string, o) => {
    const role = WhiteboardRole.safeParse(o.role);
    if (!role.success) throw new InvalidInputError('invalid room token request', ['--role: admin, writer or reader']);
    const token = await withRooms(o.profile, (rooms) => rooms.roomToken(uuid, { role: role.data, lifespanMs: o.lifespan }));
    out(!!o.json, { uuid, token }, () => token);
  });
}
