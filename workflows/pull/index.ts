/** Agora Media Pull (cloud player: stream URL → channel): the workflow and its messages (what callers import). */
export { pull } from './workflow';
export * from './messages';
