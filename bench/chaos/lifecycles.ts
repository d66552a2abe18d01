/**
 * The chaos harness's view of every lifecycle in workflows/index.ts: how to prepare its channel in the
 * emulator, start a session through the typed client (src/client), send the mid-session changes it takes,
 * tell from the vendor's own state (the emulator's views, request log or REST API) whether the last
 * accepted change arrived, stop it, and count its vendor creates (the ledger) against the recreations the
 * session itself reports.
 */
import type { Client } from '@temporalio/client';
import type { RtcflowClient } from '../../src/client';
import type { SparkRtcRecordingStatus } from '../../workflows/sparkrtc-recording/messages';
import type { CloudRecordingStatus } from '../../workflows/cloud-recording/messages';
import type { SttStatus } from '../../workflows/stt/messages';
import type { IngestStatus } from '../../workflows/ingest/messages';
import type { RelayStatus } from '../../workflows/relay/messages';
import type { PullStatus } from '../../workflows/pull/messages';
import type { TranscoderStatus } from '../../workflows/transcoder/messages';
import type { BanStatus } from '../../workflows/channel-ban/messages';
import type { ClassRecordingStatus } from '../../workflows/classroom-recording/messages';
import { RtmTokenBuilder } from 'agora-token';
import { EMULATOR_AGORA, EMULATOR_SPARKRTC } from '../../emulator/defaults';
import type { EmulatorControl } from '../../test/helpers/emulator';
import type { VendorTask } from '../../emulator/world';
import { agoraJson } from '../../test/helpers/agora-http';
import { sleep, withTimeout } from '../lib/util';

export const APP = EMULATOR_AGORA.appId;

export interface ChaosContext {
  rtc: RtcflowClient;
  /** the Temporal client under `rtc` (histories of sessions that did not complete) */
  client: Client;
  control: EmulatorControl;
  emulatorUrl: string;
  /** a SparkRTC recording rule of the demo app */
  sparkRuleId: string;
}

/** One accepted (or attempted) change: which control it set and the value the vendor must end up with. */
export interface Change {
  control: string;
  /** the value as the harness compares it (a marker: a URL, a uid, a volume, a colour...) */
  value: unknown;
  send(): Promise<unknown>;
}

export interface Session {
  lifecycle: string;
  channel: string;
  id: string;
  /** lifecycle-private facts (the ingest's encoder id...) */
  extra: Record<string, unknown>;
}

export interface Lifecycle {
  name: string;
  /** the workflow type (workflows/index.ts) */
  workflow: string;
  /** shapes the channel/room in the emulator before the start */
  prepare(ctx: ChaosContext, channel: string): Promise<void>;
  start(ctx: ChaosContext, channel: string, index: number): Promise<string>;
  /** phases in which the session is up and takes changes */
  ready: readonly string[];
  /** after the session is first ready (the ingest's encoder starts pushing) */
  onReady?(ctx: ChaosContext, s: Session, status: Record<string, unknown>): Promise<void>;
  /** the n-th change of this session (undefined: the lifecycle takes none) */
  change?(ctx: ChaosContext, s: Session, n: number): Change;
  /**
   * What the vendor has now for each control, by the control's name (undefined: not visible yet), and
   * whether the session says it applied everything it was asked.
   */
  observe?(ctx: ChaosContext, s: Session, status: Record<string, unknown>): Promise<{ applied: boolean; vendor: Record<string, unknown> }>;
  stop(ctx: ChaosContext, s: Session): Promise<unknown>;
  /** the vendor call that creates the session's billable resource (the n-th session's; kill-in-create.ts holds it) */
  createCall?(index: number): { product: string; operation: string };
  /** the vendor creates of this session in the emulator (ledger tasks, or logged creates where there is no ledger) */
  creates(ctx: ChaosContext, s: Session, ledger: VendorTask[]): Promise<number>;
  /** creates the session itself reports as intended (recreations, renewals, replacements, rollovers) */
  intendedCreates(status: Record<string, unknown> | undefined, result: unknown): number;
  /** vendor resources of this session still live after the end (`said`: its result, else its last status) */
  leaked(ctx: ChaosContext, s: Session, running: VendorTask[], said?: Record<string, unknown>): Promise<string[]>;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const ledgerOf = (ledger: VendorTask[], channel: string, products: readonly string[]) => ledger.filter((t) => t.cname === channel && products.includes(t.product));
const leakedOf = (running: VendorTask[], channel: string) => running.filter((t) => t.cname === channel).map((t) => `${t.product}/${t.id} (${t.state})`);

/** The first group of `pattern` in the body of the last request of `ops` about `channel` the emulator answered 2xx. */
async function lastLogged(ctx: ChaosContext, channel: string, products: readonly string[], ops: readonly string[], pattern: RegExp): Promise<string | undefined> {
  const took = (await ctx.control.requests({ cname: channel })).filter(
    (r) => products.includes(r.product ?? '') && ops.includes(r.operation ?? '') && r.status >= 200 && r.status < 300,
  );
  return JSON.stringify(took.at(-1)?.body ?? '').match(pattern)?.[1];
}

async function agoraUsers(ctx: ChaosContext, channel: string, uids: string[]): Promise<void> {
  for (const uid of uids) await ctx.control.join(APP, channel, uid);
}

// ---- Agora Cloud Recording (individual, mix, web) ----

interface RecorderView {
  layout?: { backgroundColor?: string };
  subscriptions?: { audioUidList?: { subscribeAudioUids?: string[] } };
  web?: { onhold: boolean; outputs: string[] };
}

const WEB_PAGE = {
  extensionServiceConfig: {
    errorHandlePolicy: 'error_abort',
    extensionServices: [
      {
        serviceName: 'web_recorder_service',
        errorHandlePolicy: 'error_abort',
        serviceParam: { url: 'https://example.com/lesson', audioProfile: 0, videoWidth: 1280, videoHeight: 720, maxRecordingHour: 2 },
      },
      { serviceName: 'rtmp_publish_service', errorHandlePolicy: 'error_ignore', serviceParam: { outputs: [{ rtmpUrl: 'rtmp://cdn.example.com/live/chaos-0' }] } },
    ],
  },
};

function cloudRecording(mode: 'individual' | 'mix' | 'web'): Lifecycle {
  return {
    name: `cloud-recording-${mode}`,
    workflow: 'cloudRecording',
    createCall: () => ({ product: 'cloud-recording', operation: 'start' }),
    prepare: (ctx, channel) => (mode === 'web' ? Promise.resolve() : agoraUsers(ctx, channel, ['10001', '10002'])),
    start: async (ctx, channel) =>
      (
        await ctx.rtc.startRecording({
          channel,
          mode,
          pollIntervalMs: 1_000,
          confirmPollMs: 250,
          drainTimeoutMs: 20_000,
          ...(mode === 'web' ? { acquire: { scene: 1 }, clientRequest: WEB_PAGE } : {}),
        })
      ).id,
    ready: ['recording'],
    change: (ctx, s, n) => {
      if (mode === 'individual' || (mode === 'mix' && n % 2 === 1)) {
        const uid = String(20_000 + n);
        return { control: 'subscriptions', value: uid, send: () => ctx.rtc.updateSubscriptions(s.id, { audioUidList: { subscribeAudioUids: [uid] } }) };
      }
      if (mode === 'mix') {
        const color = `#0000${(n % 256).toString(16).padStart(2, '0')}`;
        return { control: 'layout', value: color, send: () => ctx.rtc.updateLayout(s.id, { mixedVideoLayout: 1, backgroundColor: color }) };
      }
      if (n % 2 === 0) return { control: 'onhold', value: n % 4 === 0, send: () => ctx.rtc.updateRecording(s.id, { onhold: n % 4 === 0 }) };
      const url = `rtmp://cdn.example.com/live/chaos-${n}`;
      return { control: 'rtmpOutputs', value: [url], send: () => ctx.rtc.updateRtmpOutputs(s.id, { outputs: [url] }) };
    },
    observe: async (ctx, _s, status) => {
      const st = status as unknown as CloudRecordingStatus;
      const controls = (st as unknown as { controls?: Record<string, { pending?: boolean }> }).controls ?? {};
      const applied = Object.values(controls).every((c) => !c?.pending);
      if (!st.sid) return { applied, vendor: {} };
      const rec = await ctx.control.json<RecorderView>('GET', `/_emulator/agora/cloud-recording/${st.sid}`);
      return {
        applied,
        vendor: {
          subscriptions: rec.subscriptions?.audioUidList?.subscribeAudioUids?.[0],
          layout: rec.layout?.backgroundColor,
          onhold: rec.web?.onhold,
          rtmpOutputs: rec.web?.outputs,
        },
      };
    },
    stop: (ctx, s) => ctx.rtc.stopRecording(s.id, 'chaos'),
    creates: async (_ctx, s, ledger) => ledgerOf(ledger, s.channel, ['cloud-recording']).length,
    intendedCreates: () => 1,
    leaked: async (_ctx, s, running) => leakedOf(running, s.channel),
  };
}

// ---- Real-Time STT (7.x agents and 6.x tasks, alternating) ----

const stt: Lifecycle = {
  name: 'stt',
  workflow: 'stt',
  createCall: (index) => (index % 2 === 0 ? { product: 'stt7', operation: 'join' } : { product: 'stt6', operation: 'start' }),
  prepare: (ctx, channel) => agoraUsers(ctx, channel, ['10001', '10002']),
  start: async (ctx, channel, index) =>
    (await ctx.rtc.transcriptions.start({ channel, languages: ['en-US'], version: index % 2 === 0 ? '7' : '6', pollIntervalMs: 1_000, confirmPollMs: 250 })).id,
  ready: ['running'],
  change: (ctx, s, n) => {
    const uid = String(30_000 + n);
    return { control: 'subscribeAudioUids', value: uid, send: () => ctx.rtc.transcriptions.update(s.id, { subscribeAudioUids: [uid] }) };
  },
  observe: async (ctx, s, status) => {
    const st = status as unknown as SttStatus;
    // the vendor keeps no view of an agent's configuration: its last update the emulator answered 2xx
    const agentId = st.agentId;
    if (!agentId) return { applied: st.configApplied, vendor: {} };
    const ups = (await ctx.control.requests({})).filter(
      (r) => (r.product === 'stt7' || r.product === 'stt6') && r.operation === 'update' && r.status >= 200 && r.status < 300 && r.path.includes(agentId),
    );
    const last = ups.at(-1)?.body as { subscribeAudioUids?: string[]; rtcConfig?: { subscribeAudioUids?: string[] } } | undefined;
    const uids = last?.rtcConfig?.subscribeAudioUids ?? last?.subscribeAudioUids ?? JSON.stringify(last ?? '').match(/"(3\d{4})"/)?.[1];
    return { applied: st.configApplied, vendor: { subscribeAudioUids: Array.isArray(uids) ? uids[0] : uids } };
  },
  stop: (ctx, s) => ctx.rtc.transcriptions.stop(s.id, 'chaos'),
  creates: async (_ctx, s, ledger) => ledgerOf(ledger, s.channel, ['stt7', 'stt6']).length,
  // a rollover (the 72-hour lifetime) starts the next agent on purpose
  intendedCreates: (status) => Math.max(1, ((status as unknown as SttStatus | undefined)?.agents ?? []).length),
  leaked: async (_ctx, s, running) => leakedOf(running, s.channel),
};

// ---- Media Gateway ingest ----

const ENCODERS = '/_emulator/agora/media-gateway/encoders';
interface EncoderView {
  id: string;
  state: string;
  muted?: { audio: boolean; video: boolean };
}

const ingest: Lifecycle = {
  name: 'ingest',
  workflow: 'ingest',
  createCall: () => ({ product: 'media-gateway', operation: 'createStreamKey' }),
  prepare: async () => undefined,
  start: async (ctx, channel, index) => (await ctx.rtc.ingests.start({ channel, uid: String(100 + index), pollIntervalMs: 1_000, muteVerifyMs: 300, reconnectWatchMs: 1_000 })).id,
  ready: ['waiting-for-encoder', 'live'],
  onReady: async (ctx, s, status) => {
    const st = status as unknown as IngestStatus;
    if (s.extra.encoder || !st.push?.streamKey) return;
    const enc = await ctx.control.json<EncoderView>('POST', ENCODERS, { streamKey: st.push.streamKey });
    s.extra.encoder = enc.id;
  },
  change: (ctx, s, n) => {
    const muted = n % 2 === 0;
    return { control: 'audioMuted', value: muted, send: () => ctx.rtc.ingests.update(s.id, { audioMuted: muted }) };
  },
  observe: async (ctx, s, status) => {
    const st = status as unknown as IngestStatus;
    const enc = (await ctx.control.json<{ encoders: EncoderView[] }>('GET', ENCODERS)).encoders.find((e) => e.id === s.extra.encoder);
    return { applied: st.muteApplied, vendor: { audioMuted: enc?.muted?.audio } };
  },
  stop: (ctx, s) => ctx.rtc.ingests.stop(s.id, 'chaos'),
  // the stream key is the create; the pushes are the encoder's doing (their sids are UUIDs)
  creates: async (_ctx, s, ledger) => ledgerOf(ledger, s.channel, ['media-gateway']).filter((t) => !PUSH_ID.test(t.id)).length,
  // a key whose create answer was lost: nobody can find it (Media Gateway lists no keys, agora.md §5.1); the
  // session reports it in uncertainCreates, and it runs out by itself at its expiresAfter
  intendedCreates: (status, result) => 1 + uncertainOf((result as Record<string, unknown> | undefined) ?? status),
  leaked: async (_ctx, s, running, said) => {
    const live = running.filter((t) => t.cname === s.channel);
    const keys = live.filter((t) => t.product === 'media-gateway' && !PUSH_ID.test(t.id));
    // reported, never pushed (only the session's own key reached an encoder): accounted for, not leaked
    const uncertain = keys.slice(0, uncertainOf(said));
    if (uncertain.length) s.extra.uncertainKeys = uncertain.map((t) => `${t.id} (${t.state})`);
    return leakedOf(
      live.filter((t) => !uncertain.includes(t)),
      s.channel,
    );
  },
};

/** The sids of pushes are UUIDs; stream keys are not. */
const PUSH_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-/;
/** Reported keys that run out by themselves (a key made to never expire would be a leak). */
const uncertainOf = (said: Record<string, unknown> | undefined) => ((said as Partial<IngestStatus> | undefined)?.uncertainCreates ?? []).filter((u) => u.expiresBy).length;

// ---- Media Push relay ----

const relayTranscoding = (uid: number) => ({
  audioOptions: {},
  videoOptions: { canvas: { width: 1280, height: 720 }, layout: [{ rtcStreamUid: uid, region: { xPos: 0, yPos: 0, width: 1280, height: 720 } }], bitrate: 2000 },
});

const relay: Lifecycle = {
  name: 'relay',
  workflow: 'relay',
  createCall: () => ({ product: 'media-push', operation: 'create' }),
  prepare: (ctx, channel) => agoraUsers(ctx, channel, ['10001']),
  start: async (ctx, channel) =>
    (
      await ctx.rtc.relays.start({
        channel,
        region: 'na',
        rtmpUrl: 'rtmp://cdn.example.com/live/relay-0',
        transcoding: relayTranscoding(10001),
        pollIntervalMs: 1_000,
        confirmPollMs: 250,
      })
    ).id,
  ready: ['running'],
  change: (ctx, s, n) => {
    const url = `rtmp://cdn.example.com/live/relay-${n}`;
    return { control: 'rtmpUrl', value: url, send: () => ctx.rtc.relays.update(s.id, { rtmpUrl: url }) };
  },
  observe: async (ctx, s, status) => {
    const st = status as unknown as RelayStatus;
    // the emulator's converter view shows no address: the last create/update it took (2xx) does
    const url = await lastLogged(ctx, s.channel, ['media-push'], ['create', 'update'], /"rtmpUrl":"([^"]+)"/);
    return { applied: st.configApplied, vendor: { rtmpUrl: url } };
  },
  stop: (ctx, s) => ctx.rtc.relays.stop(s.id, 'chaos'),
  creates: async (_ctx, s, ledger) => ledgerOf(ledger, s.channel, ['media-push']).length,
  intendedCreates: (status) => 1 + ((status as unknown as RelayStatus | undefined)?.restarts ?? 0),
  leaked: async (_ctx, s, running) => leakedOf(running, s.channel),
};

// ---- Media Pull ----

interface PlayerView {
  channel: string;
  volume: number;
  destroyed?: unknown;
}

const pull: Lifecycle = {
  name: 'pull',
  workflow: 'pull',
  createCall: () => ({ product: 'media-pull', operation: 'create' }),
  prepare: async () => undefined,
  start: async (ctx, channel) =>
    (
      await ctx.rtc.pulls.start({
        channel,
        region: 'na',
        streamUrl: 'rtmp://live.example.com/app/chaos',
        // the List shows a player 10 emulated seconds after its create (agora.md): reconcile after that
        listDelayMs: 11_000,
        confirmPollMs: 250,
        confirmTimeoutMs: 30_000,
        pollIntervalMs: 1_000,
      })
    ).id,
  ready: ['playing'],
  change: (ctx, s, n) => {
    const volume = 10 + (n % 190);
    return { control: 'volume', value: volume, send: () => ctx.rtc.pulls.update(s.id, { volume }) };
  },
  observe: async (ctx, s, status) => {
    const st = status as unknown as PullStatus;
    const live = (await ctx.control.json<{ players: PlayerView[] }>('GET', '/_emulator/agora/media-pull/players')).players.filter((p) => p.channel === s.channel && !p.destroyed);
    return { applied: st.playbackApplied, vendor: { volume: live.length === 1 ? live[0]!.volume : live.map((p) => p.volume) } };
  },
  stop: (ctx, s) => ctx.rtc.pulls.stop(s.id, 'chaos'),
  creates: async (_ctx, s, ledger) => ledgerOf(ledger, s.channel, ['media-pull']).length,
  intendedCreates: (status) => 1 + ((status as unknown as PullStatus | undefined)?.restarts ?? 0),
  leaked: async (_ctx, s, running) => leakedOf(running, s.channel),
};

// ---- Cloud Transcoder ----

const VIDEO_OPTION = { fps: 30, codec: 'H264' as const, bitrate: 800, width: 960, height: 480 };
const tcRegion = (x: number) => ({ x, y: 0, width: 320, height: 360, zOrder: 1 });

const transcoder: Lifecycle = {
  name: 'transcoder',
  workflow: 'transcoder',
  createCall: () => ({ product: 'cloud-transcoder', operation: 'create' }),
  prepare: async (ctx, channel) => {
    await agoraUsers(ctx, channel, ['123', '456']);
    await ctx.control.emptyChannel(APP, `${channel}-out`);
  },
  start: async (ctx, channel) =>
    (
      await ctx.rtc.transcoders.start({
        channel,
        audioInputs: [{ rtcUid: 123 }, { rtcUid: 456 }],
        videoInputs: [
          { rtcUid: 123, placeholderImageUrl: 'https://example.com/away.jpg', region: tcRegion(0) },
          { rtcUid: 456, placeholderImageUrl: 'https://example.com/away.jpg', region: tcRegion(320) },
        ],
        canvas: { width: 960, height: 480, color: 0 },
        outputs: [{ rtcChannel: `${channel}-out`, audioOption: { profileType: 'AUDIO_PROFILE_MUSIC_STANDARD' }, videoOption: VIDEO_OPTION }],
        pollIntervalMs: 1_000,
        confirmPollMs: 250,
      })
    ).id,
  ready: ['running'],
  change: (ctx, s, n) => {
    const bitrate = 801 + n;
    return { control: 'bitrate', value: bitrate, send: () => ctx.rtc.transcoders.update(s.id, { outputs: [{ videoOption: { ...VIDEO_OPTION, bitrate } }] }) };
  },
  observe: async (ctx, s, status) => {
    const st = status as unknown as TranscoderStatus;
    // the vendor's own view is its query answer; the emulator's log of the updates it took is the same fact
    const ups = (await ctx.control.requests({ cname: s.channel, product: 'cloud-transcoder' })).filter(
      (r) => (r.operation === 'update' || r.operation === 'create') && r.status >= 200 && r.status < 300 && (!st.taskId || r.operation === 'create' || r.path.includes(st.taskId)),
    );
    const m = JSON.stringify(ups.at(-1)?.body ?? '').match(/"bitrate":(\d+)/);
    return { applied: st.configApplied, vendor: { bitrate: m ? Number(m[1]) : undefined } };
  },
  stop: (ctx, s) => ctx.rtc.transcoders.stop(s.id, 'chaos'),
  creates: async (_ctx, s, ledger) => ledgerOf(ledger, s.channel, ['cloud-transcoder']).length,
  intendedCreates: (status) => {
    const st = status as unknown as TranscoderStatus | undefined;
    return 1 + (st?.replacements ?? 0) + (st?.renewals ?? 0);
  },
  leaked: async (_ctx, s, running) => leakedOf(running, s.channel),
};

// ---- SparkRTC recording (mixed-stream jobs) ----

const sparkrtc: Lifecycle = {
  name: 'sparkrtc-recording',
  workflow: 'sparkrtcRecording',
  createCall: () => ({ product: 'mix-stream-jobs', operation: 'start' }),
  prepare: async (ctx, room) => {
    for (const userId of ['u1', 'u2']) await ctx.control.json('POST', `/_emulator/sparkrtc/rooms/${EMULATOR_SPARKRTC.appId}/${encodeURIComponent(room)}/users`, { userId });
  },
  start: async (ctx, room) =>
    (
      await ctx.rtc.startRecording({
        vendor: 'sparkrtc',
        channel: room,
        kind: 'mix',
        recordRuleId: ctx.sparkRuleId,
        encodeTemplate: '1280x720_15_2260',
        layout: { layout_template: 'nine_grids_view' },
        pollIntervalMs: 1_000,
        confirmPollMs: 250,
        drainTimeoutMs: 20_000,
        reconcileTimeoutMs: 10_000,
      })
    ).id,
  ready: ['recording'],
  change: (ctx, s, n) => {
    const image = `s3://rtcflow-emulator-bucket/chaos-${n}.jpg`;
    return { control: 'layout', value: image, send: () => ctx.rtc.updateLayout(s.id, { layout_template: 'nine_grids_view', background_image: image }) };
  },
  observe: async (ctx, s, status) => {
    const st = status as unknown as SparkRtcRecordingStatus;
    const ups = (await ctx.control.requests({ cname: s.channel, product: 'mix-stream-jobs' })).filter(
      (r) => (r.operation === 'update' || r.operation === 'start') && r.status >= 200 && r.status < 300,
    );
    const m = JSON.stringify(ups.at(-1)?.body ?? '').match(/"background_image":"([^"]+)"/);
    return { applied: st.layoutApplied, vendor: { layout: m?.[1] } };
  },
  stop: (ctx, s) => ctx.rtc.stopRecording(s.id, 'chaos'),
  creates: async (_ctx, s, ledger) => ledgerOf(ledger, s.channel, ['mix-stream-jobs', 'individual-stream-jobs']).length,
  intendedCreates: () => 1,
  leaked: async (_ctx, s, running) => leakedOf(running, s.channel),
};

// ---- Channel ban (kicking rules: no ledger, the vendor's REST list is the truth) ----

interface ListedRule {
  id: number;
  cname?: string;
  ts: string;
}

async function rulesOf(ctx: ChaosContext, channel: string): Promise<ListedRule[]> {
  const res = await agoraJson(ctx.emulatorUrl, 'GET', `/dev/v1/kicking-rule?appid=${APP}`);
  if (res.status !== 200) throw new Error(`kicking-rule list: ${res.status}`);
  return (res.body.rules as ListedRule[]).filter((r) => r.cname === channel);
}

const channelBan: Lifecycle = {
  name: 'channel-ban',
  workflow: 'channelBan',
  createCall: () => ({ product: 'channel-management', operation: 'createRule' }),
  prepare: async () => undefined,
  start: async (ctx, channel) => (await ctx.rtc.bans.start({ channel, uid: 4242, durationSeconds: 3_600 })).id,
  ready: ['active'],
  change: (ctx, s, n) => {
    // whole minutes apart, so the rule's expiry tells them apart
    const seconds = 3_600 + 600 * (n + 1);
    const change: Change = {
      control: 'endsAt',
      value: undefined,
      send: async () => {
        const term = await ctx.rtc.bans.update(s.id, { endsInSeconds: seconds });
        change.value = term.endsAt;
        return term;
      },
    };
    return change;
  },
  observe: async (ctx, s, status) => {
    const st = status as unknown as BanStatus;
    const rules = await rulesOf(ctx, s.channel);
    s.extra.ruleIds = [...new Set([...((s.extra.ruleIds as number[] | undefined) ?? []), ...rules.map((r) => r.id)])];
    return { applied: st.termApplied, vendor: { endsAt: rules.length === 1 ? rules[0]!.ts : rules.map((r) => r.ts) } };
  },
  stop: (ctx, s) => ctx.rtc.bans.stop(s.id, 'chaos'),
  // the rules ever listed for the channel, or the creates logged 2xx if more (a create whose caller was
  // gone before the answer applies but is not logged)
  creates: async (ctx, s) => {
    const listed = new Set([...((s.extra.ruleIds as number[] | undefined) ?? []), ...(await rulesOf(ctx, s.channel)).map((r) => r.id)]).size;
    const logged = (await ctx.control.requests({ product: 'channel-management', cname: s.channel })).filter(
      (r) => r.operation === 'createRule' && r.status >= 200 && r.status < 300,
    ).length;
    return Math.max(listed, logged);
  },
  intendedCreates: () => 1,
  leaked: async (ctx, s) => (await rulesOf(ctx, s.channel)).map((r) => `kicking-rule/${r.id} (until ${r.ts})`),
};

// ---- Flexible Classroom class recording ----

/** The room's web recording as the emulator holds it. */
async function classRecordOf(ctx: ChaosContext, room: string): Promise<{ status: number; webRecordConfig: { onhold?: boolean } } | undefined> {
  const { rooms } = await ctx.control.json<{ rooms: Array<{ roomUuid: string; records: Array<{ status: number; webRecordConfig: { onhold?: boolean } }> }> }>(
    'GET',
    '/_emulator/agora/classroom/rooms',
  );
  return rooms.find((r) => r.roomUuid === room)?.records.find((r) => r.status === 1);
}

const classroomRecording: Lifecycle = {
  name: 'classroom-recording',
  workflow: 'classroomRecording',
  prepare: async (ctx, room) => {
    // the room is the fixture, made through the vendor route the faults are on: a 5xx, a reset or a dropped
    // answer is tried again (409: an earlier try made it)
    const token = RtmTokenBuilder.buildToken(APP, EMULATOR_AGORA.appCertificate, 'chaos', 3600);
    for (let attempt = 1; ; attempt++) {
      const res = await withTimeout(
        agoraJson(
          ctx.emulatorUrl,
          'POST',
          `/na/edu/apps/${APP}/v2/rooms/${room}`,
          { roomName: room, roomType: 4 },
          { authorization: '', 'x-agora-token': token, 'x-agora-uid': 'chaos' },
        ),
        5_000,
        'classroom create',
      ).catch(() => undefined);
      if (res && (res.status === 200 || res.status === 409)) return;
      if ((res && res.status < 500) || attempt >= 8) throw new Error(`classroom create: ${res?.status ?? 'no answer'}`);
      await sleep(300);
    }
  },
  start: async (ctx, room) =>
    (await ctx.rtc.classRecordings.start({ region: 'na', roomUuid: room, webRecordConfig: { url: 'https://example.com/classroom' }, pollIntervalMs: 2_000 })).id,
  ready: ['recording'],
  change: (ctx, s, n) => {
    const onhold = n % 2 === 0;
    return { control: 'onhold', value: onhold, send: () => ctx.rtc.classRecordings.hold(s.id, onhold) };
  },
  observe: async (ctx, s, status) => {
    const st = status as unknown as ClassRecordingStatus;
    return { applied: st.onholdApplied, vendor: { onhold: (await classRecordOf(ctx, s.channel))?.webRecordConfig.onhold ?? false } };
  },
  stop: (ctx, s) => ctx.rtc.classRecordings.stop(s.id, 'chaos'),
  creates: async (_ctx, s, ledger) => ledgerOf(ledger, s.channel, ['flexible-classroom']).length,
  intendedCreates: () => 1,
  leaked: async (_ctx, s, running) => leakedOf(running, s.channel),
};

// ---- Interactive Whiteboard file conversion ----

/** The session's document: its URL names the channel (the ledger's and request log's cname is the resource). */
const deckOf = (channel: string) => `https://docs.example.com/${channel}.pdf?pages=500`;

const whiteboardConversion: Lifecycle = {
  name: 'whiteboard',
  workflow: 'whiteboardConversion',
  prepare: async () => undefined,
  // 500 pages, one an emulated second: it converts through the chaos and is cancelled by the stop
  start: async (ctx, channel) => (await ctx.rtc.whiteboard.start({ resource: deckOf(channel), name: channel, pollIntervalMs: 1_000 })).id,
  ready: ['queued', 'converting'],
  stop: (ctx, s) => ctx.rtc.whiteboard.stop(s.id, 'chaos'),
  creates: async (_ctx, s, ledger) => ledger.filter((t) => t.cname === deckOf(s.channel) && t.product === 'whiteboard').length,
  intendedCreates: () => 1,
  leaked: async (_ctx, s, running) => leakedOf(running, deckOf(s.channel)),
};

/** Every lifecycle workflows/index.ts runs a session of (the sweeper and event delivery are not sessions). */
export const LIFECYCLES: readonly Lifecycle[] = [
  cloudRecording('individual'),
  cloudRecording('mix'),
  cloudRecording('web'),
  stt,
  ingest,
  relay,
  pull,
  transcoder,
  sparkrtc,
  channelBan,
  classroomRecording,
  whiteboardConversion,
];

/**
 * Does the vendor hold `expected` for a control (or one of the later values whose change was sent but
 * not answered)? Bans compare expiry instants to the minute (Agora's rule time is in minutes).
 */
export function vendorHas(control: string, vendor: unknown, candidates: readonly unknown[]): boolean {
  if (control === 'endsAt') {
    if (typeof vendor !== 'string') return false;
    return candidates.some((c) => typeof c === 'string' && Math.abs(Date.parse(c) - Date.parse(vendor)) <= 61_000);
  }
  return candidates.some((c) => same(c, vendor));
}
