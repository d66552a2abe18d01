/**
 * Emulated Agora Cloud Recording (agora.md §2): acquire → start → query → stop, with the resourceId
 * validity window, one recording per resourceId (201/code 7), one live recorder per cname+uid
 * (code 53), idle exit after maxIdleTime, 404 after the end, 49 on a repeated stop, 435 when nothing
 * was published, and mode-specific file lists.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import type { World } from '../world';
import { ncsEnvelope } from '../webhooks';
import { agoraBasicAuth } from './auth';

export const RESOURCE_VALIDITY_MS = 5 * 60_000;
const PRODUCT = 'cloud-recording';
const MODES = new Set(['individual', 'mix', 'web']);
/** emulated time from start until the recorder reports "in progress" (status 5) */
const STARTUP_MS = 2_000;

interface Resource {
  resourceId: string;
  appId: string;
  cname: string;
  uid: string;
  acquiredAt: number;
  sid?: string;
}

type RecState = 'running' | 'exited' | 'stopped';

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
  webUrl?: string;
  stopCount: number;
  /** NCS sequence number of the next event */
  sequence: number;
}

/** NCS productId of Cloud Recording (webhooks.md §1) */
const NCS_PRODUCT_ID = 3;

const Envelope = z.looseObject({ cname: z.string().min(1), uid: z.string().regex(/^\d+$/), clientRequest: z.looseObject({}).default({}) });

export function registerAgoraCloudRecording(app: FastifyInstance, ctx: EmulatorContext): void {
  const { world, webhooks } = ctx;
  const validity = RESOURCE_VALIDITY_MS;
  const resources = new Map<string, Resource>();
  const recordings = new Map<string, Recording>();
  const auth = agoraBasicAuth(world);
  const labels = (operation: string) => ({ labels: { vendor: 'agora' as const, product: PRODUCT, operation } });
  const base = '/v1/apps/:appid/cloud_recording';

  /** Sends one NCS event about a recording (webhooks.md §1). */
  const notify = (rec: Recording, eventType: number, serviceType: number, details: Record<string, unknown>) => {
    webhooks.emit('agora', rec.appId, {
      label: `cloud-recording ${eventType} ${String(details.msgName)}`,
      body: ncsEnvelope(NCS_PRODUCT_ID, eventType, { cname: rec.cname, uid: rec.uid, sid: rec.sid, sequence: rec.sequence++, sendts: world.now(), serviceType, details }, world.now()),
    });
  };

  const end = (rec: Recording, state: RecState, reason: string) => {
    if (rec.state !== 'running') return;
    rec.state = state;
    rec.endedAt = world.now();
    rec.exitReason = reason;
    const files = fileListing(rec, world).fileList;
    world.botLeaves(rec.appId, rec.cname, rec.uid);
    world.endTask('agora', PRODUCT, rec.sid, state, reason);
    // leaveCode bit flags: 2 SIGINT (stop), 4 no users (idle)
    notify(rec, 41, 1, { msgName: 'recorder_leave', leaveCode: reason === 'idle' ? 4 : 2 });
    if (files.length > 0) notify(rec, 31, 2, { msgName: 'uploaded', status: 0, fileList: files.map((f) => ({ ...f, filename: f.fileName })) });
    notify(rec, 11, 0, { msgName: 'session_exit', exitStatus: 0 });
  };

  // time-driven transitions: idle exit
  world.onTick(() => {
    for (const rec of recordings.values()) {
      if (rec.state !== 'running' || rec.mode === 'web') continue;
      const ch = world.channel(rec.appId, rec.cname);
      if (world.idleFor(ch) >= rec.maxIdleTime * 1000) end(rec, 'exited', 'idle');
    }
  });

  const bad = (reply: FastifyReply, reason: string, code = 2) => reply.code(400).send({ code, reason });

  const envelope = (req: FastifyRequest, reply: FastifyReply) => {
    const parsed = Envelope.safeParse(req.body ?? {});
    if (!parsed.success) {
      bad(reply, `invalid parameter: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
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
    if (cr.resourceExpiredHour !== undefined) {
      const h = cr.resourceExpiredHour;
      if (typeof h !== 'number' || !Number.isInteger(h) || h < 1 || h > 720) return bad(reply, 'Acquire: invalid resourceExpiredHour value!');
    }
    const resourceId = randomBytes(96).toString('base64url');
    resources.set(resourceId, { resourceId, appId: appid, cname: body.cname, uid: body.uid, acquiredAt: world.now() });
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
    if (res.appId !== appid || res.cname !== body.cname || res.uid !== body.uid) {
      return bad(reply, 'parameters do not match the resourceId', 432);
    }
    if (res.sid) {
      // one resourceId = one recording: a repeated start answers 201 / code 7
      return reply.code(201).send({ cname: res.cname, uid: res.uid, resourceId, sid: res.sid, code: 7, reason: 'recording is already running' });
    }
    if (world.now() - res.acquiredAt > validity) return bad(reply, 'resourceId expired', 433);
    const live = [...recordings.values()].find((r) => r.state === 'running' && r.appId === appid && r.cname === body.cname && r.uid === body.uid);
    if (live) return bad(reply, 'a recording with this cname and uid is already running', 53);
    const human = world.channel(appid, body.cname).users.get(body.uid);
    if (human && !human.bot) return bad(reply, `uid ${body.uid} is already used by a user in the channel`, 53);

    const cr = body.clientRequest as Record<string, any>;
    const storage = cr.storageConfig;
    const storageOk =
      storage && typeof storage === 'object' &&
      Number.isInteger(storage.vendor) && Number.isInteger(storage.region) &&
      ['bucket', 'accessKey', 'secretKey'].every((k) => typeof storage[k] === 'string' && storage[k].length > 0);
    if (!storageOk) return bad(reply, 'storageConfig needs vendor, region, bucket, accessKey and secretKey');
    const cert = req.agoraAccount?.apps[appid];
    if (cert && (typeof cr.token !== 'string' || cr.token.length === 0)) {
      return bad(reply, 'token is required: the project has App Certificate enabled', 110);
    }
    const rc = cr.recordingConfig ?? {};
    const maxIdleTime = rc.maxIdleTime ?? 30;
    if (!Number.isInteger(maxIdleTime) || maxIdleTime < 5 || maxIdleTime > 2_592_000) return bad(reply, 'maxIdleTime out of range');
    let webUrl: string | undefined;
    if (mode === 'web') {
      const svc = cr.extensionServiceConfig?.extensionServices?.find((s: any) => s?.serviceName === 'web_recorder_service');
      webUrl = svc?.serviceParam?.url;
      if (typeof webUrl !== 'string' || !webUrl) return bad(reply, 'web mode needs extensionServiceConfig with web_recorder_service.serviceParam.url');
    }
    const avFileType: string[] = cr.recordingFileConfig?.avFileType ?? ['hls'];
    if ((mode === 'mix' || mode === 'web') && !avFileType.includes('hls')) return bad(reply, 'avFileType must include hls');

    const sid = randomBytes(16).toString('hex');
    res.sid = sid;
    const rec: Recording = {
      sid,
      resourceId,
      appId: appid,
      cname: body.cname,
      uid: body.uid,
      mode,
      state: 'running',
      startedAt: world.now(),
      maxIdleTime,
      avFileType,
      snapshot: !!cr.snapshotConfig,
      webUrl,
      stopCount: 0,
      sequence: 0,
    };
    recordings.set(sid, rec);
    notify(rec, 40, 1, { msgName: 'recorder_started' });
    notify(rec, 30, 2, { msgName: 'uploader_started' });
    if (mode !== 'web') world.botJoins(appid, body.cname, body.uid);
    world.putTask({ vendor: 'agora', product: PRODUCT, id: sid, appId: appid, cname: body.cname, state: 'running', billing: true, startedAt: rec.startedAt });
    req.logRef = { ...req.logRef, sid };
    return { cname: body.cname, uid: body.uid, resourceId, sid };
  });

  const findRec = (req: FastifyRequest, reply: FastifyReply): Recording | undefined => {
    const { appid, resourceId, sid, mode } = req.params as { appid: string; resourceId: string; sid: string; mode: string };
    req.logRef = { ...req.logRef, resourceId, sid };
    const rec = recordings.get(sid);
    if (!rec || rec.appId !== appid || rec.resourceId !== resourceId) {
      reply.code(404).send({ resourceId, sid, code: 404, reason: 'failed to find worker' });
      return undefined;
    }
    req.logRef.cname = rec.cname;
    if (rec.mode !== mode) {
      bad(reply, `mode ${mode} does not match the recording's mode ${rec.mode}`);
      return undefined;
    }
    return rec;
  };

  app.get(`${base}/resourceid/:resourceId/sid/:sid/mode/:mode/query`, { config: labels('query'), preHandler: auth }, async (req, reply) => {
    const rec = findRec(req, reply);
    if (!rec) return reply;
    if (rec.state !== 'running') return reply.code(404).send({ resourceId: rec.resourceId, sid: rec.sid, code: 404, reason: 'failed to find worker' });
    const status = world.now() - rec.startedAt < STARTUP_MS ? 4 : 5;
    return { resourceId: rec.resourceId, sid: rec.sid, serverResponse: { status, ...fileListing(rec, world), sliceStartTime: rec.startedAt } };
  });

  app.post(`${base}/resourceid/:resourceId/sid/:sid/mode/:mode/stop`, { config: labels('stop'), preHandler: auth }, async (req, reply) => {
    const body = envelope(req, reply);
    if (!body) return reply;
    const rec = findRec(req, reply);
    if (!rec) return reply;
    if (body.cname !== rec.cname || body.uid !== rec.uid) return bad(reply, 'parameters do not match the resourceId', 432);
    if (rec.state === 'stopped') return bad(reply, 'the recording was already stopped', 49);
    if (rec.state === 'exited') return reply.code(404).send({ resourceId: rec.resourceId, sid: rec.sid, code: 404, reason: 'failed to find worker' });
    end(rec, 'stopped', 'stop');
    const listing = fileListing(rec, world);
    if (listing.fileList.length === 0 && rec.mode !== 'web') return bad(reply, 'no recorded file was created', 435);
    return {
      resourceId: rec.resourceId,
      sid: rec.sid,
      serverResponse: rec.mode === 'web'
        ? { extensionServiceState: [{ serviceName: 'web_recorder_service', payload: { fileList: listing.fileList.map((f) => ({ filename: f.fileName, sliceStartTime: f.sliceStartTime })), onhold: false, state: 'exit', uploadingStatus: 'uploaded' } }] }
        : { ...listing, uploadingStatus: 'uploaded' },
    };
  });
}

interface Listing {
  fileListMode: 'json' | 'string';
  fileList: Array<{ fileName: string; trackType: string; uid: string; mixedAllUser: boolean; isPlayable: boolean; sliceStartTime: number }>;
}

/** The files a recording has produced so far, named as Agora names them. */
function fileListing(rec: Recording, world: World): Listing {
  const ch = world.channel(rec.appId, rec.cname);
  const published = [...ch.everPublished];
  const entry = (fileName: string, trackType: string, uid: string, mixedAllUser: boolean) => ({
    fileName, trackType, uid, mixedAllUser, isPlayable: true, sliceStartTime: rec.startedAt,
  });
  const files: Listing['fileList'] = [];
  if (rec.mode === 'web') {
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
