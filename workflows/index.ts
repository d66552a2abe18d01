/** Every workflow the rtcflow worker runs (the bundle entry). */
export { cloudRecording } from './cloud-recording/workflow';
export { stt } from './stt/workflow';
export { sparkrtcRecording } from './sparkrtc-recording/workflow';
export { pull } from './pull/workflow';
export { ingest } from './ingest/workflow';
export { relay } from './relay/workflow';
export { transcoder } from './transcoder/workflow';
export { channelBan } from './channel-ban/workflow';
export { appEventDelivery } from './app-events';
export { sweeper } from './sweeper/workflow';
export { classroomRecording } from './classroom-recording/workflow';
export { whiteboardConversion } from './whiteboard/workflow';
