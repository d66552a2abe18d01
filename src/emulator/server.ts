/**
 * The vendor emulator: one real HTTP server on loopback serving every emulated vendor route (their
 * paths do not collide) plus the control and inspection API under /_emulator/.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { World, type WorldOptions } from './world';
import { registerControlApi } from './control';
import { registerAgoraCloudRecording } from './agora/cloud-recording';

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
    logRef?: { cname?: string; resourceId?: string; sid?: string };
  }
}

export interface EmulatorOptions extends WorldOptions {
  host?: string;
  port?: number;
  /** real milliseconds between background ticks (time-driven transitions, webhooks) */
  tickIntervalMs?: number;
}

export interface RunningEmulator {
  url: string;
  port: number;
  world: World;
  app: FastifyInstance;
  close(): Promise<void>;
}

const SECRET_KEYS = new Set(['accessKey', 'secretKey', 'token', 'customerSecret', 'stsToken']);

/** A copy of a body with credentials masked, for the request log. */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET_KEYS.has(k) && typeof v === 'string' && v ? '***' : maskSecrets(v)]),
    );
  }
  return value;
}

export function buildEmulator(world: World): FastifyInstance {
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

  app.addHook('onResponse', async (req, reply) => {
    const labels = req.routeOptions.config.labels;
    if (!labels) return;
    world.record({
      at: world.now(),
      method: req.method,
      path: req.url,
      status: reply.statusCode,
      vendor: labels.vendor,
      product: labels.product,
      operation: labels.operation,
      requestId: headerOf(req, 'x-request-id'),
      ...req.logRef,
      // requests refused before a handler ran (401...) still belong to their channel
      cname: req.logRef?.cname ?? cnameOf(req.body),
      body: req.body === undefined ? undefined : maskSecrets(req.body),
    });
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const rid = headerOf(req, 'x-request-id');
    if (rid) reply.header('x-request-id', rid);
    return payload;
  });

  registerControlApi(app, world);
  registerAgoraCloudRecording(app, world);

  app.setNotFoundHandler((req, reply) => {
    // Agora's API gateway answer for an unknown route (agora.md §2.9: not a missing recording)
    reply.code(404).send({ message: 'no Route matched with those values' });
    void req;
  });
  return app;
}

function cnameOf(body: unknown): string | undefined {
  const c = (body as { cname?: unknown } | undefined)?.cname;
  return typeof c === 'string' ? c : undefined;
}

export function headerOf(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const world = new World(opts);
  const app = buildEmulator(world);
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
    app,
    close: async () => {
      clearInterval(timer);
      await app.close();
    },
  };
}
