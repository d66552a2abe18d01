/**
 * Agora Signaling (formerly RTM) REST calls (agora.md §10): peer and channel messages, user and channel
 * events. Every call goes through agoraCall; input is checked with the schemas first (InvalidInputError,
 * nothing sent).
 *
 * Auth: Basic (the profile's Customer ID/Secret; any sender uid) or a Signaling token (`x-agora-token` +
 * `x-agora-uid`, minted here from the profile's App ID/certificate with agora-token's RTM builder; the
 * sender must be the token's uid). Tokens are built in activities or the CLI, never in a workflow.
 *
 * Messages are not idempotent ("a retry can deliver twice"): the client wraps every payload in an
 * envelope `{"messageId": …, "payload": …}` so receivers can drop a second copy (unwrapMessage). A 408
 * (server timeout) or 429 is a retryable VendorError (src/agora/errors.ts); sendPeerMessage /
 * sendChannelMessage repeat such a failure `attempts` times with the same message ID.
 *
 * Events are consumed on read per geographical region, and pulling another region can return the same
 * events: SignalingEventPoller reads several regions and returns each event once, deduped by
 * (user_id, type, ms) (+ group_id for channel events), and never throws away what a region already
 * handed over when another region fails.
 */
import { randomUUID } from 'node:crypto';
import { RtmTokenBuilder } from 'agora-token';
import type { z } from 'zod';
import { InvalidInputError } from '../errors';
import { VendorError } from '../http/errors';
import { parseInput } from '../schemas/parse';
import {
  ChannelEventsResponse,
  ChannelMessageRequest,
  MAX_SIGNALING_PAYLOAD_BYTES,
  MessageResponse,
  PeerMessageRequest,
  SignalingMessageId,
  SignalingPayload,
  SignalingRegion,
  SignalingUserId,
  UserEventsResponse,
  type ChannelEvent,
  type UserEvent,
} from '../schemas/agora/signaling';
import { agoraCall, hostOrder, withBasicAuth, type AgoraContext } from './http';

const PRODUCT = 'signaling';
const site = (operation: string, idempotent: boolean) => ({ product: PRODUCT, operation, idempotent });
const project = (appId: string) => `/dev/v2/project/${encodeURIComponent(appId)}`;
/** "The backend returns a maximum of 1,000 events each time" */
export const MAX_EVENTS_PER_CALL = 1000;

// ---------------------------------------------------------------------------------------------- auth

export interface SignalingTokenInput {
  appId: string;
  appCertificate: string;
  /** the uid the token is minted for; with token auth every message is sent as this uid */
  uid: string;
  /** default 3600 s, at most 24 h */
  ttlSeconds?: number;
}

/** A Signaling (RTM) token from the App ID and certificate (AccessToken2, RTM login privilege). */
export function buildSignalingToken(input: SignalingTokenInput): string {
  const uid = parseInput(SignalingUserId, input.uid, 'uid');
  const ttl = Math.max(60, Math.min(input.ttlSeconds ?? 3600, 24 * 3600));
  return RtmTokenBuilder.buildToken(input.appId, input.appCertificate, uid, ttl);
}

/**
 * The context for Signaling calls: Basic auth (HMAC is not documented for Signaling), or token auth minted
 * for `uid` when `auth === 'token'` (needs the profile's App Certificate).
 */
export function signalingContext(ctx: AgoraContext, opts: { auth: 'basic' } | { auth: 'token'; uid: string; appCertificate?: string; ttlSeconds?: number }): AgoraContext {
  if (opts.auth === 'basic') {
    const { tokenAuth: _drop, ...rest } = ctx;
    return withBasicAuth(rest);
  }
  if (!opts.appCertificate) throw new InvalidInputError('token auth needs an App Certificate', ['the profile has no appCertificate: use Basic auth']);
  const token = buildSignalingToken({ appId: ctx.appId, appCertificate: opts.appCertificate, uid: opts.uid, ttlSeconds: opts.ttlSeconds });
  return { ...ctx, tokenAuth: { token, uid: opts.uid } };
}

// ------------------------------------------------------------------------------------------ messages

/** The envelope the client sends as `payload`; receivers dedupe by `messageId`. */
export interface MessageEnvelope {
  messageId: string;
  payload: string;
}

export function wrapMessage(messageId: string, payload: string): string {
  return JSON.stringify({ messageId, payload } satisfies MessageEnvelope);
}

/** The envelope inside a received payload, or undefined for a payload not sent by this client. */
export function unwrapMessage(raw: string): MessageEnvelope | undefined {
  try {
    const v = JSON.parse(raw) as Partial<MessageEnvelope>;
    return typeof v?.messageId === 'string' && typeof v.payload === 'string' ? { messageId: v.messageId, payload: v.payload } : undefined;
  } catch {
    return undefined;
  }
}

export interface MessageOptions {
  /** the sender; with token auth it must be the token's uid */
  fromUserId: string;
  /** the application's content (non-empty; the envelope around it must stay ≤ 32 KB) */
  payload: string;
  /** put inside the payload; a repeat of the same send must reuse it (default: a fresh UUID) */
  messageId?: string;
  enableHistoricalMessaging?: boolean;
  /** tries for a retryable or ambiguous failure (408, 429, 5xx, a lost answer), same message ID; default 1 */
  attempts?: number;
  /** sent as X-Request-ID of the first attempt */
  requestId?: string;
}

export interface PeerMessageInput extends MessageOptions {
  destination: string;
  /** block until the receiver acknowledges: `message_delivered` */
  waitForAck?: boolean;
  /** deprecated by the vendor */
  enableOfflineMessaging?: boolean;
}

export interface ChannelMessageInput extends MessageOptions {
  channelName: string;
}

export interface MessageResult {
  /** message_sent | message_delivered | message_offline */
  code: string;
  messageId: string;
  requestId: string;
  /** how many calls it took */
  attempts: number;
}

function checkMessage(ctx: AgoraContext, input: MessageOptions): { from: string; messageId: string; payload: string } {
  const issues: string[] = [];
  const from = SignalingUserId.safeParse(input.fromUserId);
  if (!from.success) issues.push(...from.error.issues.map((i) => `fromUserId: ${i.message}`));
  const body = SignalingPayload.safeParse(input.payload);
  if (!body.success) issues.push(...body.error.issues.map((i) => `payload: ${i.message}`));
  const messageId = input.messageId ?? randomUUID();
  const id = SignalingMessageId.safeParse(messageId);
  if (!id.success) issues.push(...id.error.issues.map((i) => `messageId: ${i.message}`));
  if (ctx.tokenAuth && ctx.tokenAuth.uid !== input.fromUserId) issues.push(`fromUserId: with token auth messages are sent only as the token's uid (${ctx.tokenAuth.uid})`);
  if (input.attempts !== undefined && !(Number.isInteger(input.attempts) && input.attempts >= 1 && input.attempts <= 10)) issues.push('attempts: 1 … 10');
  const payload = wrapMessage(messageId, input.payload);
  if (issues.length === 0 && new TextEncoder().encode(payload).length > MAX_SIGNALING_PAYLOAD_BYTES) {
    issues.push(`payload: with its message ID envelope the payload must be at most ${MAX_SIGNALING_PAYLOAD_BYTES} bytes (32 KB)`);
  }
  if (issues.length) throw new InvalidInputError('invalid signaling message', issues);
  return { from: input.fromUserId, messageId, payload };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withAttempts<T>(attempts: number, call: (attempt: number) => Promise<T>): Promise<{ value: T; attempts: number }> {
  for (let i = 1; ; i++) {
    try {
      return { value: await call(i), attempts: i };
    } catch (err) {
      // a repeat is harmless to a receiver that dedupes by the message ID, so an ambiguous failure is repeated too
      const repeatable = err instanceof VendorError && (err.info.retryable || err.info.ambiguous);
      if (!repeatable || i >= attempts) throw err;
      await sleep(Math.min(err.info.retryAfterMs ?? 200 * 2 ** (i - 1), 5_000));
    }
  }
}

/** Sends a peer-to-peer message (≤ 500 calls/s per App ID with channel messages). */
export async function sendPeerMessage(ctx: AgoraContext, input: PeerMessageInput): Promise<MessageResult> {
  const { from, messageId, payload } = checkMessage(ctx, input);
  const json = parseInput(
    PeerMessageRequest,
    {
      destination: input.destination,
      payload,
      ...(input.enableOfflineMessaging !== undefined ? { enable_offline_messaging: input.enableOfflineMessaging } : {}),
      ...(input.enableHistoricalMessaging !== undefined ? { enable_historical_messaging: input.enableHistoricalMessaging } : {}),
    },
    'peer message',
  );
  const query = input.waitForAck ? '?wait_for_ack=true' : '';
  const { value, attempts } = await withAttempts(input.attempts ?? 1, (i) =>
    agoraCall(ctx, {
      method: 'POST',
      path: `${project(ctx.appId)}/rtm/users/${encodeURIComponent(from)}/peer_messages${query}`,
      json,
      contentType: 'application/json;charset=utf-8',
      site: site('peerMessage', false),
      response: MessageResponse,
      requestId: i === 1 ? input.requestId : undefined,
    }),
  );
  return { code: value.body.code, messageId, requestId: value.requestId, attempts };
}

/** Sends a channel message; the sender need not have joined the channel. */
export async function sendChannelMessage(ctx: AgoraContext, input: ChannelMessageInput): Promise<MessageResult> {
  const { from, messageId, payload } = checkMessage(ctx, input);
  const json = parseInput(
    ChannelMessageRequest,
    {
      channel_name: input.channelName,
      payload,
      ...(input.enableHistoricalMessaging !== undefined ? { enable_historical_messaging: input.enableHistoricalMessaging } : {}),
    },
    'channel message',
  );
  const { value, attempts } = await withAttempts(input.attempts ?? 1, (i) =>
    agoraCall(ctx, {
      method: 'POST',
      path: `${project(ctx.appId)}/rtm/users/${encodeURIComponent(from)}/channel_messages`,
      json,
      contentType: 'application/json;charset=utf-8',
      site: site('channelMessage', false),
      response: MessageResponse,
      requestId: i === 1 ? input.requestId : undefined,
    }),
  );
  return { code: value.body.code, messageId, requestId: value.requestId, attempts };
}

// -------------------------------------------------------------------------------------------- events

export type EventKind = 'user' | 'channel';
export type SignalingEvent<K extends EventKind> = K extends 'user' ? UserEvent : ChannelEvent;

/**
 * Agora's public regional hosts ([public], agora.md §1.1) for a region; only used when the profile's base
 * URL is one of Agora's own hosts. Any other base URL (the emulator, a proxy) serves region `r` under
 * `{base}/{r}`, as the emulator does.
 */
const REGIONAL_HOSTS: Record<SignalingRegion, string> = {
  na: 'https://api-us-west-1.agora.io',
  eu: 'https://api-eu-central-1.agora.io',
  ap: 'https://api-ap-southeast-1.agora.io',
  cn: 'https://api-cn-east-1.agora.io',
};

export function regionBaseUrl(ctx: Pick<AgoraContext, 'baseUrls' | 'pinnedBaseUrl'>, region: SignalingRegion): string {
  const r = parseInput(SignalingRegion, region, 'region');
  const base = hostOrder(ctx)[0]!;
  const host = URL.canParse(base) ? new URL(base).hostname : '';
  if (host === 'api.agora.io' || host === 'api.sd-rtn.com') return REGIONAL_HOSTS[r];
  return `${base}/${r}`;
}

export interface EventsResult<K extends EventKind> {
  events: Array<SignalingEvent<K>>;
  requestId: string;
}

/**
 * One read of user (Login/Logout) or channel (Join/Leave) events from the profile's host, or from one
 * region when `region` is given. What it returns is gone from that region (consumed on read); ≤ 1000 per
 * call, ≤ 10 requests/s per App ID (429 beyond, retryable).
 */
export async function getEvents<K extends EventKind>(ctx: AgoraContext, kind: K, opts: { region?: SignalingRegion; requestId?: string } = {}): Promise<EventsResult<K>> {
  const c = opts.region === undefined ? ctx : { ...ctx, baseUrls: [regionBaseUrl(ctx, opts.region)], pinnedBaseUrl: undefined };
  const path = `${project(ctx.appId)}/rtm/vendor/${kind === 'user' ? 'user_events' : 'channel_events'}`;
  const response: z.ZodType = kind === 'user' ? UserEventsResponse : ChannelEventsResponse;
  const res = await agoraCall(c, { method: 'GET', path, site: site(kind === 'user' ? 'userEvents' : 'channelEvents', true), response, requestId: opts.requestId });
  return { events: (res.body as { events: Array<SignalingEvent<K>> }).events, requestId: res.requestId };
}

export const getUserEvents = (ctx: AgoraContext, opts?: { region?: SignalingRegion; requestId?: string }) => getEvents(ctx, 'user', opts);
export const getChannelEvents = (ctx: AgoraContext, opts?: { region?: SignalingRegion; requestId?: string }) => getEvents(ctx, 'channel', opts);

/** The documented dedupe key (user_id, type, ms); channel events add their group_id. */
export function eventKey(kind: EventKind, e: UserEvent | ChannelEvent): string {
  const group = kind === 'channel' ? `\u0000${(e as ChannelEvent).group_id}` : '';
  return `${e.user_id}\u0000${e.type}\u0000${e.ms}${group}`;
}

export interface PollResult<K extends EventKind> {
  /** each event once, ordered by `ms` (no order is guaranteed across regions) */
  events: Array<SignalingEvent<K>>;
  /** events dropped as copies of one already returned (now or by an earlier poll) */
  duplicates: number;
  /** regions that failed this time: their events stay on the server for the next poll */
  failures: Array<{ region: SignalingRegion; error: VendorError | Error }>;
}

export interface PollerOptions {
  /** at least one; events are consumed per region, and the same event may be in several */
  regions: SignalingRegion[];
  /** how long (event `ms`) a key is remembered after the newest event seen; default 10 minutes */
  rememberMs?: number;
  /** keys remembered at most; default 20 000 */
  maxRemembered?: number;
  /** keys remembered from an earlier poller (its `remembered()`), e.g. across activity attempts */
  remembered?: string[];
}

/**
 * Reads events of one kind from several regions and returns each event once. A region that answers a
 * full page (1000) is read again at once (up to 5 pages a poll). Only failures of every region throw:
 * a region that succeeded has consumed its events, so they are returned even when another region failed.
 */
export class SignalingEventPoller<K extends EventKind> {
  private readonly seen = new Map<string, number>();
  private newest = 0;
  private readonly regions: SignalingRegion[];
  private readonly rememberMs: number;
  private readonly maxRemembered: number;

  constructor(
    private readonly ctx: AgoraContext,
    readonly kind: K,
    opts: PollerOptions,
  ) {
    if (opts.regions.length === 0) throw new InvalidInputError('invalid poller', ['regions: at least one region']);
    this.regions = [...new Set(opts.regions.map((r) => parseInput(SignalingRegion, r, 'region')))];
    this.rememberMs = opts.rememberMs ?? 10 * 60_000;
    this.maxRemembered = opts.maxRemembered ?? 20_000;
    for (const k of opts.remembered ?? []) {
      const ms = Number(k.split('\u0000')[2]);
      if (Number.isFinite(ms)) this.remember(k, ms);
    }
  }

  async poll(): Promise<PollResult<K>> {
    const fresh: Array<SignalingEvent<K>> = [];
    const failures: PollResult<K>['failures'] = [];
    let duplicates = 0;
    for (const region of this.regions) {
      try {
        for (let page = 0; page < 5; page++) {
          const { events } = await getEvents(this.ctx, this.kind, { region });
          for (const e of events) {
            const key = eventKey(this.kind, e);
            if (this.seen.has(key)) {
              duplicates++;
              continue;
            }
            this.remember(key, e.ms);
            fresh.push(e);
          }
          if (events.length < MAX_EVENTS_PER_CALL) break;
        }
      } catch (err) {
        if (err instanceof InvalidInputError) throw err;
        failures.push({ region, error: err as Error });
      }
    }
    this.prune();
    if (failures.length === this.regions.length) throw failures[0]!.error;
    fresh.sort((a, b) => a.ms - b.ms);
    return { events: fresh, duplicates, failures };
  }

  /** The keys remembered now: pass them to the next poller (`remembered`) to keep deduping across it. */
  remembered(): string[] {
    return [...this.seen.keys()];
  }

  private remember(key: string, ms: number): void {
    this.seen.delete(key);
    this.seen.set(key, ms);
    if (ms > this.newest) this.newest = ms;
  }

  private prune(): void {
    for (const [k, ms] of this.seen) if (ms < this.newest - this.rememberMs) this.seen.delete(k);
    while (this.seen.size > this.maxRemembered) this.seen.delete(this.seen.keys().next().value!);
  }
}

export interface PollEventsInput<K extends EventKind> {
  kind: K;
  regions: SignalingRegion[];
  /** keys returned by the previous call */
  remembered?: string[];
}

/**
 * One poll, for an activity: stateless between calls except for `remembered`, which the caller passes
 * back (small: only the keys of the last `rememberMs`). Failed regions are named, not thrown.
 */
export async function pollSignalingEvents<K extends EventKind>(
  ctx: AgoraContext,
  input: PollEventsInput<K>,
): Promise<{ events: Array<SignalingEvent<K>>; duplicates: number; failedRegions: Array<{ region: SignalingRegion; reason: string }>; remembered: string[] }> {
  const poller = new SignalingEventPoller(ctx, input.kind, { regions: input.regions, remembered: input.remembered });
  const r = await poller.poll();
  return {
    events: r.events,
    duplicates: r.duplicates,
    failedRegions: r.failures.map((f) => ({ region: f.region, reason: f.error.message })),
    remembered: poller.remembered(),
  };
}
