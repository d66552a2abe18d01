/** Huawei SparkRTC recording (single-stream and mixed-stream jobs): the workflow and its messages (what callers import). */
export { sparkrtcRecording } from './workflow';
export * from './messages';
