import type { EventEnvelope } from '@tally/contracts';
import type { EntityManager } from 'typeorm';

/**
 * A read model's write half. `apply` receives only events that are new for their stream, in stream
 * order, and runs inside the transaction that also records them as applied; it must not commit,
 * and should write in bulk (one statement per batch, not one per event).
 */
export interface Projection {
  readonly name: string;
  apply(events: EventEnvelope[], tx: EntityManager): Promise<void>;
}
