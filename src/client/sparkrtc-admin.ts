/**
 * SparkRTC management calls users need around recordings (sparkrtc.md §4, §5, §6, §10): recording rules,
 * the auto-record mode, the record-callback address and its auth_key, removing users and dismissing a
 * room. These are one idempotent call each and run where they are asked (the CLI, an application), with
 * the profile's credentials from that process's configuration (src/config) — never through Temporal, so
 * a generated auth_key never enters a workflow history. Answers that carry an auth_key are redacted.
 */
import { randomBytes } from 'node:crypto';
import { resolveSparkRtcProfile, type Config } from '../config';
import { HttpClient } from '../http/client';
import { getAutoRecordMode, setAutoRecordMode } from '../sparkrtc/auto-record';
import { getRecordCallback, redactCallbackConfig, setRecordCallback } from '../sparkrtc/callbacks';
import { createSparkRtcContext, type SparkRtcContext } from '../sparkrtc/http';
import { dismissRoom, removeUsers } from '../sparkrtc/rooms';
import { createOrReplaceRule, deleteRule, getRule, listRules, updateRule } from '../sparkrtc/rules';
import type { AutoRecordConfig, AutoRecordModeName } from '../schemas/sparkrtc/auto-record';
import type { RecordCallbackConfig } from '../schemas/sparkrtc/callbacks';
import type { RecordRule, RecordRuleInput } from '../schemas/sparkrtc/rules';

/** A new callback auth_key: 32 hexadecimal characters (the console takes 32-64). */
export function generateCallbackAuthKey(): string {
  return randomBytes(16).toString('hex');
}

export class SparkRtcAdmin {
  private readonly ctx: SparkRtcContext;
  private readonly http: HttpClient;
  private readonly ownsHttp: boolean;

  constructor(
    config: Config,
    readonly profile = 'default',
    http?: HttpClient,
  ) {
    const p = resolveSparkRtcProfile(config, profile);
    this.ownsHttp = !http;
    this.http = http ?? new HttpClient();
    this.ctx = createSparkRtcContext(p, this.http, { projectName: p.region });
  }

  /** the app the profile's calls act on */
  get appId(): string {
    return this.ctx.appId;
  }

  // ---- recording rules (§4) ----

  async listRules(): Promise<RecordRule[]> {
    const all: RecordRule[] = [];
    for (let page = 0; page < 100; page++) {
      const { rules } = await listRules(this.ctx, { offset: page, limit: 100 });
      all.push(...rules);
      if (rules.length < 100) break;
    }
    return all;
  }

  async getRule(ruleId: string): Promise<RecordRule> {
    return (await getRule(this.ctx, ruleId)).rule;
  }

  /** Creates the app's rule for the OBS location, or replaces it (an upsert per location). */
  async createOrReplaceRule(input: RecordRuleInput): Promise<{ rule: RecordRule; created: boolean }> {
    const r = await createOrReplaceRule(this.ctx, input);
    return { rule: r.rule, created: r.created };
  }

  /** A full replacement; new streams use it about 5 minutes later (§4.4). */
  async updateRule(ruleId: string, input: RecordRuleInput): Promise<RecordRule> {
    return (await updateRule(this.ctx, ruleId, input)).rule;
  }

  async deleteRule(ruleId: string): Promise<'deleted' | 'not_found'> {
    return (await deleteRule(this.ctx, ruleId)).outcome;
  }

  // ---- auto-record (§6) ----

  async autoRecordMode(): Promise<AutoRecordConfig> {
    return (await getAutoRecordMode(this.ctx)).config;
  }

  /** AUTO_INDIVIDUAL_RECORD records every user of rooms created from now on (single-stream only). */
  async setAutoRecordMode(mode: AutoRecordModeName, recordRuleId?: string): Promise<AutoRecordConfig> {
    return (await setAutoRecordMode(this.ctx, { mode, ...(recordRuleId ? { record_rule_id: recordRuleId } : {}) })).config;
  }

  // ---- record callback (§5) ----

  /** The configuration with its auth_key masked. */
  async recordCallback(): Promise<RecordCallbackConfig> {
    return redactCallbackConfig((await getRecordCallback(this.ctx)).config);
  }

  /**
   * Points the app's record callbacks at `url`, signed with `authKey` (generated when absent). The receiver
   * must answer already (RTC.00001018). Returns the key once, for the configuration of the receiver
   * (`callbackAuthKey` of the profile, or SPARKRTC_CALLBACK_AUTH_KEY), and the redacted answer.
   */
  async setRecordCallback(url: string, authKey: string = generateCallbackAuthKey()): Promise<{ authKey: string; config: RecordCallbackConfig }> {
    const { config } = await setRecordCallback(this.ctx, { url, auth_key: authKey });
    return { authKey, config: redactCallbackConfig(config) };
  }

  // ---- rooms (§10) ----

  /** Forces users out of a room (asynchronous: 202). Recording jobs are not stopped by it. */
  async removeUsers(roomId: string, userIds: string[]): Promise<void> {
    await removeUsers(this.ctx, roomId, userIds);
  }

  /** Dismisses a room, everyone out (asynchronous). `not_found`: no such room (or dismissed already). */
  async dismissRoom(roomId: string): Promise<'accepted' | 'not_found'> {
    return (await dismissRoom(this.ctx, roomId)).outcome;
  }

  async close(): Promise<void> {
    if (this.ownsHttp) await this.http.close();
  }
}
