/**
 * The emulator's built-in demo account. `npm start`, `npm run worker` with RTCFLOW_EMULATOR_URL and the tests
 * pass it to loadConfig (EMULATOR_ACCOUNT) for every vendor without real credentials. These are not secrets
 * of anybody's: they only open the local emulator.
 */
import type { EmulatorAccount } from '../src/config';

export const EMULATOR_AGORA = {
  appId: '0123456789abcdef0123456789abcdef',
  appCertificate: 'fedcba9876543210fedcba9876543210',
  customerId: 'emulator-customer-id',
  customerSecret: 'emulator-customer-secret',
} as const;

export const EMULATOR_STORAGE = {
  vendor: 1,
  region: 0,
  bucket: 'rtcflow-emulator-bucket',
  accessKey: 'emulator-storage-access-key',
  secretKey: 'emulator-storage-secret-key',
} as const;

/**
 * The emulator's Huawei Cloud SparkRTC demo account (sparkrtc.md §2): an AK/SK pair, an IAM user for
 * token authentication, the project, one application and three authorized OBS buckets. The project ID, app
 * ID and the `obsName` bucket are those of the document's worked examples, so its examples run verbatim.
 */
export const EMULATOR_SPARKRTC = {
  domainName: 'rtcflow-emulator',
  domainId: 'd0e1f2a3b4c5d6e7f8091a2b3c4d5e6f',
  projectId: '01234567890123456789012345678901',
  region: 'cn-north-4',
  appId: '5ff9701f2346968bb306cb43',
  appName: 'rtcflow-demo',
  ak: 'EMULATORSPARKRTCAK00',
  sk: 'emulator-sparkrtc-secret-key-not-a-secret',
  iamUser: 'rtcflow-emulator',
  iamPassword: 'emulator-iam-password',
  /** an IAM user whose policy allows reading only (writes answer RTC.00001021) */
  readOnlyIamUser: 'rtcflow-readonly',
  bucket: 'rtcflow-emulator-bucket',
  exampleBucket: 'obsName',
  /** a bucket in another region (cn-south-1), for a second recording rule */
  southBucket: 'rtcflow-emulator-south',
} as const;

/**
 * The emulator's Interactive Whiteboard key pair (agora.md §12): tokens minted with it open the
 * emulator's `/v5` routes. Not anybody's secret.
 */
export const EMULATOR_WHITEBOARD = {
  accessKey: 'emulator-whiteboard-ak',
  secretAccessKey: 'emulator-whiteboard-secret-access-key',
  region: 'us-sv',
} as const;

/**
 * The IoT licenses the emulator's Agora accounts can activate (agora.md §12): each `pid` is a SKU with a
 * number of licenses; activating the same licenseKey (device) again answers the license it already has.
 */
export const EMULATOR_IOT = {
  pid: 'EMULATOR-PID-VIDEO-100',
  /** a SKU with a single license, to see the quota run out */
  singlePid: 'EMULATOR-PID-AUDIO-1',
  skus: {
    'EMULATOR-PID-VIDEO-100': { product: 1, name: '01', mediaType: 3, minutes: 100, period: '00:00~23:59', licenses: 100 },
    'EMULATOR-PID-AUDIO-1': { product: 2, name: '02', mediaType: 1, minutes: 60, period: '08:00~20:00', licenses: 1 },
  },
} as const;

export const DEFAULT_EMULATOR_PORT = 8480;

/** The demo account as the worker's configuration takes it: `loadConfig(env, { emulator: EMULATOR_ACCOUNT })`. */
export const EMULATOR_ACCOUNT: EmulatorAccount = {
  agora: EMULATOR_AGORA,
  whiteboard: EMULATOR_WHITEBOARD,
  storage: EMULATOR_STORAGE,
  sparkrtc: {
    projectId: EMULATOR_SPARKRTC.projectId,
    appId: EMULATOR_SPARKRTC.appId,
    ak: EMULATOR_SPARKRTC.ak,
    sk: EMULATOR_SPARKRTC.sk,
    region: EMULATOR_SPARKRTC.region,
    iam: { domainName: EMULATOR_SPARKRTC.domainName, userName: EMULATOR_SPARKRTC.iamUser, password: EMULATOR_SPARKRTC.iamPassword },
  },
};
