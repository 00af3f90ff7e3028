import type { EventEnvelope } from '@tally/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import type { Projection } from './projection';
import { type Selection, selectNewEvents } from './select-new-events';
import { lockStreamPositions, parkEvents, saveStreamPositions, takeParkedEvents } from './stream-positions';

/**
 * The exactly-once step, in ONE PostgreSQL transaction: the per-stream positions of the events'
 * streams are locked, only the next versions are applied by every projection, events ahead of their
 * stream are parked (never applied early), and the positions advance. Applying the same events
 * again changes nothing. Used by the topic consumer and by a replay of the event store.
 */
export async function applyInOneTransaction(
  dataSource: DataSource,
  projector: string,
  projections: Projection[],
  events: EventEnvelope[],
  /** More writes that must commit with these events (the consumer's partition progress). */
  alongside?: (tx: EntityManager) => Promise<void>,
): Promise<Selection<EventEnvelope>> {
  const none = { fresh: [], advanced: new Map(), parked: [] };
  if (events.length === 0 && !alongside) return none;
  return dataSource.transaction(async (tx) => {
    await alongside?.(tx);
    if (events.length === 0) return none;
    const streamIds = [...new Set(events.map((event) => event.streamId))];
    const positions = await lockStreamPositions(tx, projector, streamIds);
    const waiting = await takeParkedEvents(tx, projector, streamIds);
    const selected = selectNewEvents(events, positions, waiting.events);
    for (const projection of projections) await projection.apply(selected.fresh, tx);
    await parkEvents(tx, projector, selected.parked, waiting.parkedAt);
    await saveStreamPositions(tx, projector, selected.advanced);
    return selected;
  });
}
