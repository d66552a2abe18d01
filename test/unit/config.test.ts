import { loadConfig, resolveAgoraProfile, resolveStorageProfile } from '../../src/config';
import { ConfigurationError, ConfigValidationError } from '../../src/errors';
import { EMULATOR_ACCOUNT, EMULATOR_AGORA } from '../../emulator/defaults';
import { failure } from '../helpers/vendor-error';
import { applyStackTraces, defaultCacheSize, SDK_STACK_TRACES_ENV, sdkStackTracesSwitchable, workerSizing } from '../../worker';

describe('loadConfig', () => {
  const emulator = { emulator: EMULATOR_ACCOUNT };

  test('given the emulator account, each default profile without credentials points at the emulator', () => {
    const c = loadConfig({ RTCFLOW_EMULATOR_PORT: '9999' }, emulator);
    expect(c.usesEmulator).toBe(true);
    expect(c.agora.default).toMatchObject({ appId: EMULATOR_AGORA.appId, baseUrls: ['http://127.0.0.1:9999'] });
    expect(c.sparkrtc.default).toMatchObject({ endpoint: 'http://127.0.0.1:9999', iam: { endpoint: 'http://127.0.0.1:9999' } });
    expect(c.storage.default).toEqual(EMULATOR_ACCOUNT.storage);
    // no built-in NCS secret: `npm start` makes one per run
    expect(c.webhooks.agoraNcsSecret).toBeUndefined();
    expect(c.apiKeys).toEqual([]);
    expect(c.testHooks).toBe(false);
    expect(c.temporal).toMatchObject({ namespace: 'default', taskQueue: 'rtcflow', port: 7233, uiPort: 8233 });
  });

  test('without credentials and without the emulator account it refuses to start, saying what to set', async () => {
    const err = await failure(() => loadConfig({ RTCFLOW_EMULATOR_URL: 'http://127.0.0.1:9999' }), ConfigValidationError);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err.message).toMatch(/no vendor configured: set AGORA_APP_ID, AGORA_CUSTOMER_ID and AGORA_CUSTOMER_SECRET/);
    expect(err.message).toMatch(/RTCFLOW_EMULATOR_URL/);
  });

  test('real credentials alone: nothing points at the emulator, and a missing default profile says what to set', async () => {
    const c = loadConfig({ AGORA_APP_ID: 'a'.repeat(32), AGORA_CUSTOMER_ID: 'cid', AGORA_CUSTOMER_SECRET: 'csecret' });
    expect(c.usesEmulator).toBe(false);
    expect(c.sparkrtc).toEqual({});
    expect(c.webhooks.agoraNcsSecret).toBeUndefined();
    expect(() => resolveStorageProfile(c, 'default')).toThrow(/unknown storage profile "default" \(configured: none\): set RTCFLOW_STORAGE_VENDOR/);
  });

  test('real Agora credentials replace the emulator; it is still needed while SparkRTC points at it', () => {
    const agora = {
      AGORA_APP_ID: 'a'.repeat(32),
      AGORA_CUSTOMER_ID: 'cid',
      AGORA_CUSTOMER_SECRET: 'csecret',
      AGORA_BASE_URLS: 'https://api.agora.io, https://api.sd-rtn.com',
    };
    expect(loadConfig(agora, emulator).usesEmulator).toBe(true);
    const c = loadConfig({ ...agora, SPARKRTC_AK: 'ak', SPARKRTC_SK: 'sk', SPARKRTC_PROJECT_ID: 'p'.repeat(32), SPARKRTC_APP_ID: 'app' }, emulator);
    expect(c.usesEmulator).toBe(false);
    expect(c.webhooks.agoraNcsSecret).toBeUndefined();
    expect(resolveAgoraProfile(c, 'default')).toMatchObject({ appId: 'a'.repeat(32), baseUrls: ['https://api.agora.io', 'https://api.sd-rtn.com'] });
  });

  test('each bad value gets its own message naming the variable', async () => {
    const err = await failure(() => loadConfig({ AGORA_APP_ID: 'xyz', TEMPORAL_PORT: 'abc', TEMPORAL_ADDRESS: 'nohostport' }), ConfigValidationError);
    const msg = err.message;
    expect(msg).toMatch(/AGORA_APP_ID: must be 32 hexadecimal characters/);
    expect(msg).toMatch(/TEMPORAL_PORT:/);
    expect(msg).toMatch(/TEMPORAL_ADDRESS: must be host:port/);
  });

  test('partial credentials are refused, and the message never echoes the secret', async () => {
    const err = await failure(() => loadConfig({ AGORA_APP_ID: 'b'.repeat(32), AGORA_CUSTOMER_SECRET: 'topsecret' }), ConfigValidationError);
    expect(err.message).toMatch(/AGORA_CUSTOMER_ID: required/);
    expect(err.message).not.toContain('topsecret');
  });

  test('an unknown profile is a configuration error', () => {
    expect(() => resolveAgoraProfile(loadConfig({}, emulator), 'tenant-x')).toThrow(/unknown Agora profile "tenant-x" \(configured: default\): add it to RTCFLOW_PROFILES_FILE/);
  });

  test('worker sizing: RTCFLOW_WORKER_* override the defaults one by one; the heap growth is 0–300 and unset by default', async () => {
    const c = loadConfig({ RTCFLOW_WORKER_MAX_CACHED_WORKFLOWS: '8000', RTCFLOW_WORKER_WORKFLOW_POLLERS: '3', RTCFLOW_WORKER_HEAP_GROWING_PERCENT: '300' }, emulator);
    expect(c.worker).toMatchObject({ maxCachedWorkflows: 8000, workflowTaskPollers: 3, heapGrowingPercent: 300 });
    expect(workerSizing(c.worker)).toMatchObject({
      maxCachedWorkflows: 8000,
      workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: 3 },
      maxConcurrentWorkflowTaskExecutions: 40,
      activityTaskPollerBehavior: { type: 'simple-maximum', maximum: 4 },
    });
    expect(loadConfig({}, emulator).worker.heapGrowingPercent).toBeUndefined();
    expect(loadConfig({ RTCFLOW_WORKER_HEAP_GROWING_PERCENT: '0' }, emulator).worker.heapGrowingPercent).toBe(0);
    for (const bad of ['301', '-1', '12.5']) {
      const err = await failure(() => loadConfig({ RTCFLOW_WORKER_HEAP_GROWING_PERCENT: bad }, emulator), ConfigValidationError);
      expect(err.message).toMatch(/RTCFLOW_WORKER_HEAP_GROWING_PERCENT/);
    }
  });

  test('workflow stack traces: RTCFLOW_WORKER_STACK_TRACES on|off, off by default where the SDK patch is applied (it is in this checkout)', async () => {
    expect(loadConfig({}, emulator).worker.stackTraces).toBeUndefined();
    expect(loadConfig({ RTCFLOW_WORKER_STACK_TRACES: 'on' }, emulator).worker.stackTraces).toBe(true);
    expect(loadConfig({ RTCFLOW_WORKER_STACK_TRACES: 'off' }, emulator).worker.stackTraces).toBe(false);
    const err = await failure(() => loadConfig({ RTCFLOW_WORKER_STACK_TRACES: 'yes' }, emulator), ConfigValidationError);
    expect(err.message).toMatch(/RTCFLOW_WORKER_STACK_TRACES/);
    // npm install applied patches/ (scripts/postinstall.js): the workflow thread reads the variable
    expect(sdkStackTracesSwitchable()).toBe(true);
    const env: NodeJS.ProcessEnv = {};
    expect(applyStackTraces({}, env)).toEqual({ on: false });
    expect(env[SDK_STACK_TRACES_ENV]).toBe('off');
    expect(applyStackTraces({ stackTraces: true }, env)).toEqual({ on: true });
    expect(env[SDK_STACK_TRACES_ENV]).toBe('on');
    applyStackTraces({ stackTraces: false }, env);
    expect(env[SDK_STACK_TRACES_ENV]).toBe('off');
  });

  test("the default cache holds what the workflow thread's heap limit allows, between 100 and 6,000 sessions", () => {
    expect(defaultCacheSize(4144)).toBe(6000);
    expect(defaultCacheSize(2048)).toBe(3296);
    expect(defaultCacheSize(512)).toBe(224);
    expect(defaultCacheSize(256)).toBe(100);
  });
});
