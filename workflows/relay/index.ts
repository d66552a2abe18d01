/** Agora Media Push relay (channel → CDN): the workflow and its messages (what callers import). */
export { relay } from './workflow';
export * from './messages';
