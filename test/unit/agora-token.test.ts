/** The recorder's RTC token, decoded with Agora's own AccessToken2 parser. */
import { buildBotToken } from '../../src/agora/token';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { AccessToken2, kRtcServiceType } = require('agora-token/src/AccessToken2');

const APP = '0123456789abcdef0123456789abcdef';
const CERT = 'fedcba9876543210fedcba9876543210';

function decode(token: string) {
  const t = new AccessToken2();
  expect(t.from_string(token)).toBe(true);
  const rtc = t.getServices(kRtcServiceType)[0];
  return { t, app: String(t.appId), channel: String(rtc.__channel_name), uid: String(rtc.__uid), privileges: rtc.__privileges as Record<string, number> };
}

test('carries the app, channel and uid, is signed with the certificate, and lives as long as asked', () => {
  const before = Math.floor(Date.now() / 1000);
  const token = buildBotToken({ appId: APP, appCertificate: CERT, channel: 'class-42', uid: 4_000_000_123, ttlSeconds: 7_200 });
  expect(token.startsWith('007')).toBe(true);
  const d = decode(token);
  expect(d).toMatchObject({ app: APP, channel: 'class-42', uid: '4000000123' });
  expect(d.t.verifySignature(CERT)).toBe(true);
  expect(d.t.verifySignature('0'.repeat(32))).toBe(false);
  expect(d.t.issueTs).toBeGreaterThanOrEqual(before);
  expect(d.t.expire).toBe(7_200);
  // join + publish privileges (seconds from issue) expire with the token: a recording cannot renew it
  expect(Object.keys(d.privileges).sort()).toEqual(['1', '2', '3', '4']);
  expect(Object.values(d.privileges)).toEqual([7_200, 7_200, 7_200, 7_200]);
});

test('no certificate: the documented empty token', () => {
  expect(buildBotToken({ appId: APP, channel: 'c', uid: 5, ttlSeconds: 3600 })).toBe('');
});

test('the lifetime is clamped to Agora limits and uids are checked', () => {
  const long = decode(buildBotToken({ appId: APP, appCertificate: CERT, channel: 'c', uid: 5, ttlSeconds: 10 * 86_400 }));
  expect(long.t.expire).toBe(86_400);
  expect(() => buildBotToken({ appId: APP, appCertificate: CERT, channel: 'c', uid: 0, ttlSeconds: 3600 })).toThrow(/uid/);
  expect(() => buildBotToken({ appId: APP, appCertificate: CERT, channel: 'c', uid: 2 ** 32, ttlSeconds: 3600 })).toThrow(/uid/);
});
