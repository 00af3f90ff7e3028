import type { EventEnvelope } from '@tally/contracts';

export interface Selection<E> {
  /** Events to apply now, in order: exactly the next versions of their streams. */
  fresh: E[];
  /** The new high-water mark of every stream that advanced. */
  advanced: Map<string, number>;
  /** Index of the first event that is ahead of its stream (a gap); undefined if none. */
  gapAt?: number;
}

/**
 * Pure core of exactly-once application. Given the applied version of each stream, keeps the events
 * that are exactly next, drops those already applied (redeliveries, replays), and stops at the first
 * event whose version is ahead of its stream: it is never applied early, and nothing after it in the
 * partition is applied either, so the partition is resumed from that event.
 */
export function selectNewEvents<E extends Pick<EventEnvelope, 'streamId' | 'streamVersion'>>(
  events: E[],
  applied: ReadonlyMap<string, number>,
): Selection<E> {
  const advanced = new Map<string, number>();
  const fresh: E[] = [];
  for (const [index, event] of events.entries()) {
    const last = advanced.get(event.streamId) ?? applied.get(event.streamId) ?? 0;
    if (event.streamVersion <= last) continue;
    if (event.streamVersion > last + 1) return { fresh, advanced, gapAt: index };
    fresh.push(event);
    advanced.set(event.streamId, event.streamVersion);
  }
  return { fresh, advanced };
}
