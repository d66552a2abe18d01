/**
 * Raw HTTP to the emulated Agora REST APIs, for the emulator tests: the demo project's App ID and Basic
 * credentials, a bot's RTC token, the JSON request helpers (a REST call, a Cloud Recording call) and a
 * test file's own crawling emulator with its NCS receiver (the control API is EmulatorControl's).
 */
import { request } from 'undici';
import { buildBotToken } from '../../src/agora/token';
import { EMULATOR_AGORA } from '../../emulator/defaults';
import { EmulatorControl, spawnEmulator, type SpawnedEmulator } from './emulator';
import type { CallbackReceiver } from './receiver';

export const APP = EMULATOR_AGORA.appId;
export const CREDS = { customerId: EMULATOR_AGORA.customerId, customerSecret: EMULATOR_AGORA.customerSecret };
export const AUTH = `Basic ${Buffer.from(`${CREDS.customerId}:${CREDS.customerSecret}`).toString('base64')}`;

/** A real AccessToken2 for a bot (the emulator's app has an App Certificate). */
export function botToken(channel: string, uid: number | string): string {
  return buildBotToken({ appId: APP, appCertificate: EMULATOR_AGORA.appCertificate, channel, uid: Number(uid), ttlSeconds: 3600 });
}

export interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** the body parsed as JSON; undefined when empty */
  body: any;
  text: string;
}

/** One request exactly as given (no auth added). */
export async function send(base: string, method: string, path: string, opts: { body?: string; headers?: Record<string, string> } = {}): Promise<Res> {
  const res = await request(`${base}${path}`, { method: method as 'GET', headers: opts.headers, body: opts.body });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined, text };
}

/**
 * A REST call with the demo project's Basic auth and `Content-Type: application/json` (sent with or
 * without a body); `headers` add to or override those.
 */
export function agoraJson(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  return send(base, method, path, {
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { authorization: AUTH, 'content-type': 'application/json', ...headers },
  });
}

/** A Cloud Recording call: `path` is below /v1/apps/{appId}/cloud_recording. */
export function cloudRecordingCall(base: string, method: 'GET' | 'POST', path: string, body?: unknown, auth = AUTH): Promise<Res> {
  return agoraJson(base, method, `/v1/apps/${APP}/cloud_recording${path}`, body, { authorization: auth });
}

/**
 * A test file's own emulator running at a crawl (time scale 0.001: every window moves only when a test
 * advances the clock), its Agora NCS events delivered to `ncs` (started here; secret "ncs").
 */
export async function crawlingEmulatorWithNcs(ncs: CallbackReceiver): Promise<{ emu: SpawnedEmulator; control: EmulatorControl }> {
  const emu = await spawnEmulator({ timeScale: 0.001 });
  const control = new EmulatorControl(emu.url);
  try {
    await ncs.start();
    await control.addWebhook({ vendor: 'agora', url: ncs.url, secret: 'ncs' });
  } catch (err) {
    await emu.stop();
    throw err;
  }
  return { emu, control };
}
