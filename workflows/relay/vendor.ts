/**
 * The relay's calls on Agora Media Push, through the kernel's retry table: create (named, 409 adopts,
 * an ambiguous outcome is reconciled by name before any new create), get, update, delete, find.
 */
import type { RelayActivities, RelayHeld } from '../../activities/relay';
import type { RelayConfig, RelayParams, RelayState } from '../../src/schemas/workflows/relay';
import { createWithReconcile } from '../lib/reconcile';
import { activitiesOf } from '../lib/retry';

const calls = activitiesOf<RelayActivities>('call');
const creates = activitiesOf<RelayActivities>('create');
const cleanups = activitiesOf<RelayActivities>('cleanup');
/** the steady-state poll's read: a local activity (../lib/retry.ts) */
const reads = activitiesOf<RelayActivities>('read');

export interface RelayVendor {
  /** creates the converter named `name` with the desired configuration, or adopts the live one of that name */
  create(name: string): Promise<RelayHeld>;
  /** the converter of that name, if one lives (a cancelled or unanswered create) */
  find(name: string): Promise<RelayHeld | undefined>;
  /** its state; null when it is gone */
  get(id: string): Promise<{ state?: string } | null>;
  update(id: string, sequence: number, config: RelayConfig, fields: string[]): Promise<void>;
  /** 2xx or 404 = done */
  remove(id: string): Promise<string>;
}

export function relayVendor(input: RelayParams, s: RelayState): RelayVendor {
  const { profile, region, channel } = input;
  const find = (name: string) => calls.findRelayConverter({ profile, name, channel });
  return {
    create: (name) =>
      // an ambiguous create (504, no answer) is reconciled by listing the channel's converters by name;
      // none found: created again with the same name (a 409 then adopts it too), never a second converter
      createWithReconcile(
        () =>
          creates.createRelayConverter({
            profile,
            region,
            channel,
            name,
            config: s.config.value!,
            raw: input.raw,
            idleTimeout: input.idleTimeout,
            jitterBufferSizeMs: input.jitterBufferSizeMs,
            regionHintIp: input.regionHintIp,
            tokenTtlSeconds: input.tokenTtlSeconds,
          }),
        { what: 'create converter', reconcile: () => find(name) },
      ),
    find,
    get: (id) => reads.getRelayConverter({ profile, region, converterId: id }),
    update: async (id, sequence, config, fields) => {
      await calls.updateRelayConverter({ profile, region, converterId: id, sequence, config, fields });
    },
    remove: async (id) => (await cleanups.deleteRelayConverter({ profile, region, converterId: id })).outcome,
  };
}
