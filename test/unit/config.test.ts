import { loadConfig, resolveAgoraProfile } from '../../src/config';
import { ConfigValidationError } from '../../src/errors';
import { EMULATOR_AGORA } from '../../src/emulator/defaults';
import { failure } from '../helpers/vendor-error';

describe('loadConfig', () => {
  test('without vendor credentials the default profile points at the emulator', () => {
    const c = loadConfig({ RTCFLOW_EMULATOR_PORT: '9999' });
    expect(c.usesEmulator).toBe(true);
    expect(c.agora.default).toMatchObject({ appId: EMULATOR_AGORA.appId, baseUrls: ['http://127.0.0.1:9999'] });
    expect(c.temporal).toMatchObject({ namespace: 'default', taskQueue: 'rtcflow', port: 7233, uiPort: 8233 });
  });

  test('real Agora credentials replace the emulator; it is still needed while SparkRTC points at it', () => {
    const agora = {
      AGORA_APP_ID: 'a'.repeat(32),
      AGORA_CUSTOMER_ID: 'cid',
      AGORA_CUSTOMER_SECRET: 'csecret',
      AGORA_BASE_URLS: 'https://api.agora.io, https://api.sd-rtn.com',
    };
    expect(loadConfig(agora).usesEmulator).toBe(true);
    const c = loadConfig({ ...agora, SPARKRTC_AK: 'ak', SPARKRTC_SK: 'sk', SPARKRTC_PROJECT_ID: 'p'.repeat(32), SPARKRTC_APP_ID: 'app' });
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
    expect(() => resolveAgoraProfile(loadConfig({}), 'tenant-x')).toThrow(/unknown Agora profile "tenant-x"/);
  });
});
