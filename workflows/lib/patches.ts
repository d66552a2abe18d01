/**
 * The kernel's patch IDs (`patched()`), one per deploy that changed the commands of running sessions.
 * Each patch costs a session a marker event and a TemporalChangeVersion search-attribute upsert the first
 * time it is checked, so changes deployed together share one ID.
 */

/**
 * Issue 14: search attributes coalesced to settled phases (./search-attributes.ts) and creates the server
 * never retries (./retry.ts `create`). A run started before it keeps immediate upserts and server retries.
 */
export const LEAN_KERNEL = 'rtcflow-lean-kernel';

/**
 * Application events (./events.ts). Lean runs decide it at their first workflow task, beside LEAN_KERNEL
 * (./search-attributes.ts `coalesce`): checked first at an event that follows a local activity (the
 * "recording" after the confirm read), its marker could land one workflow task after that activity's
 * marker (core completes a task holding an answered local activity when it answers a query), and the
 * replay, which sees the answer in the earlier task, would then not know the patch yet there.
 */
export const APP_EVENTS_PATCH = 'app-events';

/**
 * Every time-based decision (a poll, a max duration, a grace window, a retry, a confirm timeout...) is made
 * by a timer of its own having fired, never by the clock (./loop.ts `waitForPoll`, `Alarm`). Lean runs
 * decide it at their first workflow task beside LEAN_KERNEL (./search-attributes.ts `coalesce`); runs from
 * before it keep the clock's say on replay.
 */
export const HISTORY_CLOCK = 'rtcflow-history-clock';

/**
 * A read that finds a resource gone waits a while for the webhook that says why (./loop.ts `waitForWord`):
 * NCS sends a destroyed event about when the resource goes, and it can come after the read. Checked where
 * the wait would be, so only sessions that reach it carry the marker; runs that ended there before it keep
 * ending at once on replay.
 */
export const WORD_WAIT = 'rtcflow-wait-for-word';

/**
 * Issue 14: the `read` kind (./retry.ts) runs as a LOCAL activity, so a steady-state poll round is one
 * workflow task (timer fired → read → next timer): 6 events instead of 11. Decided at a run's first workflow
 * task (./search-attributes.ts `coalesce`) and checked FIRST there: a run that has it implies every patch
 * above (lean kernel, app events, history clock, word wait, STT's reconcile by list) and writes no marker
 * for them, so no patch is ever checked for the first time right after a local activity (core could record
 * that marker a task late, and no replay would match). Withdrawn twice before (./retry.ts) because core
 * could record a read's marker after the commands that follow it when a worker that took a session over
 * answered a query; the takeover guard (./takeover.ts) now refuses exactly that activation. A fresh ID:
 * 'rtcflow-local-reads' named the withdrawn attempts (never released). Deployed with it, and so behind it:
 * a drain timeout of 0 never reaches the SDK's own lazy patch (./loop.ts `waitUntil`), and a relay whose
 * converter is lost never re-creates it once a stop was asked.
 */
export const LOCAL_READS = 'rtcflow-local-reads-v3';
