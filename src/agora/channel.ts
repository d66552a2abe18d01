/**
 * Agora Channel Management calls (agora.md §9): ban rules ("kicking rules") and online channel
 * statistics. Each function is one REST call, except findBanRules (a list filtered for
 * reconciliation). Field names are the vendor's (cname, uid, ip, time, time_in_seconds, privileges).
 *
 * createBanRule is not idempotent: every POST creates another rule. After an ambiguous failure
 * (timeout after sending, 504) call findBanRules with the same target and privileges before posting
 * again (agora.md §13.1). kickUsers (time_in_seconds 0) creates no rule, so it may be repeated.
 */
import type { z } from 'zod';
import { VendorError } from '../http/errors';
import {
  ChannelListQuery,
  ChannelListResponse,
  ChannelName,
  ChannelUid,
  CreateBanRuleRequest,
  CreateBanRuleResponse,
  DeleteBanRuleRequest,
  DeleteBanRuleResponse,
  ListBanRulesResponse,
  UpdateBanRuleRequest,
  UpdateBanRuleResponse,
  UserListResponse,
  UserStatusResponse,
  type BanPrivilege,
  type BanRuleEntry,
  type ChannelListData,
  type UserListData,
  type UserStatusData,
} from '../schemas/agora/channel';
import { parseInput } from '../schemas/parse';
import { agoraCall, type AgoraContext } from './http';

const PRODUCT = 'channel-management';
const RULES_PATH = '/dev/v1/kicking-rule';
const enc = encodeURIComponent;

// ---- banning user privileges ----

/** Who a rule targets: cname only (whole channel), uid only (all channels), cname + uid, ip only. */
export interface BanTarget {
  cname?: string;
  uid?: number;
  ip?: string;
}

/** A rule to create; set `time` (minutes) or `time_in_seconds`, or neither for 60 minutes. */
export type BanRuleInput = Omit<z.input<typeof CreateBanRuleRequest>, 'appid'>;

/** A rule as listed, with absent targets normalised to undefined (the vendor may send 0, "" or null). */
export interface BanRule extends BanTarget {
  id: number;
  appid?: string;
  privileges: string[];
  /** UTC expiry, ISO 8601 */
  ts: string;
  opid?: number;
  createAt?: string;
  updateAt?: string;
}

export async function createBanRule(ctx: AgoraContext, input: BanRuleInput): Promise<{ id: number; requestId: string }> {
  const json = parseInput(CreateBanRuleRequest, { ...input, appid: ctx.appId }, 'ban rule');
  const res = await agoraCall(ctx, {
    method: 'POST',
    path: RULES_PATH,
    json,
    // every POST creates a rule: an unknown outcome must be reconciled with findBanRules
    site: { product: PRODUCT, operation: 'createRule', idempotent: false },
    response: CreateBanRuleResponse,
  });
  return { id: res.body.id, requestId: res.requestId };
}

/**
 * Kicks the matching users out now without banning them (time_in_seconds 0: no rule is created and
 * they may rejoin at once). Repeating it is harmless.
 */
export async function kickUsers(ctx: AgoraContext, target: BanTarget): Promise<{ requestId: string }> {
  const json = parseInput(CreateBanRuleRequest, { ...target, appid: ctx.appId, time_in_seconds: 0, privileges: ['join_channel'] }, 'kick target');
  const res = await agoraCall(ctx, {
    method: 'POST',
    path: RULES_PATH,
    json,
    site: { product: PRODUCT, operation: 'createRule', idempotent: true },
    response: CreateBanRuleResponse.partial(),
  });
  return { requestId: res.requestId };
}

function normaliseRule(r: BanRuleEntry): BanRule {
  return {
    id: r.id,
    appid: r.appid,
    cname: r.cname || undefined,
    uid: r.uid || undefined,
    ip: r.ip && r.ip !== '0' ? r.ip : undefined,
    privileges: r.privileges,
    ts: r.ts,
    opid: r.opid ?? undefined,
    createAt: r.createAt,
    updateAt: r.updateAt,
  };
}

/** All rules of the project that are still in force. */
export async function listBanRules(ctx: AgoraContext): Promise<{ rules: BanRule[]; requestId: string }> {
  const res = await agoraCall(ctx, {
    method: 'GET',
    path: `${RULES_PATH}?appid=${enc(ctx.appId)}`,
    site: { product: PRODUCT, operation: 'listRules', idempotent: true },
    response: ListBanRulesResponse,
  });
  return { rules: res.body.rules.map(normaliseRule), requestId: res.requestId };
}

/** What a reconciliation looks for: exactly this target and, when given, exactly these privileges. */
export interface BanRuleFilter extends BanTarget {
  privileges?: readonly BanPrivilege[];
}

/**
 * The rules in force with exactly this target (a field absent from the filter must be absent from
 * the rule: a cname+uid rule does not ban the whole channel) and, when `privileges` is given, exactly
 * these privileges. Use it before re-posting a createBanRule whose outcome is unknown.
 */
export async function findBanRules(ctx: AgoraContext, filter: BanRuleFilter): Promise<BanRule[]> {
  const { rules } = await listBanRules(ctx);
  const want = filter.privileges ? [...new Set(filter.privileges)].sort() : undefined;
  return rules.filter(
    (r) =>
      r.cname === (filter.cname || undefined) &&
      r.uid === (filter.uid || undefined) &&
      r.ip === (filter.ip || undefined) &&
      (!want || (r.privileges.length === want.length && [...r.privileges].sort().every((p, i) => p === want[i]))),
  );
}

export type BanRuleUpdate = Omit<z.input<typeof UpdateBanRuleRequest>, 'appid'>;

/**
 * Sets a rule's remaining duration, counted from now (time_in_seconds/time 0 ends it and sets the
 * matching users offline once). Answers the new expiry. A rule that expired or was deleted is 404.
 */
export async function updateBanRule(ctx: AgoraContext, input: BanRuleUpdate): Promise<{ id: number; ts: string; requestId: string }> {
  const json = parseInput(UpdateBanRuleRequest, { ...input, appid: ctx.appId }, 'ban rule update');
  const res = await agoraCall(ctx, {
    method: 'PUT',
    path: RULES_PATH,
    json,
    // the same duration again only moves the expiry by the retry delay
    site: { product: PRODUCT, operation: 'updateRule', idempotent: true },
    response: UpdateBanRuleResponse,
  });
  return { id: res.body.result.id, ts: res.body.result.ts, requestId: res.requestId };
}

/** Deletes a rule; `deleted: false` when it was already gone (404: expired or deleted before). */
export async function deleteBanRule(ctx: AgoraContext, id: number): Promise<{ deleted: boolean; requestId: string }> {
  const json = parseInput(DeleteBanRuleRequest, { appid: ctx.appId, id }, 'ban rule id');
  try {
    const res = await agoraCall(ctx, {
      method: 'DELETE',
      path: RULES_PATH,
      json,
      site: { product: PRODUCT, operation: 'deleteRule', idempotent: true },
      response: DeleteBanRuleResponse,
    });
    return { deleted: true, requestId: res.requestId };
  } catch (err) {
    if (err instanceof VendorError && err.info.httpStatus === 404) return { deleted: false, requestId: err.info.requestId ?? '' };
    throw err;
  }
}

// ---- online channel statistics ----

type Stats<T> = { success: boolean; data: T };

/** One GET of the statistics API; its `data`, or a final VendorError when it answers `success: false`. */
async function getStats<T>(ctx: AgoraContext, operation: string, path: string, response: z.ZodType<Stats<T>>): Promise<{ data: T; requestId: string }> {
  const res = await agoraCall(ctx, { method: 'GET', path, site: { product: PRODUCT, operation, idempotent: true }, response });
  if (!res.body.success) {
    throw new VendorError({
      vendor: 'agora',
      product: PRODUCT,
      operation,
      httpStatus: res.status,
      code: 'SUCCESS_FALSE',
      reason: 'the statistics API answered success: false',
      requestId: res.requestId,
      retryable: false,
      ambiguous: false,
    });
  }
  return { data: res.body.data, requestId: res.requestId };
}

/** Whether a user (integer uid; string accounts are not supported) is in the channel, as what role. */
export async function getUserStatus(ctx: AgoraContext, input: { cname: string; uid: number }): Promise<{ data: UserStatusData; requestId: string }> {
  const cname = parseInput(ChannelName, input.cname, 'channel name');
  const uid = parseInput(ChannelUid, input.uid, 'uid');
  return getStats(ctx, 'userStatus', `/dev/v1/channel/user/property/${enc(ctx.appId)}/${uid}/${enc(cname)}`, UserStatusResponse);
}

/**
 * The users of a channel: `users`/`total` in a communication channel (mode 1), `broadcasters`,
 * `audience` (first 10 000) and `audience_total` in a live broadcasting channel (mode 2).
 */
export async function getUserList(ctx: AgoraContext, cname: string): Promise<{ data: UserListData; requestId: string }> {
  const name = parseInput(ChannelName, cname, 'channel name');
  return getStats(ctx, 'userList', `/dev/v1/channel/user/${enc(ctx.appId)}/${enc(name)}`, UserListResponse);
}

/** The hosts of a live broadcasting channel ([public]: …/hosts_only). */
export async function getHostList(ctx: AgoraContext, cname: string): Promise<{ data: UserListData; requestId: string }> {
  const name = parseInput(ChannelName, cname, 'channel name');
  return getStats(ctx, 'hostList', `/dev/v1/channel/user/${enc(ctx.appId)}/${enc(name)}/hosts_only`, UserListResponse);
}

/** One page of the project's online channels (page_no from 0, page_size 1 … 500, default 100). */
export async function getChannelList(ctx: AgoraContext, page: ChannelListQuery = {}): Promise<{ data: ChannelListData; requestId: string }> {
  const q = parseInput(ChannelListQuery, page, 'channel list page');
  const qs = new URLSearchParams();
  if (q.page_no !== undefined) qs.set('page_no', String(q.page_no));
  if (q.page_size !== undefined) qs.set('page_size', String(q.page_size));
  return getStats(ctx, 'channelList', `/dev/v1/channel/${enc(ctx.appId)}${qs.size ? `?${qs}` : ''}`, ChannelListResponse);
}
