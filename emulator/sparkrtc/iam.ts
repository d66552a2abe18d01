/**
 * The emulated Huawei Cloud IAM token endpoint SparkRTC's token authentication uses (sparkrtc.md §2.1):
 * POST /v3/auth/tokens with the password method, the token in the X-Subject-Token response header, valid
 * 24 hours of emulated time. Errors come in IAM's Keystone shape.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { TokenRequest } from '../../src/schemas/sparkrtc/iam';
import { captureBody, installRequestIds } from './http';
import { millisTime, type SparkState } from './state';

function iamError(reply: FastifyReply, status: number, title: string, message: string): FastifyReply {
  return reply.code(status).send({ error: { code: status, title, message } });
}

export function registerIam(app: FastifyInstance, state: SparkState): void {
  app.register(async (iam) => {
    captureBody(iam);
    installRequestIds(iam);
    iam.post('/v3/auth/tokens', { config: { labels: { vendor: 'sparkrtc', product: 'iam', operation: 'createToken' } } }, async (req, reply) => {
      if (req.sparkMalformed) return iamError(reply, 400, 'Bad Request', 'The request body is not valid JSON.');
      const parsed = TokenRequest.safeParse(req.sparkJson ?? {});
      if (!parsed.success) return iamError(reply, 400, 'Bad Request', `Invalid input for field '${parsed.error.issues[0]?.path.join('.')}': ${parsed.error.issues[0]?.message}`);
      const { user } = parsed.data.auth.identity.password;
      const account = state.accountByDomain(user.domain.name);
      const iamUser = account?.users.find((u) => u.name === user.name);
      if (!account || !iamUser || iamUser.password !== user.password) return iamError(reply, 401, 'Unauthorized', 'The username or password is wrong.');
      const scope = parsed.data.auth.scope;
      let scopeBody: Record<string, unknown> = { domain: { id: account.domainId, name: account.domainName } };
      let scopeKind: 'domain' | 'project' = 'domain';
      if (scope && 'project' in scope) {
        const p = scope.project;
        const match = 'name' in p ? p.name === account.region : p.id === account.projectId;
        if (!match) return iamError(reply, 401, 'Unauthorized', 'The project does not exist or the user has no access to it.');
        scopeKind = 'project';
        scopeBody = { project: { id: account.projectId, name: account.region, domain: { id: account.domainId, name: account.domainName } } };
      } else if (scope && 'domain' in scope) {
        const d = scope.domain;
        const match = 'name' in d ? d.name === account.domainName : d.id === account.domainId;
        if (!match) return iamError(reply, 401, 'Unauthorized', 'The user has no access to the requested domain.');
      }
      const { token, issued } = state.issueToken(account, iamUser, scopeKind);
      return reply
        .code(201)
        .header('x-subject-token', token)
        .send({
          token: {
            expires_at: millisTime(issued.expiresAt),
            issued_at: millisTime(issued.issuedAt),
            methods: ['password'],
            user: { id: iamUser.id, name: iamUser.name, domain: { id: account.domainId, name: account.domainName }, password_expires_at: '' },
            ...scopeBody,
            roles: [{ id: '0', name: iamUser.readOnly ? 'readonly' : 'te_admin' }],
            catalog: [],
          },
        });
    });
  });
}
