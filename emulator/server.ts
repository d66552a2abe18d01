/**
 * The vendor emulator: one real HTTP server on loopback serving every emulated vendor route (their
 * paths do not collide) plus the control and inspection API under /_emulator/.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { World, type WorldOptions } from './world';
import { registerControlApi } from './control';
import type { EmulatorContext } from './context';
import { Faults, installFaultHooks, type FaultRuleInput } from './faults';
import { PRODUCTS } from './products';
import { RateLimiter } from './rate-limit';
import { Webhooks, type WebhookTargetInput } from './webhooks';

/** Route labels: every vendor route declares them in its `config`. */
export interface RouteLabels {
  vendor: 'agora' | 'sparkrtc';
  product: string;
  operation: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    labels?: RouteLabels;
  }
  interface FastifyRequest {
    /** filled by vendor handlers for the request log */
    logRef?: { cname?: string; resourceId?: string; sid?: string; fault?: string };
    logged?: boolean;
  }
}

export interface EmulatorOptions extends WorldOptions {
  host?: string;
  port?: number;
  /** real milliseconds between background ticks (time-driven transitions, webhooks) */
  tickIntervalMs?: number;
  /** fault rules active from the start */
  faults?: FaultRuleInput[];
  /** webhook targets configured from the start */
  webhooks?: WebhookTargetInput[];
}

export interface RunningEmulator {
  url: string;
  port: number;
  world: World;
  ctx: EmulatorContext;
  app: FastifyInstance;
  close(): Promise<void>;
}

const SECRET_KEYS = new Set(['accessKey', 'secretKey', 'token', 'customerSecret', 'stsToken', 'secretAccessKey']);

/** A copy of a body with credentials masked, for the request log. */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET_KEYS.has(k) && typeof v === 'string' && v ? '***' : maskSecrets(v)]));
  }
  return value;
}

export function createContext(world: World): EmulatorContext {
  return { world, faults: new Faults(world), webhooks: new Webhooks(world), limits: new RateLimiter(world) };
}

export function buildEmulator(ctx: EmulatorContext): FastifyInstance {
  const { world } = ctx;
  // Agora resourceIds are long opaque strings in the path
  const app = Fastify({ logger: false, bodyLimit: 1 << 20, routerOptions: { maxParamLength: 4096 } });

  // Vendors answer malformed JSON with their own shapes; route-level handlers decide the shape.
  app.setErrorHandler((err: { statusCode?: number; message: string }, req: FastifyRequest, reply: FastifyReply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    const labels = req.routeOptions.config.labels;
    if (labels?.vendor === 'agora' && labels.product === 'cloud-recording') {
      return reply.code(400).send({ code: 2, reason: `invalid parameter: ${err.message}` });
    }
    return reply.code(status).send({ message: err.message });
  });

  app.addHook('onRequest', async (req) => {
    world.tick();
    void req;
  });

  // every labelled request is logged once: on response, or when a fault kills the connection
  const logRequest = (req: FastifyRequest, status: number) => {
    const labels = req.routeOptions.config.labels;
    if (!labels || req.logged) return;
    req.logged = true;
    world.record({
      at: world.now(),
      method: req.method,
      path: req.url,
      status,
      vendor: labels.vendor,
      product: labels.product,
      operation: labels.operation,
      requestId: headerOf(req, 'x-request-id'),
      ...req.logRef,
      // requests refused before a handler ran (401...) still belong to their channel
      cname: req.logRef?.cname ?? cnameOf(req.body),
      body: req.body === undefined ? undefined : maskSecrets(req.body),
    });
  };
  app.addHook('onResponse', async (req, reply) => logRequest(req, reply.statusCode));

  app.addHook('onSend', async (req, reply, payload) => {
    const rid = headerOf(req, 'x-request-id');
    if (rid) reply.header('x-request-id', rid);
    return payload;
  });

  installFaultHooks(app, ctx.faults, logRequest);
  registerControlApi(app, ctx);
  for (const register of PRODUCTS) register(app, ctx);

  app.setNotFoundHandler((req, reply) => {
    // Agora's API gateway answer for an unknown route (agora.md §2.9: not a missing recording)
    reply.code(404).send({ message: 'no Route matched with those values' });
    void req;
  });
  return app;
}

/** The channel a request body names: `cname` (Cloud Recording) or `rtcConfig.channelName` (STT, transcoder). */
function cnameOf(body: unknown): string | undefined {
  const b = body as { cname?: unknown; rtcConfig?: { channelName?: unknown } } | undefined;
  const c = b?.cname ?? b?.rtcConfig?.channelName;
  return typeof c === 'string' ? c : undefined;
}

export function headerOf(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const world = new World(opts);
  const ctx = createContext(world);
  for (const f of opts.faults ?? []) ctx.faults.add(f);
  for (const w of opts.webhooks ?? []) ctx.webhooks.configure(w);
  const app = buildEmulator(ctx);
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ host, port: opts.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 0);
  const timer = setInterval(() => world.tick(), opts.tickIntervalMs ?? 100);
  timer.unref();
  return {
    url: `http://${host}:${port}`,
    port,
    world,
    ctx,
    app,
    close: async () => {
      clearInterval(timer);
      ctx.webhooks.flush();
      await app.close();
    },
  };
}
