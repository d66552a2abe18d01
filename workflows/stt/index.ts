/** Agora Real-Time STT (6.x and 7.x): the workflow and its messages (what callers import). */
export { stt } from './workflow';
export * from './messages';
