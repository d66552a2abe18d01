/**
 * The client side of workflows/lib/takeover.ts: a query that reaches a worker while it takes a session over
 * is refused (the worker would otherwise run the session's code inside the query), and is asked again here,
 * a few times, a moment apart: by then the worker has run the session's task and answers. Every rtcflow
 * client (the typed client, the HTTP API, the CLI, the benchmarks) installs it.
 */
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { TAKEOVER_QUERY_REFUSED } from '../../workflows/lib/takeover';

const ATTEMPTS = 6;
const PAUSE_MS = 250;

const refused = (err: unknown): boolean => {
  let e: unknown = err;
  for (let depth = 0; depth < 8 && e instanceof Error; depth++, e = (e as { cause?: unknown }).cause) if (e.message.includes(TAKEOVER_QUERY_REFUSED)) return true;
  return false;
};

export function queryRetryInterceptor(): WorkflowClientInterceptor {
  return {
    async query(input, next) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await next(input);
        } catch (err) {
          if (attempt >= ATTEMPTS || !refused(err)) throw err;
          await new Promise((r) => setTimeout(r, PAUSE_MS * attempt));
        }
      }
    },
  };
}

/** The client interceptors rtcflow's clients use (`new Client({ interceptors: clientInterceptors() })`). */
export const clientInterceptors = () => ({ workflow: [queryRetryInterceptor()] });
