/**
 * What Agora Cloud Transcoder's answers mean (agora.md §8, §13.1, §13.2, §14.7), as named questions the
 * transcoder session asks. Pure: workflow code imports it.
 */
import type { VendorErrorInfo } from '../../http/errors';
import type { TranscoderLayout } from '../../schemas/workflows/transcoder';
import { configProblems, describeIssues, updateViolations, vendorConfigOf } from '../../workflow-schemas';
import { isGoneAnswer } from './common';

export const TRANSCODER_PRODUCT = 'cloud-transcoder';

/** A builderToken must create its task within 5 minutes of acquire; within 2 s is what works (agora.md §8). */
export const BUILDER_TOKEN_WINDOW_MS = 5 * 60_000;

/** Task status as the session reads it (agora.md §14.7: STARTED, CREATED, IN_PROGRESS = started). */
export type TaskVerdict = 'starting' | 'running' | 'ended';

export function taskVerdict(status: string | undefined): TaskVerdict {
  if (status === 'STARTED' || status === 'CREATED' || status === 'IN_PROGRESS') return 'running';
  if (status === 'STOPPING' || status === 'STOPPED' || status === 'EXIT' || status === 'FAILURE_STOP') return 'ended';
  return 'starting'; // IDLE, PREPARED, STARTING, or not said (202 accepted)
}

/** Why a task the session did not delete ended, and whether that is a failure. */
export function endedVerdict(status: string | undefined, idleTimeout?: number): { failed: boolean; reason: string } {
  if (status === 'FAILURE_STOP') return { failed: true, reason: 'the transcoder exited abnormally (FAILURE_STOP)' };
  if (status === 'EXIT') return { failed: false, reason: `the transcoder exited (its input hosts were gone for its idleTimeout, ${idleTimeout ?? 300} s)` };
  return { failed: false, reason: `the task was stopped outside this session (status ${status ?? 'unknown'})` };
}

/** A 404 on query/update: the task is gone (agora.md §14.7 Started → EndedExternally). */
export const isTaskGone = (i: VendorErrorInfo | undefined): boolean => isGoneAnswer(i);
export const GONE_REASON = 'the task is gone (query answered 404)';

/**
 * A create that failed with what the vendor says to back off from (206 "request timed out", 50x, body
 * code 65) once the backoff is used up: "use a new UID, acquire a new builderToken and create again"
 * (agora.md §8) — after checking that this builderToken started nothing.
 */
export function needsNewBuilderToken(i: VendorErrorInfo | undefined): boolean {
  if (!i) return false;
  return i.httpStatus === 206 || (i.httpStatus !== undefined && i.httpStatus >= 500) || i.code === 65;
}

/** The transcoder's output uids come from a range of their own, away from users, recorders and STT bots. */
export const TRANSCODER_UID_MIN = 3_700_000_000;
export const TRANSCODER_UID_SPAN = 99_999_999;

/** The builderTokens' instanceId: derived from the business key, ≤ 64 of `[A-Za-z0-9_-]`. */
export function instanceIdFor(channel: string, workflowId: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < workflowId.length; i++) h = Math.imul(h ^ workflowId.charCodeAt(i), 0x01000193) >>> 0;
  return `${channel.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40)}-tc-${h.toString(16).padStart(8, '0')}`;
}

/**
 * How a change of the layout reaches the task (agora.md §8 update): inputs, video regions and the
 * outputs' audio/video options in place (the whole body, a new sequenceId); the canvas and the
 * watermarks only by replacing the task; a change of scenario (audio+video, audio-only, channel mix) or
 * of the outputs' channels never.
 */
export function changePlan(current: TranscoderLayout, next: TranscoderLayout, channel: string): { refused?: string; replace: boolean } {
  const uids = current.outputs.map((_o, i) => i + 1);
  const violations = updateViolations(vendorConfigOf(current, { channel, outputUids: uids }), vendorConfigOf(next, { channel, outputUids: uids }));
  const replaceable = violations.filter((v) => v.startsWith('canvas') || v.startsWith('waterMarks'));
  const refused = violations.filter((v) => !replaceable.includes(v));
  if (refused.length) return { refused: refused.join('; '), replace: false };
  return { replace: replaceable.length > 0 };
}

/**
 * What is wrong with the whole body a layout makes, by the same rules a start is checked with (e.g. an output
 * without videoOption on a transcoder with video inputs): a change that makes such a body is refused before it
 * is accepted, since the update call would refuse it every time.
 */
export function configRefusal(next: TranscoderLayout, o: { channel: string; outputUids: readonly number[]; idleTimeout?: number }): string | undefined {
  const problems = configProblems(next, o);
  return problems.length ? describeIssues(problems, '(layout)') : undefined;
}

/** A change merged into the whole layout (each given field replaces the current one). */
export function mergeLayout(
  current: TranscoderLayout,
  change: {
    audioInputs?: TranscoderLayout['audioInputs'];
    videoInputs?: TranscoderLayout['videoInputs'];
    canvas?: TranscoderLayout['canvas'];
    waterMarks?: TranscoderLayout['waterMarks'];
    outputs?: Array<Omit<TranscoderLayout['outputs'][number], 'rtcChannel'>>;
  },
): TranscoderLayout | string {
  if (change.outputs && change.outputs.length !== current.outputs.length)
    return `outputs: give the encoding of all ${current.outputs.length} output(s), in order (outputs cannot be added or removed)`;
  const videoInputs = change.videoInputs ?? current.videoInputs;
  const canvas = change.canvas ?? current.canvas;
  const waterMarks = change.waterMarks ?? current.waterMarks;
  return {
    audioInputs: change.audioInputs ?? current.audioInputs,
    ...(videoInputs ? { videoInputs } : {}),
    ...(canvas ? { canvas } : {}),
    ...(waterMarks ? { waterMarks } : {}),
    outputs: change.outputs ? current.outputs.map((o, i) => ({ rtcChannel: o.rtcChannel, ...change.outputs![i] })) : current.outputs,
  };
}
