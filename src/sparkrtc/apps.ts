/**
 * SparkRTC applications (sparkrtc.md §11). Jobs need an ACTIVATION app: a DEACTIVATION or ARREARS app
 * answers RTC.00001016 to every start. These calls take the app ID explicitly (the context's appId is the
 * one product calls act on). `app_key` and callback `auth_key`s come back in clear text: use redactApp.
 */
import { VendorError } from '../http/errors';
import { App, AppList, AppStateResponse, CreateAppRequest, CreateAppResponse, ListAppsQuery } from '../schemas/sparkrtc/apps';
import { NoBody, requestBody, seg, sparkCall, type SparkRtcContext } from './http';
import { hasCode } from './errors';

const PRODUCT = 'apps';

/** POST /v2/apps. Not idempotent: a repeat answers RTC.00001020 AppExist (use ensureApp). */
export async function createApp(ctx: SparkRtcContext, appName: string): Promise<{ appId: string; requestId: string }> {
  const json = requestBody(CreateAppRequest, { app_name: appName }, 'application');
  const res = await sparkCall(ctx, {
    method: 'POST',
    path: '/v2/apps',
    json,
    site: { product: PRODUCT, operation: 'create', idempotent: false },
    response: CreateAppResponse,
  });
  return { appId: res.body.app_id, requestId: res.requestId };
}

export async function listApps(ctx: SparkRtcContext, query: ListAppsQuery = {}): Promise<{ count: number; apps: App[]; requestId: string }> {
  const q = requestBody(ListAppsQuery, query, 'application list query');
  const res = await sparkCall(ctx, {
    method: 'GET',
    path: '/v2/apps',
    query: q,
    site: { product: PRODUCT, operation: 'list', idempotent: true },
    response: AppList,
  });
  return { count: res.body.count ?? res.body.apps.length, apps: res.body.apps, requestId: res.requestId };
}

/** Finds an app by name, paging through the list (`offset` is the page number). */
export async function findAppByName(ctx: SparkRtcContext, appName: string): Promise<App | undefined> {
  const limit = 100;
  for (let page = 0; page < 1000; page++) {
    const { apps, count } = await listApps(ctx, { offset: page, limit });
    const hit = apps.find((a) => a.app_name === appName);
    if (hit) return hit;
    if (apps.length < limit || (page + 1) * limit >= count) return undefined;
  }
  return undefined;
}

/**
 * Creates the app, or finds the one that already has this name (after AppExist, or after an ambiguous
 * create whose answer was lost, sparkrtc.md §17.1).
 */
export async function ensureApp(ctx: SparkRtcContext, appName: string): Promise<{ appId: string; created: boolean }> {
  try {
    return { appId: (await createApp(ctx, appName)).appId, created: true };
  } catch (err) {
    const retryLookup = hasCode(err, 'RTC.00001020') || (err instanceof VendorError && err.info.ambiguous);
    if (!retryLookup) throw err;
    const found = await findAppByName(ctx, appName);
    if (!found) throw err;
    return { appId: found.app_id, created: false };
  }
}

export async function getApp(ctx: SparkRtcContext, appId: string): Promise<{ app: App; requestId: string }> {
  const res = await sparkCall(ctx, {
    method: 'GET',
    path: `/v2/apps/${seg(appId)}`,
    site: { product: PRODUCT, operation: 'get', idempotent: true },
    response: App,
  });
  return { app: res.body, requestId: res.requestId };
}

/** 204, or `not_found` for an app already gone. Refused (400) while the app still has running jobs. */
export async function deleteApp(ctx: SparkRtcContext, appId: string): Promise<{ outcome: 'deleted' | 'not_found'; requestId: string }> {
  try {
    const res = await sparkCall(ctx, {
      method: 'DELETE',
      path: `/v2/apps/${seg(appId)}`,
      site: { product: PRODUCT, operation: 'delete', idempotent: true },
      response: NoBody,
    });
    return { outcome: 'deleted', requestId: res.requestId };
  } catch (err) {
    if (err instanceof VendorError && err.info.httpStatus === 404 && !String(err.info.code ?? '').startsWith('APIG')) {
      return { outcome: 'not_found', requestId: err.info.requestId ?? '' };
    }
    throw err;
  }
}

async function setState(ctx: SparkRtcContext, appId: string, action: 'enable' | 'disable') {
  const res = await sparkCall(ctx, {
    method: 'POST',
    path: `/v2/apps/${seg(appId)}/${action}`,
    site: { product: PRODUCT, operation: action, idempotent: true },
    response: AppStateResponse,
  });
  return { state: res.body.state.state, requestId: res.requestId };
}

export function enableApp(ctx: SparkRtcContext, appId: string): Promise<{ state: string; requestId: string }> {
  return setState(ctx, appId, 'enable');
}

/** No new rooms, mixing or recording afterwards; rooms already joined keep working. */
export function disableApp(ctx: SparkRtcContext, appId: string): Promise<{ state: string; requestId: string }> {
  return setState(ctx, appId, 'disable');
}
