/**
 * Shared by the STT and Cloud Transcoder tests: raw HTTP calls to an emulator, the Postman collection's
 * saved request bodies (agora-postman.md) as fixtures, and an NCS receiver.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { RtcRole, RtcTokenBuilder } from 'agora-token';
import { request } from 'undici';
import { HttpClient } from '../../src/http/client';
import type { AgoraContext } from '../../src/agora/http';
import { EMULATOR_AGORA, EMULATOR_STORAGE } from '../../emulator/defaults';
import type { RtcConfig, Stt6StartRequest, Stt7JoinRequest } from '../../src/schemas/agora/stt';
import type { CreateTaskRequest, TranscoderConfig } from '../../src/schemas/agora/transcoder';
import { APP, AUTH, botToken } from './agora-http';
import { EmulatorControl, spawnEmulator, type SpawnedEmulator } from './emulator';
import { CallbackReceiver } from './receiver';

export { APP, AUTH, botToken };
export const BAD_AUTH = `Basic ${Buffer.from('nobody:wrong').toString('base64')}`;

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: any;
  text: string;
}

/** One raw request: `body` is JSON-encoded unless it is a string (sent as is). */
export async function call(
  base: string,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  opts: { auth?: string; contentType?: string | null } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { authorization: opts.auth ?? AUTH };
  const contentType = opts.contentType === undefined ? (body === undefined ? undefined : 'application/json') : opts.contentType;
  if (contentType) headers['content-type'] = contentType;
  const res = await request(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.body.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.statusCode, headers: res.headers, body: parsed, text };
}

/** The typed clients' context for an emulator. */
export function agoraContext(url: string, overrides: Partial<AgoraContext> = {}): AgoraContext {
  return {
    http: new HttpClient({ headersTimeoutMs: 10_000, bodyTimeoutMs: 10_000 }),
    baseUrls: [url],
    appId: APP,
    credentials: { customerId: EMULATOR_AGORA.customerId, customerSecret: EMULATOR_AGORA.customerSecret },
    ...overrides,
  };
}

export interface FrozenEmulator {
  emu: SpawnedEmulator;
  control: EmulatorControl;
  /** the typed clients' context for `emu` */
  ctx: AgoraContext;
}

/**
 * A client test file's own emulator with a nearly frozen clock (1 emulated ms per real second: every
 * window moves only when a test advances it). Registers the jest hooks: start and stop, a fresh
 * rate-limit second before each test, no faults left after it. The fields are set once beforeAll ran.
 */
export function frozenEmulator(): FrozenEmulator {
  const env = {} as FrozenEmulator;
  beforeAll(async () => {
    env.emu = await spawnEmulator({ timeScale: 0.001 });
    env.control = new EmulatorControl(env.emu.url);
    env.ctx = agoraContext(env.emu.url);
  });
  afterAll(async () => {
    try {
      await env.ctx?.http.close();
    } finally {
      await env.emu?.stop();
    }
  });
  beforeEach(() => env.control.advanceClock(1_100));
  afterEach(() => env.control.clearFaults());
  return env;
}

/** The transcoder's input token: built for uid 0, its input uid is assigned by Agora (agora.md §8). */
export function inputToken(channel: string): string {
  return RtcTokenBuilder.buildTokenWithUid(APP, EMULATOR_AGORA.appCertificate, channel, 0, RtcRole.SUBSCRIBER, 3600, 3600);
}

export const captionStorage = {
  accessKey: EMULATOR_STORAGE.accessKey,
  secretKey: EMULATOR_STORAGE.secretKey,
  bucket: EMULATOR_STORAGE.bucket,
  vendor: 1,
  region: 1,
  fileNamePrefix: ['directory', 'subDirectory'],
};

/** The saved examples' STT rtcConfig with this channel and bots, and real tokens (6.x and 7.x alike). */
function sttRtcConfig(channel: string, subBotUid: string, pubBotUid: string): RtcConfig {
  return {
    channelName: channel,
    subBotUid,
    subBotToken: botToken(channel, subBotUid),
    pubBotUid,
    pubBotToken: botToken(channel, pubBotUid),
    subscribeAudioUids: ['1234', '5678'],
  };
}

/** The saved example of "Real-Time STT 6.x / start" with this channel and bots, and real tokens. */
export function stt6StartBody(channel: string, subBotUid = '666', pubBotUid = '666666'): Stt6StartRequest {
  return {
    languages: ['en-US'],
    maxIdleTime: 60,
    rtcConfig: sttRtcConfig(channel, subBotUid, pubBotUid),
    captionConfig: { storage: captionStorage },
  };
}

/** The saved example of "Real-Time STT 7.x / start" (join): `name` is the channel name there too. */
export function stt7JoinBody(channel: string, subBotUid = '666', pubBotUid = '666666', name = channel): Stt7JoinRequest {
  return {
    languages: ['en-US'],
    name,
    maxIdleTime: 60,
    rtcConfig: sttRtcConfig(channel, subBotUid, pubBotUid),
    captionConfig: { sliceDuration: 60, storage: captionStorage },
  };
}

/** A Cloud Transcoder create (and update) body around this transcoder configuration. */
function transcoderBody(transcoder: TranscoderConfig): CreateTaskRequest {
  return { services: { cloudTranscoder: { serviceType: 'cloudTranscoderV2', config: { transcoder } } } };
}

/** The saved example of "[Internal] Cloud Transcoder / create", moved to these channels. */
export function transcoderCreateBody(input: string, output: string, outputUid = 9999): CreateTaskRequest {
  const rtc = (uid: number) => ({ rtcChannel: input, rtcUid: uid, rtcToken: inputToken(input) });
  return transcoderBody({
    idleTimeout: 300,
    audioInputs: [{ rtc: rtc(123) }, { rtc: rtc(456) }],
    canvas: { width: 960, height: 480, color: 0, backgroundImage: 'https://example.jpg', fillMode: 'FIT' },
    waterMarks: [{ imageUrl: 'https://example.png', region: { x: 0, y: 0, width: 120, height: 120, zOrder: 50 } }],
    videoInputs: [
      { rtc: rtc(123), placeholderImageUrl: 'https://example.jpg', region: { x: 0, y: 0, width: 320, height: 360, zOrder: 1 } },
      { rtc: rtc(456), placeholderImageUrl: 'https://example.jpg', region: { x: 320, y: 0, width: 320, height: 320, zOrder: 1 } },
    ],
    outputs: [
      {
        rtc: { rtcChannel: output, rtcUid: outputUid, rtcToken: botToken(output, outputUid) },
        audioOption: { profileType: 'AUDIO_PROFILE_MUSIC_STANDARD' },
        videoOption: { fps: 30, codec: 'H264', bitrate: 800, width: 960, height: 480, lowBitrateHighQuality: false },
      },
    ],
  });
}

/** An audio-only transcoder body (one host, one output). */
export function audioOnlyBody(input: string, output: string, hostUid = 123, outputUid = 9999): CreateTaskRequest {
  return transcoderBody({
    idleTimeout: 60,
    audioInputs: [{ rtc: { rtcChannel: input, rtcUid: hostUid, rtcToken: inputToken(input) } }],
    outputs: [{ rtc: { rtcChannel: output, rtcUid: outputUid, rtcToken: botToken(output, outputUid) }, audioOption: { profileType: 'AUDIO_PROFILE_DEFAULT' } }],
  });
}

/** An HTTP server that records NCS deliveries. */
export class NcsReceiver extends CallbackReceiver {
  constructor() {
    super('/ncs');
  }

  /** Points the emulator's Agora NCS at this receiver. */
  subscribe(control: EmulatorControl, secret: string): Promise<void> {
    return control.addWebhook({ vendor: 'agora', url: this.url, secret });
  }
}
