/** What every emulated product module gets: the shared world and the shared mechanisms. */
import type { FastifyInstance } from 'fastify';
import type { Faults } from './faults';
import type { RateLimiter } from './rate-limit';
import type { Webhooks } from './webhooks';
import type { World } from './world';

export interface EmulatorContext {
  world: World;
  faults: Faults;
  webhooks: Webhooks;
  limits: RateLimiter;
}

/** A product module: registers its vendor routes (each with `config.labels`) on the emulator. */
export type ProductModule = (app: FastifyInstance, ctx: EmulatorContext) => void;
