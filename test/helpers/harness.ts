/**
 * A session test file's world: the shared Temporal dev server, the file's own emulator process (fast
 * clock), rtcflow's API server receiving the emulator's signed NCS webhooks, and the worker config.
 * Registers the jest hooks: set up before all; after each test no fault is left; after all, every
 * workflow the file started is checked to hold no credential in its history, and everything is torn
 * down even when that check fails.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { EMULATOR_AGORA, EMULATOR_SPARKRTC, EMULATOR_STORAGE, EMULATOR_WHITEBOARD } from '../../emulator/defaults';
import { buildApiServer } from '../../src/api/server';
import { ApiKeyring } from '../../src/api/auth';
import type { Config } from '../../src/config';
import { EmulatorControl, spawnEmulator, type SpawnedEmulator } from './emulator';
import type { WebhookTargetInput } from '../../emulator/webhooks';
import { historyText } from './history';
import { connectTestEnv, testConfig } from './temporal';

export { NCS_SECRET } from './secret-scan';
import { NCS_SECRET } from './secret-scan';
const SECRETS = [
  EMULATOR_AGORA.customerSecret,
  EMULATOR_AGORA.appCertificate,
  EMULATOR_STORAGE.accessKey,
  EMULATOR_STORAGE.secretKey,
  EMULATOR_SPARKRTC.sk,
  EMULATOR_SPARKRTC.iamPassword,
  EMULATOR_WHITEBOARD.secretAccessKey,
];

/**
 * The whole history (every run) of a workflow holds no credential, storage key, RTC token, SparkRTC SK or
 * IAM password, nor any of `extra` (e.g. a SparkRTC callback auth_key).
 */
export async function expectNoSecrets(handle: WorkflowHandle, extra: readonly string[] = []): Promise<void> {
  const text = await historyText(handle);
  expect(text.length).toBeGreaterThan(0);
  for (const secret of [...SECRETS, ...extra]) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/007eJ[A-Za-z0-9+/=]{20,}/); // no AccessToken2
}

export interface SessionHarness {
  env: TestWorkflowEnvironment;
  emu: SpawnedEmulator;
  control: EmulatorControl;
  config: Config;
  /** where the API server takes NCS webhooks (for a test's own second emulator) */
  ncsUrl: string;
  /** remembers a started workflow for the history check after all tests */
  track<H extends WorkflowHandle>(handle: H): H;
  /** runs `fn` with NCS delivered to the API server under `delivery` (delayed, dropped...), then as before */
  withNcsDelivery<T>(delivery: Pick<WebhookTargetInput, 'delayMs' | 'dropProbability'>, fn: () => Promise<T>): Promise<T>;
}

/** `secrets`: what else no history may hold (read after all tests, so it may be filled in by them). */
export function sessionHarness(opts: { timeScale?: number; secrets?: readonly string[] } = {}): SessionHarness {
  const h = {} as SessionHarness;
  const handles: WorkflowHandle[] = [];
  let receiver: FastifyInstance | undefined;
  h.track = (handle) => {
    handles.push(handle);
    return handle;
  };
  h.withNcsDelivery = async (delivery, fn) => {
    await h.control.addWebhook({ vendor: 'agora', url: h.ncsUrl, secret: NCS_SECRET, ...delivery });
    try {
      return await fn();
    } finally {
      await h.control.addWebhook({ vendor: 'agora', url: h.ncsUrl, secret: NCS_SECRET });
    }
  };
  beforeAll(async () => {
    h.env = await connectTestEnv();
    h.emu = await spawnEmulator({ timeScale: opts.timeScale ?? 20 });
    h.control = new EmulatorControl(h.emu.url);
    receiver = buildApiServer({ client: h.env.client, agoraNcsSecret: NCS_SECRET, apiKeys: new ApiKeyring([]) });
    await receiver.listen({ host: '127.0.0.1', port: 0 });
    const addr = receiver.server.address();
    h.ncsUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/webhooks/agora/ncs`;
    await h.control.addWebhook({ vendor: 'agora', url: h.ncsUrl, secret: NCS_SECRET });
    h.config = testConfig(h.emu.url);
  });
  afterEach(async () => {
    await h.control?.clearFaults();
  });
  afterAll(async () => {
    try {
      for (const handle of handles) await expectNoSecrets(handle, opts.secrets);
    } finally {
      await receiver?.close();
      await h.emu?.stop();
      await h.env?.teardown();
    }
  });
  return h;
}
