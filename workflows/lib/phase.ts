/**
 * A lifecycle's phase, kept in one place: read by the `status` query, mirrored to the RtcPhase search
 * attribute on every change (one visibility write per change, none for a reason alone) and shown as
 * the workflow's current details in the Temporal UI (no history event): the phase and since when, why,
 * the vendor resource the session holds (RtcSid, named in the product's words) and the last vendor
 * call that failed (noted by the activity proxies, ./retry.ts).
 */
import { metricMeter, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { SA } from './search-attributes';
import { phaseEvents } from './events';

export interface PhaseTracker<P extends string> {
  readonly current: P;
  readonly reason?: string;
  readonly since: string;
  set(phase: P, reason?: string): void;
}

/** What RtcSid is, in each product's own words (RtcProduct → label). */
const RESOURCE_LABEL: Record<string, string> = {
  'cloud-recording': 'sid',
  stt: 'agent',
  'media-push': 'converter',
  'media-pull': 'player',
  'media-gateway': 'stream',
  'cloud-transcoder': 'task',
  'channel-ban': 'rule',
  'sparkrtc-recording': 'job',
};

/** The workflow's current-details line; one per workflow (workflow modules are per execution). */
let render: (() => void) | undefined;
let lastVendorError: { at: string; what: string } | undefined;

/** A vendor call failed (any attempt that reached the workflow): shown in the current details until the next one. */
export function noteVendorError(what: string): void {
  lastVendorError = { at: new Date().toISOString(), what };
  render?.();
}

function details(phase: string, reason: string | undefined, since: string): string {
  const sa = workflowInfo().typedSearchAttributes;
  const product = sa.get(SA.product);
  const sid = sa.get(SA.sid);
  const lines = [`**${phase}**${reason ? ` — ${reason}` : ''} (since ${since})`];
  if (sid) lines.push(`${RESOURCE_LABEL[product ?? ''] ?? 'resource'}: \`${sid}\``);
  if (lastVendorError) lines.push(`last vendor error (${lastVendorError.at}): ${lastVendorError.what}`);
  return lines.join('\n\n');
}

export function trackPhase<P extends string>(initial: P): PhaseTracker<P> {
  let current = initial;
  // session.started / session.updated to the application on settled phases (./events.ts)
  const toApp = phaseEvents(initial);
  let reason: string | undefined;
  let since = new Date().toISOString();
  upsertSearchAttributes([{ key: SA.phase, value: initial }]);
  // sessions by product and phase on the worker's Prometheus endpoint (src/metrics/vendor.ts): not emitted on replay, no command
  const entered = metricMeter.createCounter('rtcflow_session_phase_entered', 'sessions', 'sessions that entered a phase (at least once: a retried workflow task may count again)');
  // the SDK tags workflow metrics with workflowType (the session kind), namespace and taskQueue
  const count = (phase: string) => entered.add(1, { phase });
  count(initial);
  render = () => setCurrentDetails(details(current, reason, since));
  render();
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
        count(phase);
      }
      render?.();
    },
  };
}
