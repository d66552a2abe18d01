/**
 * A lifecycle's phase, kept in one place: read by the `status` query, mirrored to the RtcPhase
 * search attribute on every change.
 */
import { upsertSearchAttributes } from '@temporalio/workflow';
import { SA } from './search-attributes';

export interface PhaseTracker<P extends string> {
  readonly current: P;
  readonly reason?: string;
  readonly since: string;
  set(phase: P, reason?: string): void;
}

export function trackPhase<P extends string>(initial: P): PhaseTracker<P> {
  let current = initial;
  let reason: string | undefined;
  let since = new Date().toISOString();
  upsertSearchAttributes([{ key: SA.phase, value: initial }]);
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
      reason = why;
      if (phase === current) return;
      current = phase;
      since = new Date().toISOString();
      upsertSearchAttributes([{ key: SA.phase, value: phase }]);
    },
  };
}
