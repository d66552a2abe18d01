/**
 * Agora Cloud Recording session, all modes (agora.md §2, §13, §14.1):
 *
 *   acquiring → starting → confirming → recording ⇄ (query, updateLayout, update) → stopping → draining → completed
 *        ╰──────────┴───────────┴─────────────┴──────────────────────────────────────────────────────→ failed
 *
 * - Start that really starts: acquire and start back to back; a lapsed resource or bad token is
 *   acquired again; a uid conflict takes a new uid; an ambiguous start is reconciled by starting again
 *   with the SAME resourceId (201/code 7 = it happened: never a second recording). The recorder must
 *   then report "in progress" (or send recorder_started) within confirmTimeoutMs, else it is stopped
 *   and replaced by one with a new uid and the old resource excluded.
 * - Recording: query every pollIntervalMs is the source of truth; webhooks only wake the loop early. A
 *   404 opens a grace window (HA failover); recovery re-applies every control changed since the start.
 * - Mid-session controls, each a desired-state slot applied by the main loop, one call at a time:
 *   layout (mix: updateLayout), subscriptions (individual/mix: update streamSubscribe), pause/resume
 *   (web: update webRecordingConfig.onhold) and the CDN push (web: update rtmpPublishConfig.outputs,
 *   the whole list each time). A control the mode does not take is refused before anything is sent.
 * - Never leak: stop on request, on max duration, on cancellation (non-cancellable), on any failure
 *   while a sid is held. Long sessions continue as new with their whole state as a second argument.
 *
 * This file only wires messages to the session (./session.ts); the mechanisms are the kernel's (../lib).
 */
import { ApplicationFailure, log, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { controlRefusal, type RecordingControl } from '../../src/agora/meanings/cloud-recording';
import type { CloudRecordingParams, CloudRecordingResult, CloudRecordingState, RtmpPublishControl } from '../../src/schemas/workflows/cloud-recording';
import { describe } from '../lib/failures';
import { activitiesOf } from '../lib/retry';
import type { CloudRecordingActivities } from '../../activities/cloud-recording';
import { desiredSlot } from '../lib/desired';
import { CloudRecordingSession, initialState } from './session';
import {
  ncsEventSignal,
  recordingStatusQuery,
  stopSignal,
  stopUpdate,
  updateLayoutSignal,
  updateLayoutUpdate,
  updateRtmpOutputsSignal,
  updateRtmpOutputsUpdate,
  updateSubscriptionsSignal,
  updateSubscriptionsUpdate,
  updateWebRecordingSignal,
  updateWebRecordingUpdate,
} from './messages';
import {
  CloudRecordingCarried,
  CloudRecordingInput,
  Layout,
  type Parser,
  RtmpOutputsChange,
  StreamSubscribe,
  WebRecordingControl,
  describeIssues,
  nextRtmpOutputs,
  nextSubscriptions,
} from '../../src/workflow-schemas';
import { deliverSignal } from '../lib/inbox';

/**
 * `carried` is passed only by the session itself when it continues as new. Runs continued before it
 * became an argument carried it as `input.state`; only a continued run may still do so.
 */
export async function cloudRecording(rawInput: CloudRecordingInput, carried?: CloudRecordingState): Promise<CloudRecordingResult> {
  const { input: given, legacyState } = splitLegacyState(rawInput);
  const state = carried ?? legacyState;
  const parsed = CloudRecordingInput.safeParse(given);
  if (!parsed.success) {
    // a continued run carries a live recording: never fail without stopping it (a deploy may have
    // tightened the input schema since the session started)
    await stopCarriedRecording(given, state);
    throw invalid('InvalidInput', `invalid cloud recording input: ${describeIssues(parsed.error)}`);
  }
  const input = parsed.data;
  const session = new CloudRecordingSession(input, state ? readCarried(state) : initialState(input));
  const { frame, s } = session;
  // web layouts were accepted (and sent) before; runs started since refuse them before anything is sent
  const refusesWebLayouts = input.mode === 'web' && patched('web-layout-refused');
  const refusal = (control: RecordingControl): string | undefined =>
    control === 'layout' && input.mode === 'web' && !refusesWebLayouts ? undefined : controlRefusal(input.mode, control);

  frame.registerStop(stopSignal, stopUpdate, 'Stop the recording and return the result (files and upload status).');
  session.layoutChanges = frame.registerChange({
    slot: session.s.layout,
    update: updateLayoutUpdate,
    signal: updateLayoutSignal,
    validate: (layout) => validLayout(refusal('layout'), layout),
    what: 'layout',
    description: 'Replace the whole mix/web layout; returns once the recorder has it.',
  });
  session.subscriptionChanges = frame.registerChange({
    slot: session.s.subscriptions,
    update: updateSubscriptionsUpdate,
    signal: updateSubscriptionsSignal,
    validate: (subs) => nextSubscriptions(s.subscriptions.value, validSubscriptions(refusal('subscriptions'), subs)),
    what: 'subscriptions',
    description: 'Replace subscription lists (individual/mix): each list given replaces that list; returns all of them once the recorder has them.',
  });
  session.webRecordingChanges = frame.registerChange({
    slot: s.webRecording ?? desiredSlot<WebRecordingControl>(),
    update: updateWebRecordingUpdate,
    signal: updateWebRecordingSignal,
    validate: (value) => valid(WebRecordingControl, refusal('webRecording'), value, 'InvalidWebRecording', 'pause/resume'),
    what: 'pause/resume',
    description: 'Pause ({onhold: true}) or resume ({onhold: false}) a web recording; returns once the recorder has it.',
  });
  session.rtmpPublishChanges = frame.registerChange<RtmpPublishControl, RtmpOutputsChange>({
    slot: s.rtmpPublish ?? desiredSlot<RtmpPublishControl>(),
    update: updateRtmpOutputsUpdate,
    signal: updateRtmpOutputsSignal,
    validate: (change) => {
      const c = valid(RtmpOutputsChange, refusal('rtmpPublish'), change, 'InvalidRtmpOutputs', 'rtmp outputs');
      return { outputs: nextRtmpOutputs(s.rtmpPublish?.value?.outputs ?? [], c) };
    },
    what: 'rtmp outputs',
    description: 'Change the CDN push of a web recording: {outputs} (the whole list) or {add, remove}; returns the whole list once the recorder has it.',
  });
  setHandler(ncsEventSignal, (event) => deliverSignal(() => session.onNcsEvent(event)));
  setHandler(recordingStatusQuery, () => session.status());

  return session.run();
}

const invalid = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

/** A change of one control: refused for this mode, or parsed (an ApplicationFailure of `type` when invalid). */
function valid<T>(schema: Parser<T>, refused: string | undefined, value: unknown, type: string, what: string): T {
  if (refused) throw invalid(type, refused);
  const r = schema.safeParse(value);
  if (!r.success) throw invalid(type, `invalid ${what}: ${describeIssues(r.error, `(${what})`)}`);
  return r.data;
}

const validLayout = (refused: string | undefined, layout: unknown): Layout => valid(Layout, refused, layout, 'InvalidLayout', 'layout');
const validSubscriptions = (refused: string | undefined, subs: unknown): StreamSubscribe => valid(StreamSubscribe, refused, subs, 'InvalidSubscriptions', 'subscriptions');

/** Takes `state` out of the input of a run continued by an older deploy (and only of such a run). */
function splitLegacyState(rawInput: CloudRecordingInput): { input: unknown; legacyState?: CloudRecordingState } {
  const raw = rawInput as (CloudRecordingInput & { state?: CloudRecordingState }) | undefined;
  if (!raw || raw.state === undefined || workflowInfo().continuedFromExecutionRunId === undefined) return { input: rawInput };
  const { state, ...input } = raw;
  return { input, legacyState: state };
}

/** The carried state as the session wrote it; a state that does not read is a bug, not an input error. */
function readCarried(state: CloudRecordingState): CloudRecordingState {
  const r = CloudRecordingCarried.safeParse(state);
  if (!r.success) log.error('carried state does not match its schema; continuing with it as it is', { issues: describeIssues(r.error, '(state)') });
  return state;
}

/** Stops the recording a continued run carries when its input can no longer be read; best effort. */
async function stopCarriedRecording(given: unknown, state: Partial<CloudRecordingState> | undefined): Promise<void> {
  const raw = given as Partial<CloudRecordingParams> | undefined;
  if (!state?.sid || !state.resourceId || !state.uid || !raw?.channel) return;
  try {
    await activitiesOf<CloudRecordingActivities>('cleanup').stopRecording({
      profile: typeof raw.profile === 'string' ? raw.profile : 'default',
      resourceId: state.resourceId,
      sid: state.sid,
      mode: raw.mode ?? 'mix',
      cname: raw.channel,
      uid: state.uid,
      baseUrl: state.baseUrl,
    });
  } catch (err) {
    log.error('could not stop the carried recording of an unreadable input', { sid: state.sid, error: describe(err) });
  }
}
