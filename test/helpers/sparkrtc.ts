/**
 * SparkRTC over HTTP for tests: a raw caller that signs requests exactly as the vendor's gateway expects
 * (independent of the typed client, so emulator tests do not depend on it), and the SparkRTC part of the
 * emulator's control API.
 */
import { request } from 'undici';
import { EMULATOR_SPARKRTC } from '../../src/emulator/defaults';
import { buildUrl, sign, type QueryInput } from '../../src/sparkrtc/signer';
import { EmulatorControl } from './emulator';

export const DEMO = EMULATOR_SPARKRTC;

/** What the test callback receivers answer SparkRTC. */
export const CALLBACK_OK = '{"status":1,"result":"success"}';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  text: string;
}

export interface RawCallOptions {
  query?: QueryInput;
  json?: unknown;
  /** a pre-serialised body (malformed JSON tests) */
  body?: string;
  ak?: string;
  sk?: string;
  projectId?: string | null;
  /** epoch ms used as X-Sdk-Date (default: the emulator's clock) */
  signedAt?: number;
  token?: string;
  /** send no credentials at all */
  anonymous?: boolean;
  headers?: Record<string, string>;
}

export class SparkRaw {
  constructor(
    readonly url: string,
    private readonly clock: () => Promise<number>,
  ) {}

  async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, o: RawCallOptions = {}): Promise<RawResponse> {
    const url = buildUrl(this.url, path, o.query);
    const body = o.body ?? (o.json === undefined ? '' : JSON.stringify(o.json));
    const headers: Record<string, string> = { 'content-type': 'application/json', ...o.headers };
    if (o.projectId !== null) headers['x-project-id'] = o.projectId ?? DEMO.projectId;
    if (o.token) headers['x-auth-token'] = o.token;
    else if (!o.anonymous) {
      const signed = sign({ ak: o.ak ?? DEMO.ak, sk: o.sk ?? DEMO.sk }, { method, url, headers, body }, { date: o.signedAt ?? (await this.clock()) });
      Object.assign(headers, signed.headers);
    }
    const res = await request(url, { method, headers, body: body === '' ? undefined : body });
    const text = await res.body.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.statusCode, headers: res.headers, body: parsed, text };
  }

  /** POST /v3/auth/tokens with the password method; the token or the failure. */
  async token(user: string = DEMO.iamUser, password: string = DEMO.iamPassword, scope: unknown = { domain: { name: DEMO.domainName } }): Promise<RawResponse & { token?: string }> {
    const res = await request(`${this.url}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: user, password, domain: { name: DEMO.domainName } } } }, scope } }),
    });
    const text = await res.body.text();
    const token = res.headers['x-subject-token'];
    return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined, text, token: typeof token === 'string' ? token : undefined };
  }
}

export interface SparkJobView {
  job_id: string;
  state: string;
  stop_reason?: string;
  stream_name: string;
  room_id: string;
  user_id?: string;
  kind: 'individual' | 'mix';
  auto: boolean;
}

export interface SparkEvent {
  seq: number;
  at: number;
  appId: string;
  body: Record<string, any>;
}

/** The SparkRTC control routes of an emulator (plus the shared ones through `base`). */
export class SparkControl {
  readonly raw: SparkRaw;
  readonly base: EmulatorControl;

  constructor(readonly url: string) {
    this.base = new EmulatorControl(url);
    this.raw = new SparkRaw(url, () => this.now());
  }

  advanceClock(ms: number): Promise<void> {
    return this.base.advanceClock(ms);
  }

  tasks(filter: Parameters<EmulatorControl['tasks']>[0] = {}) {
    return this.base.tasks(filter);
  }

  requests(filter: Parameters<EmulatorControl['requests']>[0] = {}) {
    return this.base.requests(filter);
  }

  private async send<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await request(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: (text ? JSON.parse(text) : undefined) as T };
  }

  private async ok<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const r = await this.send<T>(method, path, body);
    if (r.status >= 400) throw new Error(`emulator ${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async now(): Promise<number> {
    return (await this.ok<{ now: number }>('GET', '/_emulator/clock')).now;
  }

  async emptyRoom(appId: string, roomId: string): Promise<void> {
    await this.ok('PUT', `/_emulator/sparkrtc/rooms/${appId}/${encodeURIComponent(roomId)}`);
  }

  /** Joins (or updates) a user; publishing audio + camera unless told otherwise. */
  async joinRoom(appId: string, roomId: string, userId: string, streams: { publishing?: boolean; audio?: boolean; video?: boolean; screen?: boolean } = {}) {
    return this.send<any>('POST', `/_emulator/sparkrtc/rooms/${appId}/${encodeURIComponent(roomId)}/users`, { userId, ...streams });
  }

  async leaveRoom(appId: string, roomId: string, userId: string): Promise<number> {
    return (await this.send('DELETE', `/_emulator/sparkrtc/rooms/${appId}/${encodeURIComponent(roomId)}/users/${encodeURIComponent(userId)}`)).status;
  }

  async room(appId: string, roomId: string): Promise<{ users: Array<{ userId: string }>; jobs: string[] }> {
    return this.ok('GET', `/_emulator/sparkrtc/rooms/${appId}/${encodeURIComponent(roomId)}`);
  }

  async jobs(filter: { appId?: string; roomId?: string; running?: boolean } = {}): Promise<SparkJobView[]> {
    const q = new URLSearchParams();
    if (filter.appId) q.set('appId', filter.appId);
    if (filter.roomId) q.set('roomId', filter.roomId);
    if (filter.running !== undefined) q.set('running', String(filter.running));
    return (await this.ok<{ jobs: SparkJobView[] }>('GET', `/_emulator/sparkrtc/jobs?${q}`)).jobs;
  }

  async events(filter: { appId?: string; jobId?: string; roomId?: string } = {}): Promise<SparkEvent[]> {
    const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== undefined) as Array<[string, string]>);
    return (await this.ok<{ events: SparkEvent[] }>('GET', `/_emulator/sparkrtc/events?${q}`)).events;
  }

  async settings(patch?: Record<string, unknown>): Promise<any> {
    return patch ? this.ok('POST', '/_emulator/sparkrtc/settings', patch) : this.ok('GET', '/_emulator/sparkrtc/settings');
  }

  async setAppState(appId: string, state: 'ACTIVATION' | 'DEACTIVATION' | 'ARREARS'): Promise<void> {
    await this.ok('PUT', `/_emulator/sparkrtc/apps/${appId}/state`, { state });
  }

  async failJob(jobId: string, description?: string): Promise<any> {
    return this.ok('POST', `/_emulator/sparkrtc/jobs/${jobId}/fail`, description ? { description } : {});
  }

  async addFault(rule: unknown): Promise<void> {
    await this.ok('POST', '/_emulator/faults', rule);
  }

  async clearFaults(): Promise<void> {
    await this.send('DELETE', '/_emulator/faults');
  }

  async webhooks(): Promise<{ deliveries: Array<{ vendor: string; label: string; outcome: string; status?: number }> }> {
    return this.ok('GET', '/_emulator/webhooks');
  }
}
