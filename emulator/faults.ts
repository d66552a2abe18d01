/**
 * Fault injection for every emulated route, driven through /_emulator/faults (and `rtcflow emulator
 * --fault JSON`). A rule matches by vendor/product/operation labels and/or a path regex, fires with a
 * probability and at most `count` times, and does one of:
 *   error        answer this status and body instead of the vendor
 *   latency      wait this many real milliseconds, then proceed normally
 *   reset        destroy the connection without answering (nothing was applied)
 *   drop-response apply the request (state changes happen), then destroy the connection instead of
 *                answering: the ambiguous start
 *   rate-limit   answer 429 with Retry-After
 *   failover     for `seconds` of emulated time from the rule's creation, answer 404 as Agora does
 *                during an HA failover (query/update/stop), then recover by themselves
 *   hold         keep the request waiting (nothing applied yet) until the rule is released through
 *                POST /_emulator/faults/:id/release (or removed), then proceed normally; a safety bound
 *                (`maxMs`, real time) releases it anyway. Tests use it to act "while a call is in flight"
 *                without guessing at latencies.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { World } from './world';

export const FaultAction = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('error'), status: z.number().int().min(400).max(599), body: z.unknown().optional(), headers: z.record(z.string(), z.string()).optional() }),
  z.strictObject({ type: z.literal('latency'), ms: z.number().int().min(0).max(600_000) }),
  z.strictObject({ type: z.literal('reset') }),
  z.strictObject({ type: z.literal('drop-response') }),
  z.strictObject({ type: z.literal('rate-limit'), retryAfterSeconds: z.number().min(0).default(1) }),
  z.strictObject({ type: z.literal('failover'), seconds: z.number().positive() }),
  z.strictObject({ type: z.literal('hold'), maxMs: z.number().int().min(1).max(600_000).default(60_000) }),
]);
export type FaultAction = z.infer<typeof FaultAction>;

export const FaultRuleInput = z.strictObject({
  match: z.strictObject({
    vendor: z.enum(['agora', 'sparkrtc']).optional(),
    product: z.string().optional(),
    /** one operation or several */
    operation: z.union([z.string(), z.array(z.string())]).optional(),
    method: z.string().optional(),
    /** a regular expression tested against the request path */
    path: z.string().optional(),
  }),
  action: FaultAction,
  /** chance that a matching request is hit (default 1) */
  probability: z.number().min(0).max(1).default(1),
  /** how many hits at most; unlimited when absent */
  count: z.number().int().positive().optional(),
});
export type FaultRuleInput = z.input<typeof FaultRuleInput>;

export interface FaultRule extends z.output<typeof FaultRuleInput> {
  id: string;
  createdAt: number;
  hits: number;
  /** failover rules: emulated time at which the window closes */
  until?: number;
  /** hold rules: requests waiting for the release now */
  waiting?: number;
  /** hold rules: released (the rule is retired) */
  released?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    dropResponse?: boolean;
  }
}

export class Faults {
  private rules: FaultRule[] = [];
  /** hold rules' waiting requests, by rule id */
  private readonly holds = new Map<string, Array<() => void>>();

  constructor(
    private readonly world: World,
    private readonly random: () => number = Math.random,
  ) {}

  add(input: FaultRuleInput): FaultRule {
    const parsed = FaultRuleInput.parse(input);
    const now = this.world.now();
    const rule: FaultRule = {
      ...parsed,
      id: randomUUID(),
      createdAt: now,
      hits: 0,
      until: parsed.action.type === 'failover' ? now + parsed.action.seconds * 1000 : undefined,
    };
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    this.expire();
    return [...this.rules];
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.release(id);
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    for (const id of [...this.holds.keys()]) this.release(id);
    this.rules = [];
  }

  /** Lets every request a hold rule keeps go on, and retires the rule; false for an unknown rule. */
  release(id: string): boolean {
    const rule = this.rules.find((r) => r.id === id);
    const waiters = [...(this.holds.get(id) ?? [])];
    for (const go of waiters) go();
    if (rule) {
      rule.released = true;
      rule.waiting = 0;
      this.rules = this.rules.filter((r) => r.id !== id);
    }
    return rule !== undefined || waiters.length > 0;
  }

  /** Keeps a request until the hold rule is released (or its safety bound passes). */
  async hold(rule: FaultRule, maxMs: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const waiters = this.holds.get(rule.id) ?? [];
      const go = () => {
        clearTimeout(timer);
        const left = (this.holds.get(rule.id) ?? []).filter((w) => w !== go);
        if (left.length) this.holds.set(rule.id, left);
        else this.holds.delete(rule.id);
        rule.waiting = left.length;
        resolve();
      };
      const timer = setTimeout(go, maxMs);
      waiters.push(go);
      this.holds.set(rule.id, waiters);
      rule.waiting = waiters.length;
    });
  }

  private expire(): void {
    const now = this.world.now();
    // a used-up hold stays listed while it keeps requests waiting, so tests can see what it holds
    this.rules = this.rules.filter((r) => (r.until === undefined || now < r.until) && (r.count === undefined || r.hits < r.count || (r.waiting ?? 0) > 0));
  }

  /** The rule that hits this request, if any (counts the hit). */
  pick(req: FastifyRequest): FaultRule | undefined {
    this.expire();
    const labels = req.routeOptions.config.labels;
    if (!labels) return undefined; // control routes are never faulted
    const path = req.url.split('?')[0]!;
    for (const r of this.rules) {
      if (r.count !== undefined && r.hits >= r.count) continue;
      const m = r.match;
      if (m.vendor && m.vendor !== labels.vendor) continue;
      if (m.product && m.product !== labels.product) continue;
      if (m.operation && !(Array.isArray(m.operation) ? m.operation : [m.operation]).includes(labels.operation)) continue;
      if (m.method && m.method.toUpperCase() !== req.method) continue;
      if (m.path && !new RegExp(m.path).test(path)) continue;
      if (r.probability < 1 && this.random() >= r.probability) continue;
      r.hits++;
      return r;
    }
    return undefined;
  }
}

/** Hooks that apply the faults to every labelled route. */
export function installFaultHooks(app: FastifyInstance, faults: Faults, logAborted: (req: FastifyRequest, status: number) => void): void {
  app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    const rule = faults.pick(req);
    if (!rule) return;
    const a = rule.action;
    req.logRef = { ...req.logRef, fault: a.type };
    switch (a.type) {
      case 'latency':
        await new Promise((r) => setTimeout(r, a.ms));
        return;
      case 'hold':
        await faults.hold(rule, a.maxMs);
        return;
      case 'error':
        if (a.headers) reply.headers(a.headers);
        return reply.code(a.status).send(a.body ?? { message: 'injected fault' });
      case 'rate-limit':
        return reply.code(429).header('retry-after', String(a.retryAfterSeconds)).send({ message: 'API rate limit exceeded' });
      case 'failover':
        return reply.code(404).send({ code: 404, reason: 'failed to find worker' });
      case 'reset':
        logAborted(req, 0);
        req.raw.socket?.destroy();
        return reply.hijack();
      case 'drop-response':
        req.dropResponse = true;
        return;
    }
  });
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.dropResponse) {
      // the handler ran (state applied); the caller never learns the outcome
      logAborted(req, reply.statusCode);
      req.raw.socket?.destroy();
    }
    return payload;
  });
}
