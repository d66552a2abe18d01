/**
 * A lifecycle's phase, kept in one place: read by the `status` query, mirrored to the RtcPhase search
 * attribute on every change (one visibility write per change, none for a reason alone) and shown as
 * the workflow's current details in the Temporal UI (no history event).
 */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { SA } from './search-attributes';
import { phaseEvents } from './events';

export interface PhaseTracker<P extends string> {
  readonly current: P;
  readonly reason?: string;
  readonly since: string;
  set(phase: P, reason?: string): void;
}

export function trackPhase<P extends string>(initial: P): PhaseTracker<P> {
  let current = initial;
  // session.started / session.updated to the application on settled phases (./events.ts)
  const toApp = phaseEvents(initial);
  let reason: string | undefined;
  let since = new Date().toISOString();
  upsertSearchAttributes([{ key: SA.phase, value: initial }]);
  const show = () => setCurrentDetails(`**${current}**${reason ? ` — ${reason}` : ''} (since ${since})`);
  show();
  return {
    get current() {
      return current;
    },
    get reason() {
      return reason;
    },
    get since() {
      return since;
    },
    set(phase: P, why?: string) {
      if (phase !== current) toApp(phase, why);
      reason = why;
      if (phase !== current) {
        current = phase;
        since = new Date().toISOString();
        upsertSearchAttributes([{ key: SA.phase, value: phase }]);
      }
      show();
    },
  };
}
