/**
 * What Agora Media Gateway's answers and events mean (agora.md §5, §13.1, §14.4; webhooks.md §1), as
 * named questions the ingest session asks. Pure: no I/O, no Node imports, so workflow code imports it;
 * the calls themselves live in src/agora/media-gateway.ts.
 */
import type { VendorErrorInfo } from '../../http/errors';
import { isGoneAnswer } from './common';

/** NCS productId of Media Gateway and its event types ([public], webhooks.md §1). */
export const NCS_PRODUCT_MEDIA_GATEWAY = 10;
export const GATEWAY_NCS_EVENT = { connected: 1, disconnected: 2, aborted: 3, profileUpdated: 4 } as const;

/** `live_stream_aborted.errorCode` 2: the key expired or was destroyed; the encoder gives up. */
export const ABORT_KEY_INVALID = 2;

const ABORT_REASONS: Readonly<Record<number, string>> = {
  1: 'illegal stream key',
  2: 'invalid stream key (expired or destroyed)',
  3: 'no permission to use this stream key',
  4: 'too many concurrent streams',
  5: 'conflict: the key is already being pushed',
  6: 'the stream exceeds a limit (bitrate)',
  7: 'no audio or video data for more than 10 seconds',
  8: 'failed to join the channel',
  9: 'disconnected from the main network',
  10: 'unknown internal error',
};

/** A 404 on a key or a stream: it does not exist (any more): destroy/disconnect count it as done. */
export const isGatewayGone = (i: VendorErrorInfo | undefined): boolean => isGoneAnswer(i);

/** Mute takes effect about a second after the call (agora.md §5.3) and only on the current sid. */
export const MUTE_APPLY_MS = 1_000;

/** Create answered 409 ("too many concurrent requests"): back off 1 s, 3 s, 6 s (agora.md §5.4). */
export const CREATE_CONFLICT_RETRY = { initialInterval: '1s', backoffCoefficient: 3, maximumInterval: '6s', maximumAttempts: 4 } as const;

export interface MuteState {
  audioMuted: boolean;
  videoMuted: boolean;
}

/** A new push (a new sid) always starts like this, whatever the previous sid had. */
export const UNMUTED: Readonly<MuteState> = { audioMuted: false, videoMuted: false };
export const isUnmuted = (m: MuteState): boolean => !m.audioMuted && !m.videoMuted;

/** Where an encoder pushes ([public] agora.md §5.1): Agora's unified domain, `/live`, the key as the stream key. */
export interface PushAddress {
  /** the ingest host of the key's region (SRT encoders connect to it too) */
  host: string;
  /** the "server" an OBS-style encoder asks for */
  server: string;
  streamKey: string;
  /** server and key in one URL, for encoders that take one */
  rtmpUrl: string;
}

export function pushAddress(region: string, streamKey: string): PushAddress {
  const host = `rtls-ingress-prod-${region}.agoramdn.com`;
  const server = `rtmp://${host}/live`;
  return { host, server, streamKey, rtmpUrl: `${server}/${streamKey}` };
}

/** What identifies the pushes of one stream key: its channel and host uid, and the key itself. */
export interface KeyBinding {
  channel: string;
  uid: string;
  streamKey: string;
}

/**
 * Is a listed online stream a push of this key? The list has every push of the project in the region:
 * it must publish as the key's channel and uid, and when its `url` names a stream key, it must be ours.
 */
export function isOwnStream(stream: { channel?: string; uid?: string | number; url?: string }, key: KeyBinding): boolean {
  if (stream.channel !== key.channel || String(stream.uid) !== key.uid) return false;
  const named = stream.url ? /\/live\/([^/?#]+)/.exec(stream.url)?.[1] : undefined;
  return named === undefined || named === key.streamKey;
}

/** A key as NCS payloads show it ("7B***Qbs"): enough to tell keys apart in a report, not to push. */
export function maskStreamKey(streamKey: string): string {
  return streamKey.length <= 5 ? '***' : `${streamKey.slice(0, 2)}***${streamKey.slice(-3)}`;
}

/** NCS payloads mask the key ("7B***Qbs"): does a masked key fit ours? (no mask: no evidence either way) */
export function maskedKeyFits(masked: unknown, streamKey: string): boolean {
  if (typeof masked !== 'string' || !masked.includes('***')) return true;
  const [head = '', tail = ''] = masked.split('***');
  return streamKey.length >= head.length + tail.length && streamKey.startsWith(head) && streamKey.endsWith(tail);
}

/** Is an NCS Media Gateway event about this key's pushes? (rtcInfo channel and uid, and the masked key) */
export function isOwnEvent(payload: Record<string, unknown> | undefined, key: KeyBinding): boolean {
  const rtc = payload?.rtcInfo as { channel?: unknown; uid?: unknown } | undefined;
  if (!rtc || rtc.channel !== key.channel || String(rtc.uid) !== key.uid) return false;
  return maskedKeyFits(payload?.streamKey, key.streamKey);
}

/** Why the gateway refused or ended a push (`live_stream_aborted`). */
export function abortReason(payload: Record<string, unknown> | undefined): string {
  const code = typeof payload?.errorCode === 'number' ? payload.errorCode : undefined;
  const known = code !== undefined ? ABORT_REASONS[code] : undefined;
  const said = typeof payload?.reason === 'string' && payload.reason ? payload.reason : undefined;
  return `the gateway aborted the push (errorCode ${code ?? '?'}${known ? `: ${known}` : ''})${said && said !== known ? `: ${said}` : ''}`;
}

/**
 * Why a session's key stopped existing (its query answered 404): a key with a validity ran out;
 * one that never expires was destroyed by someone else.
 */
export function keyGoneReason(expiresAfter: number): string {
  return expiresAfter > 0 ? `the stream key expired (expiresAfter ${expiresAfter} s)` : 'the stream key was destroyed outside this session';
}

/**
 * A key's validity when the caller gave none: the session's own bound and 10 minutes, so a key outlives
 * its session (even one whose create answer was lost) by at most that, and never runs out before the
 * max duration stops the session itself.
 */
export const DEFAULT_EXPIRY_MARGIN_S = 600;
export const defaultExpiresAfter = (maxDurationMs: number): number => Math.ceil(maxDurationMs / 1000) + DEFAULT_EXPIRY_MARGIN_S;
