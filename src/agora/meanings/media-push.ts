/**
 * What Agora Media Push's answers mean (agora.md §6, §13.1, §14.5; webhooks.md §1), as named questions
 * the relay session asks. Pure: workflow code imports it.
 */
import type { VendorErrorInfo } from '../../http/errors';
import { MEDIA_PUSH_NCS_PRODUCT_ID } from '../../workflow-schemas';
import { isGoneAnswer } from './common';

export { MEDIA_PUSH_NCS_PRODUCT_ID };

/** NCS productId 5 events ([public] Media Push events). */
export const PUSH_NCS_EVENT = { created: 1, configurationChanged: 2, stateChanged: 3, destroyed: 4 } as const;

/**
 * A converter's `state` as the session reads it: `idle` is "not started or ended" — the converter
 * exists but none of its source users publishes, and Agora destroys it after `idleTimeout`.
 */
export type ConverterVerdict = 'connecting' | 'running' | 'idle' | 'failed';

export function converterVerdict(state: string | undefined): ConverterVerdict {
  if (state === 'running' || state === 'idle' || state === 'failed') return state;
  return 'connecting';
}

/** A 404 on get/update: the converter is gone (deleted, idle-destroyed or destroyed by a service failure). */
export const isConverterGone = (i: VendorErrorInfo | undefined): boolean => isGoneAnswer(i);

/** Why a converter the session did not delete is gone, and whether re-creating it makes sense. */
export interface GoneVerdict {
  /** idle-timeout: its sources left (re-creating would idle again); deleted: someone else deleted it; service-failure: create a new one */
  kind: 'idle-timeout' | 'deleted' | 'service-failure';
  reason: string;
}

/**
 * `destroyReason` comes from NCS event 4 (`Delete Request`, `Idle Timeout`, `Internal Error`); without
 * it, a converter last seen idle most likely reached its idleTimeout, anything else was destroyed by the
 * service ("A converter can be auto-destroyed by service failures; create a new one", agora.md §6).
 */
export function goneVerdict(destroyReason: string | undefined, lastState: string | undefined, idleTimeout?: number): GoneVerdict {
  const idle = `Agora destroyed the converter after ${idleTimeout !== undefined ? `its idleTimeout (${idleTimeout} s)` : 'its idleTimeout'} without a source publishing`;
  if (destroyReason === 'Idle Timeout') return { kind: 'idle-timeout', reason: idle };
  if (destroyReason === 'Delete Request') return { kind: 'deleted', reason: 'the converter was deleted outside this session' };
  if (destroyReason === 'Internal Error') return { kind: 'service-failure', reason: 'Agora destroyed the converter (service failure)' };
  if (lastState === 'idle') return { kind: 'idle-timeout', reason: `${idle} (get answered 404 after it was idle)` };
  return { kind: 'service-failure', reason: 'the converter is gone (get answered 404)' };
}

export const FAILED_REASON = 'the converter failed (state failed: the push to the CDN broke)';

/** Media Push Update: 2 per second per converter (agora.md §1.4, §6). */
export const UPDATE_MIN_INTERVAL_MS = 500;

/**
 * The `name` of a session's n-th converter: derived from the business key (the workflow ID), so a
 * create repeated after an ambiguous outcome names the same converter (409) instead of pushing twice.
 * At most 64 of `[A-Za-z0-9_-]` (agora.md §6): `{channel}-push-{hash}-{n}`.
 */
export function converterName(channel: string, workflowId: string, generation: number): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < workflowId.length; i++) h = Math.imul(h ^ workflowId.charCodeAt(i), 0x01000193) >>> 0;
  const safe = channel.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  return `${safe}-push-${h.toString(16).padStart(8, '0')}-${generation % 1_000_000_000}`;
}

/**
 * The first `sequence` for updates of a converter. A converter this session created starts at 0
 * (agora.md §6: "start at 0"); one it adopted (409 / reconcile) may have been updated by an earlier
 * holder, so its sequence space starts above anything that holder can have sent at ≤ 2 updates/s: now
 * in epoch ms.
 */
export function firstSequence(adopted: boolean, nowMs: number): number {
  return adopted ? Math.floor(nowMs) : 0;
}

// ---- what a change may touch ----

/** The parts of a converter's configuration a relay changes mid-session. */
export interface PushConfig {
  rtmpUrl: string;
  transcoding?: { audioOptions?: unknown; videoOptions?: { layoutType?: number } & Record<string, unknown> };
}

type Output = 'audio' | 'video' | 'av';
function outputOf(t: PushConfig['transcoding']): Output {
  if (t?.audioOptions !== undefined && t?.videoOptions !== undefined) return 'av';
  return t?.audioOptions !== undefined ? 'audio' : 'video';
}

const isVertical = (c: PushConfig) => (c.transcoding?.videoOptions?.layoutType ?? 0) === 1;

/** Deep equality of JSON values, key order aside. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * Why Agora would refuse changing `current` into `next`, or undefined (agora.md §6 Update): a raw
 * (non-transcoded) push changes its rtmpUrl only; with a vertical layout (layoutType 1) only rtmpUrl can
 * be updated; audio-only cannot become video-only nor the reverse. An update names the parts it sends
 * (a FieldMask), so a change cannot drop audioOptions or videoOptions either.
 */
export function changeRefusal(current: PushConfig, next: PushConfig, raw: boolean): string | undefined {
  const transcodingChanged = !sameJson(current.transcoding, next.transcoding);
  if (!transcodingChanged) return undefined;
  if (raw) return 'a raw (non-transcoded) push can change its rtmpUrl only';
  if (isVertical(current)) return 'with a vertical layout (layoutType 1) only rtmpUrl can be updated';
  const from = outputOf(current.transcoding);
  const to = outputOf(next.transcoding);
  if ((from === 'audio' && to === 'video') || (from === 'video' && to === 'audio')) return 'an audio-only push cannot become video-only, nor the reverse';
  if (current.transcoding?.audioOptions !== undefined && next.transcoding?.audioOptions === undefined) return 'audioOptions cannot be dropped mid-session';
  if (current.transcoding?.videoOptions !== undefined && next.transcoding?.videoOptions === undefined) return 'videoOptions cannot be dropped mid-session';
  return undefined;
}

/** The FieldMask paths of an update that turns what the converter has into `next` (empty: nothing to send). */
export function changedFields(had: PushConfig | undefined, next: PushConfig): string[] {
  const fields: string[] = [];
  if (had?.rtmpUrl !== next.rtmpUrl) fields.push('rtmpUrl');
  if (next.transcoding?.audioOptions !== undefined && !sameJson(had?.transcoding?.audioOptions, next.transcoding.audioOptions)) fields.push('transcodeOptions.audioOptions');
  if (next.transcoding?.videoOptions !== undefined && !sameJson(had?.transcoding?.videoOptions, next.transcoding.videoOptions)) fields.push('transcodeOptions.videoOptions');
  return fields;
}
