/**
 * Agora Cloud Recording payloads (agora.md §2). Pure zod, no Node imports: the workflow sandbox, the
 * client, the HTTP API and the emulator all import these. Request schemas are strict about documented
 * ranges; response schemas are loose (unknown fields kept, optional fields optional).
 */
import { z } from 'zod';
import { HttpUrl } from '../hygiene';

export const RECORDING_MODES = ['individual', 'mix', 'web'] as const;
export const RecordingMode = z.enum(RECORDING_MODES);
export type RecordingMode = z.infer<typeof RecordingMode>;

/** Channel name: < 64 bytes of the 89 allowed characters (agora.md §1.5). */
export const ChannelName = z
  .string()
  .min(1, 'channel name is empty')
  .refine((s) => new TextEncoder().encode(s).length < 64, 'channel name must be shorter than 64 bytes')
  .refine((s) => /^[a-zA-Z0-9 !#$%&()+\-:;<=.>?@[\]^_{}|~,]+$/.test(s), 'channel name may contain only a-z A-Z 0-9 space and ! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } | ~ ,');

/** Integer UID 1 … 2^32-1, sent to Cloud Recording as a string. */
export const RecorderUid = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, 'uid must be a decimal integer string')
  .refine((s) => Number(s) <= 4294967295, 'uid must be at most 2^32-1');

const UidList = z.array(z.string().min(1)).max(32, 'at most 32 uids');
const Unit = z.number().min(0).max(1);
const Color = z.string().regex(/^#[0-9A-Fa-f]{6}$/, 'colour must be #RRGGBB');

export const LayoutRegion = z.strictObject({
  uid: z.string().optional(),
  x_axis: Unit,
  y_axis: Unit,
  width: Unit,
  height: Unit,
  alpha: Unit.optional(),
  render_mode: z.union([z.literal(0), z.literal(1)]).optional(),
});

/** The whole layout of a mix (or web) recording; updateLayout replaces it entirely (agora.md §2.5). */
export const Layout = z
  .strictObject({
    mixedVideoLayout: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]).default(0),
    backgroundColor: Color.optional(),
    backgroundImage: HttpUrl.optional(),
    defaultUserBackgroundImage: HttpUrl.optional(),
    maxResolutionUid: z.string().optional(),
    layoutConfig: z.array(LayoutRegion).max(17, 'at most 17 regions').optional(),
    backgroundConfig: z.array(z.strictObject({ uid: z.string(), image_url: HttpUrl, render_mode: z.number().int().optional() })).optional(),
  })
  .superRefine((l, ctx) => {
    if (l.mixedVideoLayout === 3 && !l.layoutConfig?.length) {
      ctx.addIssue({ code: 'custom', path: ['layoutConfig'], message: 'mixedVideoLayout 3 (custom) needs layoutConfig' });
    }
    if (l.mixedVideoLayout === 2 && !l.maxResolutionUid) {
      ctx.addIssue({ code: 'custom', path: ['maxResolutionUid'], message: 'mixedVideoLayout 2 (vertical) needs maxResolutionUid' });
    }
    l.layoutConfig?.forEach((r, i) => {
      if (r.x_axis + r.width > 1.0001 || r.y_axis + r.height > 1.0001) {
        ctx.addIssue({ code: 'custom', path: ['layoutConfig', i], message: 'region extends beyond the canvas' });
      }
    });
  });
export type Layout = z.infer<typeof Layout>;

export const TranscodingConfig = z
  .looseObject({
    width: z.number().int().min(16).max(1920).default(640),
    height: z.number().int().min(16).max(1920).default(360),
    fps: z.number().int().min(1).max(30).default(15),
    bitrate: z.number().int().min(1).max(10000).default(500),
    maxResolutionUid: z.string().optional(),
    mixedVideoLayout: z.number().int().min(0).max(3).optional(),
    backgroundColor: Color.optional(),
    backgroundImage: HttpUrl.optional(),
    defaultUserBackgroundImage: HttpUrl.optional(),
    layoutConfig: z.array(LayoutRegion).max(17).optional(),
  })
  .refine((t) => t.width * t.height <= 1920 * 1080, 'transcoding resolution above 1920x1080');

export const RecordingConfig = z.looseObject({
  channelType: z.union([z.literal(0), z.literal(1)]).optional(),
  streamTypes: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  streamMode: z.enum(['default', 'standard', 'original']).optional(),
  audioProfile: z.number().int().min(0).max(2).optional(),
  videoStreamType: z.union([z.literal(0), z.literal(1)]).optional(),
  maxIdleTime: z.number().int().min(5).max(2_592_000).optional(),
  subscribeAudioUids: UidList.optional(),
  unSubscribeAudioUids: UidList.optional(),
  subscribeVideoUids: UidList.optional(),
  unSubscribeVideoUids: UidList.optional(),
  subscribeUidGroup: z.number().int().min(0).max(5).optional(),
  transcodingConfig: TranscodingConfig.optional(),
});
export type RecordingConfig = z.infer<typeof RecordingConfig>;

export const RecordingFileConfig = z.looseObject({
  avFileType: z
    .array(z.enum(['hls', 'mp4']))
    .min(1)
    .optional(),
});

export const SnapshotConfig = z.looseObject({
  captureInterval: z.number().int().min(5).max(300).optional(),
  fileType: z.array(z.literal('jpg')).min(1),
});

export const StorageConfig = z.looseObject({
  vendor: z.number().int().min(0),
  region: z.number().int().min(0),
  bucket: z.string().min(1),
  accessKey: z.string().min(1),
  secretKey: z.string().min(1),
  fileNamePrefix: z.array(z.string().regex(/^[a-zA-Z0-9]+$/, 'prefix entries are letters and digits only')).optional(),
  extensionParams: z.record(z.string(), z.unknown()).optional(),
});
export type StorageConfig = z.infer<typeof StorageConfig>;

export const ExtensionServiceConfig = z.looseObject({
  errorHandlePolicy: z.string().optional(),
  extensionServices: z
    .array(
      z.looseObject({
        serviceName: z.string(),
        errorHandlePolicy: z.string().optional(),
        // the page a web recorder opens: http(s) only (never javascript:, file:, data:)
        serviceParam: z.looseObject({ url: HttpUrl.optional() }),
      }),
    )
    .min(1),
});

/** `clientRequest` of start, without token and storageConfig (the worker adds those from profiles). */
export const StartClientRequest = z.looseObject({
  recordingConfig: RecordingConfig.optional(),
  recordingFileConfig: RecordingFileConfig.optional(),
  snapshotConfig: SnapshotConfig.optional(),
  extensionServiceConfig: ExtensionServiceConfig.optional(),
  appsCollection: z.record(z.string(), z.unknown()).optional(),
  transcodeOptions: z.record(z.string(), z.unknown()).optional(),
});
export type StartClientRequest = z.infer<typeof StartClientRequest>;

export const AcquireClientRequest = z.looseObject({
  scene: z.number().int().min(0).max(2).optional(),
  resourceExpiredHour: z.number().int().min(1).max(720).optional(),
  excludeResourceIds: z.array(z.string()).optional(),
  regionAffinity: z.number().int().optional(),
  startParameter: z.record(z.string(), z.unknown()).optional(),
});
export type AcquireClientRequest = z.infer<typeof AcquireClientRequest>;

/**
 * The subscription lists of `update` (agora.md §2.5): per media type an include list or an exclude
 * list, not both ("set only one of subscribe/unsubscribe per media type", §2.3).
 */
export const StreamSubscribe = z
  .looseObject({
    audioUidList: z.looseObject({ subscribeAudioUids: UidList.optional(), unSubscribeAudioUids: UidList.optional() }).optional(),
    videoUidList: z.looseObject({ subscribeVideoUids: UidList.optional(), unSubscribeVideoUids: UidList.optional() }).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.audioUidList?.subscribeAudioUids && s.audioUidList.unSubscribeAudioUids) {
      ctx.addIssue({ code: 'custom', path: ['audioUidList'], message: 'set subscribeAudioUids or unSubscribeAudioUids, not both' });
    }
    if (s.videoUidList?.subscribeVideoUids && s.videoUidList.unSubscribeVideoUids) {
      ctx.addIssue({ code: 'custom', path: ['videoUidList'], message: 'set subscribeVideoUids or unSubscribeVideoUids, not both' });
    }
  });
export type StreamSubscribe = z.infer<typeof StreamSubscribe>;

/** `update`'s pause/resume of a web recording (agora.md §2.5): the recorder holds while `onhold`. */
export const WebRecordingConfig = z.looseObject({ onhold: z.boolean() });
export type WebRecordingConfig = z.infer<typeof WebRecordingConfig>;

/** `update`'s CDN push of a web recording (agora.md §2.5): the whole list of outputs, replaced. */
export const RtmpPublishConfig = z.looseObject({ outputs: z.array(z.looseObject({ rtmpUrl: z.string() })) });
export type RtmpPublishConfig = z.infer<typeof RtmpPublishConfig>;

export const UpdateClientRequest = z.looseObject({
  streamSubscribe: StreamSubscribe.optional(),
  webRecordingConfig: WebRecordingConfig.optional(),
  rtmpPublishConfig: RtmpPublishConfig.optional(),
  storageConfig: StorageConfig.optional(),
});
export type UpdateClientRequest = z.infer<typeof UpdateClientRequest>;

// ---- responses (tolerant) ----

export const AcquireResponse = z.looseObject({ resourceId: z.string().min(1), cname: z.string().optional(), uid: z.string().optional() });
export type AcquireResponse = z.infer<typeof AcquireResponse>;

export const StartResponse = z.looseObject({
  sid: z.string().optional(),
  resourceId: z.string().optional(),
  cname: z.string().optional(),
  uid: z.string().optional(),
  code: z.number().optional(),
  reason: z.string().optional(),
});

export const RecordedFile = z.looseObject({
  fileName: z.string(),
  trackType: z.string().optional(),
  uid: z.string().optional(),
  mixedAllUser: z.boolean().optional(),
  isPlayable: z.boolean().optional(),
  sliceStartTime: z.number().optional(),
});
export type RecordedFile = z.infer<typeof RecordedFile>;

export const UploadingStatus = z.enum(['uploaded', 'backuped', 'unknown']);
export type UploadingStatus = z.infer<typeof UploadingStatus>;

const ServerResponse = z.looseObject({
  status: z.number().optional(),
  fileListMode: z.enum(['string', 'json']).optional(),
  fileList: z.union([z.string(), z.array(RecordedFile)]).optional(),
  uploadingStatus: z.string().optional(),
  sliceStartTime: z.number().optional(),
  extensionServiceState: z.array(z.looseObject({ serviceName: z.string().optional(), payload: z.looseObject({}).optional() })).optional(),
});

export const QueryResponse = z.looseObject({
  resourceId: z.string().optional(),
  sid: z.string().optional(),
  serverResponse: ServerResponse.optional(),
});
export type QueryResponse = z.infer<typeof QueryResponse>;

export const StopResponse = z.looseObject({
  resourceId: z.string().optional(),
  sid: z.string().optional(),
  serverResponse: ServerResponse.optional(),
  code: z.number().optional(),
  reason: z.string().optional(),
});

/** Recorder status values reported by query (agora.md §2.6). */
export const RECORDER_STATUS = {
  0: 'not started',
  1: 'initialized',
  2: 'components starting',
  3: 'some components ready',
  4: 'all components ready',
  5: 'in progress',
  6: 'stop requested',
  7: 'all components stopped',
  8: 'exited',
  20: 'exited abnormally',
} as const;

/** Normalises the two fileList shapes (string M3U8 name, or the JSON array) into file entries. */
export function normaliseFileList(serverResponse: z.infer<typeof ServerResponse> | undefined): RecordedFile[] {
  const list = serverResponse?.fileList;
  if (!list) return [];
  if (typeof list === 'string') return list ? [{ fileName: list }] : [];
  return list;
}
