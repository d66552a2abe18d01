/**
 * SparkRTC room management (sparkrtc.md §10). Both calls are asynchronous (202: delivered, not done) and
 * neither stops recording jobs: those end by their max_idle_time once the publishers are gone, so stop
 * jobs explicitly to end a recording promptly.
 */
import { VendorError } from '../http/errors';
import { RemoveUsersRequest } from '../schemas/sparkrtc/rooms';
import { NoBody, requestBody, seg, sparkCall, type SparkRtcContext } from './http';

const PRODUCT = 'rooms';
const roomPath = (ctx: SparkRtcContext, roomId: string) => `/v2/apps/${seg(ctx.appId)}/rooms/${seg(roomId)}`;

/** Forces users out of a room (202). Users not in the room are ignored. */
export async function removeUsers(ctx: SparkRtcContext, roomId: string, userIds: string[]): Promise<{ requestId: string }> {
  const json = requestBody(RemoveUsersRequest, { user_ids: userIds }, 'batch-remove-users request');
  const res = await sparkCall(ctx, {
    method: 'POST',
    path: `${roomPath(ctx, roomId)}/batch-remove-users`,
    json,
    site: { product: PRODUCT, operation: 'removeUsers', idempotent: true },
    response: NoBody,
  });
  return { requestId: res.requestId };
}

/**
 * Dismisses a room, removing everyone (202). `not_found` when the room does not exist, which is also what
 * a repeated dismiss answers (§17.1).
 */
export async function dismissRoom(ctx: SparkRtcContext, roomId: string): Promise<{ outcome: 'accepted' | 'not_found'; requestId: string }> {
  try {
    const res = await sparkCall(ctx, {
      method: 'POST',
      path: `${roomPath(ctx, roomId)}/dismiss`,
      site: { product: PRODUCT, operation: 'dismiss', idempotent: true },
      response: NoBody,
    });
    return { outcome: 'accepted', requestId: res.requestId };
  } catch (err) {
    if (err instanceof VendorError && err.info.httpStatus === 404 && err.info.code !== 'RTC.00001015' && !String(err.info.code ?? '').startsWith('APIG')) {
      return { outcome: 'not_found', requestId: err.info.requestId ?? '' };
    }
    throw err;
  }
}
