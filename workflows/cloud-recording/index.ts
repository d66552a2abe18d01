/** Agora Cloud Recording: the workflow and its messages (what callers import). */
export { cloudRecording } from './workflow';
export * from './messages';
