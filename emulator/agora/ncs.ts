/**
 * Emulated get-ncs-ip (agora.md §2.8): `GET /v1/ncs/ip` (Cloud Recording, Cloud Transcoder) and
 * `GET /v2/ncs/ip` (RTC channel events, Media Gateway) answer the addresses Agora's notification
 * servers send webhooks from: `{"data":{"service":{"hosts":[{"primaryIP":"…"}]}}}`, Basic auth.
 *
 * The emulator's webhooks leave from loopback, so both lists start as 127.0.0.1 (an allowlist built
 * from them admits the emulator's deliveries). `PUT /_emulator/agora/ncs/ip {v1?, v2?}` replaces them,
 * to test a receiver that refreshes its allowlist when Agora's servers change.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { agoraBasicAuth } from './auth';

export const DEFAULT_NCS_IPS: readonly string[] = ['127.0.0.1'];

const Ips = z
  .array(z.union([z.ipv4(), z.ipv6()]))
  .min(1)
  .max(256);
const NcsIpBody = z.strictObject({ v1: Ips.optional(), v2: Ips.optional() });

export function registerAgoraNcsIp(app: FastifyInstance, ctx: EmulatorContext): void {
  const auth = agoraBasicAuth(ctx.world);
  const lists: Record<'v1' | 'v2', string[]> = { v1: [...DEFAULT_NCS_IPS], v2: [...DEFAULT_NCS_IPS] };

  for (const version of ['v1', 'v2'] as const) {
    app.get(`/${version}/ncs/ip`, { config: { labels: { vendor: 'agora', product: 'ncs', operation: 'getNcsIp' } }, preHandler: auth }, async () => ({
      data: { service: { hosts: lists[version].map((primaryIP) => ({ primaryIP })) } },
    }));
  }

  app.get('/_emulator/agora/ncs/ip', async () => ({ ...lists }));
  app.put('/_emulator/agora/ncs/ip', async (req, reply) => {
    const body = NcsIpBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ message: body.error.message });
    if (body.data.v1) lists.v1 = [...body.data.v1];
    if (body.data.v2) lists.v2 = [...body.data.v2];
    return { ...lists };
  });
}
