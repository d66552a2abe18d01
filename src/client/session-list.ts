/**
 * Every kind of session at once (`rtc.sessions`): list them from Temporal visibility and rtcflow's
 * search attributes (RtcVendor, RtcProduct, RtcChannel, RtcPhase, RtcSid: workflows/lib/search-attributes.ts),
 * read any session's status (the `status` query every lifecycle answers), describe it as the Temporal UI
 * shows it (static summary and details, current details) and follow its phase to the end. The HTTP API
 * (GET /v1/sessions) and the CLI (`rtcflow ls|status|watch`) both list through `list`.
 *
 * Also the one place a session's UI summary is written at start (`sessionMetadata`, used by every start
 * in this client): product, channel, mode, vendor, and secret-free details.
 */
import { type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import { z } from 'zod';
import { InvalidInputError } from '../errors';
import { parseInput } from '../schemas/parse';
import { visibilityLiteral } from '../api/routing';
import { SA } from '../../workflows/lib/search-attributes';

// ---- the summary a session starts with ----

interface KindLabel {
  product: string;
  vendor: 'agora' | 'sparkrtc';
  /** the session's mode in its product's words, when it has one */
  mode?: (p: Record<string, unknown>) => string | undefined;
}

/** Workflow type → what the session is (the same RtcProduct/RtcVendor values the workflows register). */
const KINDS: Record<string, KindLabel> = {
  cloudRecording: { product: 'cloud-recording', vendor: 'agora', mode: (p) => str(p.mode) },
  sparkrtcRecording: { product: 'sparkrtc-recording', vendor: 'sparkrtc', mode: (p) => str(p.kind) },
  stt: { product: 'stt', vendor: 'agora', mode: (p) => (p.version ? `${str(p.version)}.x` : undefined) },
  relay: { product: 'media-push', vendor: 'agora', mode: (p) => (p.raw ? 'raw' : 'transcoded') },
  ingest: { product: 'media-gateway', vendor: 'agora' },
  pull: { product: 'media-pull', vendor: 'agora' },
  transcoder: { product: 'cloud-transcoder', vendor: 'agora' },
  channelBan: { product: 'channel-ban', vendor: 'agora', mode: (p) => (Array.isArray(p.privileges) ? p.privileges.join('+') : undefined) },
  whiteboardConversion: { product: 'whiteboard', vendor: 'agora', mode: (p) => str(p.type) },
  classroomRecording: { product: 'classroom-recording', vendor: 'agora' },
};

const str = (v: unknown): string | undefined => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);

/** Fields of an input safe to show (never URLs, which may carry stream keys, nor anything else). */
const DETAIL_FIELDS = ['profile', 'role', 'region', 'storageProfile', 'uid', 'userId'] as const;

/**
 * The static summary (one line: product · channel · mode · vendor) and details (markdown) the Temporal UI
 * shows for a session, from its parsed input. Start options for `workflow.start`.
 */
export function sessionMetadata(workflowType: string, id: string, params: unknown): { staticSummary: string; staticDetails: string } {
  const p = (params ?? {}) as Record<string, unknown>;
  const kind = KINDS[workflowType] ?? { product: workflowType, vendor: 'agora' as const };
  const channel = str(p.channel) ?? '*';
  const mode = kind.mode?.(p);
  const staticSummary = [kind.product, channel, mode, kind.vendor].filter(Boolean).join(' · ');
  const rows = [['session', id], ['product', kind.product], ['vendor', kind.vendor], ['channel', channel], ...(mode ? [['mode', mode]] : [])];
  for (const f of DETAIL_FIELDS) if (str(p[f]) !== undefined) rows.push([f, str(p[f])!]);
  return { staticSummary, staticDetails: rows.map(([k, v]) => `**${k}**: ${v}`).join('  \n') };
}

// ---- listing ----

export const SESSION_STATUSES = ['running', 'closed', 'all'] as const;

/** A listing's filter and page, as the HTTP API's query string and the CLI's options give it (unknown keys refused). */
export const SessionListQuery = z.strictObject({
  product: z.string().optional(),
  vendor: z.string().optional(),
  channel: z.string().optional(),
  phase: z.string().optional(),
  status: z.enum(SESSION_STATUSES).default('running'),
  pageSize: z.coerce.number().int().min(1).max(1000).default(100),
  nextPageToken: z.string().max(4096).optional(),
});
export type SessionListQuery = z.input<typeof SessionListQuery>;

/** One session as visibility lists it: no query to the workflow, no vendor call. */
export interface SessionListing {
  id: string;
  /** the tenant: the second segment of the id */
  profile?: string;
  product?: string;
  vendor?: string;
  channel?: string;
  phase?: string;
  /** the vendor resource the session holds (sid, agent, converter, player, task, rule, job) */
  sid?: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, ... */
  status: string;
  startedAt: string;
  closedAt?: string;
}

export interface SessionPage {
  sessions: SessionListing[];
  /** opaque; pass it back for the next page (absent on the last) */
  nextPageToken?: string;
}

export interface ListOptions {
  /** only sessions for which this says true are returned (the HTTP API: the caller's tenants) */
  visible?: (listing: SessionListing) => boolean;
}

/** How many visibility pages one `list` call reads at most while filling a page (then it returns what it has). */
const MAX_SCANNED_PAGES = 20;

/** Where a listing resumes: Temporal's own page token and how many of that page were already read. */
const Cursor = z.strictObject({ t: z.string().optional(), s: z.number().int().min(0) });
type Cursor = z.output<typeof Cursor>;

function decodeCursor(token: string | undefined): Cursor {
  if (!token) return { s: 0 };
  try {
    return Cursor.parse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidInputError('invalid session listing', ['nextPageToken: not a token this listing gave out']);
  }
}
const encodeCursor = (c: Cursor): string => Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');

/** The profile (tenant) of a session id: `<product>/<profile>/...`. */
const profileOf = (id: string): string | undefined => {
  const parts = id.split('/');
  return parts.length >= 3 ? parts[1] : undefined;
};

function listingOf(wf: Pick<WorkflowExecutionInfo, 'workflowId' | 'typedSearchAttributes' | 'status' | 'startTime' | 'closeTime'>): SessionListing {
  const sa = wf.typedSearchAttributes;
  const drop = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return drop({
    id: wf.workflowId,
    profile: profileOf(wf.workflowId),
    product: sa.get(SA.product),
    vendor: sa.get(SA.vendor),
    channel: sa.get(SA.channel),
    phase: sa.get(SA.phase),
    sid: sa.get(SA.sid),
    status: wf.status.name,
    startedAt: wf.startTime.toISOString(),
    closedAt: wf.closeTime?.toISOString(),
  });
}

/** What `describe` tells about a session: how the Temporal UI shows it, plus where it is. */
export interface SessionDescription extends SessionListing {
  runId: string;
  workflowType: string;
  /** the static summary and details set at start */
  summary?: string;
  details?: string;
  /** the current-details line the session keeps up to date (phase, since, resource, last vendor error); needs a worker */
  currentDetails?: string;
}

/** A session's phase as `follow` reports it. */
export interface SessionProgress {
  phase?: string;
  reason?: string;
  since?: string;
  status: string;
  /** completed or failed, or the workflow has closed */
  terminal: boolean;
  /** the session ended well: phase completed, and the workflow (once closed) COMPLETED, not failed, cancelled or terminated */
  ok: boolean;
}

const TERMINAL_PHASES = new Set(['completed', 'failed']);

export class Sessions {
  constructor(
    private readonly temporal: Client,
    private readonly taskQueue: string,
  ) {}

  /**
   * The visibility query of a filter: this client's task queue, rtcflow sessions only, and each value
   * given as a literal through `visibilityLiteral` (a value it refuses is InvalidInputError, never queried).
   */
  query(filter: SessionListQuery): string {
    const f = parseInput(SessionListQuery, filter, 'session listing');
    const issues: string[] = [];
    const lit = (field: string, value: string): string => {
      const l = visibilityLiteral(value);
      if (l === undefined) issues.push(`${field}: must be printable ASCII without quotes or backslashes, at most 128 characters`);
      return l ?? '""';
    };
    const parts = [`TaskQueue = ${lit('taskQueue', this.taskQueue)}`, `${SA.product.name} IS NOT NULL`];
    const eq: Array<[string, string | undefined]> = [
      [SA.product.name, f.product],
      [SA.vendor.name, f.vendor],
      [SA.channel.name, f.channel],
      [SA.phase.name, f.phase],
    ];
    for (const [name, value] of eq) if (value !== undefined) parts.push(`${name} = ${lit(name.replace(/^Rtc/, '').toLowerCase(), value)}`);
    if (f.status === 'running') parts.push('ExecutionStatus = "Running"');
    if (f.status === 'closed') parts.push('ExecutionStatus != "Running"');
    if (issues.length) throw new InvalidInputError('invalid session listing', issues);
    return parts.join(' AND ');
  }

  /**
   * One page of sessions (newest first) matching `filter`; `visible` drops sessions the caller may not
   * see without leaving a short page behind (the page is filled from the next ones). `nextPageToken`
   * comes back while more may follow.
   */
  async list(filter: SessionListQuery = {}, opts: ListOptions = {}): Promise<SessionPage> {
    const f = parseInput(SessionListQuery, filter, 'session listing');
    const query = this.query(f);
    let cursor = decodeCursor(f.nextPageToken);
    const sessions: SessionListing[] = [];
    for (let scanned = 0; scanned < MAX_SCANNED_PAGES; scanned++) {
      const res = await this.temporal.workflowService.listWorkflowExecutions({
        namespace: this.temporal.options.namespace,
        query,
        pageSize: f.pageSize,
        nextPageToken: cursor.t ? Buffer.from(cursor.t, 'base64') : undefined,
      });
      const executions = res.executions ?? [];
      const next = res.nextPageToken?.length ? Buffer.from(res.nextPageToken).toString('base64') : undefined;
      for (let i = cursor.s; i < executions.length; i++) {
        const info = await executionInfoFromRaw(executions[i]!, this.temporal.options.loadedDataConverter, executions[i], this.temporal.options.namespace);
        const listing = listingOf(info);
        if (opts.visible && !opts.visible(listing)) continue;
        sessions.push(listing);
        if (sessions.length === f.pageSize) {
          const rest = i + 1 < executions.length ? { t: cursor.t, s: i + 1 } : next ? { t: next, s: 0 } : undefined;
          return { sessions, ...(rest ? { nextPageToken: encodeCursor(rest) } : {}) };
        }
      }
      if (!next) return { sessions };
      cursor = { t: next, s: 0 };
    }
    return { sessions, nextPageToken: encodeCursor(cursor) };
  }

  /** Every session matching `filter`, page after page. */
  async *all(filter: Omit<SessionListQuery, 'nextPageToken'> = {}, opts: ListOptions = {}): AsyncGenerator<SessionListing> {
    let nextPageToken: string | undefined;
    do {
      const page = await this.list({ ...filter, ...(nextPageToken ? { nextPageToken } : {}) }, opts);
      yield* page.sessions;
      nextPageToken = page.nextPageToken;
    } while (nextPageToken);
  }

  /** Any session's status (the `status` query every lifecycle answers: phase, reason, since, ...). */
  async status(id: string): Promise<{ phase: string; reason?: string; since?: string } & Record<string, unknown>> {
    return this.temporal.workflow.getHandle(id).query('status');
  }

  /** The session as the Temporal UI shows it: summary and details from its start, current details, search attributes. */
  async describe(id: string): Promise<SessionDescription> {
    const handle = this.temporal.workflow.getHandle(id);
    const d = await handle.describe();
    const [summary, details, currentDetails] = await Promise.all([
      d.staticSummary(),
      d.staticDetails(),
      handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata').then(
        (m) => m.currentDetails || undefined,
        () => undefined,
      ),
    ]);
    return { ...listingOf(d), runId: d.runId, workflowType: d.type, summary, details, currentDetails };
  }

  /** Where the session is now: its status query while it answers, else the RtcPhase it last registered. */
  async progress(id: string): Promise<SessionProgress> {
    const handle = this.temporal.workflow.getHandle(id);
    const d = await handle.describe();
    const status = d.status.name;
    const s = await this.status(id).catch(() => undefined);
    const phase = s?.phase ?? d.typedSearchAttributes.get(SA.phase);
    const closed = status !== 'RUNNING' && status !== 'CONTINUED_AS_NEW';
    const terminal = closed || (phase !== undefined && TERMINAL_PHASES.has(phase));
    const ok = closed ? status === 'COMPLETED' && phase !== 'failed' : phase === 'completed';
    return { phase, reason: s?.reason, since: s?.since, status, terminal, ok: terminal && ok };
  }

  /** Yields the session's progress each time its phase or reason changes, until a terminal phase (the last one yielded). */
  async *follow(id: string, intervalMs = 1_000): AsyncGenerator<SessionProgress> {
    let last = '';
    for (;;) {
      const p = await this.progress(id);
      const key = `${p.phase}|${p.reason}|${p.status}`;
      if (key !== last || p.terminal) yield p;
      last = key;
      if (p.terminal) return;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}
