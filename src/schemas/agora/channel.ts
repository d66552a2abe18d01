/**
 * Agora Channel Management payloads (agora.md §9): banning user privileges ("kicking rules") and the
 * online channel statistics, plus get-ncs-ip (§2.8). Pure zod, no Node imports. Request schemas are
 * strict about the documented ranges (the vendor silently clamps out-of-range durations; we refuse
 * them, since a clamped ban is almost always a unit mistake); response schemas are loose.
 */
import { z } from 'zod';
import { ChannelName } from './cloud-recording';

export { ChannelName };

/** Privileges a ban rule can take away (agora.md §9.1). `join_channel` also kicks the user out. */
export const BAN_PRIVILEGES = ['join_channel', 'publish_audio', 'publish_video'] as const;
export const BanPrivilege = z.enum(BAN_PRIVILEGES);
export type BanPrivilege = z.infer<typeof BanPrivilege>;

/** Channel Management UIDs are Numbers 1 … 2^32-1; string user accounts are not supported (§1.5). */
export const ChannelUid = z
  .number()
  .int('uid must be an integer (string user accounts are not supported)')
  .min(1, 'uid must not be 0')
  .max(4294967295, 'uid must be at most 2^32-1');

/** The ban's IP address; "Do not set it as 0". */
export const BanIp = z.union([z.ipv4(), z.ipv6()], { error: 'ip must be an IPv4 or IPv6 address' });

/** Minutes: 0 (kick now, no rule) or 1 … 1440. */
export const BanMinutes = z
  .number()
  .int('time is whole minutes')
  .refine((v) => v === 0 || (v >= 1 && v <= 1440), 'time must be 0 (kick without a ban) or 1 … 1440 minutes');
/** Seconds: 0 (kick now, no rule) or 10 … 86430. */
export const BanSeconds = z
  .number()
  .int('time_in_seconds is whole seconds')
  .refine((v) => v === 0 || (v >= 10 && v <= 86430), 'time_in_seconds must be 0 (kick without a ban) or 10 … 86430 seconds');

/** Neither duration: the vendor bans for 60 minutes. */
export const DEFAULT_BAN_SECONDS = 3600;

const oneDuration = (r: { time?: number; time_in_seconds?: number }, ctx: z.RefinementCtx) => {
  if (r.time !== undefined && r.time_in_seconds !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['time_in_seconds'], message: 'set either time or time_in_seconds, not both (time_in_seconds would win)' });
  }
};

/** POST /dev/v1/kicking-rule */
export const CreateBanRuleRequest = z
  .strictObject({
    appid: z.string().min(1),
    cname: ChannelName.optional(),
    uid: ChannelUid.optional(),
    ip: BanIp.optional(),
    time: BanMinutes.optional(),
    time_in_seconds: BanSeconds.optional(),
    privileges: z.array(BanPrivilege).min(1, 'privileges must name at least one privilege'),
  })
  .superRefine((r, ctx) => {
    if (r.cname === undefined && r.uid === undefined && r.ip === undefined) {
      ctx.addIssue({ code: 'custom', path: ['cname'], message: 'a ban rule targets cname, uid, ip or a combination; none was given' });
    }
    if (new Set(r.privileges).size !== r.privileges.length) {
      ctx.addIssue({ code: 'custom', path: ['privileges'], message: 'privileges has duplicates' });
    }
    oneDuration(r, ctx);
  });
export type CreateBanRuleRequest = z.infer<typeof CreateBanRuleRequest>;

/** PUT /dev/v1/kicking-rule: a new duration counted from now. */
export const UpdateBanRuleRequest = z
  .strictObject({
    appid: z.string().min(1),
    id: z.number().int().positive(),
    time: BanMinutes.optional(),
    time_in_seconds: BanSeconds.optional(),
  })
  .superRefine(oneDuration);
export type UpdateBanRuleRequest = z.infer<typeof UpdateBanRuleRequest>;

/** DELETE /dev/v1/kicking-rule (JSON body) */
export const DeleteBanRuleRequest = z.strictObject({ appid: z.string().min(1), id: z.number().int().positive() });
export type DeleteBanRuleRequest = z.infer<typeof DeleteBanRuleRequest>;

/** page_no ≥ 0, page_size 1 … 500 (default 100). */
export const ChannelListQuery = z.strictObject({
  page_no: z.number().int().min(0).optional(),
  page_size: z.number().int().min(1).max(500).optional(),
});
export type ChannelListQuery = z.infer<typeof ChannelListQuery>;

// ---- responses (tolerant) ----

/** The docs type rule ids as Number in one table and String in another; accept both, keep a number. */
const RuleId = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);

export const CreateBanRuleResponse = z.looseObject({ status: z.string().optional(), id: RuleId });
export type CreateBanRuleResponse = z.infer<typeof CreateBanRuleResponse>;

export const BanRuleEntry = z.looseObject({
  id: RuleId,
  appid: z.string().optional(),
  uid: z.number().nullish(),
  opid: z.number().nullish(),
  cname: z.string().nullish(),
  ip: z.string().nullish(),
  /** UTC expiry, ISO 8601 */
  ts: z.string(),
  privileges: z.array(z.string()).default([]),
  createAt: z.string().optional(),
  updateAt: z.string().optional(),
});
export type BanRuleEntry = z.infer<typeof BanRuleEntry>;

export const ListBanRulesResponse = z.looseObject({
  status: z.string().optional(),
  rules: z
    .array(BanRuleEntry)
    .nullish()
    .transform((r) => r ?? []),
});
export type ListBanRulesResponse = z.infer<typeof ListBanRulesResponse>;

export const UpdateBanRuleResponse = z.looseObject({
  status: z.string().optional(),
  result: z.looseObject({ id: RuleId, ts: z.string() }),
});
export type UpdateBanRuleResponse = z.infer<typeof UpdateBanRuleResponse>;

export const DeleteBanRuleResponse = z.looseObject({ status: z.string().optional(), id: RuleId.optional() });

/** User role codes of the user-status API. */
export const USER_ROLE = { 0: 'unknown', 1: 'communication user', 2: 'host', 3: 'audience' } as const;
/** Platform codes of the user-status API ("common return values"). */
export const USER_PLATFORM = { 0: 'other', 1: 'Android', 2: 'iOS', 5: 'Windows', 6: 'Linux', 7: 'Web', 8: 'macOS' } as const;
/** Channel profile codes of the user-list API. */
export const CHANNEL_MODE = { 1: 'communication', 2: 'live_broadcasting' } as const;

/** `data` of GET /dev/v1/channel/user/property/{appid}/{uid}/{channelName}; only in_channel when false. */
export const UserStatusData = z.looseObject({
  in_channel: z.boolean(),
  join: z.number().optional(),
  uid: z.number().optional(),
  role: z.number().int().optional(),
  platform: z.number().int().optional(),
});
export type UserStatusData = z.infer<typeof UserStatusData>;

/** `data` of GET /dev/v1/channel/user/{appid}/{channelName} (and …/hosts_only). */
export const UserListData = z.looseObject({
  channel_exist: z.boolean(),
  /** 1 communication, 2 live broadcasting */
  mode: z.number().int().optional(),
  /** mode 1 */
  total: z.number().optional(),
  users: z.array(z.number()).optional(),
  /** mode 2 */
  broadcasters: z.array(z.number()).optional(),
  /** mode 2: the first 10 000 audience members */
  audience: z.array(z.number()).optional(),
  audience_total: z.number().optional(),
});
export type UserListData = z.infer<typeof UserListData>;

export const ChannelListData = z.looseObject({
  /** absent or empty when the page holds no channel */
  channels: z
    .array(z.looseObject({ channel_name: z.string(), user_count: z.number() }))
    .nullish()
    .transform((c) => c ?? []),
  total_size: z.number(),
});
export type ChannelListData = z.infer<typeof ChannelListData>;

/** Every statistics response is `{success: true, data}`; `success: false` is "reserved for future use". */
const stats = <T extends z.ZodType>(data: T) => z.looseObject({ success: z.boolean(), data });
export const UserStatusResponse = stats(UserStatusData);
export const UserListResponse = stats(UserListData);
export const ChannelListResponse = stats(ChannelListData);

/** GET /v1/ncs/ip and /v2/ncs/ip (agora.md §2.8): only `primaryIP` matters. */
export const NcsIpResponse = z.looseObject({
  data: z.looseObject({
    service: z.looseObject({
      hosts: z.array(z.looseObject({ primaryIP: z.string().min(1) })),
    }),
  }),
});
export type NcsIpResponse = z.infer<typeof NcsIpResponse>;
