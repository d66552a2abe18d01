/**
 * The vendor emulator as tests use it: a separate process (the same `rtcflow emulator` users run),
 * reached over HTTP on loopback, inspected through its /_emulator/ control API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { request } from 'undici';
import type { RequestLogEntry, VendorTask } from '../../src/emulator/world';
import { freePort } from '../../src/temporal/dev-server';

const ROOT = join(__dirname, '..', '..');

export interface SpawnedEmulator {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A second Agora tenant every spawned emulator knows, for multi-tenant tests. */
export const TENANT_B = {
  appId: 'b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0',
  appCertificate: '1234567890abcdef1234567890abcdef',
  customerId: 'tenant-b-customer',
  customerSecret: 'tenant-b-secret',
};

export async function spawnEmulator(opts: { timeScale?: number } = {}): Promise<SpawnedEmulator> {
  const port = await freePort();
  const account = { customerId: TENANT_B.customerId, customerSecret: TENANT_B.customerSecret, apps: { [TENANT_B.appId]: TENANT_B.appCertificate } };
  const args = ['emulator', '--port', String(port), '--time-scale', String(opts.timeScale ?? 1), '--agora-account', JSON.stringify(account)];
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'rtcflow.js'), ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`emulator exited with code ${child.exitCode}`);
    try {
      const res = await request(`${url}/_emulator/health`);
      await res.body.dump();
      if (res.statusCode === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('emulator did not start within 30 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The control API of a running emulator. */
export class EmulatorControl {
  constructor(readonly url: string) {}

  private async json<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const res = await request(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode >= 400) throw new Error(`emulator ${method} ${path}: ${res.statusCode} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async tasks(filter: { cname?: string; running?: boolean; product?: string } = {}): Promise<VendorTask[]> {
    const q = new URLSearchParams();
    if (filter.cname) q.set('cname', filter.cname);
    if (filter.product) q.set('product', filter.product);
    if (filter.running !== undefined) q.set('running', String(filter.running));
    return (await this.json<{ tasks: VendorTask[] }>('GET', `/_emulator/tasks?${q}`)).tasks;
  }

  async requests(filter: { cname?: string; product?: string } = {}): Promise<RequestLogEntry[]> {
    const q = new URLSearchParams();
    if (filter.cname) q.set('cname', filter.cname);
    if (filter.product) q.set('product', filter.product);
    return (await this.json<{ requests: RequestLogEntry[] }>('GET', `/_emulator/requests?${q}`)).requests;
  }

  async emptyChannel(appId: string, cname: string): Promise<void> {
    await this.json('PUT', `/_emulator/agora/channels/${appId}/${encodeURIComponent(cname)}`);
  }

  async join(appId: string, cname: string, uid: string, publishing = true): Promise<void> {
    await this.json('POST', `/_emulator/agora/channels/${appId}/${encodeURIComponent(cname)}/users`, { uid, publishing });
  }

  async leave(appId: string, cname: string, uid: string): Promise<void> {
    await this.json('DELETE', `/_emulator/agora/channels/${appId}/${encodeURIComponent(cname)}/users/${uid}`);
  }

  async advanceClock(ms: number): Promise<void> {
    await this.json('POST', '/_emulator/clock', { advanceMs: ms });
  }

  /** The emulator clock, in ms. */
  async now(): Promise<number> {
    return (await this.json<{ now: number }>('GET', '/_emulator/clock')).now;
  }

  /** Who is in an Agora channel now (users and vendor bots). */
  async users(appId: string, cname: string): Promise<Array<{ uid: string; publishing: boolean; bot: boolean }>> {
    return (await this.json<{ users: Array<{ uid: string; publishing: boolean; bot: boolean }> }>('GET', `/_emulator/agora/channels/${appId}/${encodeURIComponent(cname)}`)).users;
  }
}
