/** Every emulated product, one module each. */
import type { ProductModule } from './context';
import { registerAgoraCloudRecording } from './agora/cloud-recording';
import { registerAgoraChannelManagement } from './agora/channel';
import { registerAgoraStt } from './agora/stt';
import { registerAgoraCloudTranscoder } from './agora/transcoder';
import { registerAgoraMediaGateway } from './agora/media-gateway';
import { registerAgoraMediaPush } from './agora/media-push';
import { registerAgoraMediaPull } from './agora/media-pull';
import { registerAgoraSignaling } from './agora/signaling';
import { registerAgoraClassroom } from './agora/classroom';
import { registerAgoraWhiteboard } from './agora/whiteboard';
import { registerAgoraConsole } from './agora/console';
import { registerAgoraIot } from './agora/iot';
import { registerAgoraAnalytics } from './agora/analytics';
import { registerSparkRtc } from './sparkrtc';

export const PRODUCTS: ProductModule[] = [
  registerAgoraCloudRecording,
  registerAgoraChannelManagement,
  registerAgoraStt,
  registerAgoraCloudTranscoder,
  registerAgoraMediaGateway,
  registerAgoraMediaPush,
  registerAgoraMediaPull,
  registerAgoraSignaling,
  registerAgoraClassroom,
  registerAgoraWhiteboard,
  registerAgoraConsole,
  registerAgoraIot,
  registerAgoraAnalytics,
  registerSparkRtc,
];
