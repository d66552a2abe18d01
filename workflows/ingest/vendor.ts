/**
 * The Media Gateway calls of one ingest session, bound to its profile, region, channel and uid, through
 * the kernel's activity kinds: a create backs off 1 s, 3 s, 6 s on 409 (agora.md §5.4), reads are calls,
 * destroy/disconnect are cleanups (they keep trying: a push nobody ends keeps billing).
 */
import type { IngestActivities, IngestObservation } from '../../activities/ingest';
import { CREATE_CONFLICT_RETRY, type MuteState } from '../../src/agora/meanings/media-gateway';
import type { IngestParams, IngestState } from '../../src/schemas/workflows/ingest';
import { activitiesOf } from '../lib/retry';

const calls = activitiesOf<IngestActivities>('call');
const creates = activitiesOf<IngestActivities>('create', { retry: CREATE_CONFLICT_RETRY });
const cleanups = activitiesOf<IngestActivities>('cleanup');

export interface IngestVendor {
  /** one key create (not idempotent: the session reconciles an ambiguous one) */
  createKey(): Promise<string>;
  /** the key's existence (when `checkKey`) and its pushes online now; `teardown`: through the cleanup kind */
  observe(checkKey: boolean, teardown?: boolean): Promise<IngestObservation>;
  mute(sid: string, state: MuteState): Promise<void>;
  destroyKey(): Promise<string>;
  disconnect(sid: string): Promise<string>;
}

export function ingestVendor(input: IngestParams, s: IngestState): IngestVendor {
  const { profile, region, channel, uid } = input;
  const key = () => s.streamKey!;
  return {
    async createKey() {
      const r = await creates.createIngestKey({ profile, region, channel, uid, expiresAfter: s.expiresAfter, template: input.template });
      return r.streamKey;
    },
    observe: (checkKey, teardown = false) => (teardown ? cleanups : calls).observeIngest({ profile, region, channel, uid, streamKey: key(), checkKey }),
    mute: (sid, state) => calls.muteIngestStream({ profile, region, sid, ...state }),
    destroyKey: async () => (await cleanups.destroyIngestKey({ profile, region, streamKey: key() })).outcome,
    disconnect: async (sid) => (await cleanups.disconnectIngestStream({ profile, region, sid })).outcome,
  };
}
