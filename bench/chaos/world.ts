/**
 * What a chaos run sets up around the cluster, as `npm start` does for a deployment: rtcflow's webhook
 * receivers (src/api/server.ts) taking the emulator's signed Agora NCS events and SparkRTC record
 * callbacks (the SparkRTC start is reconciled through them), a SparkRTC recording rule, and the typed
 * client with the test input policy (the short poll intervals the run uses).
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { ApiKeyring } from '../../src/api/auth';
import { buildApiServer } from '../../src/api/server';
import { RtcflowClient } from '../../src/client';
import { SparkRtcAdmin } from '../../src/client/sparkrtc-admin';
import { loadConfig } from '../../src/config';
import { TEST_INPUT_POLICY } from '../../src/schemas/policy';
import { EMULATOR_ACCOUNT, EMULATOR_SPARKRTC } from '../../emulator/defaults';
import { EmulatorControl } from '../../test/helpers/emulator';
import type { ChaosContext } from './lifecycles';
import { clientInterceptors } from '../../src/temporal/query-retry';

export interface ChaosWorld {
  ctx: ChaosContext;
  close(): Promise<void>;
}

export async function chaosWorld(temporalAddress: string, emulatorUrl: string, taskQueue: string): Promise<ChaosWorld> {
  const control = new EmulatorControl(emulatorUrl);
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, interceptors: clientInterceptors() });
  const rtc = new RtcflowClient(client, taskQueue, { inputPolicy: TEST_INPUT_POLICY });
  const ncsSecret = randomBytes(16).toString('hex');
  const callbackKeys: Record<string, string> = {};
  let receiver: FastifyInstance | undefined;
  const admin = new SparkRtcAdmin(loadConfig({ PATH: process.env.PATH, RTCFLOW_EMULATOR_URL: emulatorUrl }, { emulator: EMULATOR_ACCOUNT }), 'default');
  try {
    receiver = buildApiServer({ client, taskQueue, apiKeys: new ApiKeyring([]), agoraNcsSecret: ncsSecret, sparkrtcCallbackKeys: callbackKeys, logger: () => undefined });
    await receiver.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(receiver.server.address() as { port: number }).port}`;
    await control.addWebhook({ vendor: 'agora', url: `${base}/webhooks/agora/ncs`, secret: ncsSecret });
    // SparkRTC jobs leave INIT after 1 emulated second (the tests' setting)
    await control.json('POST', '/_emulator/sparkrtc/settings', { initMs: 1_000 });
    callbackKeys.default = (await admin.setRecordCallback(`${base}/webhooks/sparkrtc/default`)).authKey;
    const rule = await admin.createOrReplaceRule({
      obs_addr: { location: 'cn-north-4', project_id: EMULATOR_SPARKRTC.projectId, bucket: EMULATOR_SPARKRTC.bucket, object: 'chaos/' },
      record_formats: ['HLS', 'MP4'],
      hls_config: { record_cycle: 0 },
      mp4_config: { record_cycle: 600 },
    });
    return {
      ctx: { rtc, client, control, emulatorUrl, sparkRuleId: rule.rule.rule_id },
      close: async () => {
        await receiver?.close().catch(() => undefined);
        await connection.close().catch(() => undefined);
      },
    };
  } catch (err) {
    await receiver?.close().catch(() => undefined);
    await connection.close().catch(() => undefined);
    throw err;
  } finally {
    await admin.close();
  }
}
