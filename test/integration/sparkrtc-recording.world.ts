/**
 * The world of the SparkRTC recording tests: the shared dev server, the file's own emulator (real-time
 * clock: SparkRTC signatures and callback timestamps are checked against it), rtcflow's API server with
 * the SparkRTC callback receiver, a recording rule, and (optionally) the app's record callback pointed
 * at the receiver with a freshly generated auth_key. After all tests: no history holds the SK, the IAM
 * password, an IAM token or the auth_key.
 */
import { startApi, type TestApi } from '../helpers/api';
import { generateCallbackAuthKey, SparkRtcAdmin } from '../../src/client/sparkrtc-admin';
import { sessionHarness, type SessionHarness } from '../helpers/harness';
import { DEMO, SparkControl } from '../helpers/sparkrtc';
import { eventually, uniqueId } from '../helpers/wait';

export interface SparkWorld {
  h: SessionHarness;
  spark: SparkControl;
  admin: SparkRtcAdmin;
  api: TestApi;
  /** the API server */
  apiUrl: string;
  /** the receiver of the `default` profile */
  callbackUrl: string;
  /** what the receiver verifies with (profile → auth_key): tests may set it later */
  keys: Record<string, string>;
  /** secrets no history may hold (checked after all tests) */
  secrets: string[];
  /** a recording rule of the demo app (HLS + MP4 into the demo bucket) */
  ruleId: string;
  /** a second rule (another OBS location) */
  otherRuleId: string;
  appId: string;
  /** the task queue the API server starts sessions on (run a worker on it) */
  taskQueue: string;
}

export const RULE = {
  obs_addr: { location: 'cn-north-4', project_id: DEMO.projectId, bucket: DEMO.bucket, object: 'rtcflow-tests/' },
  record_formats: ['HLS', 'MP4'] as Array<'HLS' | 'MP4'>,
  hls_config: { record_cycle: 0 },
  mp4_config: { record_cycle: 600 },
};

export function sparkWorld(opts: { configureCallback: boolean }): SparkWorld {
  const secrets: string[] = [];
  const w = { keys: {}, secrets, appId: DEMO.appId, taskQueue: uniqueId('tq-spark') } as unknown as SparkWorld;
  // registered before the harness's: the receiver is closed (its in-flight routing done) before the
  // harness closes the Temporal connection and stops the emulator
  afterAll(async () => {
    await w.admin?.close();
    // the last callbacks (a stopped job's files) may still be on their way: let them in first, so no
    // connection is busy when the receiver closes (an idle one is closed at once, a busy one kept alive)
    if (w.h?.control) {
      await eventually(
        async () => ((await w.h.control.webhooks()).deliveries.some((d) => d.vendor === 'sparkrtc' && d.outcome === 'pending') ? undefined : true),
        'SparkRTC callbacks delivered',
        15_000,
      ).catch(() => undefined);
    }
    await w.api?.server.close();
  });
  w.h = sessionHarness({ timeScale: 1, secrets });
  beforeAll(async () => {
    w.spark = new SparkControl(w.h.emu.url);
    // INIT lasts 1 s of emulated time (undocumented: "seconds")
    await w.spark.settings({ initMs: 1_000 });
    w.api = await startApi(w.h.env.client, { taskQueue: w.taskQueue, sparkrtcCallbackKeys: w.keys });
    w.apiUrl = w.api.base;
    w.callbackUrl = `${w.apiUrl}/webhooks/sparkrtc/default`;
    w.admin = new SparkRtcAdmin(w.h.config, 'default');
    w.ruleId = (await w.admin.createOrReplaceRule(RULE)).rule.rule_id;
    w.otherRuleId = (await w.admin.createOrReplaceRule({ ...RULE, obs_addr: { ...RULE.obs_addr, location: 'cn-south-1', bucket: DEMO.southBucket } })).rule.rule_id;
    if (opts.configureCallback) {
      const { authKey } = await w.admin.setRecordCallback(w.callbackUrl);
      w.keys.default = authKey;
      secrets.push(authKey);
    }
  });
  return w;
}

export { generateCallbackAuthKey };
