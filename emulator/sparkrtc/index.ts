/**
 * Emulated Huawei Cloud SparkRTC (sparkrtc.md): the /v2 API behind an API gateway that checks
 * SDK-HMAC-SHA256 signatures and IAM tokens, the IAM token endpoint, and the control routes under
 * /_emulator/sparkrtc/. Callbacks go out through the shared webhook dispatcher, signed with the
 * X-Rtc-* scheme of §5.4 when the app has an auth_key.
 */
import type { ProductModule } from '../context';
import { signCallback } from '../../src/sparkrtc/callbacks';
import { registerSparkRtcApi } from './api';
import { registerSparkRtcControl } from './control';
import { registerIam } from './iam';
import { SparkState, UNSIGNED_CALLBACK } from './state';
import { registerSparkRtcStatistics } from './statistics';

export const registerSparkRtc: ProductModule = (app, ctx) => {
  const state = new SparkState(ctx);
  ctx.webhooks.registerSigner('sparkrtc', (secret, rawBody, now) => (secret === UNSIGNED_CALLBACK ? {} : signCallback(secret, rawBody, { nowMs: now })));
  ctx.world.onTick((now) => state.tick(now));
  registerIam(app, state);
  registerSparkRtcApi(app, state, ctx);
  registerSparkRtcControl(app, state);
  registerSparkRtcStatistics(app, state, ctx);
};
