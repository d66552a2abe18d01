/** The one way tests wait for an observable fact, and the one unique-id helper. */
import { randomUUID } from 'node:crypto';

/**
 * Polls `probe` until it returns a value (anything but undefined) or `timeoutMs` passes. A probe that
 * throws counts as "not yet"; the last error is reported on timeout. Never use a sleep instead: wait
 * for the fact, and make negative assertions only after such a positive barrier.
 */
export async function eventually<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `prefix-xxxxxxxx`: channel names, workflow IDs and task queues that no other test uses. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
