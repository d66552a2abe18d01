/**
 * Mid-session controls of an Agora cloud recording through the typed client (and so through the HTTP
 * API and the CLI, which use it): layout, subscription lists, pause/resume and the CDN push of a web
 * recording, as one `RecordingChange`.
 *
 * Everything is checked before anything is sent: the change against its schema and the input policy,
 * then against the session's mode (asked of the session's `status`; which mode takes which control is
 * src/agora/meanings/cloud-recording.ts `controlRefusal`). Bad input is an InvalidInputError listing
 * every issue. The controls are then sent as the session's Updates, one after the other (subscriptions,
 * layout, onhold, rtmpOutputs), each returning once the recorder has it; the session's loop makes the
 * vendor calls, one at a time. A control the session refuses (stopping, or Agora refused it) is a
 * WorkflowUpdateFailedError; the controls sent before it stay applied.
 */
import type { Client } from '@temporalio/client';
import { controlRefusal, type RecordingControl } from '../agora/meanings/cloud-recording';
import { InvalidInputError } from '../errors';
import type { Layout, StreamSubscribe } from '../schemas/agora/cloud-recording';
import { parsePublicInput } from '../schemas/parse';
import { PUBLIC_INPUT_POLICY } from '../schemas/policy';
import { RecordingChange, type RecordingChangeParams, type RtmpOutputsChange } from '../schemas/workflows/cloud-recording';
import {
  recordingStatusQuery,
  updateLayoutUpdate,
  updateRtmpOutputsUpdate,
  updateSubscriptionsUpdate,
  updateWebRecordingUpdate,
  type CloudRecordingStatus,
} from '../../workflows/cloud-recording/messages';

export type { RecordingChange, RtmpOutputsChange };

/** What a change left in the recorder, per control it named: each the whole value now applied. */
export interface RecordingControlsApplied {
  layout?: Layout;
  subscriptions?: StreamSubscribe;
  onhold?: boolean;
  rtmpOutputs?: string[];
}

const CONTROL_OF: Record<keyof RecordingChangeParams, RecordingControl> = {
  layout: 'layout',
  subscriptions: 'subscriptions',
  onhold: 'webRecording',
  rtmpOutputs: 'rtmpPublish',
};

/** A change as the session gets it, or InvalidInputError with every issue (schema, policy). */
export function parseRecordingChange(change: unknown): RecordingChangeParams {
  return parsePublicInput(RecordingChange, change, 'recording change', PUBLIC_INPUT_POLICY, '(change)');
}

/** The issues of `change` for a recording of `mode` (empty: it takes every control named). */
export function changeIssues(mode: CloudRecordingStatus['mode'], change: RecordingChangeParams): string[] {
  return (Object.keys(CONTROL_OF) as Array<keyof RecordingChangeParams>)
    .filter((field) => change[field] !== undefined)
    .flatMap((field) => {
      const refused = controlRefusal(mode, CONTROL_OF[field]);
      return refused ? [`${field}: ${refused}`] : [];
    });
}

/** Applies a validated change to the Agora recording session `id`; see the header. */
export async function updateRecording(temporal: Client, id: string, change: RecordingChange): Promise<RecordingControlsApplied> {
  const parsed = parseRecordingChange(change);
  const handle = temporal.workflow.getHandle(id);
  const { mode } = await handle.query(recordingStatusQuery);
  const issues = changeIssues(mode, parsed);
  if (issues.length) throw new InvalidInputError(`invalid recording change for a ${mode} recording`, issues);
  const applied: RecordingControlsApplied = {};
  if (parsed.subscriptions) applied.subscriptions = await handle.executeUpdate(updateSubscriptionsUpdate, { args: [parsed.subscriptions] });
  if (parsed.layout) applied.layout = await handle.executeUpdate(updateLayoutUpdate, { args: [parsed.layout] });
  if (parsed.onhold !== undefined) applied.onhold = (await handle.executeUpdate(updateWebRecordingUpdate, { args: [{ onhold: parsed.onhold }] })).onhold;
  if (parsed.rtmpOutputs) applied.rtmpOutputs = (await handle.executeUpdate(updateRtmpOutputsUpdate, { args: [parsed.rtmpOutputs] })).outputs;
  return applied;
}
