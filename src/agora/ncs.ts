/**
 * get-ncs-ip (agora.md §2.8, §13.4): the addresses Agora's notification servers (NCS) deliver
 * webhooks from, for a receiver's firewall allowlist. Refresh the list at least every 24 hours.
 *
 *   version 1  GET /v1/ncs/ip   Cloud Recording, Cloud Transcoder (the Postman seed's get-ncs-ip)
 *   version 2  GET /v2/ncs/ip   RTC channel events, Media Gateway
 */
import { NcsIpResponse } from '../schemas/agora/channel';
import { agoraCall, type AgoraContext } from './http';

/** The distinct `primaryIP` values, in the vendor's order. */
export async function getNcsIps(ctx: AgoraContext, opts: { version?: 1 | 2 } = {}): Promise<string[]> {
  const res = await agoraCall(ctx, {
    method: 'GET',
    path: `/v${opts.version ?? 1}/ncs/ip`,
    site: { product: 'ncs', operation: 'getNcsIp', idempotent: true },
    response: NcsIpResponse,
  });
  return [...new Set(res.body.data.service.hosts.map((h) => h.primaryIP))];
}
