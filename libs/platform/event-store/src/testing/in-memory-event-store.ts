import type { EventStore } from '../event-store';
import {
  DuplicateEventError,
  WrongExpectedVersionError,
  type NewEvent,
  type RecordedEvent,
  type StorePosition,
} from '../recorded-event';
import type { Snapshot } from '../snapshots/snapshot-store';

/**
 * The event store in memory, for fast unit tests of deciders and the command pipeline. It passes the
 * same contract suite as PostgreSQL, except what it cannot simulate: it has no transactions (`within`
 * is the store itself, so nothing rolls back with a caller's other rows), every append is visible
 * at once (no writer that takes its positions early and commits late), and events are kept as
 * written (no schema upcasting).
 */
export class InMemoryEventStore implements EventStore {
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly all: RecordedEvent[] = [];
  private readonly eventIds = new Set<string>();
  private readonly snapshots = new Map<string, { kind: string; snapshot: Snapshot }>();
  private readonly locks = new Map<string, Promise<unknown>>();

  async append(
    streamId: string,
    _type: string,
    expectedVersion: number,
    events: NewEvent[],
  ): Promise<number> {
    const stream = this.streams.get(streamId) ?? [];
    if (stream.length !== expectedVersion)
      throw new WrongExpectedVersionError(streamId, expectedVersion, stream.length);
    const ids = events.map((e) => e.eventId);
    if (new Set(ids).size !== ids.length || ids.some((id) => this.eventIds.has(id)))
      throw new DuplicateEventError(streamId, ids);
    const transactionId = String(this.all.length + 1); // one "transaction" per append
    for (const [index, event] of events.entries()) {
      const recorded: RecordedEvent = {
        eventId: event.eventId,
        type: event.type,
        schemaVersion: event.schemaVersion,
        streamId,
        streamVersion: expectedVersion + index + 1,
        occurredAt: event.occurredAt.toISOString(),
        data: structuredClone(event.data),
        metadata: structuredClone(event.metadata),
        position: { transactionId, globalPosition: String(this.all.length + 1) },
        recordedAt: new Date().toISOString(),
      };
      stream.push(recorded);
      this.all.push(recorded);
      this.eventIds.add(event.eventId);
    }
    this.streams.set(streamId, stream);
    return stream.length;
  }

  async streamVersion(streamId: string): Promise<number> {
    return this.streams.get(streamId)?.length ?? 0;
  }

  async readStream(streamId: string, fromVersion = 1, limit = 10_000): Promise<RecordedEvent[]> {
    return (this.streams.get(streamId) ?? []).slice(fromVersion - 1, fromVersion - 1 + limit);
  }

  async readStreamFromSnapshot<State>(
    streamId: string,
    snapshotKind: string,
    limit = 10_000,
  ): Promise<{ snapshot?: Snapshot<State>; events: RecordedEvent[] }> {
    const stored = this.snapshots.get(streamId);
    const snapshot =
      stored?.kind === snapshotKind ? (structuredClone(stored.snapshot) as Snapshot<State>) : undefined;
    return { snapshot, events: await this.readStream(streamId, (snapshot?.version ?? 0) + 1, limit) };
  }

  async saveSnapshot(streamId: string, snapshotKind: string, snapshot: Snapshot): Promise<void> {
    const stored = this.snapshots.get(streamId);
    if (stored && stored.kind === snapshotKind && stored.snapshot.version >= snapshot.version) return;
    this.snapshots.set(streamId, { kind: snapshotKind, snapshot: structuredClone(snapshot) });
  }

  async hasEvent(eventId: string): Promise<boolean> {
    return this.eventIds.has(eventId);
  }

  async storedAmong(eventIds: string[]): Promise<Set<string>> {
    return new Set(eventIds.filter((id) => this.eventIds.has(id)));
  }

  async readAllAfter(position: StorePosition, limit: number): Promise<RecordedEvent[]> {
    return this.all.slice(Number(position.globalPosition), Number(position.globalPosition) + limit);
  }

  within(): EventStore {
    return this;
  }

  /** One `work` per stream at a time, in the order asked. */
  async exclusively<T>(streamId: string, work: (store: EventStore) => Promise<T>): Promise<T> {
    const before = this.locks.get(streamId) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(() => work(this));
    this.locks.set(streamId, mine);
    try {
      return await mine;
    } finally {
      if (this.locks.get(streamId) === mine) this.locks.delete(streamId);
    }
  }
}
