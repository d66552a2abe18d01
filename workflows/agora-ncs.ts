/**
 * The signal that carries Agora NCS events to Agora sessions (src/api routes them by product and
 * channel). Webhooks only wake a session early; its own reads stay the source of truth.
 */
import { defineSignal } from '@temporalio/workflow';
import type { NcsEvent } from '../src/schemas/agora/ncs';

export type { NcsEvent };
export const ncsEventSignal = defineSignal<[NcsEvent]>('ncsEvent');
