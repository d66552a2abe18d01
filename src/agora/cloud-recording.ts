/**
 * Agora Cloud Recording calls (agora.md §2): acquire → start → query → update/updateLayout → stop.
 * Each function is one REST call; knowledge of what a response means lives here, the decisions
 * (re-acquire, new uid, grace windows) live in workflows/cloud-recording.ts.
 */
import { VendorError } from '../http/errors';
import { z } from 'zod';
import {
  AcquireResponse,
  normaliseFileList,
  QueryResponse,
  StartResponse,
  StopResponse,
  type AcquireClientRequest,
  type Layout,
  type UpdateClientRequest,
  type RecordedFile,
  type RecordingMode,
  type UploadingStatus,
} from '../schemas/agora/cloud-recording';
import { agoraCall, type AgoraContext } from './http';

const PRODUCT = 'cloud-recording';
const base = (ctx: AgoraContext) => `/v1/apps/${encodeURIComponent(ctx.appId)}/cloud_recording`;
const sidPath = (ctx: AgoraContext, resourceId: string, sid: string, mode: RecordingMode) =>
  `${base(ctx)}/resourceid/${encodeURIComponent(resourceId)}/sid/${encodeURIComponent(sid)}/mode/${mode}`;

export interface AcquireInput {
  cname: string;
  uid: string;
  clientRequest?: AcquireClientRequest;
}

export async function acquire(ctx: AgoraContext, input: AcquireInput): Promise<{ resourceId: string; requestId: string }> {
  const res = await agoraCall(ctx, {
    method: 'POST',
    path: `${base(ctx)}/acquire`,
    json: { cname: input.cname, uid: input.uid, clientRequest: input.clientRequest ?? {} },
    // acquire has no side effect worth reconciling: an unused resourceId simply expires
    site: { product: PRODUCT, operation: 'acquire', idempotent: true },
    response: AcquireResponse,
  });
  return { resourceId: res.body.resourceId, requestId: res.requestId };
}

export interface StartInput {
  resourceId: string;
  mode: RecordingMode;
  cname: string;
  uid: string;
  /** the complete clientRequest, token and storageConfig included */
  clientRequest: Record<string, unknown>;
}

export interface StartResult {
  /** absent only when Agora answered code 7 without one */
  sid?: string;
  /** the host that answered */
  baseUrl: string;
  /** true when Agora said the recording for this resourceId was already running (HTTP 201, code 7) */
  alreadyRunning: boolean;
  requestId: string;
}

export async function start(ctx: AgoraContext, input: StartInput): Promise<StartResult> {
  const res = await agoraCall(ctx, {
    method: 'POST',
    path: `${base(ctx)}/resourceid/${encodeURIComponent(input.resourceId)}/mode/${input.mode}/start`,
    json: { cname: input.cname, uid: input.uid, clientRequest: input.clientRequest },
    site: { product: PRODUCT, operation: 'start', idempotent: false },
    response: StartResponse,
  });
  if (res.body.code === 7) return { sid: res.body.sid, alreadyRunning: true, requestId: res.requestId, baseUrl: res.baseUrl };
  if (!res.body.sid) {
    throw new VendorError({
      vendor: 'agora',
      product: PRODUCT,
      operation: 'start',
      httpStatus: res.status,
      code: res.body.code ?? 'NO_SID',
      reason: res.body.reason ?? 'start succeeded without a sid',
      requestId: res.requestId,
      retryable: false,
      ambiguous: true,
    });
  }
  return { sid: res.body.sid, alreadyRunning: false, requestId: res.requestId, baseUrl: res.baseUrl };
}

export interface SessionRef {
  resourceId: string;
  sid: string;
  mode: RecordingMode;
}

export interface QueryResult {
  /** recorder status 0-8 or 20 (agora.md §2.6); undefined when the response carried none */
  status?: number;
  files: RecordedFile[];
  raw: QueryResponse;
  requestId: string;
}

export async function query(ctx: AgoraContext, ref: SessionRef): Promise<QueryResult> {
  const res = await agoraCall(ctx, {
    method: 'GET',
    path: `${sidPath(ctx, ref.resourceId, ref.sid, ref.mode)}/query`,
    site: { product: PRODUCT, operation: 'query', idempotent: true },
    response: QueryResponse,
  });
  return {
    status: res.body.serverResponse?.status,
    files: filesOf(res.body.serverResponse),
    raw: res.body,
    requestId: res.requestId,
  };
}

export interface UpdateLayoutInput extends SessionRef {
  cname: string;
  uid: string;
  /** the complete layout: updateLayout replaces the whole layout (agora.md §2.5) */
  layout: Layout;
}

const Ack = z.looseObject({ resourceId: z.string().optional(), sid: z.string().optional() });

/** A call on a running session (update, updateLayout): POST with the envelope, answered with an ack. */
async function sessionCall(
  ctx: AgoraContext,
  input: SessionRef & { cname: string; uid: string },
  operation: 'update' | 'updateLayout',
  clientRequest: unknown,
): Promise<{ requestId: string }> {
  const res = await agoraCall(ctx, {
    method: 'POST',
    path: `${sidPath(ctx, input.resourceId, input.sid, input.mode)}/${operation}`,
    json: { cname: input.cname, uid: input.uid, clientRequest },
    // both carry whole values (the whole layout, the whole lists): applying one twice changes nothing
    site: { product: PRODUCT, operation, idempotent: true },
    response: Ack,
  });
  return { requestId: res.requestId };
}

export function updateLayout(ctx: AgoraContext, input: UpdateLayoutInput): Promise<{ requestId: string }> {
  return sessionCall(ctx, input, 'updateLayout', input.layout);
}

export interface UpdateInput extends SessionRef {
  cname: string;
  uid: string;
  /** streamSubscribe, webRecordingConfig, rtmpPublishConfig and/or storageConfig (STS refresh) */
  clientRequest: UpdateClientRequest;
}

export function update(ctx: AgoraContext, input: UpdateInput): Promise<{ requestId: string }> {
  return sessionCall(ctx, input, 'update', input.clientRequest);
}

type SessionInput = SessionRef & { cname: string; uid: string };

/** Pauses (`onhold: true`) or resumes a web recording: update `webRecordingConfig.onhold` (agora.md §2.5). */
export function updateOnhold(ctx: AgoraContext, input: SessionInput & { onhold: boolean }): Promise<{ requestId: string }> {
  return update(ctx, { ...input, clientRequest: { webRecordingConfig: { onhold: input.onhold } } });
}

/**
 * Sets the CDN addresses a web recording pushes to: update `rtmpPublishConfig.outputs`, which replaces
 * the whole list (agora.md §2.5), so every address wanted is sent each time.
 */
export function updateRtmpOutputs(ctx: AgoraContext, input: SessionInput & { rtmpUrls: readonly string[] }): Promise<{ requestId: string }> {
  return update(ctx, { ...input, clientRequest: { rtmpPublishConfig: { outputs: input.rtmpUrls.map((rtmpUrl) => ({ rtmpUrl })) } } });
}

export interface StopInput extends SessionRef {
  cname: string;
  uid: string;
  asyncStop?: boolean;
}

export type StopOutcome =
  /** stopped now; files and upload status from the response */
  | 'stopped'
  /** stopped now, but the upload status is not known yet (HTTP 206) */
  | 'stopped_upload_pending'
  /** a previous stop already ended it (code 49) */
  | 'already_stopped'
  /** nothing was recorded (code 435) */
  | 'no_files';

export interface StopResult {
  outcome: StopOutcome;
  files: RecordedFile[];
  uploadingStatus: UploadingStatus;
  requestId: string;
}

export async function stop(ctx: AgoraContext, input: StopInput): Promise<StopResult> {
  try {
    const res = await agoraCall(ctx, {
      method: 'POST',
      path: `${sidPath(ctx, input.resourceId, input.sid, input.mode)}/stop`,
      json: { cname: input.cname, uid: input.uid, clientRequest: input.asyncStop ? { async_stop: true } : {} },
      contentType: 'application/json;charset=utf-8',
      // stopping twice is harmless (code 49), so a lost response may be retried
      site: { product: PRODUCT, operation: 'stop', idempotent: true },
      response: StopResponse,
    });
    const sr = res.body.serverResponse;
    const uploadingStatus = parseUploadingStatus(sr?.uploadingStatus ?? uploadingStatusOfWeb(sr));
    return {
      outcome: res.status === 206 || uploadingStatus === 'unknown' ? 'stopped_upload_pending' : 'stopped',
      files: filesOf(sr),
      uploadingStatus,
      requestId: res.requestId,
    };
  } catch (err) {
    // 49: stopped already; 435: nothing recorded; 501: the service is already exiting (agora.md §2.9)
    if (err instanceof VendorError && (err.info.code === 49 || err.info.code === 435 || err.info.code === 501)) {
      return {
        outcome: err.info.code === 49 ? 'already_stopped' : 'no_files',
        files: [],
        uploadingStatus: err.info.code === 435 ? 'uploaded' : 'unknown',
        requestId: err.info.requestId ?? '',
      };
    }
    throw err;
  }
}

function parseUploadingStatus(v: unknown): UploadingStatus {
  return v === 'uploaded' || v === 'backuped' ? v : 'unknown';
}

type ServerResponse = QueryResponse['serverResponse'];

function uploadingStatusOfWeb(sr: ServerResponse): unknown {
  const payload = sr?.extensionServiceState?.find((s) => s.serviceName === 'web_recorder_service')?.payload;
  return payload?.uploadingStatus;
}

/** File entries of any mode: the fileList of individual/mix, the web recorder's payload in web mode. */
function filesOf(sr: ServerResponse): RecordedFile[] {
  const files = normaliseFileList(sr);
  for (const svc of sr?.extensionServiceState ?? []) {
    const list = (svc.payload as { fileList?: unknown } | undefined)?.fileList;
    if (!Array.isArray(list)) continue;
    for (const f of list as Array<{ filename?: string; fileName?: string; sliceStartTime?: number }>) {
      const fileName = f.filename ?? f.fileName;
      if (fileName) files.push({ fileName, sliceStartTime: f.sliceStartTime });
    }
  }
  return files;
}
