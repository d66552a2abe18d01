/**
 * The delivery of one event to the application (started by workflows/lib/events.ts, its workflow ID =
 * the event ID): POSTs it, signed, until the application answers 2xx, with the retry table's backoff
 * for calls that must eventually happen (`cleanup`: 1 s doubling to 60 s, for up to an hour). Each
 * attempt is signed anew by the activity, which holds the secret; this history holds only the event.
 * Fails (visibly, in its own history) when the application never took it; the session never waits.
 */
import type { EventActivities } from '../activities/events';
import type { RtcflowEvent } from '../src/client/events';
import { activitiesOf } from './lib/retry';

const deliveries = activitiesOf<EventActivities>('cleanup');

export interface AppEventDelivered {
  eventId: string;
  /** the application's answer and the attempt that got it */
  status: number;
  attempt: number;
}

export async function appEventDelivery(event: RtcflowEvent): Promise<AppEventDelivered> {
  return deliveries.deliverAppEvent(event);
}
