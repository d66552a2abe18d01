/**
 * What Agora Media Pull's answers mean (agora.md §7, §13.1, §14.6; webhooks.md §1), as named questions
 * the pull session asks. Pure: workflow code imports it.
 */
import type { VendorErrorInfo } from '../../http/errors';
import { MEDIA_PULL_NCS_PRODUCT_ID } from '../../workflow-schemas';
import { isGoneAnswer } from './common';

/** A player's `status` as the session reads it. */
export type PlayerVerdict = 'playing' | 'starting' | 'idle' | 'failed';

/**
 * `idle` (not started, or not playing: a VOD that finished), `connecting` (probing the stream), `running`,
 * `failed` (cannot connect or play). A listed player without a status (List "may only include id, name
 * and createTs") exists and was not said to fail: it counts as playing.
 */
export function playerVerdict(status: string | undefined, confirming = false): PlayerVerdict {
  if (status === undefined || status === 'running') return 'playing';
  if (status === 'failed') return 'failed';
  if (status === 'idle') return confirming ? 'starting' : 'idle';
  return 'starting';
}

/** A create (or the List after an unanswered one) that says the player already plays: nothing to confirm. */
export const answeredPlaying = (status: string | undefined): boolean => status === 'running';

/** A 404 on delete or update: the player does not exist (any more). */
export const isPlayerGone = (i: VendorErrorInfo | undefined): boolean => isGoneAnswer(i);

/** List shows a player only about 10 s after its creation (agora.md §7): an absence before that says nothing. */
export const LIST_VISIBLE_AFTER_MS = 10_000;

/** NCS productId of Media Pull (webhooks.md §1) and its events (src/schemas/agora/media-pull.ts; 4 is [general]). */
export { MEDIA_PULL_NCS_PRODUCT_ID };
export const PULL_NCS_EVENT = { created: 1, destroyed: 3, statusChanged: 4 } as const;

/** What an NCS `destroyReason` says about why a player went, for the session's end reason. */
export function destroyedBecause(destroyReason: string | undefined, idleTimeoutS: number | undefined): string | undefined {
  if (destroyReason === 'Idle Timeout') return `the player idled out (not playing for its idleTimeout of ${idleTimeoutS ?? 300} s)`;
  if (destroyReason === 'Internal Error') return 'Agora deleted the player after a server error';
  if (destroyReason === 'Delete Request') return 'the player was deleted by a request the session did not make';
  return destroyReason ? `the player was destroyed (${destroyReason})` : undefined;
}

/** Player uids come from their own range near the top of the uid space, away from users and other bots. */
export const PULL_UID_MIN = 3_800_000_000;
export const PULL_UID_SPAN = 99_999_999;

/**
 * The create `name` of a session's n-th player: derived from the business key (the workflow ID), so a
 * create repeated after an unknown outcome names the same player (409 + X-Resource-ID: adopt it) instead
 * of starting a second. At most 64 bytes of `[A-Za-z0-9_-]`.
 */
export function playerName(channel: string, workflowId: string, generation: number): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < workflowId.length; i++) h = Math.imul(h ^ workflowId.charCodeAt(i), 0x01000193) >>> 0;
  const safe = channel.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  return `${safe}-pull-${h.toString(16).padStart(8, '0')}-${generation}`;
}

/** `playTs` may lie at most 24 h before the create (agora.md §7); a resume keeps this margin. */
const PLAY_TS_WINDOW_S = 86_400;
const PLAY_TS_MARGIN_S = 600;

/**
 * The `playTs` that resumes a re-created player where the first one was: the first player's start time
 * (Unix s), as long as that lies within the create's window; otherwise undefined (play from the start).
 * `elapsedMs` is how long ago the first player started (measured by the session's clock).
 */
export function resumePlayTs(firstStartTs: number | undefined, elapsedMs: number): number | undefined {
  if (firstStartTs === undefined || firstStartTs <= 0) return undefined;
  return elapsedMs / 1000 < PLAY_TS_WINDOW_S - PLAY_TS_MARGIN_S ? firstStartTs : undefined;
}
