/**
 * The one Temporal connection-options builder (src/temporal/connection.ts): TLS with client certificates
 * and Temporal Cloud API keys from the environment, validated at start (one message per problem), the same
 * options for the worker, the API and the CLI; no TLS server needed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, temporalConnectOptions } from '../../src/config';
import { ConfigValidationError } from '../../src/errors';
import { connectOptions, describeConnection, temporalSettingsFromEnv } from '../../src/temporal/connection';
import { EMULATOR_ACCOUNT } from '../../emulator/defaults';
import { failure } from '../helpers/vendor-error';

const dir = mkdtempSync(join(tmpdir(), 'rtcflow-tls-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const CERT = file('client.pem', '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n');
const KEY = file('client.key', '-----BEGIN PRIVATE KEY-----\nsecret-key-material\n-----END PRIVATE KEY-----\n');
const CA = file('ca.pem', '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n');
const API_KEY_FILE = file('api-key', 'eyJhbGciOi.cloud-key\n');
const EMPTY = file('empty', '');

describe('temporalSettingsFromEnv / connectOptions', () => {
  test('nothing set: plaintext to the local default, namespace default', () => {
    expect(connectOptions(temporalSettingsFromEnv({}))).toEqual({ address: '127.0.0.1:7233' });
    expect(temporalSettingsFromEnv({ TEMPORAL_TLS: '', TEMPORAL_API_KEY: '' })).toEqual({ address: undefined, namespace: 'default' });
  });

  test('mTLS: the client certificate and key, the server CA and name are read at start', () => {
    const s = temporalSettingsFromEnv({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'rtcflow-prod',
      TEMPORAL_TLS_CLIENT_CERT_PATH: CERT,
      TEMPORAL_TLS_CLIENT_KEY_PATH: KEY,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: CA,
      TEMPORAL_TLS_SERVER_NAME: 'frontend.temporal',
    });
    const o = connectOptions(s);
    expect(s.namespace).toBe('rtcflow-prod');
    expect(o.address).toBe('temporal.internal:7233');
    expect(o.tls).toEqual({
      serverNameOverride: 'frontend.temporal',
      serverRootCACertificate: Buffer.from('-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n'),
      clientCertPair: { crt: Buffer.from('-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n'), key: expect.any(Buffer) },
    });
    expect(o.apiKey).toBeUndefined();
    const described = describeConnection(o);
    expect(described).toBe('temporal.internal:7233, TLS + client certificate (own CA) as frontend.temporal');
    expect(described).not.toContain('secret-key-material');
  });

  test('Temporal Cloud API key: TLS with the system roots, the key from the variable or a file', () => {
    expect(connectOptions(temporalSettingsFromEnv({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'cloud-key' }))).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      tls: true,
      apiKey: 'cloud-key',
    });
    expect(connectOptions(temporalSettingsFromEnv({ TEMPORAL_API_KEY_FILE: API_KEY_FILE })).apiKey).toBe('eyJhbGciOi.cloud-key');
    // plaintext with an API key only when asked (a local proxy)
    expect(connectOptions(temporalSettingsFromEnv({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }))).toEqual({ address: '127.0.0.1:7233', apiKey: 'k' });
    expect(describeConnection(connectOptions(temporalSettingsFromEnv({ TEMPORAL_API_KEY: 'cloud-key' })))).toBe('127.0.0.1:7233, TLS, API key');
    expect(connectOptions(temporalSettingsFromEnv({ TEMPORAL_TLS: '1' }))).toEqual({ address: '127.0.0.1:7233', tls: true });
  });

  test('every bad value is refused at start, each with its own line', async () => {
    const err = await failure(
      () =>
        temporalSettingsFromEnv({
          TEMPORAL_ADDRESS: 'no-port',
          TEMPORAL_TLS: 'yes',
          TEMPORAL_TLS_CLIENT_CERT_PATH: CERT,
          TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'missing.pem'),
          TEMPORAL_API_KEY: 'a b',
        }),
      ConfigValidationError,
    );
    expect(err.message.split('\n').slice(1)).toEqual([
      '  TEMPORAL_ADDRESS: must be host:port',
      '  TEMPORAL_TLS: must be 1, true, 0 or false',
      expect.stringMatching(/^ {2}TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read .*missing\.pem \(ENOENT\)$/),
      '  TEMPORAL_TLS_CLIENT_KEY_PATH: required when TEMPORAL_TLS_CLIENT_CERT_PATH is set (a client certificate comes with its key)',
      '  TEMPORAL_API_KEY: must not contain whitespace',
    ]);
    expect((await failure(() => temporalSettingsFromEnv({ TEMPORAL_TLS_CLIENT_KEY_PATH: KEY, TEMPORAL_TLS_CLIENT_CERT_PATH: EMPTY }), ConfigValidationError)).message).toMatch(
      /TEMPORAL_TLS_CLIENT_CERT_PATH: .*empty is empty/,
    );
    expect((await failure(() => temporalSettingsFromEnv({ TEMPORAL_API_KEY: 'k', TEMPORAL_API_KEY_FILE: API_KEY_FILE }), ConfigValidationError)).message).toMatch(/not both/);
    expect((await failure(() => temporalSettingsFromEnv({ TEMPORAL_TLS: '0', TEMPORAL_TLS_SERVER_CA_CERT_PATH: CA }), ConfigValidationError)).message).toMatch(
      /TEMPORAL_TLS: is off/,
    );
  });

  test('loadConfig validates them with the rest, and the worker and API connect with the same options', async () => {
    const c = loadConfig(
      { TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TLS_CLIENT_CERT_PATH: CERT, TEMPORAL_TLS_CLIENT_KEY_PATH: KEY, TEMPORAL_API_KEY: 'k' },
      { emulator: EMULATOR_ACCOUNT },
    );
    expect(temporalConnectOptions(c)).toEqual({ address: 'temporal:7233', tls: { clientCertPair: { crt: expect.any(Buffer), key: expect.any(Buffer) } }, apiKey: 'k' });
    // npm start: a dev server it started itself
    expect(temporalConnectOptions(loadConfig({ TEMPORAL_PORT: '7999' }, { emulator: EMULATOR_ACCOUNT }), '127.0.0.1:7999')).toEqual({ address: '127.0.0.1:7999' });
    const err = await failure(() => loadConfig({ TEMPORAL_TLS_CLIENT_KEY_PATH: KEY, RTCFLOW_API_PORT: '99999' }, { emulator: EMULATOR_ACCOUNT }), ConfigValidationError);
    expect(err.message).toMatch(/RTCFLOW_API_PORT/);
    const err2 = await failure(() => loadConfig({ TEMPORAL_TLS_CLIENT_KEY_PATH: KEY }, { emulator: EMULATOR_ACCOUNT }), ConfigValidationError);
    expect(err2.message).toMatch(/TEMPORAL_TLS_CLIENT_CERT_PATH: required when TEMPORAL_TLS_CLIENT_KEY_PATH is set/);
  });
});
