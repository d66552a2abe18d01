/**
 * The HTTP API in tests: served on a free port with a fresh API key (every request carries it), the test
 * input policy (fast polls, test hooks) and the test worker's profiles, unless a test says otherwise.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { ApiKeyring, hashApiKey, newApiKey, type ApiKeyEntry } from '../../src/api/auth';
import { buildApiServer, type ApiServerOptions } from '../../src/api/server';
import type { InputChecks } from '../../src/client/sessions';
import { TEST_INPUT_POLICY } from '../../src/schemas/policy';

/** What tests pass to `new RtcflowClient(temporal, taskQueue, TEST_CLIENT_OPTIONS)` for fast polls and test hooks. */
export const TEST_CLIENT_OPTIONS: InputChecks = { inputPolicy: TEST_INPUT_POLICY };

export interface ApiResponse {
  status: number;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

export interface TestApi {
  base: string;
  /** the key every `call` carries */
  key: string;
  /** a request with the key (or `headers` replacing the Authorization header); the JSON answer */
  call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  server: FastifyInstance;
}

/** A key for `profiles` (all by default) and its configuration entry. */
export function testKey(id = 'test', profiles: ApiKeyEntry['profiles'] = ['*']): { key: string; entry: ApiKeyEntry } {
  const key = newApiKey();
  return { key, entry: { id, sha256: hashApiKey(key), profiles } };
}

export type TestApiOptions = Partial<Omit<ApiServerOptions, 'client'>> & { extraKeys?: ApiKeyEntry[] };

/** Starts the API; the caller closes `server`. */
export async function startApi(client: Client, opts: TestApiOptions = {}): Promise<TestApi> {
  const { key, entry } = testKey();
  const server = buildApiServer({
    client,
    inputPolicy: TEST_INPUT_POLICY,
    ...opts,
    apiKeys: opts.apiKeys ?? new ApiKeyring([entry, ...(opts.extraKeys ?? [])]),
  });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
  const call: TestApi['call'] = async (method, path, body, headers) => {
    const res = await request(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.body.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.statusCode, body: parsed, headers: res.headers };
  };
  return { base, key, call, server };
}

/** Serves the API for the duration of `fn`. */
export async function withApi<T>(client: Client, opts: TestApiOptions, fn: (api: TestApi) => Promise<T>): Promise<T> {
  const api = await startApi(client, opts);
  try {
    return await fn(api);
  } finally {
    await api.server.close();
  }
}
