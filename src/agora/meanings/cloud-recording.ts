/**
 * What Agora Cloud Recording's answers mean (agora.md §2.6, §2.9, §13.2; webhooks.md §1), as named
 * questions workflows ask. Pure: no I/O, no Node imports, so workflow code imports it; the calls
 * themselves live in src/agora/cloud-recording.ts.
 */
import type { VendorErrorInfo } from '../../http/errors';
import type { RecordedFile } from '../../schemas/agora/cloud-recording';

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
