/**
 * Every workflow the rtcflow worker runs (the bundle entry). The workflow types are these export names.
 *
 * The worker evaluates this module, and through it every lifecycle and the kernel, once, before its first
 * workflow, and every workflow shares them (src/temporal/workflow-bundle.ts: the SDK's `preloadModules`).
 * A session therefore evaluates no module of its own: what a kernel module keeps per workflow lives in
 * ./lib/local.ts, never in a module-level variable (issue 14: worker memory and CPU per live session).
 */
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
