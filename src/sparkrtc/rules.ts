/**
 * SparkRTC recording rules (sparkrtc.md §4): where recordings go (OBS bucket and path) and how they are
 * cut. POST is an upsert per (app, OBS location) — 201 created, 200 replaced — so it is safe to repeat.
 * A change applies to new streams about 5 minutes later, never to streams already recording.
 */
import { VendorError } from '../http/errors';
import { ListQuery, RecordRule, RecordRuleList, RecordRuleRequest, type RecordRuleInput } from '../schemas/sparkrtc/rules';
import { NoBody, requestBody, seg, sparkCall, type SparkRtcContext } from './http';

const PRODUCT = 'record-rules';
const rulesPath = (ctx: SparkRtcContext) => `/v2/apps/${seg(ctx.appId)}/record-rules`;

export interface RuleResult {
  rule: RecordRule;
  requestId: string;
}

/** Creates the app's rule for this OBS location, or replaces it (`created` says which). */
export async function createOrReplaceRule(ctx: SparkRtcContext, input: RecordRuleInput): Promise<RuleResult & { created: boolean }> {
  const json = requestBody(RecordRuleRequest, input, 'recording rule');
  const res = await sparkCall(ctx, {
    method: 'POST',
    path: rulesPath(ctx),
    json,
    // an upsert keyed by (app, location): repeating it converges on the same rule
    site: { product: PRODUCT, operation: 'create', idempotent: true },
    response: RecordRule,
  });
  return { rule: res.body, created: res.status === 201, requestId: res.requestId };
}

export async function listRules(ctx: SparkRtcContext, query: ListQuery = {}): Promise<{ rules: RecordRule[]; requestId: string }> {
  const q = requestBody(ListQuery, query, 'rule list query');
  const res = await sparkCall(ctx, {
    method: 'GET',
    path: rulesPath(ctx),
    query: q,
    site: { product: PRODUCT, operation: 'list', idempotent: true },
    response: RecordRuleList,
  });
  return { rules: res.body.rules, requestId: res.requestId };
}

export async function getRule(ctx: SparkRtcContext, ruleId: string): Promise<RuleResult> {
  const res = await sparkCall(ctx, {
    method: 'GET',
    path: `${rulesPath(ctx)}/${seg(ruleId)}`,
    site: { product: PRODUCT, operation: 'get', idempotent: true },
    response: RecordRule,
  });
  return { rule: res.body, requestId: res.requestId };
}

/** A full replacement (obs_addr and record_formats required again). */
export async function updateRule(ctx: SparkRtcContext, ruleId: string, input: RecordRuleInput): Promise<RuleResult> {
  const json = requestBody(RecordRuleRequest, input, 'recording rule');
  const res = await sparkCall(ctx, {
    method: 'PUT',
    path: `${rulesPath(ctx)}/${seg(ruleId)}`,
    json,
    site: { product: PRODUCT, operation: 'update', idempotent: true },
    response: RecordRule,
  });
  return { rule: res.body, requestId: res.requestId };
}

/** 204, or `not_found` for a rule that is already gone (a repeated delete, §17.1). */
export async function deleteRule(ctx: SparkRtcContext, ruleId: string): Promise<{ outcome: 'deleted' | 'not_found'; requestId: string }> {
  try {
    const res = await sparkCall(ctx, {
      method: 'DELETE',
      path: `${rulesPath(ctx)}/${seg(ruleId)}`,
      site: { product: PRODUCT, operation: 'delete', idempotent: true },
      response: NoBody,
    });
    return { outcome: 'deleted', requestId: res.requestId };
  } catch (err) {
    if (err instanceof VendorError && err.info.httpStatus === 404 && (err.info.code === 'RTC.00001011' || err.info.code === 'RTC.00001003')) {
      return { outcome: 'not_found', requestId: err.info.requestId ?? '' };
    }
    throw err;
  }
}
