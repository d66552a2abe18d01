/**
 * Host failover over real sockets: a primary that refuses connections, a pinned host, and a
 * non-idempotent call that must not move after its request may have arrived.
 */
import { createServer, type Server } from 'node:net';
import { acquire, query, start } from '../../src/agora/cloud-recording';
import { hostOrder, type AgoraContext } from '../../src/agora/http';
import { HttpClient } from '../../src/http/client';
import { EMULATOR_AGORA } from '../../emulator/defaults';
import { freePort } from '../../src/temporal/dev-server';
import { EmulatorControl } from '../helpers/emulator';
import { failure } from '../helpers/vendor-error';
import { uniqueId } from '../helpers/wait';

const emulatorUrl = process.env.RTCFLOW_TEST_EMULATOR_URL!;
const http = new HttpClient({ headersTimeoutMs: 2_000 });
afterAll(() => http.close());

function ctx(baseUrls: string[], pinnedBaseUrl?: string): AgoraContext {
  return { http, baseUrls, pinnedBaseUrl, appId: EMULATOR_AGORA.appId, credentials: { customerId: EMULATOR_AGORA.customerId, customerSecret: EMULATOR_AGORA.customerSecret } };
}

test('a primary that refuses connections is skipped; the answer names the host that served it', async () => {
  const dead = `http://127.0.0.1:${await freePort()}`; // nothing listens there
  const cname = uniqueId('failover');
  const res = await acquire(ctx([dead, emulatorUrl]), { cname, uid: '11' });
  expect(res.resourceId).toBeTruthy();
  const log = await new EmulatorControl(emulatorUrl).requests({ cname });
  expect(log.map((r) => r.operation)).toEqual(['acquire']);
});

test('a session pinned to a host goes there first', () => {
  expect(hostOrder({ baseUrls: ['https://a', 'https://b', 'https://c'], pinnedBaseUrl: 'https://b/' })).toEqual(['https://b', 'https://a', 'https://c']);
  expect(hostOrder({ baseUrls: ['https://a/', 'https://b'] })).toEqual(['https://a', 'https://b']);
});

test('a start that reached a host which then went silent is ambiguous and does not move to the next host', async () => {
  // a server that accepts the request and never answers
  const silent: Server = createServer((socket) => socket.on('data', () => undefined));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as { port: number }).port;
  try {
    const cname = uniqueId('silent');
    const err = await failure(start(ctx([`http://127.0.0.1:${port}`, emulatorUrl]), { resourceId: 'r', mode: 'mix', cname, uid: '1', clientRequest: {} }));
    expect(err.info).toMatchObject({ operation: 'start', ambiguous: true, retryable: false });
    expect(await new EmulatorControl(emulatorUrl).requests({ cname })).toEqual([]);

    // an idempotent query in the same situation moves on
    const q = await failure(query(ctx([`http://127.0.0.1:${port}`, emulatorUrl]), { resourceId: 'nope', sid: 'nope', mode: 'mix' }));
    expect(q.info).toMatchObject({ httpStatus: 404, code: 404 }); // answered by the emulator
  } finally {
    silent.close();
  }
});
