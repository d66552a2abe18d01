/**
 * What Agora Real-Time STT's answers mean (agora.md §3, §4, §14.2, §14.3; webhooks.md §1), as named
 * questions the STT session asks. Pure: workflow code imports it.
 */
import type { VendorErrorInfo } from '../../http/errors';
import { isGoneAnswer } from './common';

/** 6.x task status / 7.x agent state, as a session reads them. */
export type SttVerdict = 'running' | 'starting' | 'ended';

/** 7.x: IDLE, STARTING, RUNNING, STOPPING, STOPPED, RECOVERING, FAILED (the join answer may say STARTED). */
export function agentVerdict(status: string | undefined, _confirming = false): SttVerdict {
  if (status === 'RUNNING' || status === 'STARTED' || status === 'RECOVERING') return 'running';
  if (status === 'STOPPED' || status === 'FAILED' || status === 'STOPPING') return 'ended';
  return 'starting';
}

/**
 * 6.x: IDLE, PREPARING, STARTED, IN_PROGRESS, STOPPING, STOPPED, RECONNECTING. IDLE is "not started or
 * ended": while the task is being confirmed it means not started yet.
 */
export function taskVerdict(status: string | undefined, confirming = false): SttVerdict {
  if (status === 'STARTED' || status === 'IN_PROGRESS' || status === 'RECONNECTING') return 'running';
  if (status === 'IDLE') return confirming ? 'starting' : 'ended';
  if (status === 'STOPPED' || status === 'STOPPING') return 'ended';
  return 'starting';
}

/** A 404 on query: the task or agent is gone (agora.md §14.2/14.3: Running → EndedExternally). */
export const isSttGone = isGoneAnswer;
export const GONE_REASON = 'the agent is gone (query answered 404)';

/**
 * 6.x start refused with 400: the builderToken may have lapsed (it must be used within 5 minutes, and
 * the seeds do not document the answer). Acquiring is cheap: one new token is tried before it is final.
 */
export const mayBeLapsedBuilderToken = (i: VendorErrorInfo | undefined): boolean => i?.httpStatus === 400;

/** A builderToken must start its task within 5 minutes of acquire (agora.md §3). */
export const BUILDER_TOKEN_WINDOW_MS = 5 * 60_000;

/** Every 7.x agent ends 72 hours after it joined ([public], agora.md §4, §13.3). */
export const AGENT_MAX_LIFETIME_MS = 72 * 3_600_000;

/**
 * An `agent left` event (start_ts/stop_ts, Unix seconds) that came at the 72-hour lifetime: Agora ended
 * the agent because of its age, not because of idleness or a failure.
 */
export function leftAtLifetime(payload: Record<string, unknown>): boolean {
  const { start_ts: start, stop_ts: stop } = payload;
  return typeof start === 'number' && typeof stop === 'number' && (stop - start) * 1000 >= AGENT_MAX_LIFETIME_MS - 60_000;
}

/** NCS productId of Real-Time STT 7.x and its events (webhooks.md §1). */
export const NCS_PRODUCT_STT = 20;
export const STT_NCS_EVENT = { agentJoined: 101, agentLeft: 102 } as const;

/** Bot uids come from the top of the uid space, away from human users (and from recorders). */
export const STT_BOT_UID_MIN = 3_900_000_000;
export const STT_BOT_UID_SPAN = 99_999_999;

/**
 * The join `name` of a session's n-th agent: derived from the business key (the workflow ID), so a
 * join repeated after an ambiguous outcome names the same agent (409) instead of starting a second.
 */
export function agentName(channel: string, workflowId: string, generation: number): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < workflowId.length; i++) h = Math.imul(h ^ workflowId.charCodeAt(i), 0x01000193) >>> 0;
  const safe = channel.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  return `${safe}-stt-${h.toString(16).padStart(8, '0')}-${generation}`;
}

/** A builderToken's instanceId: the channel name, as the seed recommends, within its alphabet. */
export const instanceIdFor = (channel: string): string => channel.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
