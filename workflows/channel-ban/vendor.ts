/**
 * The ban's calls on Agora Channel Management, through the kernel's retry table: create (not
 * idempotent: an ambiguous outcome is reconciled by listing the rules of the same target and
 * privileges before any new create), find, update (the rule's time), delete.
 */
import type { ChannelBanActivities } from '../../activities/channel-ban';
import type { BanParams } from '../../src/schemas/workflows/channel-ban';
import { createWithReconcile } from '../lib/reconcile';
import { activitiesOf } from '../lib/retry';

const calls = activitiesOf<ChannelBanActivities>('call');
const creates = activitiesOf<ChannelBanActivities>('create');
const cleanups = activitiesOf<ChannelBanActivities>('cleanup');

export interface BanRuleHeld {
  ruleId: number;
  /** found by the reconcile list, not answered by a create */
  adopted: boolean;
}

export interface BanVendor {
  /** creates the rule lasting `seconds()` from the call, or adopts the one an ambiguous create made */
  create(seconds: () => number, onSent: () => void): Promise<BanRuleHeld>;
  /** the rule of this target and privileges in force, if any */
  find(): Promise<number | undefined>;
  /** gives the rule `seconds` from now; the vendor's new expiry */
  update(ruleId: number, seconds: number): Promise<string>;
  /** 200 or 404 = done */
  remove(ruleId: number): Promise<'deleted' | 'already_gone'>;
}

export function banVendor(input: BanParams): BanVendor {
  const spec = { profile: input.profile, target: { channel: input.channel, uid: input.uid, ip: input.ip }, privileges: input.privileges };
  const find = async () => (await calls.findBanRule(spec))?.ruleId;
  return {
    create: (seconds, onSent) =>
      createWithReconcile<BanRuleHeld>(
        async () => {
          onSent();
          return { ruleId: (await creates.createBanRule({ ...spec, seconds: seconds() })).ruleId, adopted: false };
        },
        {
          what: 'create ban rule',
          reconcile: async () => {
            const ruleId = await find();
            return ruleId === undefined ? undefined : { ruleId, adopted: true };
          },
        },
      ),
    find,
    update: async (ruleId, seconds) => (await calls.updateBanRule({ profile: input.profile, ruleId, seconds })).ts,
    remove: async (ruleId) => (await cleanups.deleteBanRule({ profile: input.profile, ruleId })).outcome,
  };
}
