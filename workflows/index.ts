/**
 * Every workflow the rtcflow worker runs (the bundle entry).
 *
 * Each export loads its lifecycle's modules on its first call. The workflow sandbox evaluates modules once
 * per workflow, so an entry that imported every lifecycle made each live session evaluate (and keep) the
 * code of all of them; now a session evaluates its own lifecycle and the kernel (issue 14: worker memory
 * per live session). The workflow types are these export names, as before.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import type * as CloudRecording from './cloud-recording/workflow';
import type * as Stt from './stt/workflow';
import type * as SparkRtcRecording from './sparkrtc-recording/workflow';
import type * as Pull from './pull/workflow';
import type * as Ingest from './ingest/workflow';
import type * as Relay from './relay/workflow';
import type * as Transcoder from './transcoder/workflow';
import type * as ChannelBan from './channel-ban/workflow';
import type * as AppEvents from './app-events';
import type * as Sweeper from './sweeper/workflow';
import type * as ClassroomRecording from './classroom-recording/workflow';
import type * as Whiteboard from './whiteboard/workflow';

export const cloudRecording: typeof CloudRecording.cloudRecording = (...args) => (require('./cloud-recording/workflow') as typeof CloudRecording).cloudRecording(...args);
export const stt: typeof Stt.stt = (...args) => (require('./stt/workflow') as typeof Stt).stt(...args);
export const sparkrtcRecording: typeof SparkRtcRecording.sparkrtcRecording = (...args) =>
  (require('./sparkrtc-recording/workflow') as typeof SparkRtcRecording).sparkrtcRecording(...args);
export const pull: typeof Pull.pull = (...args) => (require('./pull/workflow') as typeof Pull).pull(...args);
export const ingest: typeof Ingest.ingest = (...args) => (require('./ingest/workflow') as typeof Ingest).ingest(...args);
export const relay: typeof Relay.relay = (...args) => (require('./relay/workflow') as typeof Relay).relay(...args);
export const transcoder: typeof Transcoder.transcoder = (...args) => (require('./transcoder/workflow') as typeof Transcoder).transcoder(...args);
export const channelBan: typeof ChannelBan.channelBan = (...args) => (require('./channel-ban/workflow') as typeof ChannelBan).channelBan(...args);
export const appEventDelivery: typeof AppEvents.appEventDelivery = (...args) => (require('./app-events') as typeof AppEvents).appEventDelivery(...args);
export const sweeper: typeof Sweeper.sweeper = (...args) => (require('./sweeper/workflow') as typeof Sweeper).sweeper(...args);
export const classroomRecording: typeof ClassroomRecording.classroomRecording = (...args) =>
  (require('./classroom-recording/workflow') as typeof ClassroomRecording).classroomRecording(...args);
export const whiteboardConversion: typeof Whiteboard.whiteboardConversion = (...args) => (require('./whiteboard/workflow') as typeof Whiteboard).whiteboardConversion(...args);
