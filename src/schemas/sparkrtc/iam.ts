/** The IAM token call SparkRTC's token authentication needs (sparkrtc.md §2.1). Pure zod. */
import { z } from 'zod';

const Named = z.strictObject({ name: z.string().min(1) });

/** POST /v3/auth/tokens, password method; domain scope (the worked examples) or project scope. */
export const TokenRequest = z.strictObject({
  auth: z.strictObject({
    identity: z.strictObject({
      methods: z.array(z.literal('password')).min(1),
      password: z.strictObject({
        user: z.strictObject({ name: z.string().min(1), password: z.string().min(1), domain: Named }),
      }),
    }),
    scope: z
      .union([
        z.strictObject({ domain: z.union([Named, z.strictObject({ id: z.string().min(1) })]) }),
        z.strictObject({ project: z.union([Named, z.strictObject({ id: z.string().min(1) })]) }),
      ])
      .optional(),
  }),
});
export type TokenRequest = z.infer<typeof TokenRequest>;

/** The body that comes with X-Subject-Token (the token itself is only in that header). */
export const TokenResponse = z.looseObject({
  token: z.looseObject({
    expires_at: z.string(),
    issued_at: z.string().optional(),
    methods: z.array(z.string()).optional(),
  }),
});
export type TokenResponse = z.infer<typeof TokenResponse>;
