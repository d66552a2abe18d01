/**
 * The API server's close: requests in flight are answered, then their keep-alive connections are closed at
 * once (not after Fastify's 72 s keep-alive timeout, which kept `npm start` and test files waiting), and a
 * request that never completes is cut after the grace. Raw sockets, so the test sees what a client's
 * connection sees. No route here reaches Temporal (the NCS receiver without a secret answers 503 itself).
 */
import { connect, type Socket } from 'node:net';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { ApiKeyring } from '../../src/api/auth';
import { buildApiServer } from '../../src/api/server';

const servers: FastifyInstance[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  // whatever a failed test left open
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const app of servers.splice(0)) {
    app.server.closeAllConnections();
    void app.close();
  }
});

async function serve(closeGraceMs?: number): Promise<{ app: FastifyInstance; port: number }> {
  const app = buildApiServer({ client: {} as Client, apiKeys: new ApiKeyring([]), ...(closeGraceMs === undefined ? {} : { closeGraceMs }) });
  servers.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, port: (app.server.address() as { port: number }).port };
}

/** A connection and everything the server sends on it, and whether the server closed it. */
function open(port: number): Promise<{ socket: Socket; received: () => string; ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    let data = '';
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    const ended = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('data', (chunk) => (data += chunk.toString()));
    socket.once('error', () => undefined);
    socket.once('connect', () => resolve({ socket, received: () => data, ended }));
    socket.once('error', reject);
  });
}

/** rejects when `p` takes longer than `ms`: what is asserted is "not the keep-alive timeout" */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p.finally(() => clearTimeout(timer)), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)))]);
}

const BODY = '{"noticeId":"n"}';
const head = (length: number) => `POST /webhooks/agora/ncs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

test('a request in flight at close is answered with Connection: close, and close() ends without waiting for keep-alive', async () => {
  const { app, port } = await serve();
  const idle = await open(port);
  // a finished request leaves an idle keep-alive connection behind
  idle.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  await within(new Promise<void>((r) => idle.socket.once('data', () => r())), 5_000, 'the health check');
  expect(idle.received()).toMatch(/^HTTP\/1\.1 200/);
  expect(idle.received().toLowerCase()).toContain('connection: keep-alive');

  const busy = await open(port);
  busy.socket.write(head(BODY.length) + BODY.slice(0, 5)); // its body is still coming when close() starts
  await new Promise((r) => setTimeout(r, 100));
  const closed = app.close();
  await new Promise((r) => setTimeout(r, 300));
  busy.socket.write(BODY.slice(5));

  await within(closed, 10_000, 'close()');
  await within(Promise.all([idle.ended, busy.ended]), 1_000, 'the server closing both connections');
  // answered by its route (no NCS secret configured), not refused as a request that came while closing
  expect(busy.received()).toMatch(/^HTTP\/1\.1 503/);
  expect(busy.received()).toContain('NCS receiver not configured');
  expect(busy.received().toLowerCase()).toContain('connection: close');
});

test('a request still unfinished after the grace is cut, and close() ends', async () => {
  const { app, port } = await serve(300);
  const stuck = await open(port);
  stuck.socket.write(head(BODY.length) + BODY.slice(0, 5)); // the rest never comes
  await new Promise((r) => setTimeout(r, 100));
  await within(app.close(), 10_000, 'close()');
  await within(stuck.ended, 1_000, 'the server cutting the connection');
  expect(stuck.received()).toBe('');
});
