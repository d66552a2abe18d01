/**
 * A change a caller wants applied to a running vendor task (a layout, subscription lists...), kept as
 * the *whole* desired value with a version. Handlers only record what is wanted and wait; the
 * workflow's main loop applies it, one call at a time, so calls on a session never overlap. After a
 * failover or a restart the slot is marked unapplied and the loop sends the desired value again.
 * The slot is plain JSON and travels across continue-as-new inside the workflow's state.
 */
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, condition, log, setHandler } from '@temporalio/workflow';
import { deliverSignal, deliverUpdate } from './inbox';
import { workflowLocal } from './local';

export interface DesiredSlot<T> {
  value?: T;
  /** bumped by every accepted change */
  version: number;
  /** the last version the vendor has (or that failed for good) */
  applied: number;
  /**
   * Set in slots that remember what the vendor has (`vendorValue`): a change the vendor refuses falls
   * back to it, so a refused value is neither reported as applied nor re-sent after a failover. Slots
   * carried by runs older than this field lack it and keep the refused value, as they did.
   */
  tracksVendor?: boolean;
  /** the value the vendor has (undefined: its own start configuration) */
  vendorValue?: T;
}

export function desiredSlot<T>(value?: T): DesiredSlot<T> {
  return { value, version: 0, applied: 0, tracksVendor: true, vendorValue: value };
}

export const isPending = (slot: DesiredSlot<unknown>): boolean => slot.applied < slot.version;

/** The vendor task lost its state (failover, new recorder): send the desired value again, if one was set. */
export function markUnapplied(slot: DesiredSlot<unknown>): void {
  if (slot.version > 0) slot.applied = 0;
}

export interface ChangeChannel<T> {
  /** apply the desired value now (main loop only); `lost` = the task cannot be reached, keep it pending */
  apply(send: (value: T) => Promise<void>, lost: (err: unknown) => boolean, describe: (err: unknown) => string): Promise<void>;
}

/**
 * Registers an Update (validated, waits until applied, fails if the vendor refuses it) and a
 * fire-and-forget Signal for the same change.
 */
export interface ChangeOptions<T, A = T> {
  slot: DesiredSlot<T>;
  /** takes a change `A` (the whole value, or a part merged into it by `validate`), returns the whole value */
  update: UpdateDefinition<T, [A]>;
  signal: SignalDefinition<[A]>;
  /** throws an ApplicationFailure for a value that must not be accepted; returns the normalised value */
  validate: (value: unknown) => T;
  /** throws while the session no longer accepts changes (the update's validator) */
  accepting: () => void;
  /** throws while the session no longer takes a change signal (checked when the loop takes it) */
  taking: () => void;
  /** true once the session has ended */
  ended: () => boolean;
  what: string;
  description: string;
}

/** This workflow's accepted change Updates, each as "still waiting for the loop to apply it". */
const waitingChanges = () => workflowLocal('changes-waiting', () => new Set<() => boolean>());

/**
 * Whether an accepted change Update still waits for the loop to apply its change. The loop must not continue
 * as new then (./continue-as-new.ts): the handler would wait on a run that no longer applies anything, and
 * continue-as-new waits for every handler to finish, so the session would hang with its resource billing.
 */
export function changesWaiting(): boolean {
  for (const unapplied of waitingChanges()) if (unapplied()) return true;
  return false;
}

export function registerChange<T, A = T>(opts: ChangeOptions<T, A>): ChangeChannel<T> {
  const { slot } = opts;
  const failures = new Map<number, string>();
  const want = (value: T) => {
    slot.value = value;
    return ++slot.version;
  };
  setHandler(
    opts.update,
    async (value) => {
      const take = () => {
        const wanted = opts.validate(value);
        const version = want(wanted);
        // counted as waiting from the moment it is taken, before this handler runs again
        const unapplied = () => slot.applied < version && !failures.has(version) && !opts.ended();
        waitingChanges().add(unapplied);
        return { wanted, version, unapplied };
      };
      // while the loop runs, taken at its next wait (./inbox.ts)
      const taken = deliverUpdate(take);
      const { wanted, version, unapplied } = taken instanceof Promise ? await taken : taken;
      try {
        await condition(() => !unapplied());
      } finally {
        waitingChanges().delete(unapplied);
      }
      const failed = failures.get(version);
      if (failed) throw ApplicationFailure.create({ type: 'ChangeRejected', message: failed, nonRetryable: true });
      if (slot.applied < version) throw ApplicationFailure.create({ type: 'SessionEnded', message: `the session ended before the ${opts.what} was applied`, nonRetryable: true });
      return wanted;
    },
    {
      validator: (value) => {
        opts.accepting();
        opts.validate(value);
      },
      description: opts.description,
    },
  );
  setHandler(opts.signal, (value) =>
    deliverSignal(() => {
      try {
        opts.taking();
        want(opts.validate(value));
      } catch (err) {
        log.warn(`${opts.what} signal ignored`, { error: (err as Error).message });
      }
    }),
  );
  return {
    async apply(send, lost, describe) {
      const version = slot.version;
      const value = slot.value;
      // nothing was ever set (a refused first change fell back to the start configuration): nothing to send
      if (value === undefined) {
        slot.applied = version;
        return;
      }
      try {
        await send(value);
        slot.applied = version;
        if (slot.tracksVendor) slot.vendorValue = value;
      } catch (err) {
        if (lost(err)) return; // still wanted: applied once the task is reachable again
        // refused for good: every change merged into this value was refused with it
        for (let v = slot.applied + 1; v <= version; v++) failures.set(v, describe(err));
        slot.applied = version;
        // what is wanted is what the vendor has, unless a newer change came meanwhile
        if (slot.tracksVendor && slot.version === version) slot.value = slot.vendorValue;
      }
    },
  };
}
