/**
 * The class recording session's input and result types (no values: workflow code takes no schema library;
 * the schema is src/schemas/agora/classroom.ts). The input carries the profile name and the classroom; the
 * Signaling token the calls need is minted in the activities from the profile, never here.
 */
import type { z } from 'zod';
import type { ClassRecordingHold as HoldSchema, ClassRecordingInput as InputSchema } from '../../src/schemas/agora/classroom';

/** What callers pass the client (src/schemas/agora/classroom.ts ClassRecordingInput validates it there). */
export type ClassRecordingInput = z.input<typeof InputSchema>;
/** The input as the workflow gets it: parsed by the client, defaults filled in. */
export type ClassRecordingParams = z.output<typeof InputSchema>;
/** Pause (true) or resume (false) the running recording. */
export type ClassRecordingHold = z.infer<typeof HoldSchema>;

export type ClassRecordingOutcome = 'stopped' | 'ended' | 'timeout' | 'failed';

export interface ClassRecordingResult {
  workflowId: string;
  outcome: ClassRecordingOutcome;
  reason: string;
  region: string;
  roomUuid: string;
  recordId?: string;
  startedAt?: string;
  endedAt: string;
  lifetimeMs: number;
  /** the recordings the records list showed at the end */
  records: Array<{ recordId?: string; status?: number; startTime?: number; endTime?: number }>;
  /** stops that failed (the recording may still run) */
  unstopped: Array<{ id: string; error: string }>;
}
