/**
 * The chaos run's randomness, all from one seed: the fault rules, when the worker is SIGKILLed (and
 * whether inside a held vendor call), when the dev server is killed, and each session's change pacing.
 * The same seed gives the same plan (the moments the plan names; what the processes do in between is
 * the machine's).
 */
import type { FaultRuleInput } from '../../emulator/faults';

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ChaosOptions {
  quick: boolean;
  /** sessions per lifecycle */
  sessions: number;
  kills: number;
  faultRate: number;
  serverRestarts: number;
  seed: number;
  /** the chaos phase (faults, kills, restarts and changes), ms */
  durationMs: number;
  json?: string;
  timeScale: number;
  /** only these lifecycles (all when absent) */
  only?: string[];
}

/** Vendor operations that change something: a hold on one of them is "a kill inside a vendor call". */
export const MUTATING_OPERATIONS = [
  'acquire',
  'start',
  'create',
  'join',
  'update',
  'updateLayout',
  'stop',
  'delete',
  'leave',
  'createRule',
  'updateRule',
  'deleteRule',
  'createStreamKey',
  'destroyStreamKey',
  'muteOnlineStream',
  'disconnectOnlineStream',
];

export interface KillEvent {
  kind: 'worker-kill';
  atMs: number;
  /** hold a vendor call first and kill while it is in flight */
  inFlight: boolean;
  /** the product the hold matches (any mutating operation of it) */
  product?: string;
}

export interface ServerRestartEvent {
  kind: 'server-restart';
  atMs: number;
  /** how long the server stays down before the restart */
  downMs: number;
}

export type ChaosEvent = KillEvent | ServerRestartEvent;

export interface ChaosPlan {
  events: ChaosEvent[];
  faults: FaultRuleInput[];
}

const HOLD_PRODUCTS = ['cloud-recording', 'stt7', 'stt6', 'media-gateway', 'media-push', 'media-pull', 'cloud-transcoder', 'mix-stream-jobs', 'channel-management'];

export function plan(o: ChaosOptions, random: () => number): ChaosPlan {
  const events: ChaosEvent[] = [];
  // the events spread over the phase, at least 3 s apart, so each restart is over before the next
  const slots = o.kills + o.serverRestarts;
  const span = o.durationMs * 0.8;
  const times = Array.from({ length: slots }, (_, i) => Math.round(o.durationMs * 0.1 + (span / Math.max(1, slots)) * (i + random() * 0.6)));
  const kinds = [...Array.from({ length: o.kills }, () => 'k'), ...Array.from({ length: o.serverRestarts }, () => 's')];
  // shuffle which slot gets which event
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  let kill = 0;
  kinds.forEach((k, i) => {
    if (k === 's') events.push({ kind: 'server-restart', atMs: times[i]!, downMs: Math.round(500 + random() * 1_500) });
    else {
      // every other kill waits for a vendor call in flight (the first one always does)
      const inFlight = kill++ % 2 === 0;
      events.push({ kind: 'worker-kill', atMs: times[i]!, inFlight, product: inFlight ? HOLD_PRODUCTS[Math.floor(random() * HOLD_PRODUCTS.length)] : undefined });
    }
  });
  const each = o.faultRate / 4;
  const faults: FaultRuleInput[] =
    o.faultRate > 0
      ? [
          { match: {}, action: { type: 'error', status: 503, body: { message: 'chaos: service unavailable' } }, probability: each },
          { match: {}, action: { type: 'latency', ms: Math.round(1_000 + random() * 2_000) }, probability: each },
          { match: {}, action: { type: 'reset' }, probability: each },
          { match: {}, action: { type: 'drop-response' }, probability: each },
        ]
      : [];
  return { events, faults };
}
