/**
 * Agora IoT license activation (agora.md §12): one POST binds a license of SKU `pid` to a device
 * (`licenseKey`, under 64 bytes: checked before the call) in a project. Basic auth, ≤ 10 QPS per account.
 * The answer is `{code, data: {license, skuView}}`: HTTP 200 with a `code` other than 200 is a failure
 * whose `message` says why (a VendorError with that code, final). Activating the same device again
 * answers its license ([general]), so the call may be repeated.
 */
import { VendorError } from '../http/errors';
import { ActivateLicenseQuery, ActivateLicenseResponse, type SkuView } from '../schemas/agora/iot';
import { parseInput } from '../schemas/parse';
import { agoraCall, withBasicAuth, type AgoraContext } from './http';

const PRODUCT = 'iot-license';

export interface ActivatedLicense {
  license: string;
  skuView?: SkuView | SkuView[];
  requestId: string;
}

/** Activates a license for a device; `appId` defaults to the context's project. */
export async function activateLicense(ctx: AgoraContext, input: { pid: string; licenseKey: string; appId?: string }): Promise<ActivatedLicense> {
  const q = parseInput(ActivateLicenseQuery, { pid: input.pid, licenseKey: input.licenseKey, appid: input.appId ?? ctx.appId }, 'license activation');
  const site = { product: PRODUCT, operation: 'activate', idempotent: true };
  const res = await agoraCall(withBasicAuth(ctx), {
    method: 'POST',
    path: `/dabiz/license/v2/active?${new URLSearchParams({ pid: q.pid, licenseKey: q.licenseKey, appid: q.appid })}`,
    site,
    response: ActivateLicenseResponse,
  });
  const body = res.body;
  if (body.code !== 200 || !body.data) {
    throw new VendorError({
      vendor: 'agora',
      ...site,
      httpStatus: res.status,
      code: body.code,
      reason: body.message ?? `license activation answered code ${body.code}`,
      requestId: res.requestId,
      retryable: body.code === 429 || body.code >= 500,
      ambiguous: false,
    });
  }
  return { license: body.data.license, skuView: body.data.skuView ?? undefined, requestId: res.requestId };
}
