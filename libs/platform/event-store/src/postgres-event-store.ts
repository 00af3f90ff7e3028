import { upcast } from '@tally/contracts';
import type { Pool } from 'pg';
import { EVENTS_APPENDED_CHANNEL, GroupCommitter, groupCommitFromEnv } from './group-commit';
import type { Queryable } from './queryable';
import type { Snapshot } from './snapshots/snapshot-store';
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

/**
 * The unpublished predecessors of a batch's events: starting from each seed version, walks down a
 * stream while the previous version is still after the checkpoint. Each step is one lookup in the
 * (stream_id, stream_version) index.
 */
const UNPUBLISHED_PREDECESSORS = `
  WITH RECURSIVE wanted AS (
    SELECT e.stream_id, e.stream_version
    FROM unnest($1::text[], $2::int[]) AS seed(stream_id, stream_version)
    JOIN events e ON e.stream_id = seed.stream_id AND e.stream_version = seed.stream_version
    WHERE (e.transaction_id, e.global_position) > ($3::xid8, $4::bigint)
    UNION
    SELECT e.stream_id, e.stream_version
    FROM wanted w JOIN events e ON e.stream_id = w.stream_id AND e.stream_version = w.stream_version - 1
    WHERE (e.transaction_id, e.global_position) > ($3::xid8, $4::bigint)
  )
  SELECT ${eventColumns} FROM events JOIN wanted USING (stream_id, stream_version)`;

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

/** What the relay publishes next, and the checkpoint that publishing it reaches. */
export interface PublicationBatch {
  /** Every stream in version order, its unpublished predecessors included. */
  events: RecordedEvent[];
  /** The store position this batch covers; predecessors pulled in early are published again there. */
  lastPosition: StorePosition;
}

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

interface SnapshotAndEventRow extends Partial<EventRow> {
  snapshot_version: number | null;
  snapshot_state: unknown;
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

  /**
   * The next batch to publish after `position`, with every stream in version order.
   *
   * Transaction ids order streams correctly only if a writer takes its id after it has seen the
   * previous version of the stream. A transaction that wrote something else first (an
   * Idempotency-Key row, another stream) may hold an older id than the writer of the version before
   * its own, so in (transaction, position) order its later version comes first. Those earlier
   * versions are committed (a later version of the stream exists), so they are pulled into this
   * batch ahead of their successors; reaching them again later republishes them, which consumers
   * drop as duplicates.
   */
  async readPublicationBatch(position: StorePosition, limit: number): Promise<PublicationBatch | undefined> {
    const batch = await this.readAllAfter(position, limit);
    if (batch.length === 0) return undefined;
    const inBatch = new Set(batch.map((event) => event.eventId));
    const seeds = seedsOfPossiblyMissingVersions(batch);
    const lastPosition = batch[batch.length - 1].position;
    // Every stream of the batch starts at version 1 with no gap: nothing unpublished can precede it.
    if (seeds.length === 0) return { events: inStreamOrder(batch), lastPosition };
    const { rows } = await this.db.query<EventRow>(UNPUBLISHED_PREDECESSORS, [
      seeds.map((seed) => seed.streamId),
      seeds.map((seed) => seed.version),
      position.transactionId,
      position.globalPosition,
    ]);
    const pulled = rows.map(toRecordedEvent).filter((event) => !inBatch.has(event.eventId));
    return { events: inStreamOrder([...pulled, ...batch]), lastPosition };
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

/** For each stream of a batch: the version before its first, and every version missing in between. */
function seedsOfPossiblyMissingVersions(batch: RecordedEvent[]): { streamId: string; version: number }[] {
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
function inStreamOrder(events: RecordedEvent[]): RecordedEvent[] {
  const byStream = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    const stream = byStream.get(event.streamId) ?? [];
    stream.push(event);
    byStream.set(event.streamId, stream);
  }
  return [...byStream.values()].flatMap((stream) => stream.sort((a, b) => a.streamVersion - b.streamVersion));
}
