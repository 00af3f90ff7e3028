import type { EventEnvelope } from '@tally/contracts';

type Positioned = Pick<EventEnvelope, 'streamId' | 'streamVersion'>;

export interface Selection<E> {
  /** Events to apply now: exactly the next versions of their streams, in version order per stream. */
  fresh: E[];
  /** The new high-water mark of every stream that advanced. */
  advanced: Map<string, number>;
  /** Events ahead of their stream (a gap): kept aside, never applied early, until the gap is filled. */
  parked: E[];
}

/**
 * Pure core of exactly-once application. Given the applied version of each stream, keeps the events
 * that are exactly next, drops those already applied (redeliveries, replays, in-batch duplicates),
 * and parks events whose version is ahead of their stream. Parked events come back in `parked` input
 * on a later batch of the same stream, so a re-driven predecessor (which arrives AFTER its successors
 * on the partition) fills the gap and releases them in order. The partition itself keeps flowing.
 *
 * Streams are independent: events of different streams may be reordered relative to each other,
 * never within a stream.
 */
export function selectNewEvents<E extends Positioned>(
  events: E[],
  applied: ReadonlyMap<string, number>,
  previouslyParked: E[] = [],
): Selection<E> {
  const byStream = new Map<string, Map<number, E>>();
  for (const event of [...previouslyParked, ...events]) {
    const versions = byStream.get(event.streamId) ?? new Map<number, E>();
    if (!versions.has(event.streamVersion)) versions.set(event.streamVersion, event);
    byStream.set(event.streamId, versions);
  }
  const fresh: E[] = [];
  const parked: E[] = [];
  const advanced = new Map<string, number>();
  for (const [streamId, versions] of byStream) {
    let last = applied.get(streamId) ?? 0;
    const candidates = [...versions.values()]
      .filter((event) => event.streamVersion > last)
      .sort((a, b) => a.streamVersion - b.streamVersion);
    for (const event of candidates) {
      if (event.streamVersion === last + 1) {
        fresh.push(event);
        last = event.streamVersion;
      } else parked.push(event);
    }
    if (last > (applied.get(streamId) ?? 0)) advanced.set(streamId, last);
  }
  return { fresh, advanced, parked };
}
