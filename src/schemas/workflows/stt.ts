/**
 * The input, carried state and result of the Real-Time STT session (one interface over 6.x and 7.x).
 * The input is strict and carries references (profile names), never bot tokens or storage keys; the
 * carried state is the workflow's own second argument across continue-as-new, never a caller's input.
 */
import { z } from 'zod';
import { carriedControls, desiredSlotOf, ProfileName, sessionControls } from './common';
import { ChannelName } from '../agora/cloud-recording';
import { BotUid, Languages, LanguageCode, MaxIdleTime7, TranslateLanguage } from '../agora/stt';

/** Who is transcribed: "all" users, or these uids. */
export const SubscribeAudioUids = z
  .array(z.union([z.literal('all'), BotUid]))
  .min(1, 'subscribeAudioUids is empty')
  .refine((l) => !l.includes('all') || l.length === 1, '"all" cannot be combined with uids');

/** What a caller may change mid-session (each field replaces the current one as a whole). */
export const SttChange = z
  .strictObject({
    languages: Languages.optional(),
    subscribeAudioUids: SubscribeAudioUids.optional(),
    /** translation targets per source language (beta, extra cost); [] turns translation off */
    translation: z.array(TranslateLanguage).optional(),
  })
  .refine((c) => c.languages !== undefined || c.subscribeAudioUids !== undefined || c.translation !== undefined, 'nothing to change');
export type SttChange = z.infer<typeof SttChange>;

/** The desired transcription configuration, applied at start and by updates. */
export const SttConfig = z.object({
  languages: Languages,
  subscribeAudioUids: SubscribeAudioUids,
  translation: z.array(TranslateLanguage),
});
export type SttConfig = z.infer<typeof SttConfig>;

export const SttInput = z
  .strictObject({
    /** Agora project profile (App ID + credentials), resolved by the worker */
    profile: ProfileName.default('default'),
    channel: ChannelName,
    /** 7 (agents; the default) or 6 (builderToken + tasks; deprecated, end of life 2026-06-11) */
    version: z.enum(['7', '6']).default('7'),
    languages: Languages,
    subscribeAudioUids: SubscribeAudioUids.default(['all']),
    translation: z.array(TranslateLanguage).default([]),
    /** caption files: stored with this storage profile when given (bucket and prefix reported in the result) */
    captions: z.strictObject({ storageProfile: ProfileName, sliceDuration: z.number().int().min(1).max(3_600).optional() }).optional(),
    /** the agent's bot uids; chosen from the bot range when absent */
    subBotUid: BotUid.optional(),
    pubBotUid: BotUid.optional(),
    /** Agora ends the task after this long without audio (7.x: 0 = never) */
    maxIdleTime: MaxIdleTime7.optional(),
    /** 7.x: at Agora's 72-hour task lifetime, end the session ("end") or leave and join a fresh agent ("rollover") */
    onLifetimeEnd: z.enum(['end', 'rollover']).default('end'),
    /** how often the task is queried while it runs */
    pollIntervalMs: z.number().int().min(100).max(3_600_000).default(60_000),
    ...sessionControls,
  })
  .superRefine((input, ctx) => {
    if (input.subBotUid && input.subBotUid === input.pubBotUid) ctx.addIssue({ code: 'custom', path: ['pubBotUid'], message: 'subBotUid and pubBotUid must differ' });
    if (input.version === '6' && input.maxIdleTime === 0) ctx.addIssue({ code: 'custom', path: ['maxIdleTime'], message: '6.x needs maxIdleTime 5-2592000' });
    if (input.version === '6' && input.onLifetimeEnd === 'rollover')
      ctx.addIssue({ code: 'custom', path: ['onLifetimeEnd'], message: 'rollover applies to 7.x agents (6.x documents no lifetime)' });
  });
export type SttInput = z.input<typeof SttInput>;
export type SttParams = z.output<typeof SttInput>;

/** One agent (7.x) or task (6.x) of a session: more than one after rollovers or replacements. */
export const SttAgent = z.object({
  /** 7.x agent_id or 6.x taskId */
  id: z.string(),
  /** 7.x: the name that is the join's idempotency key */
  name: z.string().optional(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  endReason: z.string().optional(),
  /** the last state the vendor reported */
  lastStatus: z.string().optional(),
});
export type SttAgent = z.infer<typeof SttAgent>;

export const UnstoppedAgent = z.object({ id: z.string(), error: z.string() });

/** Where caption files go (no keys: the bucket, not the credentials). */
export const CaptionDestination = z.object({ vendor: z.number(), region: z.number(), bucket: z.string(), fileNamePrefix: z.array(z.string()).optional() });
export type CaptionDestination = z.infer<typeof CaptionDestination>;

export const SttCarried = z.object({
  /** 7.x: how many agents this session has joined (the name suffix) */
  generation: z.number().int(),
  agentName: z.string().optional(),
  /** the running agent (7.x agent_id) or task (6.x taskId) */
  agentId: z.string().optional(),
  /** 6.x: the builderToken that started the task (query and stop need the same one) */
  builderToken: z.string().optional(),
  /** 6.x: when that builderToken was acquired (epoch ms): it must start a task within 5 minutes */
  builderTokenAt: z.number().optional(),
  subBotUid: z.string(),
  pubBotUid: z.string(),
  startedAt: z.string().optional(),
  /** epoch ms: Agora's 72-hour task lifetime of the current 7.x agent ends */
  lifetimeEndsAt: z.number().optional(),
  lastStatus: z.string().optional(),
  /** the last sequenceId sent: every update (and every session run) goes higher */
  sequenceId: z.number().int(),
  config: desiredSlotOf(SttConfig),
  captions: CaptionDestination.optional(),
  agents: z.array(SttAgent),
  unstopped: z.array(UnstoppedAgent),
  updates: z.number().int(),
  ...carriedControls,
});
export type SttState = z.infer<typeof SttCarried>;

export type SttOutcome = 'stopped' | 'ended' | 'failed';

export interface SttResult {
  workflowId: string;
  channel: string;
  version: '6' | '7';
  outcome: SttOutcome;
  reason: string;
  startedAt?: string;
  endedAt: string;
  /** from the first agent's start to the end */
  lifetimeMs: number;
  /** the last state the vendor reported for the last agent while it ran (its query after the leave is not made) */
  finalState?: string;
  agents: SttAgent[];
  /** where the transcripts and captions went */
  captions: {
    /** the bot that publishes caption text into the channel (subscribers read it there) */
    publishedInChannelBy: string;
    /** caption files, when a storage profile was given */
    files?: CaptionDestination;
  };
  languages: string[];
  updates: number;
  unstopped: Array<z.infer<typeof UnstoppedAgent>>;
}

/** Re-exported for callers building changes. */
export { LanguageCode };
