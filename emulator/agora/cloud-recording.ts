/**
 * Emulated Agora Cloud Recording (agora.md §2, webhooks.md §1), all modes:
 *   acquire → start → query → update / updateLayout → stop
 * with the 5-minute resourceId window (433), one recording per resourceId (201 / code 7), one live
 * recorder per cname+uid (53), a recorder uid taken by a user (53), RTC token checks (109/110),
 * idle exit after maxIdleTime, web recordings ending at maxRecordingHour, the REST control window
 * (resourceExpiredHour), HA failover windows (404 for a while, then recovery with the layout reset),
 * 404 after the end, 49 on a repeated stop, 435 when nothing was published, upload profiles (fast,
 * slow = 206, backup = backuped), STS storage credentials that lapse, async_stop, NCS events, and
 * Agora's file naming per mode.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { describeIssues } from '../../src/schemas/issues';
import { Layout } from '../../src/schemas/agora/cloud-recording';
import type { EmulatorContext } from '../context';
import type { World } from '../world';
import { ncsEnvelope } from '../webhooks';
import { agoraBasicAuth } from './auth';
import { checkRtcToken } from './token';
import { recordingUsageClass } from './console';

export const RESOURCE_VALIDITY_MS = 5 * 60_000;
const PRODUCT = 'cloud-recording';
const MODES = new Set(['individual', 'mix', 'web']);
/** emulated time from start until the recorder reports "in progress" (status 5) */
const STARTUP_MS = 2_000;
/** emulated time a slow upload needs after stop */
const SLOW_UPLOAD_MS = 60_000;
/** NCS productId of Cloud Recording (webhooks.md §1) */
const NCS_PRODUCT_ID = 3;
const HOUR = 3_600_000;

interface Resource {
  resourceId: string;
  appId: string;
  cname: string;
  uid: string;
  acquiredAt: number;
  expiredHour: number;
  sid?: string;
}

type RecState = 'running' | 'exited' | 'stopped';
export type UploadProfile = 'fast' | 'slow' | 'backup';
type UploadingStatus = 'uploaded' | 'backuped' | 'unknown';

interface Recording {
  sid: string;
  resourceId: string;
  appId: string;
  cname: string;
  uid: string;
  mode: string;
  state: RecState;
  startedAt: number;
  endedAt?: number;
  exitReason?: string;
  maxIdleTime: number;
  avFileType: string[];
  snapshot: boolean;
  /**
   * web mode: the page, whether the recorder holds (webRecordingConfig.onhold) and the CDN addresses it
   * pushes to (rtmp_publish_service / rtmpPublishConfig.outputs), with what the start gave for both
   */
  web?: { url: string; maxRecordingHour: number; onhold: boolean; outputs: string[]; startOnhold: boolean; startOutputs: string[] };
  /** the layout the recorder composes now (mix/web) */
  layout?: Record<string, unknown>;
  /** the layout given at start: a migrated recorder comes back with it */
  startLayout?: Record<string, unknown>;
  subscriptions: Record<string, unknown>;
  /** STS credentials lapse at this emulated time (ms); uploads after it fall back to Agora's backup */
  stsExpiresAt?: number;
  controlUntil: number;
  failoverUntil?: number;
  /** upload finished at (emulated ms); undefined while still uploading */
  uploadDoneAt?: number;
  uploadingStatus?: UploadingStatus;
  /** NCS sequence number of the next event */
  sequence: number;
  updates: number;
  /** a recorder whose components never come up (status stays 2, no recorder_started) */
  stalled: boolean;
}

const Envelope = z.looseObject({ cname: z.string().min(1), uid: z.string().regex(/^\d+$/, 'uid must be a string of digits'), clientRequest: z.looseObject({}).default({}) });
const ControlUpload = z.strictObject({ profile: z.enum(['fast', 'slow', 'backup']), appId: z.string().optional() });
const ControlFailover = z.strictObject({ seconds: z.number().positive().max(3600) });
const ControlStall = z.strictObject({ count: z.number().int().min(0).max(100) });

export function registerAgoraCloudRecording(app: FastifyInstance, ctx: EmulatorContext): void {
  const { world, webhooks } = ctx;
  const resources = new Map<string, Resource>();
  /** every recording ever started, by sid: ended ones still answer (404, 49) and the control API shows them */
  const recordings = new Map<string, Recording>();
  /**
   * What time can still change, so a tick (one per request) walks only that: running recordings (idle
   * exit, maxRecordingHour, failover recovery) and ended ones still uploading (slow profile)
   */
  const running = new Set<Recording>();
  const uploading = new Set<Recording>();
  /** the running recorder of each App ID + cname + uid (one at a time: code 53) */
  const recorderOf = new Map<string, Recording>();
  const recorderKey = (appId: string, cname: string, uid: string) => `${appId}\u0000${cname}\u0000${uid}`;
  /** A recording leaves the running set (ended or crashed). */
  const retire = (rec: Recording) => {
    running.delete(rec);
    const key = recorderKey(rec.appId, rec.cname, rec.uid);
    if (recorderOf.get(key) === rec) recorderOf.delete(key);
  };
  /** per App ID ('*' = all): how uploads behave after stop */
  const uploadProfiles = new Map<string, UploadProfile>();
  /** how many of the next started recorders stall while their components start */
  let stallNext = 0;
  /** answer a repeated start (201 / code 7) without the sid, as the real service may (agora.md §2.11) */
  let code7WithoutSid = false;
  const auth = agoraBasicAuth(world);
  const labels = (operation: string) => ({ labels: { vendor: 'agora' as const, product: PRODUCT, operation } });
  const base = '/v1/apps/:appid/cloud_recording';

  /** Sends one NCS event about a recording (webhooks.md §1). */
  const notify = (rec: Recording, eventType: number, serviceType: number, details: Record<string, unknown>) => {
    webhooks.emit('agora', rec.appId, {
      label: `cloud-recording ${eventType} ${String(details.msgName)}`,
      body: ncsEnvelope(
        NCS_PRODUCT_ID,
        eventType,
        { cname: rec.cname, uid: rec.uid, sid: rec.sid, sequence: rec.sequence++, sendts: world.now(), serviceType, details },
        world.now(),
      ),
    });
  };

  const uploadProfileOf = (rec: Recording): UploadProfile => uploadProfiles.get(rec.appId) ?? uploadProfiles.get('*') ?? 'fast';

  const finishUpload = (rec: Recording) => {
    if (rec.uploadDoneAt !== undefined) return;
    rec.uploadDoneAt = world.now();
    uploading.delete(rec);
    const files = fileListing(rec, world).fileList.map((f) => ({ ...f, filename: f.fileName }));
    if (rec.uploadingStatus === 'backuped') notify(rec, 32, 2, { msgName: 'backuped', status: 0, fileList: files });
    else notify(rec, 31, 2, { msgName: 'uploaded', status: 0, fileList: files });
    notify(rec, 11, 0, { msgName: 'session_exit', exitStatus: rec.exitReason === 'stop' || rec.exitReason === 'idle' ? 0 : 1 });
  };

  /** Ends a recording: it leaves the channel, stops billing, and uploads its files. */
  const end = (rec: Recording, state: RecState, reason: string) => {
    if (rec.state !== 'running') return;
    rec.state = state;
    rec.endedAt = world.now();
    rec.exitReason = reason;
    retire(rec);
    uploading.add(rec);
    world.botLeaves(rec.appId, rec.cname, rec.uid);
    world.endTask('agora', PRODUCT, rec.sid, state, reason);
    // leaveCode bit flags: 2 SIGINT (stop), 4 no users (idle)
    notify(rec, 41, 1, { msgName: 'recorder_leave', leaveCode: reason === 'idle' ? 4 : reason === 'stop' ? 2 : 0 });
    const stsLapsed = rec.stsExpiresAt !== undefined && world.now() >= rec.stsExpiresAt;
    const profile = uploadProfileOf(rec);
    rec.uploadingStatus = profile === 'backup' || stsLapsed ? 'backuped' : profile === 'slow' ? 'unknown' : 'uploaded';
    if (profile !== 'slow') finishUpload(rec);
  };

  // time-driven transitions: idle exit, web maxRecordingHour, slow uploads finishing, failover recovery
  world.onTick((now) => {
    for (const rec of running) {
      if (rec.failoverUntil !== undefined && now >= rec.failoverUntil) {
        // the migrated recorder is back, composing the layout it was started with (web: holding and pushing as started)
        rec.failoverUntil = undefined;
        rec.layout = rec.startLayout;
        if (rec.web) {
          rec.web.onhold = rec.web.startOnhold;
          rec.web.outputs = rec.web.startOutputs;
        }
        notify(rec, 12, 0, { msgName: 'session_failover', newUid: rec.uid });
      }
      if (rec.web) {
        if (now - rec.startedAt >= rec.web.maxRecordingHour * HOUR) end(rec, 'exited', 'maxRecordingHour');
      } else if (Math.min(world.idleFor(world.channel(rec.appId, rec.cname)), now - rec.startedAt) >= rec.maxIdleTime * 1000) {
        // idle = nobody in the channel for maxIdleTime, counted from the recorder's start at the earliest
        end(rec, 'exited', 'idle');
      }
    }
    for (const rec of uploading) {
      if (rec.endedAt !== undefined && now - rec.endedAt >= SLOW_UPLOAD_MS) {
        rec.uploadingStatus = 'uploaded';
        finishUpload(rec);
      }
    }
  });

  const bad = (reply: FastifyReply, reason: string, code = 2) => reply.code(400).send({ code, reason });
  const notFound = (reply: FastifyReply, resourceId: string, sid: string) => reply.code(404).send({ resourceId, sid, code: 404, reason: 'failed to find worker' });

  const envelope = (req: FastifyRequest, reply: FastifyReply) => {
    const parsed = Envelope.safeParse(req.body ?? {});
    if (!parsed.success) {
      bad(reply, `invalid parameter: ${describeIssues(parsed.error, 'body')}`);
      return undefined;
    }
    req.logRef = { ...req.logRef, cname: parsed.data.cname };
    return parsed.data;
  };

  app.post(`${base}/acquire`, { config: labels('acquire'), preHandler: auth }, async (req, reply) => {
    const body = envelope(req, reply);
    if (!body) return reply;
    const { appid } = req.params as { appid: string };
    const cr = body.clientRequest as Record<string, unknown>;
    let expiredHour = 72;
    if (cr.resourceExpiredHour !== undefined) {
      const h = cr.resourceExpiredHour;
      if (typeof h !== 'number' || !Number.isInteger(h) || h < 1 || h > 720) return bad(reply, 'Acquire: invalid resourceExpiredHour value!');
      expiredHour = h;
    }
    if (cr.scene !== undefined && ![0, 1, 2].includes(cr.scene as number)) return bad(reply, 'Acquire: invalid scene value!');
    const resourceId = randomBytes(96).toString('base64url');
    resources.set(resourceId, { resourceId, appId: appid, cname: body.cname, uid: body.uid, acquiredAt: world.now(), expiredHour });
    req.logRef = { ...req.logRef, resourceId };
    return { cname: body.cname, uid: body.uid, resourceId };
  });

  app.post(`${base}/resourceid/:resourceId/mode/:mode/start`, { config: labels('start'), preHandler: auth }, async (req, reply) => {
    const body = envelope(req, reply);
    if (!body) return reply;
    const { appid, resourceId, mode } = req.params as { appid: string; resourceId: string; mode: string };
    req.logRef = { ...req.logRef, resourceId };
    if (!MODES.has(mode)) return bad(reply, `invalid mode ${mode}`);
    const res = resources.get(resourceId);
    if (!res) return bad(reply, 'resourceId decryption failed', 1001);
    if (res.appId !== appid || res.cname !== body.cname || res.uid !== body.uid) return bad(reply, 'parameters do not match the resourceId', 432);
    if (res.sid) {
      // one resourceId = one recording: a repeated start answers 201 / code 7
      req.logRef.sid = res.sid;
      return reply.code(201).send({ cname: res.cname, uid: res.uid, resourceId, ...(code7WithoutSid ? {} : { sid: res.sid }), code: 7, reason: 'recording is already running' });
    }
    if (world.now() - res.acquiredAt > RESOURCE_VALIDITY_MS) return bad(reply, 'resourceId expired', 433);
    if (recorderOf.has(recorderKey(appid, body.cname, body.uid))) return bad(reply, 'a recording with this cname and uid is already running', 53);
    const human = world.channel(appid, body.cname).users.get(body.uid);
    if (human && !human.bot) return bad(reply, `uid ${body.uid} is already used by a user in the channel`, 53);

    const cr = body.clientRequest as Record<string, any>;
    const tokenProblem = checkRtcToken(cr.token, {
      appId: appid,
      certificate: req.agoraAccount?.apps[appid],
      channel: body.cname,
      uid: body.uid,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    if (tokenProblem) return bad(reply, tokenProblem.reason, tokenProblem.code);
    const storage = cr.storageConfig;
    const storageOk =
      storage &&
      typeof storage === 'object' &&
      Number.isInteger(storage.vendor) &&
      Number.isInteger(storage.region) &&
      ['bucket', 'accessKey', 'secretKey'].every((k) => typeof storage[k] === 'string' && storage[k].length > 0);
    if (!storageOk) return bad(reply, 'storageConfig needs vendor, region, bucket, accessKey and secretKey');
    const rc = cr.recordingConfig ?? {};
    const maxIdleTime = rc.maxIdleTime ?? 30;
    if (!Number.isInteger(maxIdleTime) || maxIdleTime < 5 || maxIdleTime > 2_592_000) return bad(reply, 'maxIdleTime out of range');
    const avFileType: string[] = cr.recordingFileConfig?.avFileType ?? ['hls'];
    if ((mode === 'mix' || mode === 'web') && !avFileType.includes('hls')) return bad(reply, 'avFileType must include hls');
    let web: Recording['web'];
    if (mode === 'web') {
      const svc = cr.extensionServiceConfig?.extensionServices?.find((s: any) => s?.serviceName === 'web_recorder_service');
      const p = svc?.serviceParam ?? {};
      if (typeof p.url !== 'string' || !p.url) return bad(reply, 'web mode needs extensionServiceConfig with web_recorder_service.serviceParam.url');
      const maxRecordingHour = p.maxRecordingHour ?? 72;
      if (!Number.isInteger(maxRecordingHour) || maxRecordingHour < 1 || maxRecordingHour > 720) return bad(reply, 'maxRecordingHour must be 1-720');
      const push = cr.extensionServiceConfig?.extensionServices?.find((s: any) => s?.serviceName === 'rtmp_publish_service');
      const outputs = push === undefined ? [] : rtmpOutputs(push.serviceParam?.outputs);
      if (outputs === undefined) return bad(reply, 'rtmp_publish_service.serviceParam.outputs must be a list of {rtmpUrl}');
      web = { url: p.url, maxRecordingHour, onhold: p.onhold === true, outputs, startOnhold: p.onhold === true, startOutputs: outputs };
    }
    if (cr.snapshotConfig) {
      const interval = cr.snapshotConfig.captureInterval ?? 10;
      if (!Number.isInteger(interval) || interval < 5 || interval > 300) return bad(reply, 'snapshotConfig.captureInterval must be 5-300');
      if (mode !== 'individual') return bad(reply, 'screenshots are taken in individual mode');
    }
    let startLayout: Record<string, unknown> | undefined;
    if (mode === 'mix') {
      const tc = rc.transcodingConfig ?? {};
      const layout = Layout.safeParse({
        mixedVideoLayout: tc.mixedVideoLayout ?? 0,
        ...(tc.backgroundColor ? { backgroundColor: tc.backgroundColor } : {}),
        ...(tc.layoutConfig ? { layoutConfig: tc.layoutConfig } : {}),
        ...(tc.maxResolutionUid ? { maxResolutionUid: tc.maxResolutionUid } : {}),
      });
      if (!layout.success) return bad(reply, `invalid transcodingConfig: ${describeIssues(layout.error, 'transcodingConfig')}`);
      startLayout = layout.data as Record<string, unknown>;
    }

    const sid = randomBytes(16).toString('hex');
    res.sid = sid;
    const now = world.now();
    const rec: Recording = {
      sid,
      resourceId,
      appId: appid,
      cname: body.cname,
      uid: body.uid,
      mode,
      state: 'running',
      startedAt: now,
      maxIdleTime,
      avFileType,
      snapshot: !!cr.snapshotConfig,
      web,
      layout: startLayout,
      startLayout,
      subscriptions: pickSubscriptions(rc),
      stsExpiresAt: stsExpiry(storage),
      controlUntil: now + res.expiredHour * HOUR,
      sequence: 0,
      updates: 0,
      stalled: stallNext > 0,
    };
    if (stallNext > 0) stallNext--;
    recordings.set(sid, rec);
    running.add(rec);
    recorderOf.set(recorderKey(appid, body.cname, body.uid), rec);
    if (mode !== 'web') world.botJoins(appid, body.cname, body.uid);
    world.putTask({
      vendor: 'agora',
      product: PRODUCT,
      id: sid,
      appId: appid,
      cname: body.cname,
      state: 'running',
      billing: true,
      startedAt: now,
      usageClass: recordingUsageClass(mode, cr),
    });
    if (!rec.stalled) notify(rec, 40, 1, { msgName: 'recorder_started' });
    notify(rec, 30, 2, { msgName: 'uploader_started' });
    req.logRef = { ...req.logRef, sid };
    return { cname: body.cname, uid: body.uid, resourceId, sid };
  });

  /** The recording a sid-route addresses, or undefined after answering 404/400 as Agora does. */
  const findRec = (req: FastifyRequest, reply: FastifyReply): Recording | undefined => {
    const { appid, resourceId, sid, mode } = req.params as { appid: string; resourceId: string; sid: string; mode: string };
    req.logRef = { ...req.logRef, resourceId, sid };
    const rec = recordings.get(sid);
    if (!rec || rec.appId !== appid || rec.resourceId !== resourceId) {
      notFound(reply, resourceId, sid);
      return undefined;
    }
    req.logRef.cname = rec.cname;
    if (rec.mode !== mode) {
      bad(reply, `mode ${mode} does not match the recording's mode ${rec.mode}`);
      return undefined;
    }
    // past the REST control window, or while the task migrates, the service cannot find the worker
    if (world.now() > rec.controlUntil || (rec.state === 'running' && rec.failoverUntil !== undefined)) {
      notFound(reply, resourceId, sid);
      return undefined;
    }
    return rec;
  };

  /**
   * The envelope and the recording of a POST on a session (updateLayout, update, stop), or undefined
   * after answering as Agora does; `running` also requires the recording to be live.
   */
  const sessionPost = (req: FastifyRequest, reply: FastifyReply, running: boolean) => {
    const body = envelope(req, reply);
    if (!body) return undefined;
    const rec = findRec(req, reply);
    if (!rec) return undefined;
    if (running && rec.state !== 'running') {
      notFound(reply, rec.resourceId, rec.sid);
      return undefined;
    }
    if (body.cname !== rec.cname || body.uid !== rec.uid) {
      bad(reply, 'parameters do not match the resourceId', 432);
      return undefined;
    }
    return { body, rec };
  };

  app.get(`${base}/resourceid/:resourceId/sid/:sid/mode/:mode/query`, { config: labels('query'), preHandler: auth }, async (req, reply) => {
    const rec = findRec(req, reply);
    if (!rec) return reply;
    if (rec.state !== 'running') return notFound(reply, rec.resourceId, rec.sid);
    const status = rec.stalled ? 2 : world.now() - rec.startedAt < STARTUP_MS ? 4 : 5;
    return { resourceId: rec.resourceId, sid: rec.sid, serverResponse: serverResponse(rec, world, status) };
  });

  app.post(`${base}/resourceid/:resourceId/sid/:sid/mode/:mode/updateLayout`, { config: labels('updateLayout'), preHandler: auth }, async (req, reply) => {
    const found = sessionPost(req, reply, true);
    if (!found) return reply;
    const { body, rec } = found;
    if (rec.mode === 'individual') return bad(reply, 'updateLayout applies to mix and web recordings', 1028);
    const layout = Layout.safeParse(body.clientRequest);
    if (!layout.success) return bad(reply, `invalid updateLayout body: ${describeIssues(layout.error, 'body')}`, 1028);
    // the whole layout is replaced: anything omitted reverts to its default
    rec.layout = layout.data as Record<string, unknown>;
    rec.updates++;
    return { resourceId: rec.resourceId, sid: rec.sid };
  });

  app.post(`${base}/resourceid/:resourceId/sid/:sid/mode/:mode/update`, { config: labels('update'), preHandler: auth }, async (req, reply) => {
    const found = sessionPost(req, reply, true);
    if (!found) return reply;
    const { body, rec } = found;
    const cr = body.clientRequest as Record<string, any>;
    const known = ['streamSubscribe', 'webRecordingConfig', 'rtmpPublishConfig', 'storageConfig'];
    const given = Object.keys(cr);
    if (given.length === 0 || given.some((k) => !known.includes(k))) return bad(reply, `update takes ${known.join(', ')}`);
    if (cr.webRecordingConfig !== undefined) {
      if (!rec.web) return bad(reply, 'webRecordingConfig applies to web recordings');
      if (typeof cr.webRecordingConfig.onhold !== 'boolean') return bad(reply, 'webRecordingConfig.onhold must be a boolean');
      rec.web.onhold = cr.webRecordingConfig.onhold;
    }
    if (cr.rtmpPublishConfig !== undefined) {
      if (!rec.web) return bad(reply, 'rtmpPublishConfig applies to web recordings');
      const outputs = rtmpOutputs(cr.rtmpPublishConfig?.outputs);
      if (outputs === undefined) return bad(reply, 'rtmpPublishConfig.outputs must be a list of {rtmpUrl}');
      // the whole list is replaced
      rec.web.outputs = outputs;
    }
    if (cr.streamSubscribe !== undefined) {
      if (rec.web) return bad(reply, 'streamSubscribe applies to individual and mix recordings');
      rec.subscriptions = { ...cr.streamSubscribe };
    }
    if (cr.storageConfig !== undefined) {
      const exp = stsExpiry(cr.storageConfig);
      if (exp === undefined) return bad(reply, 'storageConfig update takes extensionParams.stsToken and stsExpiration');
      rec.stsExpiresAt = exp;
    }
    rec.updates++;
    return { resourceId: rec.resourceId, sid: rec.sid };
  });

  app.post(`${base}/resourceid/:resourceId/sid/:sid/mode/:mode/stop`, { config: labels('stop'), preHandler: auth }, async (req, reply) => {
    const found = sessionPost(req, reply, false);
    if (!found) return reply;
    const { body, rec } = found;
    if (rec.state === 'stopped') return bad(reply, 'the recording was already stopped', 49);
    if (rec.state === 'exited') return notFound(reply, rec.resourceId, rec.sid);
    end(rec, 'stopped', 'stop');
    const listing = fileListing(rec, world);
    if (listing.fileList.length === 0 && !rec.web) return bad(reply, 'no recorded file was created', 435);
    if ((body.clientRequest as { async_stop?: boolean }).async_stop === true) {
      return { resourceId: rec.resourceId, sid: rec.sid };
    }
    const sr = serverResponse(rec, world, undefined, rec.uploadingStatus);
    // a slow upload: stopped, upload status not known yet (agora.md §2.7)
    if (rec.uploadingStatus === 'unknown') return reply.code(206).send({ resourceId: rec.resourceId, sid: rec.sid, serverResponse: sr });
    return { resourceId: rec.resourceId, sid: rec.sid, serverResponse: sr };
  });

  // ---- control API of this product ----

  app.post('/_emulator/agora/cloud-recording/upload-profile', async (req, reply) => {
    const body = ControlUpload.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ message: body.error.message });
    uploadProfiles.set(body.data.appId ?? '*', body.data.profile);
    return { appId: body.data.appId ?? '*', profile: body.data.profile };
  });

  /** HA failover of one recording: its sid-routes answer 404 for `seconds`, then it recovers. */
  app.post('/_emulator/agora/cloud-recording/:sid/failover', async (req, reply) => {
    const body = ControlFailover.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ message: body.error.message });
    const rec = recordings.get((req.params as { sid: string }).sid);
    if (!rec || rec.state !== 'running') return reply.code(404).send({ message: 'no running recording with that sid' });
    rec.failoverUntil = world.now() + body.data.seconds * 1000;
    return { sid: rec.sid, until: rec.failoverUntil };
  });

  /**
   * The recorder dies for good without a word: no NCS event, its sid-routes answer 404 from now on (as
   * during a failover that never recovers), and it stops billing.
   */
  app.post('/_emulator/agora/cloud-recording/:sid/crash', async (req, reply) => {
    const rec = recordings.get((req.params as { sid: string }).sid);
    if (!rec || rec.state !== 'running') return reply.code(404).send({ message: 'no running recording with that sid' });
    rec.state = 'exited';
    rec.endedAt = world.now();
    rec.exitReason = 'crash';
    rec.uploadDoneAt = world.now();
    rec.controlUntil = world.now() - 1;
    retire(rec);
    world.botLeaves(rec.appId, rec.cname, rec.uid);
    world.endTask('agora', PRODUCT, rec.sid, 'exited', 'crash');
    return { sid: rec.sid, state: rec.state };
  });

  /** The next `count` recorders started stay at status 2 ("components starting") and never report in. */
  app.post('/_emulator/agora/cloud-recording/stall-starts', async (req, reply) => {
    const body = ControlStall.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ message: body.error.message });
    stallNext = body.data.count;
    return { stallNext };
  });

  /** `{enabled}`: answer repeated starts (201 / code 7) without the sid. */
  app.post('/_emulator/agora/cloud-recording/code7-without-sid', async (req, reply) => {
    const body = z.strictObject({ enabled: z.boolean() }).safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ message: body.error.message });
    code7WithoutSid = body.data.enabled;
    return { code7WithoutSid };
  });

  /** What the recorder is doing now: state, layout, subscriptions (for tests and operators). */
  app.get('/_emulator/agora/cloud-recording/:sid', async (req, reply) => {
    const rec = recordings.get((req.params as { sid: string }).sid);
    if (!rec) return reply.code(404).send({ message: 'no recording with that sid' });
    const { web, layout, subscriptions, state, exitReason, updates, uploadingStatus, failoverUntil, stsExpiresAt, stalled } = rec;
    return {
      sid: rec.sid,
      cname: rec.cname,
      uid: rec.uid,
      mode: rec.mode,
      state,
      exitReason,
      web,
      layout,
      subscriptions,
      updates,
      uploadingStatus,
      failoverUntil,
      stsExpiresAt,
      stalled,
    };
  });
}

/** `outputs: [{rtmpUrl}]` → the addresses; undefined when it is not such a list. */
function rtmpOutputs(outputs: unknown): string[] | undefined {
  if (!Array.isArray(outputs)) return undefined;
  const urls = outputs.map((o) => (o && typeof o === 'object' ? (o as { rtmpUrl?: unknown }).rtmpUrl : undefined));
  return urls.every((u): u is string => typeof u === 'string' && u.length > 0) ? urls : undefined;
}

function pickSubscriptions(rc: Record<string, unknown>): Record<string, unknown> {
  const keys = ['subscribeAudioUids', 'unSubscribeAudioUids', 'subscribeVideoUids', 'unSubscribeVideoUids'];
  return Object.fromEntries(keys.filter((k) => rc[k] !== undefined).map((k) => [k, rc[k]]));
}

/** STS credentials (extensionParams.stsToken + stsExpiration, seconds since epoch) → expiry in ms. */
function stsExpiry(storage: any): number | undefined {
  const p = storage?.extensionParams;
  if (!p || typeof p.stsToken !== 'string' || typeof p.stsExpiration !== 'number') return undefined;
  return p.stsExpiration * 1000;
}

interface FileEntry {
  fileName: string;
  trackType: string;
  uid: string;
  mixedAllUser: boolean;
  isPlayable: boolean;
  sliceStartTime: number;
}

function serverResponse(rec: Recording, world: World, status?: number, uploadingStatus?: UploadingStatus): Record<string, unknown> {
  const listing = fileListing(rec, world);
  if (rec.web) {
    return {
      ...(status !== undefined ? { status } : {}),
      extensionServiceState: [
        {
          serviceName: 'web_recorder_service',
          payload: {
            fileList: listing.fileList.map((f) => ({ filename: f.fileName, sliceStartTime: f.sliceStartTime })),
            onhold: rec.web.onhold,
            state: rec.state === 'running' ? 'inProgress' : 'exit',
            outputs: rec.web.outputs.map((rtmpUrl) => ({ rtmpUrl, status: rec.state !== 'running' ? 'disconnected' : rec.web!.onhold ? 'onhold' : 'publishing' })),
            ...(uploadingStatus ? { uploadingStatus } : {}),
          },
        },
      ],
    };
  }
  return { ...(status !== undefined ? { status } : {}), ...listing, sliceStartTime: rec.startedAt, ...(uploadingStatus ? { uploadingStatus } : {}) };
}

/** The files a recording has produced so far, named as Agora names them. */
function fileListing(rec: Recording, world: World): { fileListMode: 'json'; fileList: FileEntry[] } {
  const published = [...world.channel(rec.appId, rec.cname).everPublished];
  const entry = (fileName: string, trackType: string, uid: string, mixedAllUser: boolean): FileEntry => ({
    fileName,
    trackType,
    uid,
    mixedAllUser,
    isPlayable: true,
    sliceStartTime: rec.startedAt,
  });
  const files: FileEntry[] = [];
  if (rec.web) {
    files.push(entry(`${rec.sid}_${rec.cname}_0.m3u8`, 'audio_and_video', '0', true));
    if (rec.avFileType.includes('mp4')) files.push(entry(`${rec.sid}_${rec.cname}_0.mp4`, 'audio_and_video', '0', true));
  } else if (published.length === 0) {
    // nobody published: no file (stop answers 435)
  } else if (rec.mode === 'mix') {
    files.push(entry(`${rec.sid}_${rec.cname}.m3u8`, 'audio_and_video', '0', true));
    if (rec.avFileType.includes('mp4')) files.push(entry(`${rec.sid}_${rec.cname}_0.mp4`, 'audio_and_video', '0', true));
  } else if (rec.snapshot) {
    for (const uid of published) files.push(entry(`${rec.sid}_${rec.cname}__uid_s_${uid}__uid_e_video_${rec.startedAt}.jpg`, 'video', uid, false));
  } else {
    for (const uid of published) {
      files.push(entry(`${rec.sid}_${rec.cname}__uid_s_${uid}__uid_e_audio.m3u8`, 'audio', uid, false));
      files.push(entry(`${rec.sid}_${rec.cname}__uid_s_${uid}__uid_e_video.m3u8`, 'video', uid, false));
    }
  }
  return { fileListMode: 'json', fileList: files };
}
