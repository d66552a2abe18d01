/**
 * Agora Real-Time STT payloads, 6.x (builderToken + tasks) and 7.x (agents) (agora.md §3, §4). Pure zod,
 * no Node imports: the workflow sandbox, the client and the emulator all import these. Request schemas
 * are strict about documented ranges (unknown fields are kept: the vendor adds options over time);
 * response schemas are loose (unknown fields kept, optional fields optional, statuses as plain strings).
 *
 * Where the seeds contradict each other this follows agora.md §13.5:
 *   - languages: up to 4 (the table's "at most two" is outdated; [public] says 4);
 *   - update masks use dotted paths (`rtcConfig.subscribeAudioUids`), not the seed URL's
 *     `rtcConfig,subscribeAudioUids`;
 *   - `pubBotToken` is a string;
 *   - 7.x query answers `createTs` (seed) or `create_ts` ([public]): both are accepted.
 */
import { z } from 'zod';
import { ChannelName } from './cloud-recording';

export { ChannelName };

/** `instanceId` of a builderToken request: ≤ 64 of a-z A-Z 0-9 - _ (agora.md §3). */
export const InstanceId = z
  .string()
  .min(1, 'instanceId is empty')
  .max(64, 'instanceId is longer than 64 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'instanceId may contain only a-z A-Z 0-9 - _');

/** An integer UID 1 … 2^32-1 written as a string ("only int uid can be used", agora.md §1.5). */
export const BotUid = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, 'must be a decimal integer uid as a string')
  .refine((s) => Number(s) <= 4294967295, 'uid must be at most 2^32-1');

/** A UID to transcribe: an integer uid string, or "all" (7.x: every user). */
const AudioUid = z.union([z.literal('all'), BotUid]);

/** BCP-47-like language code as Agora lists them (`en-US`, `zh-CN`, `ja-JP`). */
export const LanguageCode = z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'language must be a code such as en-US');

export const MAX_LANGUAGES = 4;
export const Languages = z
  .array(LanguageCode)
  .min(1, 'at least one language')
  .max(MAX_LANGUAGES, `at most ${MAX_LANGUAGES} languages`)
  .refine((l) => new Set(l).size === l.length, 'languages must not repeat');

/** 6.x maxIdleTime: seconds, 5 … 2 592 000, default 30 (agora.md §3). */
export const MaxIdleTime6 = z.number().int('maxIdleTime must be an integer').min(5).max(2_592_000);
/**
 * 7.x maxIdleTime: the seed range 5 … 2 592 000, plus 0 = never idle out ([public] latest 7.x
 * reference); every agent still ends after 72 hours (agora.md §4).
 */
export const MaxIdleTime7 = z
  .number()
  .int('maxIdleTime must be an integer')
  .min(0)
  .max(2_592_000)
  .refine((n) => n === 0 || n >= 5, 'maxIdleTime must be 0 (disabled) or 5-2592000');

/** Caption file storage (same vendor/region codes as Cloud Recording, agora.md §2.7). */
export const CaptionStorage = z.looseObject({
  accessKey: z.string().min(1),
  secretKey: z.string().min(1),
  bucket: z.string().min(1),
  vendor: z.number().int().min(0),
  region: z.number().int().min(0),
  fileNamePrefix: z.array(z.string().min(1)).optional(),
});

export const CaptionConfig = z.looseObject({
  sliceDuration: z.number().int().positive().optional(),
  storage: CaptionStorage,
});

export const TranslateLanguage = z.looseObject({
  source: LanguageCode,
  target: z.array(LanguageCode).min(1).max(5, 'at most 5 target languages'),
});

export const TranslateConfig = z.looseObject({
  enable: z.boolean().optional(),
  languages: z.array(TranslateLanguage).min(1).optional(),
});

const SubscribeAudioUids = z
  .array(AudioUid)
  .min(1, 'subscribeAudioUids is empty')
  .refine((l) => !l.includes('all') || l.length === 1, '"all" cannot be combined with uids');

/** `rtcConfig` of start/join. The 6.x encryption field is `decryptionMode`, 7.x `cryptionMode` (§13.5). */
export const RtcConfig = z
  .looseObject({
    channelName: ChannelName,
    subBotUid: BotUid,
    subBotToken: z.string().optional(),
    pubBotUid: BotUid,
    pubBotToken: z.string().optional(),
    subscribeAudioUids: SubscribeAudioUids.optional(),
    decryptionMode: z.union([z.string(), z.number()]).optional(),
    cryptionMode: z.union([z.string(), z.number()]).optional(),
    secret: z.string().optional(),
    salt: z.string().optional(),
  })
  .refine((c) => c.subBotUid !== c.pubBotUid, { message: 'subBotUid and pubBotUid must differ', path: ['pubBotUid'] });
export type RtcConfig = z.infer<typeof RtcConfig>;

export const UidLanguagesConfig = z.array(z.looseObject({ uid: BotUid, languages: Languages })).max(5, 'at most 5 uidLanguagesConfig entries');

const StartFields = {
  languages: Languages,
  rtcConfig: RtcConfig,
  captionConfig: CaptionConfig.optional(),
  translateConfig: TranslateConfig.optional(),
};

/** 6.x `POST …/tasks?builderToken=` body. */
export const Stt6StartRequest = z.looseObject({ ...StartFields, maxIdleTime: MaxIdleTime6.optional() });
export type Stt6StartRequest = z.infer<typeof Stt6StartRequest>;

/** 7.x agent name: the idempotency key of a join (agora.md §4); seeds silent on rules, 1-64 chars here. */
export const AgentName = z.string().min(1, 'name is empty').max(64, 'name is longer than 64 characters');

/** 7.x `POST …/join` body. */
export const Stt7JoinRequest = z.looseObject({
  ...StartFields,
  name: AgentName,
  maxIdleTime: MaxIdleTime7.optional(),
  uidLanguagesConfig: UidLanguagesConfig.optional(),
});
export type Stt7JoinRequest = z.infer<typeof Stt7JoinRequest>;

// ---- update (7.x POST …/update, and the 6.x PATCH in the seed's saved example) ----

/** The dotted paths an update may name (agora.md §4 update, §13.5 item 4). */
export const STT_UPDATE_PATHS = ['languages', 'rtcConfig.subscribeAudioUids', 'translateConfig.enable', 'translateConfig.languages'] as const;
export type SttUpdatePath = (typeof STT_UPDATE_PATHS)[number];

/** `sequenceId` query value: an integer ≥ 0, larger than the previous update's. */
export const SequenceId = z.number().int('sequenceId must be an integer').min(0, 'sequenceId must be >= 0').max(Number.MAX_SAFE_INTEGER);

/** Parses the `updateMask` query value: a comma list of known dotted paths, none repeated. */
export const SttUpdateMask = z
  .string()
  .min(1, 'updateMask is empty')
  .transform((s, ctx) => {
    const paths = s.split(',').map((p) => p.trim());
    for (const p of paths) {
      if (!(STT_UPDATE_PATHS as readonly string[]).includes(p)) {
        ctx.addIssue({ code: 'custom', message: `updateMask path "${p}" is not updatable (allowed: ${STT_UPDATE_PATHS.join(', ')})` });
        return z.NEVER;
      }
    }
    if (new Set(paths).size !== paths.length) {
      ctx.addIssue({ code: 'custom', message: 'updateMask repeats a path' });
      return z.NEVER;
    }
    return paths as SttUpdatePath[];
  });

/** Update body: only the masked fields are read. */
export const SttUpdateBody = z.looseObject({
  languages: Languages.optional(),
  rtcConfig: z.looseObject({ subscribeAudioUids: SubscribeAudioUids.optional() }).optional(),
  translateConfig: TranslateConfig.optional(),
});
export type SttUpdateBody = z.infer<typeof SttUpdateBody>;

/** The value at a dotted mask path of an update body (undefined when absent). */
export function valueAtPath(body: SttUpdateBody, path: SttUpdatePath): unknown {
  switch (path) {
    case 'languages':
      return body.languages;
    case 'rtcConfig.subscribeAudioUids':
      return body.rtcConfig?.subscribeAudioUids;
    case 'translateConfig.enable':
      return body.translateConfig?.enable;
    case 'translateConfig.languages':
      return body.translateConfig?.languages;
  }
}

/** Issues of an update whose mask names fields the body lacks (an empty value would wipe them). */
export function missingMaskedFields(body: SttUpdateBody, mask: readonly SttUpdatePath[]): string[] {
  return mask.filter((p) => valueAtPath(body, p) === undefined).map((p) => `${p} is in updateMask but missing from the body`);
}

// ---- 7.x list ----

/** 7.x agent states with the numeric codes the list API filters by ([public], agora.md §4). */
export const STT7_STATES = ['IDLE', 'STARTING', 'RUNNING', 'STOPPING', 'STOPPED', 'RECOVERING', 'FAILED'] as const;
export type Stt7State = (typeof STT7_STATES)[number];
export const stt7StateCode = (s: Stt7State): number => STT7_STATES.indexOf(s);

export const Stt7ListQuery = z.strictObject({
  channel: ChannelName.optional(),
  /** Unix seconds; default one day ago */
  fromTime: z.number().int().min(0).optional(),
  /** Unix seconds; default now */
  toTime: z.number().int().min(0).optional(),
  /** one state (name or code); the vendor's default is RUNNING */
  state: z.union([z.enum(STT7_STATES), z.number().int().min(0).max(6)]).optional(),
  limit: z.number().int().min(1).max(100).optional(),
  /** agent_id of the last item of the previous page */
  cursor: z.string().min(1).optional(),
});
export type Stt7ListQuery = z.input<typeof Stt7ListQuery>;

// ---- statuses ----

/** 6.x task statuses (agora.md §3; the query table omits STARTED, the start table has it). */
export const STT6_STATUSES = ['IDLE', 'PREPARING', 'STARTED', 'IN_PROGRESS', 'STOPPING', 'STOPPED', 'RECONNECTING'] as const;
export type Stt6Status = (typeof STT6_STATUSES)[number];
/** 6.x statuses that mean the task is over. */
export const STT6_ENDED: readonly string[] = ['IDLE', 'STOPPED'];
/** 7.x statuses that mean the agent is over. */
export const STT7_ENDED: readonly string[] = ['STOPPED', 'FAILED'];

// ---- responses (tolerant) ----

/** builderTokens response (6.x STT and Cloud Transcoder share it). `instanceId` is typed Number once in the seed. */
export const BuilderTokenResponse = z.looseObject({
  tokenName: z.string().min(1),
  createTs: z.number().optional(),
  instanceId: z.union([z.string(), z.number()]).optional(),
});
export type BuilderTokenResponse = z.infer<typeof BuilderTokenResponse>;

/** 6.x start/query/update response: `{taskId, createTs, status}`; a 201 may carry less. */
export const Stt6TaskResponse = z.looseObject({
  taskId: z.string().optional(),
  createTs: z.number().optional(),
  status: z.string().optional(),
  message: z.string().optional(),
});
export type Stt6TaskResponse = z.infer<typeof Stt6TaskResponse>;

/** 7.x join/query/update response. */
export const Stt7AgentResponse = z.looseObject({
  agent_id: z.string().optional(),
  /** the seed's update example is a copied 6.x body */
  taskId: z.string().optional(),
  createTs: z.number().optional(),
  create_ts: z.number().optional(),
  status: z.string().optional(),
  message: z.string().optional(),
});
export type Stt7AgentResponse = z.infer<typeof Stt7AgentResponse>;

export const Stt7ListItem = z.looseObject({
  agent_id: z.string(),
  start_ts: z.number().optional(),
  stop_ts: z.number().optional(),
  status: z.string().optional(),
});
export type Stt7ListItem = z.infer<typeof Stt7ListItem>;

export const Stt7ListResponse = z.looseObject({
  data: z.looseObject({ count: z.number().optional(), list: z.array(Stt7ListItem).default([]) }),
  status: z.string().optional(),
});
export type Stt7ListResponse = z.infer<typeof Stt7ListResponse>;

/** Empty 2xx bodies (stop, leave). */
export const EmptyResponse = z.looseObject({});
