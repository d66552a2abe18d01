/**
 * The emulator's built-in demo account. `npm start` and the tests use it when no real vendor
 * credentials are configured. These are not secrets of anybody's: they only open the local emulator.
 */
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

export const DEFAULT_EMULATOR_PORT = 8480;
