/**
 * Control and inspection API under /_emulator/: the leak detector (tasks still running or billing),
 * the request log, the clock, and the simulated channels' users.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { EmulatorContext } from './context';
import { FaultRuleInput } from './faults';
import { WebhookTarget } from './webhooks';

const ClockBody = z.strictObject({ advanceMs: z.number().min(0).optional(), timeScale: z.number().positive().optional() });
const UserBody = z
  .strictObject({
    uid: z.string().min(1),
    /** default: true, false for an audience member */
    publishing: z.boolean().optional(),
    /** live-broadcasting role; default: host when publishing, audience otherwise */
    role: z.enum(['host', 'audience']).optional(),
    ip: z.union([z.ipv4(), z.ipv6()]).optional(),
    /** Agora platform code reported by Channel Management */
    platform: z.number().int().min(0).max(255).optional(),
  })
  .refine((u) => !(u.role === 'audience' && u.publishing === true), 'an audience member cannot publish');
const ChannelBody = z.strictObject({ profile: z.enum(['communication', 'live_broadcasting']).optional() });
const ChannelParams = z.object({ appId: z.string(), cname: z.string() });

export function registerControlApi(app: FastifyInstance, ctx: EmulatorContext): void {
  const { world, faults, webhooks } = ctx;
  app.get('/_emulator/health', async () => ({ ok: true, now: new Date(world.now()).toISOString(), timeScale: world.clock.timeScale }));

  app.get('/_emulator/tasks', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    return {
      tasks: world.listTasks({
        running: q.running === undefined ? undefined : q.running !== 'false',
        product: q.product,
        cname: q.cname,
      }),
    };
  });

  app.get('/_emulator/requests', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    return {
      requests: world.requests({
        product: q.product,
        cname: q.cname,
        sinceSeq: q.sinceSeq === undefined ? undefined : Number(q.sinceSeq),
      }),
    };
  });

  app.get('/_emulator/faults', async () => ({ faults: faults.list() }));
  app.post('/_emulator/faults', async (req, reply) => {
    const body = FaultRuleInput.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ message: body.error.message });
    return reply.code(201).send(faults.add(body.data));
  });
  app.delete('/_emulator/faults/:id', async (req, reply) =>
    faults.remove((req.params as { id: string }).id) ? reply.code(204).send() : reply.code(404).send({ message: 'no such fault' }),
  );
  /** Lets the requests a `hold` rule keeps go on, and retires the rule. */
  app.post('/_emulator/faults/:id/release', async (req, reply) =>
    faults.release((req.params as { id: string }).id) ? reply.code(200).send({ released: true }) : reply.code(404).send({ message: 'no such fault' }),
  );
  app.delete('/_emulator/faults', async (_req, reply) => {
    faults.clear();
    return reply.code(204).send();
  });

  app.get('/_emulator/webhooks', async () => ({ targets: webhooks.listTargets(), deliveries: webhooks.deliveries() }));
  app.post('/_emulator/webhooks', async (req, reply) => {
    const body = WebhookTarget.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ message: body.error.message });
    const { secret: _secret, ...shown } = webhooks.configure(body.data);
    return reply.code(201).send(shown);
  });
  app.delete('/_emulator/webhooks', async (_req, reply) => {
    webhooks.clear();
    return reply.code(204).send();
  });
  app.post('/_emulator/webhooks/flush', async () => {
    webhooks.flush();
    return { deliveries: webhooks.deliveries().length };
  });

  app.get('/_emulator/clock', async () => ({ now: world.now(), iso: new Date(world.now()).toISOString(), timeScale: world.clock.timeScale }));
  app.post('/_emulator/clock', async (req, reply) => {
    const body = ClockBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ message: body.error.message });
    if (body.data.timeScale !== undefined) world.clock.setTimeScale(body.data.timeScale);
    if (body.data.advanceMs !== undefined) world.clock.advance(body.data.advanceMs);
    world.tick();
    return { now: world.now(), timeScale: world.clock.timeScale };
  });

  app.get('/_emulator/agora/channels/:appId/:cname', async (req) => {
    const p = ChannelParams.parse(req.params);
    const ch = world.channel(p.appId, p.cname);
    return { cname: ch.cname, controlled: ch.controlled, users: [...ch.users.values()] };
  });

  /** Puts the channel under control (no simulated publishers) and adds a user. */
  app.post('/_emulator/agora/channels/:appId/:cname/users', async (req, reply) => {
    const p = ChannelParams.parse(req.params);
    const body = UserBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ message: body.error.message });
    const { uid, role, ip, platform } = body.data;
    // a ban rule (Channel Management join_channel) keeps the user out while it lasts
    const refused = world.joinRefusal(p.appId, p.cname, uid, ip);
    if (refused) return reply.code(403).send({ message: refused, reason: 'BANNED_BY_SERVER' });
    world.controlChannel(p.appId, p.cname);
    const publishing = body.data.publishing ?? role !== 'audience';
    return reply.code(201).send(world.userJoins(p.appId, p.cname, uid, publishing, { role, ip, platform }));
  });

  /** Puts the channel under control with no users at all; `{profile}` sets its channel profile. */
  app.put('/_emulator/agora/channels/:appId/:cname', async (req, reply) => {
    const p = ChannelParams.parse(req.params);
    const body = ChannelBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ message: body.error.message });
    const ch = world.controlChannel(p.appId, p.cname);
    if (body.data.profile) ch.profile = body.data.profile;
    for (const u of [...ch.users.values()]) if (!u.bot) world.userLeaves(p.appId, p.cname, u.uid);
    return { cname: ch.cname, controlled: true, users: [...ch.users.values()] };
  });

  app.delete('/_emulator/agora/channels/:appId/:cname/users/:uid', async (req, reply) => {
    const p = ChannelParams.extend({ uid: z.string() }).parse(req.params);
    world.controlChannel(p.appId, p.cname);
    return world.userLeaves(p.appId, p.cname, p.uid) ? reply.code(204).send() : reply.code(404).send({ message: 'no such user' });
  });
}
