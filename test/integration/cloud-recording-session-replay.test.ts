/**
 * The same behaviours with `maxCachedWorkflows: 0`: the worker keeps no workflow in memory, so every
 * workflow task replays the whole history from the start. Code that is not deterministic (a command
 * order that depends on wall-clock reads outside the workflow's time, random numbers, iteration over
 * something unordered) fails here with a non-determinism error instead of in production after a deploy.
 */
import { defineSessionTests } from './cloud-recording-session.cases';

defineSessionTests({ workerOptions: { maxCachedWorkflows: 0 } });
