/**
 * The cost ledger over HTTP (src/client/usage.ts):
 *
 *   GET /v1/usage?from=YYYY-MM-DD[&to=YYYY-MM-DD][&profile=p][&tolerancePercent=1][&toleranceSeconds=60]
 *        → the usage report: {from, to, profile, projectId, tolerance, rows: [{date, product, usageClass,
 *          business?, rtcflowSeconds, consoleSeconds?, differenceSeconds?, flagged}], flagged, sessions}
 *
 * The key must be allowed the profile (403 otherwise); bad input is 400 before any call. The Console is
 * asked with the profile's credentials from the API's configuration (`config`); an API built without one
 * answers 503, and a profile the configuration lacks is 400.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RtcflowClient } from '../client';
import type { Config } from '../config';
import { ConfigurationError } from '../errors';
import { UsageDate } from '../schemas/agora/console';
import { parseInput } from '../schemas/parse';
import { ProfileName } from '../schemas/workflows/common';
import type { Fail } from './errors';

/** The query string of GET /v1/usage (the report's own checks, range and order, follow in rtc.usage). */
export const UsageHttpQuery = z.strictObject({
  from: UsageDate,
  to: UsageDate.optional().meta({ description: 'last UTC day, inclusive (default: from)' }),
  profile: ProfileName.optional().meta({ description: 'the tenant: its sessions and its Console project (default: default)' }),
  tolerancePercent: z.coerce.number().min(0).max(100).optional().meta({ description: 'flag above this percent of the larger side (default 1)' }),
  toleranceSeconds: z.coerce.number().int().min(0).optional().meta({ description: '... or above this many seconds, whichever is larger (default 60)' }),
});

export function usageRoutes(app: FastifyInstance, rtc: RtcflowClient, fail: Fail, config: Config | undefined): void {
  app.get('/v1/usage', async (req, reply) => {
    try {
      const q = parseInput(UsageHttpQuery, req.query ?? {}, 'usage query');
      const profile = q.profile ?? 'default';
      if (!req.principal?.mayUse(profile)) return reply.code(403).send({ error: 'forbidden', message: `this API key may not use profile "${profile}"` });
      if (!config) return reply.code(503).send({ error: 'unavailable', message: 'this API has no Agora profiles configured to ask the Console' });
      const { from, to, ...rest } = q;
      return await rtc.usage({ ...rest, from, to: to ?? from, profile }, { config });
    } catch (err) {
      if (err instanceof ConfigurationError) return reply.code(400).send({ error: 'invalid_input', message: err.message, issues: [`profile: ${err.message}`] });
      return fail(reply, err);
    }
  });
}
