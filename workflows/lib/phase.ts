/**
 * A lifecycle's phase, kept in one place: read by the `status` query, mirrored to the RtcPhase search
 * attribute when the session starts and whenever it enters a settled phase (./search-attributes.ts: one
 * upsert with whatever else was staged; transient phases such as acquiring or confirming are not written,
 * a reason alone never is) and shown as
 * the workflow's current details in the Temporal UI (no history event): the phase and since when, why,
 * the vendor resource the session holds (RtcSid, named in the product's words) and the last vendor
 * call that failed (noted by the activity proxies, ./retry.ts).
 */
import { metricMeter, setCurrentDetails } from '@temporalio/workflow';
import { workflowLocal } from './local';
import { coalesce, flushSearchAttributes, SA, searchAttribute, stageSearchAttributes } from './search-attributes';
import { phaseEvents } from './events';
import type { UsageEntry, UsageLedger } from './usage';

export interface PhaseTracker<P extends string> {
  readonly current: P;
  readonly reason?: string;
  readonly since: string;
  set(phase: P, reason?: string): void;
  /** the session's billable time so far (its ledger's report; empty for a lifecycle without billing) */
  usage(): UsageEntry[];
}

/** What RtcSid is, in each product's own words (RtcProduct → label). */
const RESOURCE_LABEL: Readonly<Record<string, string>> = {
  'cloud-recording': 'sid',
  stt: 'agent',
  'media-push': 'converter',
  'media-pull': 'player',
  'media-gateway': 'stream',
  'cloud-transcoder': 'task',
  'channel-ban': 'rule',
  'sparkrtc-recording': 'job',
  whiteboard: 'task',
  'classroom-recording': 'record',
};

/** The workflow's current-details line (one per workflow) and the last vendor error it shows. */
const detailsLine = () => workflowLocal<{ render?: () => void; lastVendorError?: { at: string; what: string } }>('details', () => ({}));

/** A vendor call failed (any attempt that reached the workflow): shown in the current details until the next one. */
export function noteVendorError(what: string): void {
  const line = detailsLine();
  line.lastVendorError = { at: new Date().toISOString(), what };
  line.render?.();
}

function details(phase: string, reason: string | undefined, since: string): string {
  const product = searchAttribute(SA.product);
  const sid = searchAttribute(SA.sid);
  const lines = [`**${phase}**${reason ? ` — ${reason}` : ''} (since ${since})`];
  if (sid) lines.push(`${RESOURCE_LABEL[product ?? ''] ?? 'resource'}: \`${sid}\``);
  const { lastVendorError } = detailsLine();
  if (lastVendorError) lines.push(`last vendor error (${lastVendorError.at}): ${lastVendorError.what}`);
  return lines.join('\n\n');
}

export interface PhaseOptions<P extends string> {
  /** steps on the way to a settled phase: reported by `status` and the details, not written to RtcPhase */
  transient?: readonly P[];
  /** the phases the vendor bills, kept in the session's ledger (./usage.ts) */
  billing?: { ledger: UsageLedger; phases: readonly P[] };
}

/** Tracks a session's phase from `initial`. */
export function trackPhase<P extends string>(initial: P, options: PhaseOptions<P> = {}): PhaseTracker<P> {
  const { transient = [], billing } = options;
  const bill = (phase: P) => (billing?.phases.includes(phase) ? billing.ledger.open() : billing?.ledger.close());
  bill(initial);
  let current = initial;
  // session.started / session.updated to the application on settled phases (./events.ts)
  const toApp = phaseEvents(initial);
  let reason: string | undefined;
  let since = new Date().toISOString();
  // the first workflow task writes the initial phase with the lifecycle's own attributes, in one upsert
  stageSearchAttributes([{ key: SA.phase, value: initial }]);
  flushSearchAttributes();
  // sessions by product and phase on the worker's Prometheus endpoint (src/metrics/vendor.ts): not emitted on replay, no command
  const entered = metricMeter.createCounter('rtcflow_session_phase_entered', 'sessions', 'sessions that entered a phase (at least once: a retried workflow task may count again)');
  // the SDK tags workflow metrics with workflowType (the session kind), namespace and taskQueue
  const count = (phase: string) => entered.add(1, { phase });
  count(initial);
  const line = detailsLine();
  line.render = () => setCurrentDetails(details(current, reason, since));
  line.render();
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
    usage: () => billing?.ledger.report() ?? [],
    set(phase: P, why?: string) {
      if (phase !== current) toApp(phase, why);
      reason = why;
      if (phase !== current) {
        current = phase;
        since = new Date().toISOString();
        bill(phase);
        // runs from before coalescing wrote every phase
        if (!transient.includes(phase) || !coalesce()) {
          stageSearchAttributes([{ key: SA.phase, value: phase }]);
          flushSearchAttributes();
        }
        count(phase);
      }
      line.render?.();
    },
  };
}
