/**
 * What the webhook receivers refused and routed, by source and reason (unsigned, bad_signature, stale,
 * oversized, malformed, routed, unrouted...): `GET /v1/webhooks/stats` for operators and alerts.
 */
export class WebhookStats {
  private readonly counts = new Map<string, number>();

  count(source: 'agora' | 'sparkrtc', outcome: string): void {
    const key = `${source}.${outcome}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
