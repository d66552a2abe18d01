/** Small helpers of the bench scenarios: percentiles, bounded concurrency, durations, waiting. */

/** Nearest-rank percentile (p in 0..100) of `values`, rounded to `digits`; 0 for none. */
export function pct(values: number[], p: number, digits = 1): number {
  if (!values.length) return 0;
  const s = [...values].sort((a, b) => a - b);
  const v = s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
  return round(v, digits);
}

export function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** {p50, p95, p99, max, n} of `values` */
export function dist(values: number[], digits = 1): { n: number; p50: number; p95: number; p99: number; max: number } {
  return { n: values.length, p50: pct(values, 50, digits), p95: pct(values, 95, digits), p99: pct(values, 99, digits), max: pct(values, 100, digits) };
}

/** Runs `fn` over `items` with at most `limit` in flight; results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/** "10s", "2m", "500ms", "1h" or plain milliseconds → ms */
export function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) throw new Error(`not a duration: ${v} (e.g. 10s, 2m, 500ms)`);
  const n = Number(m[1]);
  return Math.round(n * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms']);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `p`, or a rejection once `ms` pass. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Polls `check` every `everyMs` until it returns true; throws after `timeoutMs` with `what`. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
