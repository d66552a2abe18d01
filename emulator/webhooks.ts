/**
 * Outgoing vendor webhooks. Products call `emit(vendor, appId, event)`; the dispatcher signs the exact
 * body bytes with the vendor's scheme and delivers it to the configured URL, with optional duplicate,
 * delayed, reordered and dropped deliveries to test receivers. Each target gets its events one after
 * another, in order, unless `reorderWindow` asks otherwise. Undelivered events (non-2xx, network
 * error) are retried 3 times with growing intervals, as Agora NCS does (webhooks.md §1).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { request } from 'undici';
import { z } from 'zod';
import type { World } from './world';
import { Ring } from './ring';

export const WebhookTarget = z.strictObject({
  vendor: z.enum(['agora', 'sparkrtc']),
  /** deliver only this app's events; all apps when absent */
  appId: z.string().optional(),
  url: z.string().url(),
  /** Agora: the NCS secret; SparkRTC: the callback sign key */
  secret: z.string().min(1),
  duplicateProbability: z.number().min(0).max(1).default(0),
  dropProbability: z.number().min(0).max(1).default(0),
  /** real milliseconds each delivery waits (before the first attempt) */
  delayMs: z.number().int().min(0).max(600_000).default(0),
  /** hold events and deliver them in reverse order in batches of this size (0 = in order) */
  reorderWindow: z.number().int().min(0).max(100).default(0),
});
export type WebhookTarget = z.output<typeof WebhookTarget>;
export type WebhookTargetInput = z.input<typeof WebhookTarget>;

export interface OutgoingEvent {
  /** the JSON body; serialised once and signed over those exact bytes */
  body: Record<string, unknown>;
  /** for the delivery log */
  label: string;
}

export interface Delivery {
  id: string;
  vendor: string;
  label: string;
  url: string;
  attempts: number;
  status?: number;
  outcome: 'pending' | 'delivered' | 'failed' | 'dropped';
  duplicate: boolean;
  at: number;
}

/** Signs a body for a vendor: the headers to send with it. */
export type Signer = (secret: string, rawBody: string, now: number) => Record<string, string>;

export const agoraNcsSigner: Signer = (secret, rawBody) => ({
  'Agora-Signature': createHmac('sha1', secret).update(rawBody, 'utf8').digest('hex'),
  'Agora-Signature-V2': createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex'),
});

const RETRY_DELAYS_MS = [200, 1_000, 3_000];
const DELIVERY_LOG_LIMIT = 5_000;

export class Webhooks {
  private targets: WebhookTarget[] = [];
  private readonly signers = new Map<string, Signer>([['agora', agoraNcsSigner]]);
  private readonly held = new Map<WebhookTarget, OutgoingEvent[]>();
  /** the last DELIVERY_LOG_LIMIT deliveries */
  private readonly log = new Ring<Delivery>(DELIVERY_LOG_LIMIT);
  private readonly inflight = new Set<Promise<void>>();
  /** per target, the last delivery: the next one waits for it, so a target sees events in order */
  private readonly chains = new Map<WebhookTarget, Promise<void>>();

  constructor(
    private readonly world: World,
    private readonly random: () => number = Math.random,
  ) {}

  registerSigner(vendor: string, signer: Signer): void {
    this.signers.set(vendor, signer);
  }

  configure(input: WebhookTargetInput): WebhookTarget {
    const t = WebhookTarget.parse(input);
    this.targets = this.targets.filter((x) => !(x.vendor === t.vendor && x.appId === t.appId));
    this.targets.push(t);
    return t;
  }

  clear(): void {
    this.targets = [];
    this.held.clear();
  }

  listTargets(): Array<Omit<WebhookTarget, 'secret'>> {
    return this.targets.map(({ secret: _secret, ...rest }) => rest);
  }

  deliveries(): Delivery[] {
    return this.log.list();
  }

  /** Emits an event to every target configured for this vendor and app. */
  emit(vendor: 'agora' | 'sparkrtc', appId: string, event: OutgoingEvent): void {
    for (const t of this.targets) {
      if (t.vendor !== vendor || (t.appId && t.appId !== appId)) continue;
      if (t.reorderWindow > 0) {
        const batch = [...(this.held.get(t) ?? []), event];
        if (batch.length < t.reorderWindow) {
          this.held.set(t, batch);
          continue;
        }
        this.held.delete(t);
        for (const e of batch.reverse()) this.schedule(t, e);
      } else {
        this.schedule(t, event);
      }
    }
  }

  /** Delivers any events still held for reordering. */
  flush(): void {
    for (const [t, batch] of this.held) for (const e of batch.reverse()) this.schedule(t, e);
    this.held.clear();
  }

  /** Waits until every delivery started so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  private schedule(t: WebhookTarget, event: OutgoingEvent): void {
    const copies = this.random() < t.duplicateProbability ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const d: Delivery = { id: randomUUID(), vendor: t.vendor, label: event.label, url: t.url, attempts: 0, outcome: 'pending', duplicate: i > 0, at: this.world.now() };
      this.log.push(d);
      if (this.random() < t.dropProbability) {
        d.outcome = 'dropped';
        continue;
      }
      const previous = this.chains.get(t) ?? Promise.resolve();
      const p: Promise<void> = previous.then(() => this.deliver(t, event, d)).finally(() => this.inflight.delete(p));
      this.chains.set(t, p);
      this.inflight.add(p);
    }
  }

  private async deliver(t: WebhookTarget, event: OutgoingEvent, d: Delivery): Promise<void> {
    if (t.delayMs) await sleep(t.delayMs);
    const signer = this.signers.get(t.vendor);
    for (let attempt = 0; attempt <= RETRY_DELAYS_MS.length; attempt++) {
      // Agora updates notifyMs on every resend (webhooks.md §1), so the body is re-serialised and re-signed.
      // It is the wall-clock send time, also when the emulated clock runs fast: receivers judge freshness in real time
      const body = t.vendor === 'agora' ? { ...event.body, notifyMs: Date.now() } : event.body;
      const raw = JSON.stringify(body);
      d.attempts++;
      try {
        const res = await request(t.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(signer ? signer(t.secret, raw, this.world.now()) : {}) },
          body: raw,
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        await res.body.dump();
        d.status = res.statusCode;
        if (res.statusCode >= 200 && res.statusCode < 300) {
          d.outcome = 'delivered';
          return;
        }
      } catch {
        d.status = undefined;
      }
      if (attempt < RETRY_DELAYS_MS.length) await sleep(RETRY_DELAYS_MS[attempt]!);
    }
    d.outcome = 'failed';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref?.());
}

/** An Agora NCS envelope (webhooks.md §1). */
export function ncsEnvelope(productId: number, eventType: number, payload: Record<string, unknown>, now: number): Record<string, unknown> {
  return { noticeId: randomUUID(), productId, eventType, notifyMs: now, payload };
}
