/**
 * Search attributes every rtcflow workflow sets, so sessions can be found in the Temporal UI
 * (e.g. `RtcChannel = "demo" AND RtcPhase = "recording"`). Registered on the server by
 * src/temporal/dev-server.ts (dev server flags) or ensureSearchAttributes (existing servers).
 *
 * Each upsert is a history event and a visibility write, so they are coalesced: lifecycles and the phase
 * tracker `stage` what changed, and it is written in ONE upsert when the session starts (its first workflow
 * task) and when it enters a settled phase (./phase.ts): a session that goes acquiring → starting →
 * confirming → recording writes its sid and "recording" together, once. Sessions that ran before this
 * (no LEAN_KERNEL marker, ./patches.ts) keep upserting at once, so they replay unchanged.
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributeUpdatePair } from '@temporalio/common';
import { patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { workflowLocal } from './local';
import { APP_EVENTS_PATCH, HISTORY_CLOCK, LEAN_KERNEL, LOCAL_READS } from './patches';

export const SA = {
  vendor: defineSearchAttributeKey('RtcVendor', SearchAttributeType.KEYWORD),
  product: defineSearchAttributeKey('RtcProduct', SearchAttributeType.KEYWORD),
  channel: defineSearchAttributeKey('RtcChannel', SearchAttributeType.KEYWORD),
  phase: defineSearchAttributeKey('RtcPhase', SearchAttributeType.KEYWORD),
  sid: defineSearchAttributeKey('RtcSid', SearchAttributeType.KEYWORD),
} as const;

export const ALL_SEARCH_ATTRIBUTES = Object.values(SA);

type Keyword = typeof SA.phase;
type Pair = SearchAttributeUpdatePair;

interface RunState {
  /** which kernel patches this run has (decided once, by `coalesce`) */
  patches?: { coalescing: boolean; historyClock: boolean; localReads: boolean };
  staged: Map<string, Pair>;
  flushScheduled: boolean;
}
/** this workflow's search attribute state */
const run = () => workflowLocal<RunState>('search-attributes', () => ({ staged: new Map(), flushScheduled: false }));

/** The kernel patches of this run, decided at the first ask. */
function kernel(): NonNullable<RunState['patches']> {
  const r = run();
  if (!r.patches) {
    // the newest kernel patch first: a run that has it implies the others and writes no marker for them
    if (patched(LOCAL_READS)) {
      r.patches = { coalescing: true, historyClock: true, localReads: true };
    } else {
      const coalescing = patched(LEAN_KERNEL);
      let historyClock = false;
      if (coalescing) {
        patched(APP_EVENTS_PATCH);
        historyClock = patched(HISTORY_CLOCK);
      }
      r.patches = { coalescing, historyClock, localReads: false };
    }
  }
  return r.patches;
}

/**
 * Whether this run coalesces (decided once per run, at its first search attribute, in its first workflow
 * task). A lean run decides APP_EVENTS_PATCH there too, so no later workflow-task boundary can move its
 * marker (./patches.ts); runs recorded before that replay as before: patched() is false on replay until the
 * marker's task, and their events check it again where they recorded it (./events.ts).
 */
export function coalesce(): boolean {
  return kernel().coalescing;
}

/**
 * Whether this run reads by local activity (LOCAL_READS, decided with `coalesce`). Such a run has every
 * older patch without checking it: callers of a patch checked lazily ask this first (./patches.ts).
 */
export function localReads(): boolean {
  return kernel().localReads;
}

/** Whether this run's time-based decisions are made by timers alone (HISTORY_CLOCK, decided with `coalesce`). */
export function timersDecide(): boolean {
  return kernel().historyClock;
}

/** Records search attributes to write with the next flush (at once for runs from before coalescing). */
export function stageSearchAttributes(pairs: readonly Pair[]): void {
  if (!coalesce()) {
    upsertSearchAttributes([...pairs]);
    return;
  }
  const { staged } = run();
  for (const p of pairs) staged.set(p.key.name, p);
}

/**
 * Writes what is staged in one upsert once the current synchronous step is done (a microtask, so it is
 * still part of this workflow task and everything staged alongside joins it).
 */
export function flushSearchAttributes(): void {
  const r = run();
  if (!coalesce() || r.flushScheduled) return;
  r.flushScheduled = true;
  void Promise.resolve().then(() => {
    r.flushScheduled = false;
    if (!r.staged.size) return;
    const pairs = [...r.staged.values()];
    r.staged = new Map();
    upsertSearchAttributes(pairs);
  });
}

/** Stages and flushes: written with whatever else this synchronous step staged. */
export function writeSearchAttributes(pairs: readonly Pair[]): void {
  stageSearchAttributes(pairs);
  flushSearchAttributes();
}

/** A search attribute's value as this session last set it (staged or written). */
export function searchAttribute(key: Keyword): string | undefined {
  const pending = run().staged.get(key.name);
  const value = pending ? pending.value : workflowInfo().typedSearchAttributes.get(key);
  return typeof value === 'string' ? value : undefined;
}
