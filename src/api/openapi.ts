/**
 * The HTTP API's OpenAPI 3.1 document, generated from the same zod schemas the routes validate with
 * (z.toJSONSchema; request bodies in their input form: defaults make a field optional). Nothing here is
 * a hand-written copy of a schema: a session kind's start and change bodies come from its SessionKindSpec
 * (src/client/*), the recording's from src/schemas/workflows. Status and result bodies are TypeScript
 * types, not schemas: they are documented as objects with the session `id`.
 *
 * GET /openapi.json serves it without an API key: the document describes the surface only (no session,
 * tenant or secret), and client generators and API explorers fetch it without credentials.
 *
 * test/integration/openapi.test.ts compares ROUTES with the routes the server really registers: a route
 * added to the server without an entry here (or an entry whose route is gone) fails it.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Layout } from '../schemas/agora/cloud-recording';
import { NcsEvent } from '../schemas/agora/ncs';
import { RecordCallbackEvent } from '../schemas/sparkrtc/callbacks';
import { CloudRecordingInput, RecordingChange } from '../schemas/workflows/cloud-recording';
import { SparkRtcLayout, SparkRtcRecordingInput } from '../schemas/workflows/sparkrtc-recording';
import { BAN_SESSIONS } from '../client/bans';
import { INGEST_SESSIONS } from '../client/ingests';
import { PULL_SESSIONS } from '../client/pulls';
import { RELAY_SESSIONS } from '../client/relays';
import { TRANSCODER_SESSIONS } from '../client/transcoders';
import { STT_SESSIONS } from '../client/transcriptions';
import { SessionListQuery } from '../client/session-list';
import { UsageHttpQuery } from './usage';

export const OPENAPI_PATH = '/openapi.json';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** apiKey: `Authorization: Bearer <key>` (src/api/auth.ts); the webhooks are signed by their vendor instead. */
type Auth = 'apiKey' | 'public' | 'agoraSignature' | 'sparkrtcSignature';

export interface ApiRoute {
  method: Method;
  /** as fastify registers it (`/v1/recordings/:id`) */
  path: string;
  summary: string;
  tag: string;
  auth: Auth;
  /** components.schemas names (several: any one of them) */
  body?: string[];
  query?: z.ZodObject;
  /** status → what the answer is; a component name, or a description of an object */
  responses: Record<number, string>;
}

/** The error answer of every route (src/api/errors.ts names the codes). */
const ApiError = z.object({
  error: z.string().meta({ description: 'invalid_input, unauthorized, forbidden, not_found, rejected, ended, unavailable, internal' }),
  message: z.string(),
  issues: z.array(z.string()).optional().meta({ description: 'what is wrong with the input, with paths (400)' }),
  status: z.string().optional().meta({ description: "409 ended: the session's Temporal status" }),
  outcome: z.string().optional().meta({ description: "409 ended: the result's outcome" }),
});
const Started = z.object({ id: z.string().meta({ description: 'the session id (a workflow ID): URL-encode it in paths' }), runId: z.string() });
const StopRequest = z.object({ reason: z.string().optional() });
/** A status or result: the session's own fields next to its id (see the README per kind). */
const Session = z.looseObject({ id: z.string() });

/** The session kinds with the four routes of src/api/sessions.ts: base path → their spec. */
const SESSION_KINDS = [
  { base: '/v1/transcriptions', name: 'Stt', spec: STT_SESSIONS, changeKey: 'config', what: 'Real-Time STT session' },
  { base: '/v1/relays', name: 'Relay', spec: RELAY_SESSIONS, changeKey: 'config', what: 'Media Push relay' },
  { base: '/v1/ingests', name: 'Ingest', spec: INGEST_SESSIONS, changeKey: 'mute', what: 'Media Gateway ingest' },
  { base: '/v1/pulls', name: 'Pull', spec: PULL_SESSIONS, changeKey: 'playback', what: 'Media Pull session' },
  { base: '/v1/transcoders', name: 'Transcoder', spec: TRANSCODER_SESSIONS, changeKey: 'config', what: 'Cloud Transcoder session' },
  { base: '/v1/bans', name: 'Ban', spec: BAN_SESSIONS, changeKey: 'term', what: 'timed channel ban' },
] as const;

/** Every schema the document names. */
function components(): Record<string, z.ZodType> {
  const named: Record<string, z.ZodType> = {
    ApiError,
    Started,
    StopRequest,
    Session,
    AgoraRecordingInput: CloudRecordingInput.extend({ vendor: z.literal('agora').optional() }),
    SparkRtcRecordingInput,
    RecordingChange,
    AgoraLayout: Layout,
    SparkRtcLayout,
    NcsEvent,
    SparkRtcRecordCallback: RecordCallbackEvent,
  };
  for (const k of SESSION_KINDS) {
    named[`${k.name}Input`] = k.spec.input;
    if (k.spec.change) named[`${k.name}Change`] = k.spec.change.schema;
  }
  return named;
}

const FAILS = { 400: 'ApiError', 401: 'ApiError', 503: 'ApiError' } as const;
const ON_SESSION = { ...FAILS, 404: 'ApiError' } as const;

function sessionKindRoutes(k: (typeof SESSION_KINDS)[number]): ApiRoute[] {
  const tag = k.base.slice('/v1/'.length);
  return [
    {
      method: 'POST',
      path: k.base,
      tag,
      auth: 'apiKey',
      summary: `start (or join the running) ${k.what}`,
      body: [`${k.name}Input`],
      responses: { 201: 'Started', 403: 'ApiError', ...FAILS },
    },
    { method: 'GET', path: `${k.base}/:id`, tag, auth: 'apiKey', summary: `the ${k.what}'s status`, responses: { 200: 'Session', ...ON_SESSION } },
    {
      method: 'PATCH',
      path: `${k.base}/:id`,
      tag,
      auth: 'apiKey',
      summary: `change the running ${k.what} → {id, ${k.changeKey}}: what it applied`,
      body: [`${k.name}Change`],
      responses: { 200: 'Session', 409: 'ApiError', ...ON_SESSION },
    },
    {
      method: 'POST',
      path: `${k.base}/:id/stop`,
      tag,
      auth: 'apiKey',
      summary: `stop the ${k.what} → its result`,
      body: ['StopRequest'],
      responses: { 200: 'Session', ...ON_SESSION },
    },
  ];
}

/** Every route the server registers (src/api/server.ts and the modules it registers). */
export const ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: '/healthz', tag: 'service', auth: 'public', summary: 'liveness', responses: { 200: 'an object {ok: true}' } },
  { method: 'GET', path: OPENAPI_PATH, tag: 'service', auth: 'public', summary: 'this document', responses: { 200: 'the OpenAPI 3.1 document' } },
  {
    method: 'POST',
    path: '/v1/recordings',
    tag: 'recordings',
    auth: 'apiKey',
    summary: 'start (or join the running) recording: Agora Cloud Recording, or a SparkRTC job with "vendor": "sparkrtc"',
    body: ['AgoraRecordingInput', 'SparkRtcRecordingInput'],
    responses: { 201: 'Started', 403: 'ApiError', ...FAILS },
  },
  {
    method: 'GET',
    path: '/v1/recordings/:id',
    tag: 'recordings',
    auth: 'apiKey',
    summary: "the recording's status (phase, sid, files, layout, …)",
    responses: { 200: 'Session', ...ON_SESSION },
  },
  {
    method: 'PUT',
    path: '/v1/recordings/:id/layout',
    tag: 'recordings',
    auth: 'apiKey',
    summary: 'replace the whole layout (the vendor is told by the id) → {id, layout}',
    body: ['AgoraLayout', 'SparkRtcLayout'],
    responses: { 200: 'Session', 409: 'ApiError', ...ON_SESSION },
  },
  {
    method: 'PATCH',
    path: '/v1/recordings/:id',
    tag: 'recordings',
    auth: 'apiKey',
    summary: 'Agora recording controls (layout, subscriptions, onhold, rtmpOutputs) → {id, applied}',
    body: ['RecordingChange'],
    responses: { 200: 'Session', 409: 'ApiError', ...ON_SESSION },
  },
  {
    method: 'POST',
    path: '/v1/recordings/:id/stop',
    tag: 'recordings',
    auth: 'apiKey',
    summary: 'stop the recording → its result (files)',
    body: ['StopRequest'],
    responses: { 200: 'Session', ...ON_SESSION },
  },
  ...SESSION_KINDS.flatMap(sessionKindRoutes),
  {
    method: 'GET',
    path: '/v1/sessions',
    tag: 'sessions',
    auth: 'apiKey',
    summary: 'sessions of every kind this key may see, newest first, paged → {sessions, nextPageToken?}',
    query: SessionListQuery,
    responses: { 200: 'an object {sessions: [{id, profile, product, vendor, channel, phase, sid, status, startedAt, closedAt?}], nextPageToken?}', ...FAILS },
  },
  {
    method: 'GET',
    path: '/v1/sessions/:id',
    tag: 'sessions',
    auth: 'apiKey',
    summary: 'any session as the Temporal UI shows it (summary, details) with its status query',
    responses: { 200: 'Session', ...ON_SESSION },
  },
  {
    method: 'GET',
    path: '/v1/usage',
    tag: 'usage',
    auth: 'apiKey',
    summary: "the sessions' cost ledger per UTC day, product and usage column beside the Console usage (GET /dev/v3/usage), flagged beyond the tolerance",
    query: UsageHttpQuery,
    responses: {
      200: 'an object {from, to, profile, projectId, tolerance, rows: [{date, product, usageClass, business?, rtcflowSeconds, consoleSeconds?, differenceSeconds?, flagged}], flagged, sessions: {listed, counted, withoutLedger, unaccounted}}',
      403: 'ApiError',
      ...FAILS,
    },
  },
  {
    method: 'GET',
    path: '/v1/webhooks/stats',
    tag: 'webhooks',
    auth: 'apiKey',
    summary: 'what the webhook receivers refused and routed, by reason',
    responses: { 200: 'an object: reason → count', 401: 'ApiError' },
  },
  {
    method: 'POST',
    path: '/webhooks/agora/ncs',
    tag: 'webhooks',
    auth: 'agoraSignature',
    summary: 'Agora NCS events: Agora-Signature-V2 (HMAC-SHA256 of the raw body with AGORA_NCS_SECRET), notifyMs within 5 minutes',
    body: ['NcsEvent'],
    responses: { 200: 'an object {ok, routed}', 400: 'malformed or stale', 401: 'unsigned or a bad signature', 503: 'not configured, or routing failed (NCS resends)' },
  },
  {
    method: 'POST',
    path: '/webhooks/sparkrtc/:profile',
    tag: 'webhooks',
    auth: 'sparkrtcSignature',
    summary: "SparkRTC record callbacks: X-Rtc-Signature = HMAC-SHA256(the profile's auth_key, X-Rtc-Rand + X-Rtc-Timestamp + raw body)",
    body: ['SparkRtcRecordCallback'],
    responses: { 200: 'accepted (or nobody’s job)', 401: 'unsigned, forged or stale', 503: 'routing failed (resend)' },
  },
  {
    method: 'GET',
    path: '/webhooks/sparkrtc/:profile',
    tag: 'webhooks',
    auth: 'public',
    summary: 'SparkRTC checks the callback address answers',
    responses: { 200: 'an object {ok: true}' },
  },
];

/** What a status means on the /v1 routes (src/api/errors.ts). */
const STATUS_MEANS: Record<number, string> = {
  200: 'done',
  201: 'started, or joined the session already running for the same business key',
  400: 'invalid_input: malformed, too deeply nested or invalid input, with the issues (nothing was started or sent)',
  401: 'unauthorized: no or an unknown API key',
  403: 'forbidden: a profile this key may not use',
  404: "not_found: no such session (or another tenant's)",
  409: 'rejected (the session or the vendor refused the change) or ended (the session no longer runs)',
  503: 'unavailable: Temporal cannot be reached (Retry-After)',
};

const SECURITY: Record<Auth, unknown[]> = { apiKey: [{ apiKey: [] }], public: [], agoraSignature: [], sparkrtcSignature: [] };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** `/v1/recordings/:id` → `/v1/recordings/{id}` and its path parameters. */
function openApiPath(path: string): { path: string; params: string[] } {
  const params: string[] = [];
  return { path: path.replace(/:(\w+)/g, (_m, name: string) => (params.push(name), `{${name}}`)), params };
}

function operation(r: ApiRoute, schemas: Record<string, unknown>): Record<string, unknown> {
  const { params } = openApiPath(r.path);
  const parameters = [
    ...params.map((name) => ({
      name,
      in: 'path',
      required: true,
      description: name === 'id' ? 'the session id (its workflow ID, e.g. cloud-recording/default/main/demo), URL-encoded' : name,
      schema: { type: 'string' },
    })),
    ...Object.entries(r.query ? (z.toJSONSchema(r.query, { io: 'input', unrepresentable: 'any' }).properties ?? {}) : {}).map(([name, schema]) => ({
      name,
      in: 'query',
      required: false,
      schema,
    })),
  ];
  const responses: Record<string, unknown> = {};
  for (const [status, what] of Object.entries(r.responses)) {
    responses[status] = what in schemas ? { description: STATUS_MEANS[Number(status)] ?? what, content: { 'application/json': { schema: ref(what) } } } : { description: what };
  }
  const body = r.body?.length === 1 ? ref(r.body[0]) : r.body ? { oneOf: r.body.map(ref) } : undefined;
  return {
    summary: r.summary,
    tags: [r.tag],
    operationId: `${r.method.toLowerCase()}${r.path.replace(/[^A-Za-z0-9]+(\w)?/g, (_m, c?: string) => (c ? c.toUpperCase() : ''))}`,
    security: SECURITY[r.auth],
    ...(parameters.length ? { parameters } : {}),
    ...(body ? { requestBody: { required: !r.path.endsWith('/stop'), content: { 'application/json': { schema: body } } } } : {}),
    responses,
  };
}

/** The document, built from ROUTES and the zod schemas. */
export function openApiDocument(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(components())) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io: 'input', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` });
  // each component is addressed by its place in the document, not by an $id of its own
  for (const s of Object.values(schemas)) {
    delete (s as { $schema?: string }).$schema;
    delete (s as { $id?: string }).$id;
  }
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) (paths[openApiPath(r.path).path] ??= {})[r.method.toLowerCase()] = operation(r, schemas);
  return {
    openapi: '3.1.0',
    info: {
      title: 'rtcflow',
      version: '1',
      description:
        'Durable sessions of cloud RTC services on Temporal. Every /v1 route needs `Authorization: Bearer <API key>`; a key sees only the sessions of its profiles. Errors are `{error, message, issues?}`.',
    },
    paths,
    components: { schemas, securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'an rtcflow API key (npx rtcflow api-key new)' } } },
  };
}

/** Serves the document at /openapi.json (no key needed), built once. */
export function registerOpenApi(app: FastifyInstance): void {
  let doc: Record<string, unknown> | undefined;
  app.get(OPENAPI_PATH, async () => (doc ??= openApiDocument()));
}
