/**
 * SparkRTC OBS bucket helpers (sparkrtc.md §12): authorize SparkRTC on a bucket (before a rule can write
 * there), list buckets, and list a bucket's objects — the fallback for finding recorded files when a
 * RECORD_FILE_COMPLETE callback went missing (§9). The document lists only X-Auth-Token for these APIs.
 */
import { BucketAuthorizationRequest, BucketList, ListObjectsQuery, ObjectList } from '../schemas/sparkrtc/obs';
import { NoBody, requestBody, sparkCall, type SparkRtcContext } from './http';

const PRODUCT = 'obs';

export async function listBuckets(ctx: SparkRtcContext): Promise<{ buckets: BucketList['buckets']; requestId: string }> {
  const res = await sparkCall(ctx, {
    method: 'GET',
    path: '/v2/rtc-ops/buckets',
    site: { product: PRODUCT, operation: 'listBuckets', idempotent: true },
    response: BucketList,
  });
  return { buckets: res.body.buckets, requestId: res.requestId };
}

export async function listObjects(ctx: SparkRtcContext, query: ListObjectsQuery): Promise<{ objects: ObjectList['objects']; requestId: string }> {
  const q = requestBody(ListObjectsQuery, query, 'object list query');
  const res = await sparkCall(ctx, {
    method: 'GET',
    path: '/v2/rtc-ops/buckets/objects',
    query: q,
    site: { product: PRODUCT, operation: 'listObjects', idempotent: true },
    response: ObjectList,
  });
  return { objects: res.body.objects, requestId: res.requestId };
}

/** operation 1 authorizes SparkRTC on the bucket, 0 cancels it. Idempotent. */
export async function authorizeBucket(ctx: SparkRtcContext, input: BucketAuthorizationRequest): Promise<{ requestId: string }> {
  const json = requestBody(BucketAuthorizationRequest, input, 'bucket authorization');
  const res = await sparkCall(ctx, {
    method: 'PUT',
    path: '/v2/rtc-ops/buckets/authentication',
    json,
    site: { product: PRODUCT, operation: 'authorizeBucket', idempotent: true },
    response: NoBody,
  });
  return { requestId: res.requestId };
}
