import type { RecordedEvent } from './logged-event';

/** For each stream of a batch: the version before its first, and every version missing in between. */
export function seedsOfPossiblyMissingVersions(
  batch: RecordedEvent[],
): { streamId: string; version: number }[] {
  const versions = new Map<string, Set<number>>();
  for (const event of batch) {
    const seen = versions.get(event.streamId) ?? new Set<number>();
    seen.add(event.streamVersion);
    versions.set(event.streamId, seen);
  }
  return [...versions].flatMap(([streamId, seen]) => {
    const sorted = [...seen].sort((a, b) => a - b);
    const seeds = sorted[0] > 1 ? [sorted[0] - 1] : [];
    for (let v = sorted[0] + 1; v < sorted[sorted.length - 1]; v++) if (!seen.has(v)) seeds.push(v);
    return seeds.map((version) => ({ streamId, version }));
  });
}

/** Streams in order of first appearance, each in version order: per-key order is what Kafka keeps. */
export function inStreamOrder(events: RecordedEvent[]): RecordedEvent[] {
  const byStream = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    const stream = byStream.get(event.streamId) ?? [];
    stream.push(event);
    byStream.set(event.streamId, stream);
  }
  return [...byStream.values()].flatMap((stream) => stream.sort((a, b) => a.streamVersion - b.streamVersion));
}
