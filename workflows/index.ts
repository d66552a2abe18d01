/** Every workflow the rtcflow worker runs. */
export { cloudRecording } from './cloud-recording';
