/**
 * Timed channel ban activities: one Agora Channel Management call each (agora.md §9.1): resolve the
 * profile → call src/agora/channel.ts → map. Credentials stay in the worker.
 */
import * as channel from '../src/agora/channel';
import { adoptedRule } from '../src/agora/meanings/channel';
import type { BanPrivilege } from '../src/schemas/agora/channel';
import type { BanTarget } from '../src/schemas/workflows/channel-ban';
import { agoraContext, type ActivityDeps } from './deps';
import { vendorCall } from './errors';

export interface BanRuleSpec {
  profile: string;
  target: BanTarget;
  privileges: BanPrivilege[];
}

export interface BanRuleRef {
  profile: string;
  ruleId: number;
}

/** The session's target in the vendor's field names. */
const fields = (t: BanTarget) => ({
  ...(t.channel !== undefined ? { cname: t.channel } : {}),
  ...(t.uid !== undefined ? { uid: t.uid } : {}),
  ...(t.ip !== undefined ? { ip: t.ip } : {}),
});

export function createChannelBanActivities(deps: ActivityDeps) {
  const ctx = (profile: string) => agoraContext(deps, profile);
  return {
    /** Creates the rule (not idempotent: an ambiguous outcome comes back non-retryable, to be reconciled). */
    async createBanRule(input: BanRuleSpec & { seconds: number }): Promise<{ ruleId: number }> {
      return vendorCall(async () => {
        const r = await channel.createBanRule(ctx(input.profile), { ...fields(input.target), privileges: input.privileges, time_in_seconds: input.seconds });
        return { ruleId: r.id };
      });
    },
    /** The rule in force with exactly this target and privileges (the reconcile read); undefined when none. */
    async findBanRule(input: BanRuleSpec): Promise<{ ruleId: number; ts: string } | undefined> {
      return vendorCall(async () => {
        const found = adoptedRule(await channel.findBanRules(ctx(input.profile), { ...fields(input.target), privileges: input.privileges }));
        return found ? { ruleId: found.id, ts: found.ts } : undefined;
      });
    },
    /** Gives the rule `seconds` from now; answers the vendor's new expiry. 404: the rule is gone. */
    async updateBanRule(input: BanRuleRef & { seconds: number }): Promise<{ ts: string }> {
      return vendorCall(async () => {
        const r = await channel.updateBanRule(ctx(input.profile), { id: input.ruleId, time_in_seconds: input.seconds });
        return { ts: r.ts };
      });
    },
    /** Deletes the rule: 200 = deleted, 404 = already gone (expired or deleted elsewhere). */
    async deleteBanRule(input: BanRuleRef): Promise<{ outcome: 'deleted' | 'already_gone' }> {
      return vendorCall(async () => ({ outcome: (await channel.deleteBanRule(ctx(input.profile), input.ruleId)).deleted ? 'deleted' : 'already_gone' }));
    },
  };
}

export type ChannelBanActivities = ReturnType<typeof createChannelBanActivities>;
