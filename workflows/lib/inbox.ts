/**
 * Handler effects held for the session's loop. While a loop runs (`holdingDeliveries`), what a signal or
 * an update does to the session (a change, a stop, a webhook) is queued and applied when the loop next
 * waits (./loop.ts `waitForWork`), never in the middle of the loop's reaction to an answer.
 *
 * Why: a worker that takes a session over and is asked a query first runs the session's code for the
 * answers that came while no worker had it (a read's result, a timer) in a task of their own; an update
 * or a signal that arrives with the next task then comes after that code, while every replay runs both in
 * one activation, handlers first (docs/evidence/nde-timer-id-after-query-takeover.history.json: the
 * loop's wait timer started before an update on the live worker, after it on replay: "Timer fired event did
 * not have expected timer id"). Applied at the loop's wait, a handler's effect comes after the reaction to
 * the answer in both orders. Outside a loop (start, confirm, drain, stop) handlers apply at once, as do all
 * runs from before HISTORY_CLOCK.
 */
import { workflowLocal } from './local';
import { timersDecide } from './search-attributes';

/** this workflow's inbox: how many loops hold deliveries, and the effects they hold */
const inbox = () => workflowLocal('inbox', () => ({ holding: 0, queue: [] as Array<() => void> }));

/** Applies a signal's effect now, or at the loop's next wait while one holds deliveries. */
export function deliverSignal(effect: () => void): void {
  const box = inbox();
  if (box.holding) box.queue.push(effect);
  else effect();
}

/** An update's effect: applied now, or at the loop's next wait; settles with what the effect returned. */
export function deliverUpdate<T>(effect: () => T): T | Promise<T> {
  const box = inbox();
  if (!box.holding) return effect();
  return new Promise<T>((resolve, reject) => {
    box.queue.push(() => {
      try {
        resolve(effect());
      } catch (err) {
        reject(err);
      }
    });
  });
}

/** Effects wait for the loop (its wait wakes for them). */
export function hasDeliveries(): boolean {
  return inbox().queue.length > 0;
}

/** Applies every queued effect, in arrival order. */
export function deliverAll(): void {
  const box = inbox();
  while (box.queue.length) {
    const effects = box.queue;
    box.queue = [];
    for (const effect of effects) effect();
  }
}

/** Runs a session's loop with handler effects held for its waits; what is left is applied when it ends. */
export async function holdingDeliveries<T>(loop: () => Promise<T>): Promise<T> {
  if (!timersDecide()) return loop();
  const box = inbox();
  box.holding++;
  try {
    return await loop();
  } finally {
    box.holding--;
    if (!box.holding) deliverAll();
  }
}
