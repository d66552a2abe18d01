/**
 * Events out to the application (src/client/events.ts), emitted in one place for every lifecycle:
 *   session.started   the first settled phase of a session (recording, running, live, active, ...)
 *   session.updated   each later change into a settled phase (idle, running again after a failover, ...)
 *   files.ready       the lifecycle's files, when its result has some (SessionFrame's `files` hook)
 *   session.ended     the session returned its result (or was cancelled)
 *   session.failed    the session failed
 * The phase tracker (./phase.ts) and SessionFrame (./session.ts) call it; lifecycles do nothing.
 *
 * Never blocking: each event is a child workflow (../app-events.ts) started with parentClosePolicy
 * ABANDON, so the session never waits for the application and a delivery still retrying outlives the
 * session. Its workflow ID is the event ID (`rtcflow-event/<run id>/<n>`: deterministic, unique since run
 * IDs are): a redelivery, a replay or a retried workflow task never makes a second event. (Not the
 * session ID: the replayer names a recorded history by its file, and the event says its session anyway.) The session waits only for the
 * child's start (a server round trip) before it closes or continues as new.
 *
 * Only when the session's profile has an events target: one local activity per run (at the first
 * event) asks the worker's configuration and answers a boolean; the URL and the signing secret stay in
 * the worker. Sessions of profiles without one get that marker and no child. Runs recorded before this
 * existed replay unchanged: everything is behind patched('app-events').
 */
import { CancellationScope, ChildWorkflowCancellationType, log, ParentClosePolicy, patched, proxyLocalActivities, startChild, workflowInfo } from '@temporalio/workflow';
import type { EventActivities } from '../../activities/events';
import type { RtcflowEvent, RtcflowEventType } from '../../src/client/events';
import type { appEventDelivery } from '../app-events';
import { workflowLocal } from './local';
import { APP_EVENTS_PATCH } from './patches';
import { localReads, SA, searchAttribute } from './search-attributes';

export { APP_EVENTS_PATCH };

const local = proxyLocalActivities<EventActivities>({ startToCloseTimeout: '10s', retry: { maximumAttempts: 3 } });

/**
 * Phases in which a session is on its way somewhere (or over): every other phase is settled. Named
 * here by the words the lifecycles' messages.ts use for them.
 */
const IN_TRANSIT: ReadonlySet<string> = new Set([
  'acquiring',
  'starting',
  'confirming',
  'creating',
  'creating-key',
  'connecting',
  'recreating',
  'replacing',
  'stopping',
  'draining',
  'lifting',
]);
const TERMINAL: ReadonlySet<string> = new Set(['completed', 'failed']);
export const isSettledPhase = (phase: string): boolean => !IN_TRANSIT.has(phase) && !TERMINAL.has(phase);

/** this run's events: how many it emitted, whether its profile has a target (asked once), their deliveries' starts */
const emitted = () => workflowLocal<{ sequence: number; configured?: Promise<boolean>; starts: Promise<void>[] }>('events', () => ({ sequence: 0, starts: [] }));

/** Emits one event to the application; returns at once (the delivery is a child workflow). */
export function emitEvent(type: RtcflowEventType, data: Record<string, unknown>): void {
  // called at every emission, never cached: a session that began before the deploy starts emitting at
  // the first event after it, and its replay sees the marker exactly there
  if (!localReads() && !patched(APP_EVENTS_PATCH)) return;
  const info = workflowInfo();
  const run = emitted();
  const event: RtcflowEvent = {
    id: `rtcflow-event/${info.runId}/${++run.sequence}`,
    type,
    createdAt: new Date().toISOString(),
    session: {
      id: info.workflowId,
      runId: info.runId,
      ...optional('product', searchAttribute(SA.product)),
      ...optional('vendor', searchAttribute(SA.vendor)),
      ...optional('channel', searchAttribute(SA.channel)),
    },
    data,
  };
  // the session may be cancelled: its last events are sent all the same
  const start = CancellationScope.nonCancellable(async () => {
    run.configured ??= local.appEventsConfigured({ sessionId: info.workflowId }).catch((err: unknown) => {
      log.warn('could not tell whether this session has an events target; it sends none', { error: err instanceof Error ? err.message : String(err) });
      return false;
    });
    if (!(await run.configured)) return;
    try {
      // by name: the kernel does not import the delivery workflow (../app-events.ts imports the kernel)
      await startChild<typeof appEventDelivery>('appEventDelivery', {
        workflowId: event.id,
        args: [event],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        cancellationType: ChildWorkflowCancellationType.ABANDON,
        staticSummary: `${type} of ${info.workflowId}`,
      });
    } catch (err) {
      // already started (the same event): nothing to do; anything else must not touch the session
      log.warn('app event not started', { eventId: event.id, error: err instanceof Error ? err.message : String(err) });
    }
  });
  run.starts.push(start);
}

/** Resolves once every event emitted so far has its delivery started (SessionFrame, before the run closes). */
export async function eventsStarted(): Promise<void> {
  await Promise.all(emitted().starts);
}

/**
 * The phase tracker's hook: session.started at the first settled phase, session.updated at each later
 * change into one. A run that starts settled is a continued one: its session started in an earlier run.
 */
export function phaseEvents(initial: string): (phase: string, reason?: string) => void {
  let started = isSettledPhase(initial);
  return (phase, reason) => {
    if (!isSettledPhase(phase)) return;
    emitEvent(started ? 'session.updated' : 'session.started', { phase, ...optional('reason', reason) });
    started = true;
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
