/** Agora RESTful authentication as the API gateway enforces it (agora.md §1.2, §2.9). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AgoraAccount, World } from '../world';

declare module 'fastify' {
  interface FastifyRequest {
    agoraAccount?: AgoraAccount;
  }
}

/** preHandler: Basic auth, then the App ID in the path must belong to the account. */
export function agoraBasicAuth(world: World) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.authorization ?? '';
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/.exec(header);
    let account: AgoraAccount | undefined;
    if (m) {
      const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i > 0) account = world.agoraAccountFor(decoded.slice(0, i), decoded.slice(i + 1));
    }
    if (!account) {
      return reply.code(401).send({ message: m ? 'Invalid authentication credentials' : 'Unauthorized' });
    }
    const appId = (req.params as { appid?: string }).appid;
    if (appId !== undefined && !(appId in account.apps)) {
      return reply.code(400).send({ message: 'appid is invalid' });
    }
    req.agoraAccount = account;
  };
}
