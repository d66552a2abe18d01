/**
 * Reading timings and event counts out of real workflow histories (the server's event timestamps, not the
 * driver's clock): when a session reached "recording" (the workflow task that upserted RtcPhase=recording),
 * the steps before it, and where a no-op floor workflow finished.
 */
import type { temporal } from '@temporalio/proto';

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** An event's server timestamp in epoch ms (sub-millisecond kept). */
export function eventMs(e: HistoryEvent): number {
  const t = e.eventTime;
  if (!t) return NaN;
  return Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6;
}

function payloadText(p: temporal.api.common.v1.IPayload | null | undefined): unknown {
  if (!p?.data) return undefined;
  try {
    return JSON.parse(Buffer.from(p.data).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The activity type of a local activity's marker event, undefined for any other event (patch markers...). */
export function localActivityType(e: HistoryEvent): string | undefined {
  const m = e.markerRecordedEventAttributes;
  if (!m || m.markerName !== 'core_local_activity') return undefined;
  const data = payloadText(m.details?.data?.payloads?.[0]) as { activityType?: string; activity_type?: string } | undefined;
  return data?.activityType ?? data?.activity_type ?? 'local activity';
}

/** The activity type an event schedules (an activity) or records (a local activity's marker), else undefined. */
export function scheduledActivityType(e: HistoryEvent): string | undefined {
  return e.activityTaskScheduledEventAttributes ? (e.activityTaskScheduledEventAttributes.activityType?.name ?? 'activity') : localActivityType(e);
}

/** Index of the first event that upserts RtcPhase to `phase`, or -1. */
export function phaseUpsertIndex(events: HistoryEvent[], phase: string): number {
  return events.findIndex((e) => {
    const f = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.RtcPhase;
    if (!f) return false;
    const v = payloadText(f);
    return v === phase || (Array.isArray(v) && v[0] === phase);
  });
}

/** Index of the WorkflowExecutionCompleted event, or -1. */
export function completedIndex(events: HistoryEvent[]): number {
  return events.findIndex((e) => e.workflowExecutionCompletedEventAttributes);
}

/** Index of the first stop request the workflow took (the `stop` update accepted, or the `stop` signal), or -1. */
export function stopRequestIndex(events: HistoryEvent[]): number {
  return events.findIndex(
    (e) =>
      (e.workflowExecutionUpdateAcceptedEventAttributes && e.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest?.input?.name === 'stop') ||
      e.workflowExecutionUpdateAdmittedEventAttributes?.request?.input?.name === 'stop' ||
      e.workflowExecutionSignaledEventAttributes?.signalName === 'stop',
  );
}

/** One step on the way to a milestone: the time between two consecutive completed workflow tasks. */
export interface Step {
  /** what the step waited for: activity types completed, timers fired, local activities (markers) recorded */
  label: string;
  ms: number;
  /** of which: activities waiting in the task queue (scheduled → started) */
  activityQueueMs: number;
  /** of which: activities running (started → completed) */
  activityRunMs: number;
  /** of which: the closing workflow task (scheduled → completed: queue wait + execution) */
  workflowTaskMs: number;
}

export interface Milestone {
  /** ms from WorkflowExecutionStarted to the milestone event (the completion of the workflow task that made it) */
  totalMs: number;
  /** activities scheduled before the milestone (markers of local activities count too) */
  activities: number;
  /** events up to and including the milestone */
  events: number;
  steps: Step[];
  /** epoch ms of WorkflowExecutionStarted and of the milestone (server clock) */
  startedAt: number;
  reachedAt: number;
}

/**
 * The path from the start to the event at `index`: split at each WorkflowTaskCompleted, each step labelled by
 * what completed in it. `undefined` when index < 0.
 */
export function milestone(events: HistoryEvent[], index: number): Milestone | undefined {
  if (index < 0) return undefined;
  const startedAt = eventMs(events[0]!);
  const reachedAt = eventMs(events[index]!);
  const scheduled = new Map<string, { type: string; at: number; startedAt?: number }>();
  const steps: Step[] = [];
  let activities = 0;
  let from = startedAt;
  let cur: Step = { label: '', ms: 0, activityQueueMs: 0, activityRunMs: 0, workflowTaskMs: 0 };
  const labels: string[] = [];
  let wftScheduledAt = startedAt;
  for (let i = 0; i <= index; i++) {
    const e = events[i]!;
    const at = eventMs(e);
    const id = String(e.eventId);
    if (e.activityTaskScheduledEventAttributes) {
      activities++;
      scheduled.set(id, { type: e.activityTaskScheduledEventAttributes.activityType?.name ?? 'activity', at });
    } else if (e.activityTaskStartedEventAttributes) {
      const s = scheduled.get(String(e.activityTaskStartedEventAttributes.scheduledEventId));
      if (s) s.startedAt = at;
    } else if (e.activityTaskCompletedEventAttributes || e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes) {
      const a = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
      const s = scheduled.get(String(a!.scheduledEventId));
      if (s) {
        labels.push(e.activityTaskCompletedEventAttributes ? s.type : `${s.type} (failed)`);
        if (s.startedAt !== undefined) {
          cur.activityQueueMs += s.startedAt - s.at;
          cur.activityRunMs += at - s.startedAt;
        }
      }
    } else if (e.timerFiredEventAttributes) {
      labels.push('timer');
    } else if (e.markerRecordedEventAttributes) {
      const local = localActivityType(e);
      if (local !== undefined) activities++;
      // a local activity runs inside the workflow task whose completion records its marker: that task's step
      const label = local !== undefined ? `local:${local}` : (e.markerRecordedEventAttributes.markerName ?? 'marker').replace(/^core_/, '');
      const last = steps[steps.length - 1];
      if (last) last.label = last.label === 'workflow task' || last.label === 'first workflow task' ? label : `${last.label}+${label}`;
      else labels.push(label);
    } else if (e.workflowExecutionSignaledEventAttributes) {
      labels.push(`signal:${e.workflowExecutionSignaledEventAttributes.signalName}`);
    } else if (e.workflowTaskScheduledEventAttributes) {
      wftScheduledAt = at;
    } else if (e.workflowTaskCompletedEventAttributes) {
      cur.workflowTaskMs = at - wftScheduledAt;
      cur.ms = at - from;
      cur.label = labels.length ? labels.join('+') : steps.length ? 'workflow task' : 'first workflow task';
      steps.push(cur);
      labels.length = 0;
      from = at;
      cur = { label: '', ms: 0, activityQueueMs: 0, activityRunMs: 0, workflowTaskMs: 0 };
    }
  }
  return { totalMs: reachedAt - startedAt, activities, events: index + 1, steps, startedAt, reachedAt };
}
