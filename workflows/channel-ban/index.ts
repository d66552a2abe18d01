/** Timed channel ban (an Agora kicking rule held for a bounded time): the workflow and its messages. */
export { channelBan } from './workflow';
export * from './messages';
