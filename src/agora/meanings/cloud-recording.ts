/**
 * What Agora Cloud Recording's answers mean (agora.md §2.6, §2.9, §13.2; webhooks.md §1), as named
 * questions workflows ask. Pure: no I/O, no Node imports, so workflow code imports it; the calls
 * themselves live in src/agora/cloud-recording.ts.
 */
import type { VendorErrorInfo } from '../../http/errors';
import type { RecordedFile, RecordingMode, StartClientRequest } from '../../schemas/agora/cloud-recording';

/** Recorder uids come from the top of the uid space, away from human users. */
export const BOT_UID_MIN = 4_000_000_000;
export const BOT_UID_SPAN = 294_967_295;

/** `serverResponse.status` of query (agora.md §2.6): 5 = recording, 8/20 = the recorder exited. */
const IN_PROGRESS = 5;
const EXITED: ReadonlySet<number> = new Set([8, 20]);

export const recorderIsRunning = (status: number | undefined): boolean => status === IN_PROGRESS;
export const recorderHasExited = (status: number | undefined): boolean => status !== undefined && EXITED.has(status);

/**
 * "failed to find worker": 404 with code 404. During an HA failover this is transient (a grace window
 * applies); a gateway 404 without a code is a wrong route instead, and never means "gone".
 */
export const isRecorderNotFound = (i: VendorErrorInfo | undefined): boolean => i?.httpStatus === 404 && i.code === 404;

/** The resourceId lapsed (433) or cannot be decrypted (1001), or the token is bad (109/110): acquire again. */
export const isLapsedResource = (i: VendorErrorInfo | undefined): boolean => i?.code === 433 || i?.code === 1001 || i?.code === 109 || i?.code === 110;

/** cname+uid already records, or a user has the uid (53): a recorder needs a uid of its own. */
export const isUidConflict = (i: VendorErrorInfo | undefined): boolean => i?.code === 53;

/** Why a recording is taken as ended after its grace window: query kept answering "failed to find worker". */
export const notFoundFor = (graceMs: number): string => `recording not found for ${Math.round(graceMs / 1000)} s (query answered 404)`;

/** Why a stop that answered 435 ended a recording. */
export const NOTHING_RECORDED = 'nothing was recorded (code 435)';

/** NCS event types of Cloud Recording (productId 3, webhooks.md §1). */
export const NCS_PRODUCT_CLOUD_RECORDING = 3;
export const NCS_EVENT = { sessionExit: 11, sessionFailover: 12, uploaded: 31, backuped: 32, recorderStarted: 40, recorderLeave: 41 } as const;

/** The file list of an `uploaded`/`backuped` event: Agora spells it `fileName` or `filename`. */
export function uploadedFiles(details: Record<string, unknown> | undefined): RecordedFile[] {
  const list = (details?.fileList ?? []) as Array<{ fileName?: string; filename?: string }>;
  return list.map((f) => ({ ...f, fileName: f.fileName ?? f.filename ?? '' })).filter((f) => f.fileName);
}

/** recorder_leave's reason (leaveCode bit flags: 2 stopped by SIGINT, 4 no users for maxIdleTime). */
export function recorderLeaveReason(leaveCode: unknown): string {
  return `recorder left the channel (leaveCode ${String(leaveCode)}${leaveCode === 4 ? ': no users for maxIdleTime' : ''})`;
}

export function sessionExitReason(exitStatus: unknown): string {
  return `recording session exited (exitStatus ${String(exitStatus)})`;
}

/** The mid-session controls of a recording: updateLayout (layout) and update (the other three). */
export type RecordingControl = 'layout' | 'subscriptions' | 'webRecording' | 'rtmpPublish';

/**
 * Why a recording of `mode` cannot take `control` (undefined: it can), in words a caller can act on.
 *
 * - layout: updateLayout changes the video *mixing* layout, so composite (mix) only. The seed's Web
 *   folder carries an updateLayout request, but it is the composite request verbatim and its own
 *   description names individual and mix as the modes (agora.md §2.5, agora-postman.md "Cloud
 *   Recording Web / updateLayout"); Agora's reference says "composite". A web recording records the
 *   page as the page draws it: nothing is composed, so rtcflow refuses a web layout before sending it.
 * - subscriptions: the recorder subscribes to channel users in individual and mix mode; a web recorder
 *   subscribes to nobody (it loads a page).
 * - webRecording (onhold) and rtmpPublish (CDN push): web page recording only (§2.3 `onhold`,
 *   `rtmp_publish_service`).
 */
export function controlRefusal(mode: RecordingMode, control: RecordingControl): string | undefined {
  switch (control) {
    case 'layout':
      if (mode === 'web')
        return "a web recording takes no layout: it records the page as the page draws it (Agora's updateLayout changes the mixing layout of mix recordings); change the page instead";
      return mode === 'mix' ? undefined : 'layouts apply to mix recordings (an individual recording composes nothing)';
    case 'subscriptions':
      return mode === 'web' ? 'subscriptions apply to individual and mix recordings (a web recorder subscribes to nobody: it loads a page)' : undefined;
    case 'webRecording':
      return mode === 'web' ? undefined : 'pause/resume (onhold) applies to web recordings only';
    case 'rtmpPublish':
      return mode === 'web' ? undefined : 'CDN push outputs (rtmpPublishConfig) apply to web recordings only';
  }
}

interface ExtensionService {
  serviceName?: string;
  serviceParam?: Record<string, unknown>;
}
const extensionService = (cr: StartClientRequest, name: string): ExtensionService | undefined =>
  (cr.extensionServiceConfig?.extensionServices as ExtensionService[] | undefined)?.find((svc) => svc.serviceName === name);

/** A web recording's pause state as started: `web_recorder_service.serviceParam.onhold` (default false). */
export function startOnhold(cr: StartClientRequest): boolean {
  return extensionService(cr, 'web_recorder_service')?.serviceParam?.onhold === true;
}

/** The CDN addresses a web recording pushes to from its start: `rtmp_publish_service.serviceParam.outputs[].rtmpUrl`. */
export function startRtmpOutputs(cr: StartClientRequest): string[] {
  const outputs = extensionService(cr, 'rtmp_publish_service')?.serviceParam?.outputs;
  if (!Array.isArray(outputs)) return [];
  return outputs.map((o) => (o as { rtmpUrl?: unknown }).rtmpUrl).filter((url): url is string => typeof url === 'string');
}
