import type { Queryable } from './queryable';
import type { NewEvent, RecordedEvent, StorePosition } from './recorded-event';
import type { Snapshot } from './snapshots/snapshot-store';

/**
 * What any event store must guarantee (the contract suite in `testing/` checks every adapter):
 * - `append` is all or nothing, and only if the stream is at `expectedVersion` (0: a new stream);
 *   otherwise WrongExpectedVersionError, and a stored event id again is DuplicateEventError; when the
 *   connection fails before the store answers, CommitOutcomeUnknownError (then ask `storedAmong`);
 * - a stream reads back in version order, from any version, and from its newest snapshot;
 * - `readAllAfter` is the global order: every committed event once, never one that is still
 *   uncommitted, and never a committed event passed over by a reader that has moved beyond it.
 */
export interface EventStore {
  /** Appends events to a stream that must be at `expectedVersion`; returns the stream's new version. */
  append(streamId: string, streamType: string, expectedVersion: number, events: NewEvent[]): Promise<number>;
  /** The stream's current version; 0 when it does not exist. */
  streamVersion(streamId: string): Promise<number>;
  readStream(streamId: string, fromVersion?: number, limit?: number): Promise<RecordedEvent[]>;
  /** The stream's snapshot of `snapshotKind` (if any) and up to `limit` events after it. */
  readStreamFromSnapshot<State>(
    streamId: string,
    snapshotKind: string,
    limit?: number,
  ): Promise<{ snapshot?: Snapshot<State>; events: RecordedEvent[] }>;
  /** Keeps the newest snapshot: an older one never replaces a newer one of the same kind. */
  saveSnapshot(streamId: string, snapshotKind: string, snapshot: Snapshot): Promise<void>;
  /** Whether an event with this id was ever appended (how a retried process step knows it ran). */
  hasEvent(eventId: string): Promise<boolean>;
  /**
   * Which of `eventIds` are stored, asked after an append whose outcome is unknown (its connection
   * failed before the answer came, CommitOutcomeUnknownError): `lostSession`, the server process that
   * may still be committing it, is ended first, so that the answer cannot change afterwards.
   */
  storedAmong(eventIds: string[], lostSession?: number): Promise<Set<string>>;
  /** Up to `limit` events after `position`, in the store's global order. */
  readAllAfter(position: StorePosition, limit: number): Promise<RecordedEvent[]>;
  /** The same store, reading and writing inside a caller's transaction (commits with its other rows). */
  within(transaction: Queryable): EventStore;
  /**
   * Runs `work` as the only writer of the stream among all processes that ask the same (a lock held
   * until `work` has committed), on a store bound to that work's own transaction. Waits for the lock at
   * most `lockWaitMs` (then LockWaitTimeoutError), else as long as the connection's lock_timeout.
   */
  exclusively<T>(
    streamId: string,
    work: (store: EventStore) => Promise<T>,
    options?: { lockWaitMs?: number },
  ): Promise<T>;
}

/** The application's event store (DI token). */
export const EVENT_STORE = Symbol('EVENT_STORE');
