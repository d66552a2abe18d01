/**
 * `rtcflow sparkrtc ...`: the SparkRTC management calls around recordings, and the SparkRTC options of
 * `rtcflow record start --vendor sparkrtc` (./record.ts).
 *
 *   rtcflow sparkrtc rules list|get <ruleId>|set --rule '<json>'|update <ruleId> --rule '<json>'|delete <ruleId>
 *   rtcflow sparkrtc auto-record get | set --mode off|individual [--rule <ruleId>]
 *   rtcflow sparkrtc callback get | set --url <receiver> [--auth-key <key>]
 *   rtcflow sparkrtc room remove-users <room> --user <id> [--user <id>...] | dismiss <room>
 *   rtcflow sparkrtc job-rule <sessionId> --rule <ruleId>      (a single job's record rule, through its session)
 *
 * Management calls go straight to SparkRTC with the profile's credentials from this process's
 * configuration (the same environment or RTCFLOW_PROFILES_FILE as the worker), never through Temporal:
 * a generated callback auth_key is printed once here and never enters a workflow history.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { Config } from '../config';
import { SparkRtcAdmin, generateCallbackAuthKey } from '../client/sparkrtc-admin';
import type { SparkRtcRecordingInput } from '../schemas/workflows/sparkrtc-recording';
import { collect, duration, jsonOption, out, withClient, adminConfig } from './common';

async function withAdmin<T>(profile: string, fn: (a: SparkRtcAdmin, config: Config) => Promise<T>): Promise<T> {
  const config = adminConfig();
  const admin = new SparkRtcAdmin(config, profile);
  try {
    return await fn(admin, config);
  } finally {
    await admin.close();
  }
}

const VIDEO: Record<string, SparkRtcRecordingInput['videoType']> = { camera: 'CAMERASTREAM', screen: 'SCREENSTREAM', audio: '' };
function video(v: string): NonNullable<SparkRtcRecordingInput['videoType']> {
  const t = VIDEO[v];
  if (t === undefined) throw new InvalidArgumentError('expected camera, screen or audio');
  return t;
}

/** The SparkRTC options of `rtcflow record start` (added to that command by ./record.ts). */
export function addSparkRtcRecordOptions(cmd: Command): Command {
  return cmd
    .option('--kind <kind>', 'SparkRTC: single (one user) | mix (the room in one output)')
    .option('--rule <ruleId>', 'SparkRTC: record_rule_id (see `rtcflow sparkrtc rules list`)')
    .option('--user <userId>', 'SparkRTC single: the user to record')
    .option('--video <type>', 'SparkRTC single: camera | screen | audio (audio only)', video)
    .option('--no-audio', "SparkRTC single: leave the user's audio out")
    .option('--stream-type <tier>', 'SparkRTC single: LD | SD | HD | FHD')
    .option('--encode-template <t>', 'SparkRTC mix: e.g. 1280*720_15_2260 or audio_only')
    .option('--layout <json>', 'SparkRTC mix: e.g. {"layout_template":"nine_grids_view"}')
    .option('--drain-timeout <duration>', 'how long to wait for the last file after the stop', duration)
    .option('--reconcile-timeout <duration>', "SparkRTC: how long a lost start's callback is awaited", duration);
}

/** `rtcflow record start --vendor sparkrtc ...` as a SparkRTC recording request. */
export function sparkRtcRecordInput(o: Record<string, any>): SparkRtcRecordingInput {
  return {
    vendor: 'sparkrtc',
    channel: o.channel,
    profile: o.profile,
    role: o.role,
    kind: o.kind,
    recordRuleId: o.rule,
    ...(o.user !== undefined ? { userId: o.user } : {}),
    ...(o.video !== undefined ? { videoType: o.video } : {}),
    ...(o.audio === false ? { recordAudio: false } : {}),
    ...(o.streamType !== undefined ? { streamType: o.streamType } : {}),
    ...(o.encodeTemplate !== undefined ? { encodeTemplate: o.encodeTemplate } : {}),
    ...(o.layout !== undefined ? { layout: jsonOption('layout', o.layout) as SparkRtcRecordingInput['layout'] } : {}),
    ...(o.maxIdle !== undefined ? { maxIdleTime: o.maxIdle } : {}),
    ...(o.pollInterval !== undefined ? { pollIntervalMs: o.pollInterval } : {}),
    ...(o.drainTimeout !== undefined ? { drainTimeoutMs: o.drainTimeout } : {}),
    ...(o.reconcileTimeout !== undefined ? { reconcileTimeoutMs: o.reconcileTimeout } : {}),
  };
}

export function registerSparkRtcCommands(program: Command): void {
  const spark = program.command('sparkrtc').description('Huawei SparkRTC management: recording rules, auto-record, record callbacks, rooms');
  const profileOption = (c: Command) => c.option('--profile <name>', 'SparkRTC profile', 'default').option('--json', 'print one JSON object');

  // ---- recording rules ----
  const rules = spark.command('rules').description('recording rules: where files go and how they are cut (one per OBS location)');
  profileOption(rules.command('list').description("the app's recording rules")).action(async (o) => {
    const list = await withAdmin(o.profile, (a) => a.listRules());
    out(
      !!o.json,
      { rules: list },
      () =>
        list
          .map((r) => `${r.rule_id}  ${r.obs_addr?.location ?? '?'}  ${r.obs_addr?.bucket ?? '?'}/${r.obs_addr?.object ?? ''}  ${(r.record_formats ?? []).join(',')}`)
          .join('\n') || 'no rules',
    );
  });
  profileOption(rules.command('get <ruleId>').description('one rule')).action(async (ruleId: string, o) => {
    const rule = await withAdmin(o.profile, (a) => a.getRule(ruleId));
    out(!!o.json, rule, () => JSON.stringify(rule, null, 2));
  });
  profileOption(
    rules
      .command('set')
      .description("create the rule of the rule's OBS location, or replace it")
      .requiredOption('--rule <json>', 'e.g. {"obs_addr":{"location":"cn-north-4","project_id":"…","bucket":"…"},"record_formats":["MP4"],"mp4_config":{"record_cycle":600}}'),
  ).action(async (o) => {
    const r = await withAdmin(o.profile, (a) => a.createOrReplaceRule(jsonOption('rule', o.rule) as never));
    out(!!o.json, r, () => `rule ${r.rule.rule_id} ${r.created ? 'created' : 'replaced'}`);
  });
  profileOption(rules.command('update <ruleId>').description('replace a rule (new streams use it about 5 minutes later)').requiredOption('--rule <json>', 'the whole rule')).action(
    async (ruleId: string, o) => {
      const rule = await withAdmin(o.profile, (a) => a.updateRule(ruleId, jsonOption('rule', o.rule) as never));
      out(!!o.json, rule, () => `rule ${rule.rule_id} replaced`);
    },
  );
  profileOption(rules.command('delete <ruleId>').description('delete a rule (refused while jobs or auto-record use it)')).action(async (ruleId: string, o) => {
    const outcome = await withAdmin(o.profile, (a) => a.deleteRule(ruleId));
    out(!!o.json, { ruleId, outcome }, () => `rule ${ruleId}: ${outcome}`);
  });

  // ---- auto-record ----
  const auto = spark.command('auto-record').description('automatic single-stream recording of rooms created from now on');
  profileOption(auto.command('get').description('the current mode')).action(async (o) => {
    const c = await withAdmin(o.profile, (a) => a.autoRecordMode());
    out(!!o.json, c, () => `${c.auto_record_mode?.mode ?? '?'}${c.auto_record_mode?.record_rule_id ? ` (rule ${c.auto_record_mode.record_rule_id})` : ''}`);
  });
  profileOption(
    auto
      .command('set')
      .description('turn automatic recording on (individual) or off')
      .requiredOption('--mode <mode>', 'off | individual')
      .option('--rule <ruleId>', 'the rule automatic recordings use (individual)'),
  ).action(async (o) => {
    const mode = o.mode === 'individual' ? 'AUTO_INDIVIDUAL_RECORD' : o.mode === 'off' ? 'AUTO_RECORD_OFF' : undefined;
    if (!mode) throw new InvalidArgumentError('--mode is off or individual');
    const c = await withAdmin(o.profile, (a) => a.setAutoRecordMode(mode, o.rule));
    out(!!o.json, c, () => `auto-record ${c.auto_record_mode?.mode ?? mode}`);
  });

  // ---- record callback ----
  const callback = spark.command('callback').description("where SparkRTC sends the app's recording callbacks (one URL per app)");
  profileOption(callback.command('get').description('the configured URL (auth_key masked)')).action(async (o) => {
    const c = await withAdmin(o.profile, (a) => a.recordCallback());
    out(!!o.json, c, () => `${c.record_callback?.url || '(none)'}${c.record_callback?.auth_key ? ' (signed)' : ' (UNSIGNED: set one with an auth_key)'}`);
  });
  profileOption(
    callback
      .command('set')
      .description("point the app's record callbacks at rtcflow's receiver, signed with an auth_key (generated unless the profile has one)")
      .requiredOption('--url <url>', "the receiver, e.g. https://rtcflow.example.com/webhooks/sparkrtc/default (rtcflow's API server must answer it already)")
      .option('--auth-key <key>', 'use this auth_key (32-64 characters) instead of the configured or a generated one'),
  ).action(async (o) => {
    const r = await withAdmin(o.profile, async (a, config) => {
      const configured = config.sparkrtc[o.profile]?.callbackAuthKey;
      const key: string = o.authKey ?? configured ?? generateCallbackAuthKey();
      const set = await a.setRecordCallback(o.url, key);
      return { appId: a.appId, url: o.url, ...set, generated: !o.authKey && !configured };
    });
    const where = {
      env: o.profile === 'default' ? 'SPARKRTC_CALLBACK_AUTH_KEY' : undefined,
      profilesFile: `RTCFLOW_PROFILES_FILE: sparkrtc.${o.profile}.callbackAuthKey`,
    };
    const result = { profile: o.profile, appId: r.appId, url: r.url, config: r.config, ...(r.generated ? { authKey: r.authKey, configure: where } : {}) };
    out(!!o.json, result, () =>
      [
        `record callbacks of app ${r.appId} → ${r.url}`,
        ...(r.generated
          ? [
              `generated auth_key: ${r.authKey}`,
              "rtcflow's API server verifies callbacks with it: put it in its configuration and restart it —",
              ...(where.env ? [`  ${where.env}=${r.authKey}`, '  or'] : []),
              `  "callbackAuthKey": "${r.authKey}" under sparkrtc.${o.profile} in RTCFLOW_PROFILES_FILE`,
            ]
          : ['signed with the auth_key the profile is configured with']),
      ].join('\n'),
    );
  });

  // ---- rooms ----
  const room = spark.command('room').description('room management (asynchronous; recording jobs end by max_idle_time once publishers are gone)');
  profileOption(room.command('remove-users <roomId>').description('force users out of a room').requiredOption('--user <userId>', 'a user to remove (repeat)', collect)).action(
    async (roomId: string, o) => {
      await withAdmin(o.profile, (a) => a.removeUsers(roomId, o.user));
      out(!!o.json, { roomId, removing: o.user }, () => `removing ${o.user.join(', ')} from ${roomId}`);
    },
  );
  profileOption(room.command('dismiss <roomId>').description('dismiss a room (everyone out)')).action(async (roomId: string, o) => {
    const outcome = await withAdmin(o.profile, (a) => a.dismissRoom(roomId));
    out(!!o.json, { roomId, outcome }, () => `${roomId}: ${outcome === 'accepted' ? 'dismissing' : 'no such room (or dismissed already)'}`);
  });

  // ---- a single job's record rule (through its session) ----
  spark
    .command('job-rule <id>')
    .description("change the record rule a single-stream recording's job writes new files with")
    .requiredOption('--rule <ruleId>', 'the new record_rule_id')
    .option('--json', 'print one JSON object')
    .action(async (id: string, o) => {
      const applied = await withClient((c) => c.sparkrtc.updateRecordRule(id, o.rule));
      out(!!o.json, { id, recordRuleId: applied }, () => `${id}: record rule ${applied} applied`);
    });
}
