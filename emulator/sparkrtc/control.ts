/**
 * The SparkRTC part of the control API under /_emulator/sparkrtc/ (never faulted, never authenticated):
 * rooms and their users' streams, the jobs and callbacks the service produced, job failures, app states
 * and the emulated service's settings (quotas, delays, flow control).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SparkState } from './state';

const RoomParams = z.object({ appId: z.string().min(1), roomId: z.string().min(1) });
const UserBody = z.strictObject({
  userId: z.string().min(1),
  /** shorthand: audio + camera (true) or nothing (false, a present non-publishing user) */
  publishing: z.boolean().optional(),
  audio: z.boolean().optional(),
  video: z.boolean().optional(),
  screen: z.boolean().optional(),
});
const SettingsBody = z.strictObject({
  initMs: z.number().int().min(0).optional(),
  roomOpDelayMs: z.number().int().min(0).optional(),
  jobRetentionMs: z.number().int().min(0).optional(),
  maxConcurrentJobsPerApp: z.number().int().min(0).optional(),
  maxAppsPerTenant: z.number().int().min(0).optional(),
  maxRoomPublishers: z.number().int().min(1).optional(),
  ruleChangeDelayMs: z.number().int().min(0).optional(),
  tokenTtlMs: z.number().int().min(1).optional(),
  probeCallbackUrl: z.boolean().optional(),
  limits: z
    .strictObject({
      management: z.number().int().min(1).optional(),
      jobs: z.number().int().min(1).optional(),
      rooms: z.number().int().min(1).optional(),
      obs: z.number().int().min(1).optional(),
    })
    .optional(),
});
const AppStateBody = z.strictObject({ state: z.enum(['ACTIVATION', 'DEACTIVATION', 'ARREARS']) });
const FailBody = z.strictObject({ description: z.string().optional() });

export function registerSparkRtcControl(app: FastifyInstance, state: SparkState): void {
  const { world } = state;
  const roomView = (appId: string, roomId: string) => {
    const ch = world.channel(appId, roomId);
    return {
      appId,
      roomId,
      controlled: ch.controlled,
      users: state.humans(appId, roomId).map((u) => ({ userId: u.uid, joinedAt: u.joinedAt, ...state.streamsOf(appId, roomId, u.uid) })),
      jobs: state.liveJobs({ appId, roomId }).map((j) => j.jobId),
    };
  };

  app.get('/_emulator/sparkrtc/rooms/:appId/:roomId', async (req) => {
    const p = RoomParams.parse(req.params);
    return roomView(p.appId, p.roomId);
  });

  /** Takes the room under control (no simulated publishers) with nobody in it. */
  app.put('/_emulator/sparkrtc/rooms/:appId/:roomId', async (req) => {
    const p = RoomParams.parse(req.params);
    world.controlChannel(p.appId, p.roomId);
    for (const u of state.humans(p.appId, p.roomId)) state.userLeaves(p.appId, p.roomId, u.uid);
    return roomView(p.appId, p.roomId);
  });

  /** A user joins the room, or changes what they publish. */
  app.post('/_emulator/sparkrtc/rooms/:appId/:roomId/users', async (req, reply) => {
    const p = RoomParams.parse(req.params);
    const body = UserBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ message: body.error.message });
    const b = body.data;
    const publishing = b.publishing ?? true;
    const streams = { audio: b.audio ?? publishing, video: b.video ?? publishing, screen: b.screen ?? false };
    const present = world.channel(p.appId, p.roomId).users.has(b.userId);
    const app_ = state.accounts.flatMap((a) => [...a.apps.values()]).find((a) => a.appId === p.appId);
    // a disabled app takes no new rooms and no new joiners (§11); rooms already joined keep working
    if (!present && app_ && app_.state !== 'ACTIVATION') return reply.code(403).send({ message: `app ${p.appId} is ${app_.state}: nobody can join its rooms` });
    const publishers = state.humans(p.appId, p.roomId).filter((u) => u.publishing && u.uid !== b.userId).length;
    if ((streams.audio || streams.video || streams.screen) && publishers >= state.settings.maxRoomPublishers) {
      return reply.code(409).send({ message: `room ${p.roomId} has ${publishers} publishers already (at most ${state.settings.maxRoomPublishers})` });
    }
    world.controlChannel(p.appId, p.roomId);
    state.userJoins(p.appId, p.roomId, b.userId, streams);
    return reply.code(present ? 200 : 201).send(roomView(p.appId, p.roomId));
  });

  app.delete('/_emulator/sparkrtc/rooms/:appId/:roomId/users/:userId', async (req, reply) => {
    const p = RoomParams.extend({ userId: z.string().min(1) }).parse(req.params);
    world.controlChannel(p.appId, p.roomId);
    return state.userLeaves(p.appId, p.roomId, p.userId) ? reply.code(204).send() : reply.code(404).send({ message: 'no such user' });
  });

  /** Every job the service knows (API and auto-record), newest last. */
  app.get('/_emulator/sparkrtc/jobs', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const jobs = [...state.jobs.values()].filter(
      (j) => (!q.appId || j.appId === q.appId) && (!q.roomId || j.roomId === q.roomId) && (q.running === undefined || (j.state !== 'STOPPED') === (q.running !== 'false')),
    );
    return { jobs: jobs.map((j) => ({ ...state.jobJson(j), kind: j.kind, auto: j.auto })) };
  });

  /** The service fails a job (stop_reason INTERNAL_ERROR). */
  app.post('/_emulator/sparkrtc/jobs/:jobId/fail', async (req, reply) => {
    const job = state.jobs.get((req.params as { jobId: string }).jobId);
    const body = FailBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ message: body.error.message });
    if (!job || job.state === 'STOPPED') return reply.code(404).send({ message: 'no running job with this id' });
    state.stopJob(job, 'INTERNAL_ERROR', state.now(), body.data.description);
    return state.jobJson(job);
  });

  /** Every callback the service produced (whether or not a URL is configured). */
  app.get('/_emulator/sparkrtc/events', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    return { events: state.listEvents({ appId: q.appId, jobId: q.jobId, roomId: q.roomId }) };
  });

  app.put('/_emulator/sparkrtc/apps/:appId/state', async (req, reply) => {
    const target = state.accounts.flatMap((a) => [...a.apps.values()]).find((a) => a.appId === (req.params as { appId: string }).appId);
    const body = AppStateBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ message: body.error.message });
    if (!target) return reply.code(404).send({ message: 'no such app' });
    target.state = body.data.state;
    target.stateUpdatedAt = state.now();
    return { appId: target.appId, state: target.state };
  });

  app.get('/_emulator/sparkrtc/settings', async () => state.settings);
  app.post('/_emulator/sparkrtc/settings', async (req, reply) => {
    const body = SettingsBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ message: body.error.message });
    const { limits, ...rest } = body.data;
    Object.assign(state.settings, rest);
    if (limits) Object.assign(state.settings.limits, limits);
    return state.settings;
  });
}
