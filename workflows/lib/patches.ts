/**
 * The kernel's patch IDs (`patched()`), one per deploy that changed the commands of running sessions, and
 * the one place a run decides which of them it runs under (`kernelPatches`, at its first workflow task).
 * Each patch costs a session a marker event and a TemporalChangeVersion search-attribute upsert the first
 * time it is checked, so a run checks as few as it can: a newer kernel patch implies the older ones and
 * a run that has it writes no marker for them.
 */
import { patched } from '@temporalio/workflow';

/**
 * Issue 14: search attributes coalesced to settled phases (./search-attributes.ts) and creates the server
 * never retries (./retry.ts `create`). A run started before it keeps immediate upserts and server retries.
 */
export const LEAN_KERNEL = 'rtcflow-lean-kernel';

/**
 * Application events (./events.ts). Lean runs decide it at their first workflow task, beside LEAN_KERNEL
 * (`kernelPatches`): checked first at an event that follows a local activity (the "recording" after the
 * confirm read), its marker could land one workflow task after that activity's marker (core completes a
 * task holding an answered local activity when it answers a query), and the replay, which sees the answer
 * in the earlier task, would then not know the patch yet there.
 */
export const APP_EVENTS_PATCH = 'app-events';

/**
 * Issue 14: the `read` kind (./retry.ts) runs as a LOCAL activity, so a steady-state poll round is one
 * workflow task (timer fired → read → next timer) and 6 events instead of 11. Implies LEAN_KERNEL and
 * APP_EVENTS_PATCH: a run that has it writes only this marker.
 */
export const LOCAL_READS = 'rtcflow-local-reads';

export interface KernelPatches {
  /** LEAN_KERNEL or newer: coalesced search attributes, creates run once per activity */
  lean: boolean;
  /** LOCAL_READS: reads are local activities */
  localReads: boolean;
}

// per workflow: workflow modules are evaluated per execution
let decided: KernelPatches | undefined;

/**
 * The kernel patches this run runs under, decided once per run. Every lifecycle reaches it in its first
 * workflow task (its first search attribute, ./search-attributes.ts), so the markers sit in that task,
 * where the replay looks for them: a run recorded before a patch replays it as false (no marker) and keeps
 * the older behaviour to its end; a new run checks the newest patch alone.
 */
export function kernelPatches(): KernelPatches {
  if (decided === undefined) {
    if (patched(LOCAL_READS)) decided = { lean: true, localReads: true };
    else {
      const lean = patched(LEAN_KERNEL);
      if (lean) patched(APP_EVENTS_PATCH);
      decided = { lean, localReads: false };
    }
  }
  return decided;
}

/**
 * Whether application events are on: runs under LOCAL_READS always; older runs by APP_EVENTS_PATCH, checked
 * at every emission as they were recorded (a session that began before that deploy starts emitting at its
 * first event after it, and its replay sees the marker exactly there).
 */
export function appEventsOn(): boolean {
  return kernelPatches().localReads || patched(APP_EVENTS_PATCH);
}
