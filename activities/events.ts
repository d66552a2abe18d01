/**
 * Events to the application: whether a session's profile has an events target, and one signed POST of
 * one event. The target's URL and secret are read here from the worker's configuration and never leave
 * it; the tenant is the session ID's profile segment (`<product>/<profile>/...`), as for the API's
 * access control. Any answer but 2xx, or none, is a retryable failure (the delivery workflow's retry
 * policy backs off; a Retry-After is honoured); the request is signed anew on every attempt.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { request } from 'undici';
import { profileOfSessionId } from '../src/api/auth';
import { EVENT_HEADERS, signRtcflowEvent, type RtcflowEvent } from '../src/client/events';
import { ConfigurationError } from '../src/errors';
import { resolveEventsTarget, type EventsTarget } from '../src/config';
import { parseRetryAfter } from '../src/http/errors';
import type { ActivityDeps } from './deps';
import { toFailure } from './errors';

/** How long the application has to answer one delivery. */
const DELIVERY_TIMEOUT_MS = 10_000;

function targetOf(deps: ActivityDeps, sessionId: string): { profile?: string; target?: EventsTarget } {
  const profile = profileOfSessionId(sessionId);
  return { profile, target: profile === undefined ? undefined : resolveEventsTarget(deps.config, profile) };
}

export function createEventActivities(deps: ActivityDeps) {
  return {
    /** True when the session's profile has an events target (a local activity, once per run). */
    async appEventsConfigured(input: { sessionId: string }): Promise<boolean> {
      return targetOf(deps, input.sessionId).target !== undefined;
    },

    /** POSTs the event to its profile's events target, signed; throws (retryably) unless it answered 2xx. */
    async deliverAppEvent(event: RtcflowEvent): Promise<{ eventId: string; status: number; attempt: number }> {
      const { profile, target } = targetOf(deps, event.session.id);
      if (!target) throw toFailure(new ConfigurationError(`profile "${profile ?? '?'}" of ${event.session.id} has no events target any more`));
      const attempt = Context.current().info.attempt;
      const body = JSON.stringify({ ...event, session: { ...event.session, profile } });
      let status: number;
      let retryAfter: string | string[] | undefined;
      try {
        const res = await request(target.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'rtcflow-events/1',
            [EVENT_HEADERS.id]: event.id,
            [EVENT_HEADERS.type]: event.type,
            [EVENT_HEADERS.signature]: signRtcflowEvent(body, target.secret),
          },
          body,
          headersTimeout: DELIVERY_TIMEOUT_MS,
          bodyTimeout: DELIVERY_TIMEOUT_MS,
          signal: Context.current().cancellationSignal,
        });
        status = res.statusCode;
        retryAfter = res.headers['retry-after'];
        await res.body.dump();
      } catch (err) {
        // the URL is not repeated in the failure: an operator's URL may carry a token of its own
        const code = (err as { code?: string })?.code ?? (err as Error)?.name ?? 'TRANSPORT';
        throw ApplicationFailure.create({ type: 'AppUnreachable', message: `the events target of profile "${profile}" did not answer (${code})` });
      }
      if (status >= 200 && status < 300) return { eventId: event.id, status, attempt };
      const delay = parseRetryAfter(retryAfter);
      throw ApplicationFailure.create({
        type: 'AppRefused',
        message: `the events target of profile "${profile}" answered ${status}`,
        nextRetryDelay: delay !== undefined ? Math.min(delay, 300_000) : undefined,
      });
    },
  };
}

export type EventActivities = ReturnType<typeof createEventActivities>;
