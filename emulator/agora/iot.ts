/**
 * Emulated Agora IoT license activation (agora.md §12):
 *   POST /dabiz/license/v2/active?pid&licenseKey&appid   (Basic auth, ≤ 10 QPS per account)
 * The SKUs are EMULATOR_IOT's (emulator/defaults.ts): each pid has a number of licenses. Activating binds
 * one to the device (`licenseKey`) in the App ID and answers `{code: 200, data: {license, skuView}}`; the
 * same device again answers the license it has (no second one is spent). Failures answer with the HTTP
 * status in `code` too and a `message`: 400 missing parameter, licenseKey of 64 bytes or more, an App ID
 * not of the account, an unknown pid; 403 when the pid has no license left. The seed documents no codes
 * beyond "not 200 → read message": these are the emulator's choice.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EMULATOR_IOT } from '../defaults';
import type { EmulatorContext } from '../context';
import { agoraBasicAuth, captureRawJsonBody } from './auth';

const PRODUCT = 'iot-license';
export const IOT_QPS = 10;

type Sku = (typeof EMULATOR_IOT.skus)[keyof typeof EMULATOR_IOT.skus];

export function registerAgoraIot(app: FastifyInstance, ctx: EmulatorContext): void {
  const { world, limits } = ctx;
  const auth = agoraBasicAuth(world);
  const limit = async (req: FastifyRequest, reply: FastifyReply) => {
    if (limits.refuse(reply, `agora/${req.agoraAccount!.customerId}/${PRODUCT}/activate`, IOT_QPS)) return reply;
  };
  /** account → pid → licenseKey → license */
  const issued = new Map<string, Map<string, Map<string, string>>>();
  const fail = (reply: FastifyReply, code: number, message: string) => reply.code(code).send({ code, message });

  // the activation carries its parameters in the query: an empty body (with or without a JSON content type) is no body
  app.register(async (scope) => {
    captureRawJsonBody(scope);
    scope.post('/dabiz/license/v2/active', { config: { labels: { vendor: 'agora', product: PRODUCT, operation: 'activate' } }, preHandler: [auth, limit] }, async (req, reply) => {
      const q = req.query as Record<string, string | undefined>;
      for (const k of ['pid', 'licenseKey', 'appid'] as const) if (!q[k]) return fail(reply, 400, `${k} is required`);
      if (Buffer.byteLength(q.licenseKey!, 'utf8') >= 64) return fail(reply, 400, 'licenseKey must be less than 64 bytes');
      const account = req.agoraAccount!;
      if (!(q.appid! in account.apps)) return fail(reply, 400, 'appid is invalid');
      const sku = (EMULATOR_IOT.skus as Record<string, Sku>)[q.pid!];
      if (!sku) return fail(reply, 400, `pid ${q.pid} is not a license of this account`);
      let byPid = issued.get(account.customerId);
      if (!byPid) issued.set(account.customerId, (byPid = new Map()));
      let devices = byPid.get(q.pid!);
      if (!devices) byPid.set(q.pid!, (devices = new Map()));
      const deviceKey = `${q.appid}\u0000${q.licenseKey}`;
      let license = devices.get(deviceKey);
      if (!license) {
        if (devices.size >= sku.licenses) return fail(reply, 403, `no license left for pid ${q.pid} (${sku.licenses} activated)`);
        license = randomBytes(16).toString('hex').toUpperCase();
        devices.set(deviceKey, license);
      }
      req.logRef = { resourceId: q.licenseKey };
      const { licenses: _quota, ...skuView } = sku;
      void _quota;
      return reply.code(200).send({ code: 200, data: { license, skuView } });
    });
  });
}
