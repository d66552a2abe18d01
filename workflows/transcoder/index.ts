/** Agora Cloud Transcoder: the workflow and its messages (what callers import). */
export { transcoder } from './workflow';
export * from './messages';
