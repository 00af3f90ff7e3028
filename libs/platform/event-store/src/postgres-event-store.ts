import { upcast } from '@tally/contracts';
import type { Pool } from 'pg';
import { EVENTS_APPENDED_CHANNEL, GroupCommitter, groupCommitFromEnv } from './group-commit';
import type { Queryable } from './queryable';
import {
  DuplicateEventError,
  type NewEvent,
  type RecordedEvent,
  type StorePosition,
  WrongExpectedVersionError,
} from './recorded-event';

export { EVENTS_APPENDED_CHANNEL } from './group-commit';

const eventColumns = `event_id, event_type, schema_version, stream_id, stream_version, data, metadata,
  occurred_at, recorded_at, transaction_id::text AS transaction_id, global_position::text AS global_position`;

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
 * Reads in publication order: by writer transaction id, then position. Only transactions older than
 * the oldest one still running (the snapshot's xmin) are read, so a transaction that took its
 * positions early but commits late is never skipped: the reader simply does not pass it until it
 * has committed or aborted. The ORDER BY names the table's columns: the bare names would sort by the
 * text output columns of the same names (lexicographically: position 10 before 9).
 */
const READ_ALL_AFTER = `
  SELECT ${eventColumns} FROM events
  WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
    AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY events.transaction_id, events.global_position
  LIMIT $3`;

interface EventRow {
  event_id: string;
  event_type: string;
  schema_version: number;
  stream_id: string;
  stream_version: number;
  data: unknown;
  metadata: RecordedEvent['metadata'];
  occurred_at: Date;
  recorded_at: Date;
  transaction_id: string;
  global_position: string;
}

/** Deserialisation is where old schema versions are upcast, so readers only see the latest. */
const toRecordedEvent = (row: EventRow): RecordedEvent =>
  upcast({
    eventId: row.event_id,
    type: row.event_type,
    schemaVersion: row.schema_version,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    occurredAt: row.occurred_at.toISOString(),
    data: row.data,
    metadata: row.metadata,
    position: { transactionId: row.transaction_id, globalPosition: row.global_position },
    recordedAt: row.recorded_at.toISOString(),
  });

const UNIQUE_VIOLATION = '23505';

const groupCommit = groupCommitFromEnv();
const isPool = (db: Queryable): db is Pool =>
  typeof (db as Pool).connect === 'function' && typeof (db as Pool).totalCount === 'number';

export class PostgresEventStore {
  /** Set when appends go through the pool (not a caller's transaction): they share commits. */
  private readonly committer?: GroupCommitter;

  /** `db` is the pool, or a transaction's connection when the append must commit with other rows. */
  constructor(private readonly db: Queryable) {
    if (groupCommit && isPool(db)) this.committer = GroupCommitter.of(db, groupCommit);
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
    if (this.committer) {
      const claimed = await this.committer
        .append(streamId, streamType, expectedVersion, events)
        .catch(duplicate);
      if (!claimed) {
        throw new WrongExpectedVersionError(streamId, expectedVersion, await this.streamVersion(streamId));
      }
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
    const { rows } = await this.db
      .query(
        expectedVersion === 0 ? APPEND_TO_NEW_STREAM : APPEND_TO_EXISTING_STREAM,
        expectedVersion === 0
          ? [streamId, streamType, 0, events.length, ...columns]
          : [streamId, expectedVersion, events.length, ...columns],
      )
      .catch(duplicate);
    if (rows[0].claimed !== 1) {
      throw new WrongExpectedVersionError(streamId, expectedVersion, await this.streamVersion(streamId));
    }
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

  async readStream(streamId: string, fromVersion = 1, limit = 10_000): Promise<RecordedEvent[]> {
    const { rows } = await this.db.query<EventRow>(
      `SELECT ${eventColumns} FROM events WHERE stream_id = $1 AND stream_version >= $2
       ORDER BY stream_version LIMIT $3`,
      [streamId, fromVersion, limit],
    );
    return rows.map(toRecordedEvent);
  }

  async readAllAfter(position: StorePosition, limit: number): Promise<RecordedEvent[]> {
    const { rows } = await this.db.query<EventRow>(READ_ALL_AFTER, [
      position.transactionId,
      position.globalPosition,
      limit,
    ]);
    return rows.map(toRecordedEvent);
  }
}
