/**
 * RTC token checks for emulated Agora bots (recorder, STT bots, transcoder): a project with App
 * Certificate enabled needs a valid AccessToken2 ("007…") signed with that certificate for this App ID,
 * channel and uid. Parsing and signature checking are agora-token's own.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { AccessToken2, kRtcServiceType } = require('agora-token/src/AccessToken2') as {
  AccessToken2: new () => {
    appId: string | Buffer;
    issueTs: number;
    expire: number;
    from_string(t: string): boolean;
    verifySignature(cert: string): boolean;
    getServices(type: number): Array<{ __channel_name?: string | Buffer; __uid?: string | Buffer }>;
  };
  kRtcServiceType: number;
};

export interface TokenCheck {
  appId: string;
  /** undefined: the project has no certificate, any token (or none) is accepted */
  certificate?: string;
  channel: string;
  uid: string;
  /** seconds since epoch by the caller's clock */
  nowSeconds: number;
}

/** undefined when the token is acceptable; otherwise Agora's code and reason (109 expired / 110 invalid). */
export function checkRtcToken(token: unknown, c: TokenCheck): { code: number; reason: string } | undefined {
  if (!c.certificate) return undefined;
  if (typeof token !== 'string' || token.length === 0) return { code: 110, reason: 'token is required: the project has App Certificate enabled' };
  const t = new AccessToken2();
  if (!t.from_string(token)) return { code: 110, reason: 'token cannot be parsed' };
  // the parser hands strings back as Buffers
  if (String(t.appId) !== c.appId || !t.verifySignature(c.certificate)) return { code: 110, reason: 'token signature does not match this App ID' };
  const rtc = t.getServices(kRtcServiceType)[0];
  if (!rtc) return { code: 110, reason: 'token carries no RTC privilege' };
  const channel = rtc.__channel_name === undefined ? undefined : String(rtc.__channel_name);
  const uid = rtc.__uid === undefined ? undefined : String(rtc.__uid);
  if (channel !== undefined && channel !== c.channel) return { code: 110, reason: 'token was issued for another channel' };
  if (uid !== undefined && uid !== '' && uid !== '0' && uid !== c.uid) return { code: 110, reason: 'token was issued for another uid' };
  if (t.expire > 0 && t.issueTs + t.expire < c.nowSeconds) return { code: 109, reason: 'token expired' };
  return undefined;
}
