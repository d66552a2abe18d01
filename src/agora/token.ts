/**
 * RTC tokens for Agora's own bots (recorder, STT bots, transcoder), built with Agora's AccessToken2
 * builder. Built inside activities only: a token is a credential and never enters workflow history.
 */
import { RtcRole, RtcTokenBuilder } from 'agora-token';

export interface BotTokenInput {
  appId: string;
  /** undefined when the project has no App Certificate: then no token is needed */
  appCertificate?: string;
  channel: string;
  uid: number;
  /** must outlast the session: a cloud recording cannot renew its token (agora.md §1.2) */
  ttlSeconds: number;
  role?: 'publisher' | 'subscriber';
}

/** Returns the token, or '' when the project has no certificate (Agora's documented empty token). */
export function buildBotToken(input: BotTokenInput): string {
  if (!input.appCertificate) return '';
  if (!Number.isInteger(input.uid) || input.uid < 1 || input.uid > 0xffffffff) throw new RangeError('uid must be 1..2^32-1');
  const ttl = Math.max(60, Math.min(input.ttlSeconds, 24 * 3600));
  return RtcTokenBuilder.buildTokenWithUid(
    input.appId,
    input.appCertificate,
    input.channel,
    input.uid,
    input.role === 'subscriber' ? RtcRole.SUBSCRIBER : RtcRole.PUBLISHER,
    ttl,
    ttl,
  );
}
