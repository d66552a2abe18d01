/**
 * The sweeper: one pass, run by a Temporal Schedule (src/client/sweeper.ts), that finds what no session
 * accounts for and writes what it did to its result:
 *   - per profile and product (Media Push converters, Media Pull players, STT 7.x agents, Media Gateway
 *     online streams), the live resources no running session holds (RtcSid); with action `stop`, the
 *     converters and agents old enough (minAgeSeconds) are stopped — after a last ownership check in the
 *     same activity — and everything else is reported;
 *   - running sessions started before the deadline (sessionDeadlineHours), reported.
 * A list that fails is recorded in `errors` and the pass goes on; a stop that fails after its retries is
 * recorded as the orphan's outcome `reported` with why. Not a session: no phases, no continue-as-new (each
 * pass is short and the Schedule starts the next).
 */
import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import type { SweeperActivities } from '../../activities/sweeper';
import type { Orphan, SweepResult, SweptOrphan } from '../../src/schemas/workflows/sweeper';
import { describe } from '../lib/failures';
import { activitiesOf } from '../lib/retry';
import { SweeperInput, describeIssues } from '../../src/workflow-schemas';

const call = activitiesOf<SweeperActivities>('call');
const cleanup = activitiesOf<SweeperActivities>('cleanup', { scheduleToCloseTimeout: '10m' });

/** The products whose orphans the sweeper stops (it knows how to find their region, or they have none). */
const STOPPABLE: ReadonlySet<string> = new Set(['media-push', 'stt']);

export async function sweeper(rawInput: SweeperInput = {}): Promise<SweepResult> {
  const parsed = SweeperInput.safeParse(rawInput);
  if (!parsed.success) throw ApplicationFailure.create({ type: 'InvalidInput', message: `invalid sweeper input: ${describeIssues(parsed.error)}`, nonRetryable: true });
  const input = parsed.data;
  const startedAt = new Date(workflowInfo().startTime).toISOString();
  const result: SweepResult = { startedAt, action: input.action, orphans: [], overdueSessions: [], errors: [] };

  for (const profile of input.profiles) {
    for (const product of input.products) {
      let found: Orphan[];
      try {
        found = await call.sweepFindOrphans({ profile, product, ...(input.channels ? { channels: input.channels } : {}) });
      } catch (err) {
        result.errors.push({ profile, product, error: describe(err) });
        continue;
      }
      for (const orphan of found) result.orphans.push(await settle(orphan));
    }
  }

  try {
    const deadline = new Date(workflowInfo().startTime.getTime() - input.sessionDeadlineHours * 3_600_000).toISOString();
    result.overdueSessions = await call.sweepFindOverdueSessions({ startedBefore: deadline });
  } catch (err) {
    result.errors.push({ profile: '*', product: 'sessions', error: describe(err) });
  }
  return result;

  async function settle(orphan: Orphan): Promise<SweptOrphan> {
    if (input.action === 'report') return { ...orphan, outcome: 'reported', why: 'action is report' };
    if (!STOPPABLE.has(orphan.product)) return { ...orphan, outcome: 'reported', why: `the sweeper does not stop ${orphan.product} resources` };
    if (orphan.ageSeconds === undefined ? input.minAgeSeconds > 0 : orphan.ageSeconds < input.minAgeSeconds) {
      return { ...orphan, outcome: 'reported', why: `younger than ${input.minAgeSeconds}s (or of unknown age): its session may not have recorded it yet` };
    }
    try {
      const { outcome } = await cleanup.sweepStopOrphan(orphan);
      return { ...orphan, outcome, ...(outcome === 'owned' ? { why: 'a session holds it now' } : {}) };
    } catch (err) {
      return { ...orphan, outcome: 'reported', why: `stop failed: ${describe(err)}` };
    }
  }
}
