/** Flexible Classroom class recording: the workflow and its messages (what callers import). */
export { classroomRecording } from './workflow';
export * from './messages';
export * from './input';
