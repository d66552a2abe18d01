/**
 * The sweeper's input and result (workflows/sweeper): one pass over each profile's vendor resources that
 * no running session holds, and over sessions running past their deadline.
 */
import { z } from 'zod';
import { ChannelName } from '../agora/media-gateway';

export const SWEPT_PRODUCTS = ['media-push', 'media-pull', 'stt', 'media-gateway'] as const;
export type SweptProduct = (typeof SWEPT_PRODUCTS)[number];

export const SweeperInput = z.strictObject({
  /** Agora profiles to sweep (names, never credentials) */
  profiles: z.array(z.string().min(1)).min(1).default(['default']),
  products: z
    .array(z.enum(SWEPT_PRODUCTS))
    .min(1)
    .default([...SWEPT_PRODUCTS]),
  /** only these channels (an operator's targeted sweep); every channel when absent */
  channels: z.array(ChannelName).min(1).optional(),
  /**
   * `stop`: stop the orphans the sweeper can stop safely (Media Push converters, STT 7.x agents) and
   * report the rest; `report`: touch nothing.
   */
  action: z.enum(['stop', 'report']).default('report'),
  /**
   * A resource younger than this is left alone: its session may have created it and not yet recorded it.
   * A resource whose age the list does not tell is only reported, unless this is 0.
   */
  minAgeSeconds: z.number().int().min(0).max(86_400).default(600),
  /** running sessions started longer ago than this are reported as past their deadline */
  sessionDeadlineHours: z
    .number()
    .min(0)
    .max(24 * 365)
    .default(72),
});
export type SweeperInput = z.input<typeof SweeperInput>;
export type SweeperConfig = z.output<typeof SweeperInput>;

export interface Orphan {
  profile: string;
  product: SweptProduct;
  id: string;
  name?: string;
  channel?: string;
  /** seconds since the vendor says it was created, when it says */
  ageSeconds?: number;
  state?: string;
}

export type OrphanOutcome =
  /** stopped by this sweep */
  | 'stopped'
  /** gone by the time the sweep stopped it */
  | 'already_gone'
  /** a session started holding it between the list and the stop */
  | 'owned'
  /** reported only: action `report`, a product the sweeper does not stop, or too young / of unknown age */
  | 'reported';

export interface SweptOrphan extends Orphan {
  outcome: OrphanOutcome;
  why?: string;
}

export interface OverdueSession {
  workflowId: string;
  runId: string;
  type: string;
  startTime: string;
  product?: string;
  channel?: string;
  phase?: string;
}

export interface SweepResult {
  startedAt: string;
  action: 'stop' | 'report';
  orphans: SweptOrphan[];
  overdueSessions: OverdueSession[];
  /** a list that failed (per profile and product): the rest of the sweep went on */
  errors: Array<{ profile: string; product: string; error: string }>;
}
