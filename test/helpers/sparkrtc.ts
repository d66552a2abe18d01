/**
 * SparkRTC over HTTP for tests: a raw caller that signs requests exactly as the vendor's gateway expects
 * (independent of the typed client, so emulator tests do not depend on it), and the emulator's control
 * API with its SparkRTC routes.
 */
import { request } from 'undici';
import { EMULATOR_SPARKRTC } from '../../emulator/defaults';
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
    let parsed: unknown;
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

/**
 * The emulator's control API with its SparkRTC routes: clock, faults, webhooks, tasks and requests are
 * EmulatorControl's; rooms, jobs, events, settings and app states are SparkRTC's.
 */
export class SparkControl extends EmulatorControl {
  readonly raw: SparkRaw;

  constructor(url: string) {
    super(url);
    this.raw = new SparkRaw(url, () => this.now());
  }

  /** A room-join control call whose answer is the fact under test (201 joined, 200 updated, 403, 409…). */
  private async send<T>(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await request(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async emptyRoom(appId: string, roomId: string): Promise<void> {
    await this.json('PUT', `/_emulator/sparkrtc/rooms/${appId}/${encodeURIComponent(roomId)}`);
  }

  /** Joins (or updates) a user; publishing audio + camera unless told otherwise. The status is the emulator's answer. */
  async joinRoom(appId: string, roomId: string, userId: string, streams: { publishing?: boolean; audio?: boolean; video?: boolean; screen?: boolean } = {}) {
    return this.send<any>('POST', `/_emulator/sparkrtc/rooms/${appId}/${encodeURIComponent(roomId)}/users`, { userId, ...streams });
  }

  async leaveRoom(appId: string, roomId: string, userId: string): Promise<number> {
    return (await this.send('DELETE', `/_emulator/sparkrtc/rooms/${appId}/${encodeURIComponent(roomId)}/users/${encodeURIComponent(userId)}`)).status;
  }

  async room(appId: string, roomId: string): Promise<{ users: Array<{ userId: string }>; jobs: string[] }> {
    return this.json('GET', `/_emulator/sparkrtc/rooms/${appId}/${encodeURIComponent(roomId)}`);
  }

  async jobs(filter: { appId?: string; roomId?: string; running?: boolean } = {}): Promise<SparkJobView[]> {
    const q = new URLSearchParams();
    if (filter.appId) q.set('appId', filter.appId);
    if (filter.roomId) q.set('roomId', filter.roomId);
    if (filter.running !== undefined) q.set('running', String(filter.running));
    return (await this.json<{ jobs: SparkJobView[] }>('GET', `/_emulator/sparkrtc/jobs?${q}`)).jobs;
  }

  async events(filter: { appId?: string; jobId?: string; roomId?: string } = {}): Promise<SparkEvent[]> {
    const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== undefined) as Array<[string, string]>);
    return (await this.json<{ events: SparkEvent[] }>('GET', `/_emulator/sparkrtc/events?${q}`)).events;
  }

  async settings(patch?: Record<string, unknown>): Promise<any> {
    return patch ? this.json('POST', '/_emulator/sparkrtc/settings', patch) : this.json('GET', '/_emulator/sparkrtc/settings');
  }

  async setAppState(appId: string, state: 'ACTIVATION' | 'DEACTIVATION' | 'ARREARS'): Promise<void> {
    await this.json('PUT', `/_emulator/sparkrtc/apps/${appId}/state`, { state });
  }

  async failJob(jobId: string, description?: string): Promise<any> {
    return this.json('POST', `/_emulator/sparkrtc/jobs/${jobId}/fail`, description ? { description } : {});
  }
}
