/** Agora Media Gateway ingest: the workflow and its messages (what callers import). */
export { ingest } from './workflow';
export * from './messages';
