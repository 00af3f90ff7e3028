import { autocommit, endSession, inTransaction } from '@tally/database';
import { EventLog, type EventRow, eventColumns, toRecordedEvent } from '@tally/event-log';
import type { Pool } from 'pg';
import { appendDuration } from './append-metrics';
import type { EventStore } from './event-store';
import {
  AppendSignal,
  EVENTS_APPENDED_CHANNEL,
  GroupCommitter,
  type GroupCommitOptions,
} from './group-commit';
import type { Queryable } from './queryable';
import { SnapshotStore, type Snapshot } from './snapshots/snapshot-store';
import {
  DuplicateEventError,
  type NewEvent,
  type RecordedEvent,
  type StorePosition,
  WrongExpectedVersionError,
} from './recorded-event';

export { EVENTS_APPENDED_CHANNEL } from './group-commit';

const appendedEvents = (firstParam: number, expectedParam: number) => `
  appended AS (
    INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, data, metadata, occurred_at)
    SELECT $1, $${expectedParam} + e.ord, e.event_id, e.event_type, e.schema_version, e.data, e.metadata, e.occurred_at
    FROM unnest($${firstParam}::uuid[], $${firstParam + 1}::text[], $${firstParam + 2}::int[],
                $${firstParam + 3}::jsonb[], $${firstParam + 4}::jsonb[], $${firstParam + 5}::timestamptz[])
         WITH ORDINALITY AS e(event_id, event_type, schema_version, data, metadata, occurred_at, ord)
    WHERE EXISTS (SELECT FROM claimed)
    RETURNING 1
  ),
  notified AS (SELECT pg_notify('${EVENTS_APPENDED_CHANNEL}', '') FROM claimed)
  SELECT (SELECT count(*) FROM claimed)::int AS claimed, (SELECT count(*) FROM appended)::int AS appended,
         (SELECT count(*) FROM notified)::int AS notified`;

/**
 * Appends inside a caller's transaction are one statement: the stream's version is
 * claimed with the expected version as a guard, and the events are inserted only if the claim held.
 * A concurrent writer on the same stream blocks on the stream row, then finds the version moved.
 */
const APPEND_TO_NEW_STREAM = `
  WITH claimed AS (
    INSERT INTO streams (stream_id, stream_type, version) VALUES ($1, $2, $3::int + $4::int)
    ON CONFLICT (stream_id) DO NOTHING RETURNING version
  ), ${appendedEvents(5, 3)}`;

const APPEND_TO_EXISTING_STREAM = `
  WITH claimed AS (
    UPDATE streams SET version = $2::int + $3::int WHERE stream_id = $1 AND version = $2 RETURNING version
  ), ${appendedEvents(4, 2)}`;

/**
 * A stream's snapshot of one kind and the events after it, in one round trip. There is always one
 * row (no snapshot and no events: nulls). The snapshot's state is sent on the first row only, so a
 * long tail does not ship and parse it once per event.
 */
const READ_FROM_SNAPSHOT = `
  WITH snapshot AS (SELECT version, state FROM snapshots WHERE stream_id = $1 AND kind = $2)
  SELECT snapshot.version AS snapshot_version,
         CASE WHEN tail.stream_version IS NULL OR tail.stream_version = snapshot.version + 1
              THEN snapshot.state END AS snapshot_state,
         tail.*
  FROM (SELECT) AS one
  LEFT JOIN snapshot ON true
  LEFT JOIN LATERAL (
    SELECT ${eventColumns} FROM events
    WHERE stream_id = $1 AND stream_version > coalesce(snapshot.version, 0)
    ORDER BY stream_version LIMIT $3
  ) AS tail ON true`;

interface SnapshotAndEventRow extends Partial<EventRow> {
  snapshot_version: number | null;
  snapshot_state: unknown;
}

const UNIQUE_VIOLATION = '23505';
const LOCK_NOT_AVAILABLE = '55P03';

/** `exclusively` waited for the stream's lock as long as it was allowed to: nothing was written. */
export class LockWaitTimeoutError extends Error {
  override readonly name = 'LockWaitTimeoutError';
  constructor(readonly streamId: string) {
    super(`Another writer held the stream ${streamId} longer than this turn could wait`);
  }
}

const isPool = (db: Queryable): db is Pool =>
  typeof (db as Pool).connect === 'function' && typeof (db as Pool).totalCount === 'number';

export interface PostgresEventStoreOptions {
  /** Appends through the pool share statements and commits; absent: each commits on its own. */
  groupCommit?: GroupCommitOptions;
  /** Told after every commit of appends through the pool (in-process relays listen to it). */
  appended?: AppendSignal;
}

/** The event store on PostgreSQL (see EventStore for what it guarantees, and the README for how). */
export class PostgresEventStore implements EventStore {
  /** Set when appends go through the pool (not a caller's transaction): they share commits. */
  private readonly committer?: GroupCommitter;

  /**
   * `db` is the pool, or a transaction's connection when the append must commit with other rows.
   * Build one per pool (the application's comes from EventStoreModule): a group committer assumes it
   * is the only one writing batches through its pool.
   */
  private readonly appendTimes = appendDuration();

  constructor(
    private readonly db: Queryable,
    options: PostgresEventStoreOptions = {},
  ) {
    if (options.groupCommit && isPool(db))
      this.committer = new GroupCommitter(db, options.groupCommit, options.appended ?? new AppendSignal(db));
  }

  within(transaction: Queryable): PostgresEventStore {
    return transaction === this.db ? this : new PostgresEventStore(transaction);
  }

  /**
   * Holds a transaction-scoped advisory lock on the stream's name for the whole of `work`, which runs
   * in that transaction; inside a caller's transaction the lock joins it.
   */
  async exclusively<T>(
    streamId: string,
    work: (store: EventStore) => Promise<T>,
    options: { lockWaitMs?: number } = {},
  ): Promise<T> {
    const locked = async (db: Queryable) => {
      // The wait's own limit (for the rest of this transaction), set in the same round trip.
      await (
        options.lockWaitMs === undefined
          ? db.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [streamId])
          : db.query(
              `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))
               FROM (SELECT set_config('lock_timeout', $2, true)) AS wait_limit`,
              [streamId, `${Math.max(1, Math.ceil(options.lockWaitMs))}ms`],
            )
      ).catch((error: { code?: string }) => {
        throw error.code === LOCK_NOT_AVAILABLE ? new LockWaitTimeoutError(streamId) : error;
      });
      return work(this.within(db));
    };
    return isPool(this.db) ? inTransaction(this.db, locked) : locked(this.db);
  }

  async saveSnapshot(streamId: string, snapshotKind: string, snapshot: Snapshot): Promise<void> {
    await new SnapshotStore(this.db).save(streamId, snapshotKind, snapshot);
  }

  /**
   * Appends events to a stream that must be at `expectedVersion` (0 for a new stream).
   * Returns the stream's new version; throws WrongExpectedVersionError if it moved.
   */
  async append(
    streamId: string,
    streamType: string,
    expectedVersion: number,
    events: NewEvent[],
  ): Promise<number> {
    if (events.length === 0) return expectedVersion;
    const duplicate = (error: { code?: string; constraint?: string }) => {
      if (error.code === UNIQUE_VIOLATION && error.constraint === 'events_event_id_key')
        throw new DuplicateEventError(
          streamId,
          events.map((e) => e.eventId),
        );
      throw error;
    };
    const started = performance.now();
    if (this.committer) {
      const claimed = await this.committer
        .append(streamId, streamType, expectedVersion, events)
        .catch(duplicate);
      if (!claimed) {
        throw new WrongExpectedVersionError(streamId, expectedVersion, await this.streamVersion(streamId));
      }
      this.appendTimes.observe({ mode: 'committed' }, (performance.now() - started) / 1000);
      return expectedVersion + events.length;
    }
    // Inside a caller's transaction: its NOTIFY fires at that transaction's commit.
    const columns = [
      events.map((e) => e.eventId),
      events.map((e) => e.type),
      events.map((e) => e.schemaVersion),
      events.map((e) => JSON.stringify(e.data)),
      events.map((e) => JSON.stringify(e.metadata)),
      events.map((e) => e.occurredAt.toISOString()),
    ];
    const sql = expectedVersion === 0 ? APPEND_TO_NEW_STREAM : APPEND_TO_EXISTING_STREAM;
    const parameters =
      expectedVersion === 0
        ? [streamId, streamType, 0, events.length, ...columns]
        : [streamId, expectedVersion, events.length, ...columns];
    // Through the pool the statement commits by itself: a connection lost before its answer leaves
    // the outcome unknown (CommitOutcomeUnknownError), never a plain failure.
    const { rows } = await (
      isPool(this.db) ? autocommit(this.db, sql, parameters) : this.db.query(sql, parameters)
    ).catch(duplicate);
    if (rows[0].claimed !== 1) {
      throw new WrongExpectedVersionError(streamId, expectedVersion, await this.streamVersion(streamId));
    }
    // Through the pool the statement commits itself; in a caller's transaction it does not yet.
    this.appendTimes.observe(
      { mode: isPool(this.db) ? 'committed' : 'in-transaction' },
      (performance.now() - started) / 1000,
    );
    return expectedVersion + events.length;
  }

  /** The stream's current version; 0 when it does not exist. */
  async streamVersion(streamId: string): Promise<number> {
    const { rows } = await this.db.query('SELECT version FROM streams WHERE stream_id = $1', [streamId]);
    return rows[0]?.version ?? 0;
  }

  /** Whether an event with this id was ever appended: how a retried process step knows it already ran. */
  async hasEvent(eventId: string): Promise<boolean> {
    const { rowCount } = await this.db.query('SELECT 1 FROM events WHERE event_id = $1', [eventId]);
    return rowCount === 1;
  }

  /**
   * Ends the lost session first (endSession: pg_terminate_backend, waiting for it to exit):
   * until it has exited it may still commit, or a stalled network may still deliver its statement.
   * Once it is gone, its transaction committed or never will, and the event ids say which.
   * Throws (and is asked again by the caller) while the session cannot be ended or the store read.
   */
  async storedAmong(eventIds: string[], lostSession?: number): Promise<Set<string>> {
    if (lostSession !== undefined && !(await endSession(this.db, lostSession)))
      throw new Error(`The lost session ${lostSession} has not ended yet`);
    const { rows } = await this.db.query<{ event_id: string }>(
      'SELECT event_id FROM events WHERE event_id = ANY($1::uuid[])',
      [eventIds],
    );
    return new Set(rows.map((row) => row.event_id));
  }

  async readStream(streamId: string, fromVersion = 1, limit = 10_000): Promise<RecordedEvent[]> {
    const { rows } = await this.db.query<EventRow>(
      `SELECT ${eventColumns} FROM events WHERE stream_id = $1 AND stream_version >= $2
       ORDER BY stream_version LIMIT $3`,
      [streamId, fromVersion, limit],
    );
    return rows.map(toRecordedEvent);
  }

  /**
   * Where a load starts: the stream's snapshot of `snapshotKind` (if any) and up to `limit` events
   * after it (fewer than `limit`: that was the whole tail).
   */
  async readStreamFromSnapshot<State>(
    streamId: string,
    snapshotKind: string,
    limit = 10_000,
  ): Promise<{ snapshot?: Snapshot<State>; events: RecordedEvent[] }> {
    const { rows } = await this.db.query<SnapshotAndEventRow>(READ_FROM_SNAPSHOT, [
      streamId,
      snapshotKind,
      limit,
    ]);
    const [first] = rows;
    const snapshot =
      first.snapshot_version === null
        ? undefined
        : { version: first.snapshot_version, state: first.snapshot_state as State };
    const events = first.event_id === null ? [] : rows.map((row) => toRecordedEvent(row as EventRow));
    return { snapshot, events };
  }

  /** Reads in the store's gap-safe global order (see EventLog). */
  async readAllAfter(position: StorePosition, limit: number): Promise<RecordedEvent[]> {
    return new EventLog(this.db).readAllAfter(position, limit);
  }
}
