/** createActivities(deps): the only place activities get their dependencies. */
import { createCloudRecordingActivities } from './cloud-recording';
import { createSttActivities } from './stt';
import { createPullActivities } from './pull';
import { createRelayActivities } from './relay';
import { createTranscoderActivities } from './transcoder';
import { createIngestActivities } from './ingest';
import { createSparkRtcRecordingActivities } from './sparkrtc-recording';
import { createChannelBanActivities } from './channel-ban';
import { createEventActivities } from './events';
import { createSweeperActivities } from './sweeper';
import { createWhiteboardActivities } from './whiteboard';
import { createClassroomActivities } from './classroom';
import type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createCloudRecordingActivities(deps),
    ...createSttActivities(deps),
    ...createPullActivities(deps),
    ...createIngestActivities(deps),
    ...createRelayActivities(deps),
    ...createTranscoderActivities(deps),
    ...createSparkRtcRecordingActivities(deps),
    ...createChannelBanActivities(deps),
    ...createEventActivities(deps),
    ...createSweeperActivities(deps),
    ...createClassroomActivities(deps),
    ...createWhiteboardActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps';
