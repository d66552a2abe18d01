/**
 * Documented vendor rate limits (agora.md §1.4, sparkrtc.md §17.5), counted per key over one-second
 * (or longer) windows of the emulator's clock. A refused call answers 429 with Retry-After.
 */
import type { FastifyReply } from 'fastify';
import type { World } from './world';

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly world: World) {}

  /** Counts one call against `key`; false when the limit for the current window is used up. */
  take(key: string, limit: number, windowMs = 1_000): boolean {
    const now = this.world.now();
    const w = this.windows.get(key);
    if (!w || now - w.start >= windowMs) {
      this.windows.set(key, { start: now, count: 1 });
      return true;
    }
    if (w.count >= limit) return false;
    w.count++;
    return true;
  }

  /** Milliseconds of emulated time until the window of `key` resets. */
  retryAfterMs(key: string, windowMs = 1_000): number {
    const w = this.windows.get(key);
    return w ? Math.max(0, w.start + windowMs - this.world.now()) : 0;
  }

  /**
   * For a route handler: when the limit is used up, sends the 429 and returns true.
   * `body` is the vendor's error shape.
   */
  refuse(reply: FastifyReply, key: string, limit: number, windowMs = 1_000, body: unknown = { message: 'API rate limit exceeded' }): boolean {
    if (this.take(key, limit, windowMs)) return false;
    const secs = Math.max(1, Math.ceil(this.world.clock.realDelay(this.retryAfterMs(key, windowMs)) / 1000));
    reply.code(429).header('retry-after', String(secs)).header('ratelimit-limit', String(limit)).header('ratelimit-remaining', '0').send(body);
    return true;
  }
}
