/**
 * Flexible Classroom activities (agora.md §12): resolve the profile and mint its Signaling token →
 * one src/agora/classroom.ts call → map. The token and the credentials stay in the worker.
 *
 * pollClassroomEvents is the room event feed (`sequences`) as an activity an application's own
 * workflow can run in a loop: it takes the cursor (`nextId`) and answers the page and the next cursor.
 */
import * as fc from '../src/agora/classroom';
import type { SetRecordingRequest } from '../src/schemas/agora/classroom';
import type { AgoraRegion } from '../src/schemas/agora/media-gateway';
import { agoraContext, resolveAgoraProfile, type ActivityDeps } from './deps';
import { vendorCall } from './errors';

export interface ClassroomRef {
  profile: string;
  region: AgoraRegion;
  roomUuid: string;
  /** the uid the Signaling token is minted for */
  uid: string;
}

export function createClassroomActivities(deps: ActivityDeps) {
  const ctx = (profile: string, uid: string) => fc.classroomContext(agoraContext(deps, profile), { uid, appCertificate: resolveAgoraProfile(deps.config, profile).appCertificate });
  return {
    /** Recording state 1 (start, or update the running recording's config) or 0 (stop; harmless when none runs). */
    async setClassRecordingState(input: ClassroomRef & { state: 0 | 1; config?: SetRecordingRequest }): Promise<{ recordId?: string }> {
      return vendorCall(async () => {
        const r = await fc.setRecordingState(ctx(input.profile, input.uid), { region: input.region, roomUuid: input.roomUuid, state: input.state, config: input.config });
        return r.recordId ? { recordId: r.recordId } : {};
      });
    },
    /** The room's recordings (id, status 1 recording / 2 ended, times). */
    async listClassRecordings(input: ClassroomRef): Promise<Array<{ recordId?: string; status?: number; startTime?: number; endTime?: number }>> {
      return vendorCall(async () =>
        (await fc.listAllRecordings(ctx(input.profile, input.uid), { region: input.region, roomUuid: input.roomUuid })).map((r) => ({
          ...(r.recordId !== undefined ? { recordId: r.recordId } : {}),
          ...(r.status !== undefined ? { status: r.status } : {}),
          ...(r.startTime !== undefined ? { startTime: r.startTime } : {}),
          ...(r.endTime !== undefined ? { endTime: r.endTime } : {}),
        })),
      );
    },
    /** One page of the App ID's room events in a region from `nextId`; pass the answer's nextId back next time. */
    async pollClassroomEvents(input: {
      profile: string;
      region: AgoraRegion;
      uid: string;
      nextId?: string;
      count?: number;
    }): Promise<{ events: fc.PageResult<unknown>['list']; nextId?: string }> {
      return vendorCall(async () => {
        const page = await fc.getRoomSequences(ctx(input.profile, input.uid), { region: input.region, nextId: input.nextId, count: input.count });
        return { events: page.list, ...(page.nextId ? { nextId: page.nextId } : input.nextId ? { nextId: input.nextId } : {}) };
      });
    },
  };
}

export type ClassroomActivities = ReturnType<typeof createClassroomActivities>;
