/**
 * The kernel's patch IDs (`patched()`), one per deploy that changed the commands of running sessions.
 * Each patch costs a session a marker event and a TemporalChangeVersion search-attribute upsert the first
 * time it is checked, so changes deployed together share one ID.
 */

/**
 * Issue 14: polls by local activity (./retry.ts `read`), search attributes coalesced to settled phases
 * (./search-attributes.ts). A run started before it keeps remote reads and immediate upserts.
 */
export const LEAN_KERNEL = 'rtcflow-lean-kernel';
