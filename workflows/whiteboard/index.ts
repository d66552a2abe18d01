/** Interactive Whiteboard file conversion (a projector task): the workflow and its messages (what callers import). */
export { whiteboardConversion } from './workflow';
export * from './messages';
