/**
 * rtcflow's own metrics, next to the Temporal SDK's: both go out through the worker runtime's meter, so
 * one Prometheus endpoint (RTCFLOW_METRICS_PORT, installMetricsRuntime) serves them all.
 *
 *   rtcflow_vendor_calls{vendor,product,operation,status}         every vendor HTTP call (status: HTTP status or transport code)
 *   rtcflow_vendor_call_latency{vendor,product,operation,status}  its latency, ms (histogram)
 *   rtcflow_vendor_call_errors{vendor,product,operation,code,retryable}  every vendor error an activity raised, by the vendor's code
 *   rtcflow_session_phase_entered{workflowType,phase}              a session (its kind: the workflow type) entered a phase (workflows/lib/phase.ts; not on replay; at least once)
 *   rtcflow_webhooks_total{source,outcome,result}                  the API process's receivers (renderWebhookMetrics, its own port)
 * Labels carry names and codes only: never a secret, token or URL.
 */
import type { MetricMeter, MetricTags } from '@temporalio/common';
import type { CallSite, VendorCallObserver } from '../http/client';
import type { VendorErrorInfo } from '../http/errors';

export const METRIC_NAMES = {
  vendorCalls: 'rtcflow_vendor_calls',
  vendorLatency: 'rtcflow_vendor_call_latency',
  vendorErrors: 'rtcflow_vendor_call_errors',
  sessionPhase: 'rtcflow_session_phase_entered',
  webhooks: 'rtcflow_webhooks_total',
} as const;

const siteTags = (site: Pick<CallSite, 'vendor' | 'product' | 'operation'>): MetricTags => ({ vendor: site.vendor, product: site.product, operation: site.operation });

/** Counts and times vendor calls at the one HTTP layer (HttpClient's observer). */
export function vendorCallObserver(meter: MetricMeter): VendorCallObserver {
  const calls = meter.createCounter(METRIC_NAMES.vendorCalls, 'calls', 'vendor HTTP calls by operation and status');
  const latency = meter.createHistogram(METRIC_NAMES.vendorLatency, 'int', 'ms', 'vendor HTTP call latency');
  return (site, status, ms) => {
    const tags = { ...siteTags(site), status };
    calls.add(1, tags);
    latency.record(Math.max(0, Math.round(ms)), tags);
  };
}

/** Counts a vendor error an activity is about to raise (activities/errors.ts). */
export function countVendorError(meter: MetricMeter, info: VendorErrorInfo): void {
  meter
    .createCounter(METRIC_NAMES.vendorErrors, 'errors', 'vendor errors raised by activities, by operation and code')
    .add(1, { ...siteTags(info), code: String(info.code ?? 'unknown'), retryable: info.retryable });
}

/** The API process's webhook counters (WebhookStats.snapshot) as Prometheus text. */
export function renderWebhookMetrics(snapshot: Record<string, number>): string {
  const lines = [
    `# HELP ${METRIC_NAMES.webhooks} webhooks received by source and outcome (result: accepted = routed/unrouted, else rejected)`,
    `# TYPE ${METRIC_NAMES.webhooks} counter`,
  ];
  for (const [key, n] of Object.entries(snapshot)) {
    const [source, ...rest] = key.split('.');
    const outcome = rest.join('.');
    const result = outcome === 'routed' || outcome === 'unrouted' ? 'accepted' : 'rejected';
    lines.push(`${METRIC_NAMES.webhooks}{source="${esc(source)}",outcome="${esc(outcome)}",result="${result}"} ${n}`);
  }
  return `${lines.join('\n')}\n`;
}

const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
