/**
 * State a kernel module keeps for the one workflow it runs in.
 *
 * The worker evaluates rtcflow's workflow modules once and every workflow shares them (the SDK's
 * `preloadModules`, src/temporal/workflow-bundle.ts), so a module-level variable would be one value for
 * every session on the worker. What a module must keep per workflow lives here instead: on the workflow's
 * global object, which the SDK's sandbox gives each workflow its own copy of and swaps in whenever that
 * workflow's code runs (it keeps its own activator there the same way). A new run (continue-as-new, or a
 * replay after the cache let the workflow go) starts with none.
 *
 * Nothing module-level in workflows/ may change after the module is evaluated: test/unit/workflow-state.test.ts
 * holds the workflow sources to that.
 */

import { inWorkflowContext } from '@temporalio/workflow';

const KEY = '__rtcflowWorkflowLocals';

type Locals = Record<string, object>;

/** This workflow's `name` state, made by `init` on first use. Call it where the state is used, never at module level. */
export function workflowLocal<T extends object>(name: string, init: () => T): T {
  const g = globalThis as unknown as Record<string, Locals | undefined>;
  let locals = g[KEY];
  if (!locals) {
    // at module level (the worker's preload) it would be captured into every workflow's globals
    if (!inWorkflowContext()) throw new Error(`workflowLocal('${name}') outside a workflow: call it where the state is used, never at module level`);
    locals = Object.create(null) as Locals;
    Object.defineProperty(globalThis, KEY, { value: locals, writable: true, enumerable: false, configurable: true });
  }
  return (locals[name] ??= init()) as T;
}
