/**
 * The vendor emulator as tests use it: a separate process (the same `rtcflow emulator` users run),
 * reached over HTTP on loopback, inspected through its /_emulator/ control API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { request } from 'undici';
import type { z } from 'zod';
import type { FaultRule, FaultRuleInput } from '../../emulator/faults';
import type { WebhookTarget } from '../../emulator/webhooks';
import type { RequestLogEntry, VendorTask } from '../../emulator/world';
import { eventually } from './wait';
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

/** A `hold` fault: requests it matches wait until `release()`. */
export interface Hold {
  readonly id: string;
  /** resolves once `n` requests are held (default 1) */
  held(n?: number, timeoutMs?: number): Promise<void>;
  release(): Promise<void>;
}

/** One Agora Cloud Recording recorder as the emulator sees it. */
export interface RecorderView {
  sid: string;
  cname: string;
  uid: string;
  mode: string;
  state: 'running' | 'stopped' | 'exited';
  exitReason?: string;
  layout?: Record<string, unknown>;
  subscriptions?: Record<string, unknown>;
  updates: number;
  uploadingStatus?: string;
  failoverUntil?: number;
  stsExpiresAt?: number;
  stalled: boolean;
}

/** The control API of a running emulator: the one way tests inspect and steer it. */
export class EmulatorControl {
  constructor(readonly url: string) {}

  /** A control call; any answer but 2xx fails the test with the emulator's words. */
  async json<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const res = await request(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode >= 400) throw new Error(`emulator ${method} ${path}: ${res.statusCode} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  // ---- the ledger and the request log ----

  async tasks(filter: { cname?: string; running?: boolean; product?: string } = {}): Promise<VendorTask[]> {
    const q = new URLSearchParams();
    if (filter.cname) q.set('cname', filter.cname);
    if (filter.product) q.set('product', filter.product);
    if (filter.running !== undefined) q.set('running', String(filter.running));
    return (await this.json<{ tasks: VendorTask[] }>('GET', `/_emulator/tasks?${q}`)).tasks;
  }

  async requests(filter: { cname?: string; product?: string; sinceSeq?: number } = {}): Promise<RequestLogEntry[]> {
    const q = new URLSearchParams();
    if (filter.cname) q.set('cname', filter.cname);
    if (filter.product) q.set('product', filter.product);
    if (filter.sinceSeq !== undefined) q.set('sinceSeq', String(filter.sinceSeq));
    return (await this.json<{ requests: RequestLogEntry[] }>('GET', `/_emulator/requests?${q}`)).requests;
  }

  // ---- faults and holds ----

  async addFault(rule: FaultRuleInput): Promise<FaultRule> {
    return this.json<FaultRule>('POST', '/_emulator/faults', rule);
  }

  async faults(): Promise<FaultRule[]> {
    return (await this.json<{ faults: FaultRule[] }>('GET', '/_emulator/faults')).faults;
  }

  async removeFault(id: string): Promise<void> {
    await this.json('DELETE', `/_emulator/faults/${id}`);
  }

  async clearFaults(): Promise<void> {
    await this.json('DELETE', '/_emulator/faults');
  }

  /** Holds the requests `match` selects (at most `count`) until released: "while the call is in flight". */
  async hold(match: FaultRuleInput['match'], count = 1): Promise<Hold> {
    const rule = await this.addFault({ match, action: { type: 'hold', maxMs: 120_000 }, count });
    return {
      id: rule.id,
      held: async (n = 1, timeoutMs = 30_000) => {
        await eventually(
          async () => ((await this.faults()).find((f) => f.id === rule.id)?.waiting ?? 0) >= n || undefined,
          `${n} request(s) held by ${JSON.stringify(match)}`,
          timeoutMs,
        );
      },
      release: async () => {
        await this.json('POST', `/_emulator/faults/${rule.id}/release`).catch(() => undefined);
      },
    };
  }

  // ---- the clock ----

  async advanceClock(ms: number): Promise<void> {
    await this.json('POST', '/_emulator/clock', { advanceMs: ms });
  }

  async setTimeScale(timeScale: number): Promise<void> {
    await this.json('POST', '/_emulator/clock', { timeScale });
  }

  /** The emulator clock, in ms. */
  async now(): Promise<number> {
    return (await this.json<{ now: number }>('GET', '/_emulator/clock')).now;
  }

  // ---- webhooks ----

  async addWebhook(target: z.input<typeof WebhookTarget>): Promise<void> {
    await this.json('POST', '/_emulator/webhooks', target);
  }

  async webhooks(): Promise<{ targets: unknown[]; deliveries: Array<{ vendor: string; label: string; outcome: string; status?: number }> }> {
    return this.json('GET', '/_emulator/webhooks');
  }

  // ---- Agora channels ----

  async emptyChannel(appId: string, cname: string): Promise<void> {
    await this.json('PUT', `/_emulator/agora/channels/${appId}/${encodeURIComponent(cname)}`);
  }

  async join(appId: string, cname: string, uid: string, publishing = true): Promise<void> {
    await this.json('POST', `/_emulator/agora/channels/${appId}/${encodeURIComponent(cname)}/users`, { uid, publishing });
  }

  async leave(appId: string, cname: string, uid: string): Promise<void> {
    await this.json('DELETE', `/_emulator/agora/channels/${appId}/${encodeURIComponent(cname)}/users/${uid}`);
  }

  /** Who is in an Agora channel now (users and vendor bots). */
  async users(appId: string, cname: string): Promise<Array<{ uid: string; publishing: boolean; bot: boolean }>> {
    return (await this.json<{ users: Array<{ uid: string; publishing: boolean; bot: boolean }> }>('GET', `/_emulator/agora/channels/${appId}/${encodeURIComponent(cname)}`)).users;
  }

  // ---- Agora Cloud Recording ----

  async recorder(sid: string): Promise<RecorderView> {
    return this.json<RecorderView>('GET', `/_emulator/agora/cloud-recording/${sid}`);
  }

  /** An HA failover of that recorder for `seconds` of emulated time. */
  async failover(sid: string, seconds: number): Promise<void> {
    await this.json('POST', `/_emulator/agora/cloud-recording/${sid}/failover`, { seconds });
  }

  /** Ends a failover now: the recorder is back on the emulator's next tick. */
  async endFailover(sid: string): Promise<void> {
    await this.failover(sid, 0.001);
  }

  /** The recorder dies for good without a word (404 from now on, no NCS event). */
  async crash(sid: string): Promise<void> {
    await this.json('POST', `/_emulator/agora/cloud-recording/${sid}/crash`);
  }

  async stallStarts(count: number): Promise<void> {
    await this.json('POST', '/_emulator/agora/cloud-recording/stall-starts', { count });
  }

  async uploadProfile(profile: 'fast' | 'slow' | 'backup', appId?: string): Promise<void> {
    await this.json('POST', '/_emulator/agora/cloud-recording/upload-profile', { profile, ...(appId ? { appId } : {}) });
  }

  async code7WithoutSid(enabled: boolean): Promise<void> {
    await this.json('POST', '/_emulator/agora/cloud-recording/code7-without-sid', { enabled });
  }
}
