/**
 * The one builder of Temporal connection options, used alike by the worker (NativeConnection), the HTTP
 * API and the CLI / typed client (Connection). Read from the environment once at start with one message
 * per bad value; the variable names are the Temporal CLI's, so one env file serves rtcflow and `temporal`:
 *
 *   TEMPORAL_ADDRESS                   host:port of the frontend (unset: 127.0.0.1:$TEMPORAL_PORT)
 *   TEMPORAL_NAMESPACE                 namespace (default `default`)
 *   TEMPORAL_TLS                       1/true: TLS with the system's roots; 0/false: plaintext even with an API key
 *   TEMPORAL_TLS_CLIENT_CERT_PATH      client certificate (PEM) for mTLS; comes with the key
 *   TEMPORAL_TLS_CLIENT_KEY_PATH       its private key (PEM)
 *   TEMPORAL_TLS_SERVER_CA_CERT_PATH   the server's CA (PEM), when not a public one
 *   TEMPORAL_TLS_SERVER_NAME           the name the server's certificate carries, when not the address's host
 *   TEMPORAL_API_KEY                   a Temporal Cloud API key (turns TLS on unless TEMPORAL_TLS=0)
 *   TEMPORAL_API_KEY_FILE              ... or a file holding it
 * Any TLS file variable turns TLS on. The files are read here, at start: a missing file stops the start.
 * Key material and the API key never appear in `describe`.
 */
import { readFileSync } from 'node:fs';
import { ConfigValidationError } from '../errors';

export interface TemporalTls {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
}

export interface TemporalConnectionSettings {
  /** unset: whoever connects supplies the local default (a dev server) */
  address?: string;
  namespace: string;
  /** undefined: plaintext */
  tls?: TemporalTls;
  apiKey?: string;
}

/** What Connection.connect and NativeConnection.connect both take. */
export interface TemporalConnectOptions {
  address: string;
  tls?: TemporalTls | true;
  apiKey?: string;
}

export type FileReader = (path: string) => Buffer;

const ADDRESS = /^[^\s:]+:\d+$/;
const BOOL: Record<string, boolean> = { '1': true, true: true, '0': false, false: false };

/** The Temporal variables an environment sets (empty = unset); every problem at once. */
export function temporalSettingsFromEnv(env: NodeJS.ProcessEnv = process.env, readFile: FileReader = (p) => readFileSync(p)): TemporalConnectionSettings {
  const v = (k: string): string | undefined => (env[k] === undefined || env[k] === '' ? undefined : env[k]);
  const problems: string[] = [];
  const address = v('TEMPORAL_ADDRESS');
  if (address !== undefined && !ADDRESS.test(address)) problems.push('TEMPORAL_ADDRESS: must be host:port');
  const tlsFlag = v('TEMPORAL_TLS');
  let tlsOn: boolean | undefined;
  if (tlsFlag !== undefined) {
    tlsOn = BOOL[tlsFlag.toLowerCase()];
    if (tlsOn === undefined) problems.push('TEMPORAL_TLS: must be 1, true, 0 or false');
  }
  const file = (k: string): Buffer | undefined => {
    const path = v(k);
    if (path === undefined) return undefined;
    try {
      const b = readFile(path);
      if (b.length === 0) problems.push(`${k}: ${path} is empty`);
      return b;
    } catch (err) {
      problems.push(`${k}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      return undefined;
    }
  };
  const crt = file('TEMPORAL_TLS_CLIENT_CERT_PATH');
  const key = file('TEMPORAL_TLS_CLIENT_KEY_PATH');
  const ca = file('TEMPORAL_TLS_SERVER_CA_CERT_PATH');
  const serverName = v('TEMPORAL_TLS_SERVER_NAME');
  const certSet = v('TEMPORAL_TLS_CLIENT_CERT_PATH') !== undefined;
  const keySet = v('TEMPORAL_TLS_CLIENT_KEY_PATH') !== undefined;
  if (certSet !== keySet)
    problems.push(
      `${certSet ? 'TEMPORAL_TLS_CLIENT_KEY_PATH' : 'TEMPORAL_TLS_CLIENT_CERT_PATH'}: required when ${certSet ? 'TEMPORAL_TLS_CLIENT_CERT_PATH' : 'TEMPORAL_TLS_CLIENT_KEY_PATH'} is set (a client certificate comes with its key)`,
    );

  let apiKey = v('TEMPORAL_API_KEY');
  if (apiKey !== undefined && v('TEMPORAL_API_KEY_FILE') !== undefined) problems.push('TEMPORAL_API_KEY_FILE: set TEMPORAL_API_KEY or TEMPORAL_API_KEY_FILE, not both');
  else if (apiKey === undefined) {
    const fromFile = file('TEMPORAL_API_KEY_FILE');
    if (fromFile) apiKey = fromFile.toString('utf8').trim();
  }
  if (apiKey !== undefined && /\s/.test(apiKey)) problems.push('TEMPORAL_API_KEY: must not contain whitespace');

  const tlsFiles = certSet || keySet || ca !== undefined || serverName !== undefined;
  if (tlsOn === false && tlsFiles) problems.push('TEMPORAL_TLS: is off while TLS certificate variables are set');
  if (problems.length) throw new ConfigValidationError(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);

  const useTls = tlsOn ?? (tlsFiles || apiKey !== undefined);
  const tls: TemporalTls | undefined = useTls
    ? {
        ...(serverName ? { serverNameOverride: serverName } : {}),
        ...(ca ? { serverRootCACertificate: ca } : {}),
        ...(crt && key ? { clientCertPair: { crt, key } } : {}),
      }
    : undefined;
  return { address, namespace: v('TEMPORAL_NAMESPACE') ?? 'default', ...(tls ? { tls } : {}), ...(apiKey !== undefined ? { apiKey } : {}) };
}

/** The connect options of the settings; `fallbackAddress` when no address is set (a local dev server). */
export function connectOptions(s: TemporalConnectionSettings, fallbackAddress = '127.0.0.1:7233'): TemporalConnectOptions {
  const tls = s.tls ? (Object.keys(s.tls).length ? s.tls : true) : undefined;
  return { address: s.address ?? fallbackAddress, ...(tls ? { tls } : {}), ...(s.apiKey !== undefined ? { apiKey: s.apiKey } : {}) };
}

/** For start-up lines and logs: how it connects, without key material. */
export function describeConnection(o: TemporalConnectOptions): string {
  const parts: string[] = [o.address];
  if (o.tls) {
    const t = o.tls === true ? {} : o.tls;
    parts.push(`TLS${t.clientCertPair ? ' + client certificate' : ''}${t.serverRootCACertificate ? ' (own CA)' : ''}${t.serverNameOverride ? ` as ${t.serverNameOverride}` : ''}`);
  } else parts.push('plaintext');
  if (o.apiKey !== undefined) parts.push('API key');
  return parts.join(', ');
}
