import { type EventRow, eventColumns, toRecordedEvent } from './event-rows';
import { type Queryable, type RecordedEvent, START_OF_STORE, type StorePosition } from './logged-event';
import { inStreamOrder, seedsOfPossiblyMissingVersions } from './stream-order';

/**
 * Where reading stops: below the oldest transaction that is still running in this statement's snapshot
 * and may write to this database. A transaction id is the cluster's, but a transaction can only write
 * to the database its session is connected to, so running transactions that PostgreSQL shows connected
 * to another database (a report, a rebuild loading the read database, a forgotten psql session) are
 * not waited for. Any running transaction not proved to be elsewhere (this database's, a background
 * worker's, one that ended before pg_stat_activity was read) still bounds the read, which is always
 * safe: it only waits. With nothing running, everything below the snapshot's xmax has ended. Both sets
 * come from the same statement as the read, so the bound and the rows visible agree (pg_stat_activity
 * read later, even cached from earlier in a transaction, still only tells true "elsewhere"s). The
 * functions behind the pg_stat_activity and pg_prepared_xacts views are called directly: the views'
 * joins cost more to plan than the whole read of a small batch.
 */
const READABLE_BELOW = `
  here AS MATERIALIZED (SELECT oid FROM pg_database WHERE datname = current_database()),
  elsewhere AS MATERIALIZED (
    SELECT backend_xid AS xid FROM pg_stat_get_activity(NULL)
    WHERE backend_xid IS NOT NULL AND datid <> (SELECT oid FROM here)
    UNION ALL SELECT transaction FROM pg_prepared_xact() WHERE dbid <> (SELECT oid FROM here)
  ),
  readable AS MATERIALIZED (
    SELECT coalesce(
      (SELECT min(running) FROM pg_snapshot_xip(pg_current_snapshot()) AS running
       WHERE NOT EXISTS (SELECT FROM elsewhere WHERE elsewhere.xid = running::xid)),
      pg_snapshot_xmax(pg_current_snapshot())) AS below
  )`;

/**
 * Reads in the store's global order: by writer transaction id, then position. Only transactions below
 * the readable bound are read, so a transaction that took its positions early but commits late is
 * never skipped: the reader simply does not pass it until it has committed or aborted. The ORDER BY
 * names the table's columns: the bare names would sort by the text output columns of the same names
 * (lexicographically: position 10 before 9).
 */
const READ_ALL_AFTER = `
  WITH ${READABLE_BELOW}
  SELECT ${eventColumns} FROM events
  WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
    AND transaction_id < (SELECT below FROM readable)
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
 * The readable head, in one statement (one snapshot): how many events a replay starting now reads,
 * and the last of them. Events after it belong to transactions still running or not yet begun.
 */
const READABLE_HEAD = `
  WITH ${READABLE_BELOW}
  SELECT (SELECT count(*) FROM events WHERE transaction_id < readable.below)::text AS events,
         last.transaction_id::text AS transaction_id, last.global_position::text AS global_position
  FROM readable LEFT JOIN LATERAL (
    SELECT transaction_id, global_position FROM events WHERE transaction_id < readable.below
    ORDER BY transaction_id DESC, global_position DESC LIMIT 1
  ) AS last ON true`;

/** Where a replay starting now ends: everything readable at this instant, no more. */
export interface ReadableHead {
  /** Events up to and including `position`: a replay's total. */
  events: number;
  /** The last readable event's position; undefined while the store is empty. */
  position?: StorePosition;
}

/** What the relay publishes next, and the checkpoint that publishing it reaches. */
export interface PublicationBatch {
  /** Every stream in version order, its unpublished predecessors included. */
  events: RecordedEvent[];
  /** The store position this batch covers; predecessors pulled in early are published again there. */
  lastPosition: StorePosition;
}

/**
 * The event store's `events` table read as one log, in its gap-safe global order: what the relay
 * publishes and what a replay folds. Needs only SELECT on `events`. `db` is a pool or a connection.
 */
export class EventLog {
  constructor(private readonly db: Queryable) {}

  /** Up to `limit` events after `position`, in global order, never past a transaction still running. */
  async readAllAfter(position: StorePosition, limit: number): Promise<RecordedEvent[]> {
    const { rows } = await this.db.query<EventRow>(READ_ALL_AFTER, [
      position.transactionId,
      position.globalPosition,
      limit,
    ]);
    return rows.map(toRecordedEvent);
  }

  async readableHead(): Promise<ReadableHead> {
    const { rows } = await this.db.query<{
      events: string;
      transaction_id: string | null;
      global_position: string | null;
    }>(READABLE_HEAD);
    const [head] = rows;
    return head.transaction_id === null || head.global_position === null
      ? { events: 0 }
      : {
          events: Number(head.events),
          position: { transactionId: head.transaction_id, globalPosition: head.global_position },
        };
  }

  /**
   * Every event from the start of the store up to `until` (inclusive; typically `readableHead()`), in
   * batches of `batchSize`, in the global order. The next batch is read while the caller works on
   * the current one. A stream's versions can come out of order (a writer that took its transaction
   * id before it saw the previous version: see readPublicationBatch), never with a version missing
   * once the replay has reached `until`. The last batch may run past `until`.
   */
  async *replay(until: StorePosition, batchSize: number): AsyncGenerator<RecordedEvent[]> {
    let next = this.readAllAfter(START_OF_STORE, batchSize);
    try {
      for (;;) {
        const batch = await next;
        if (batch.length === 0) return;
        const last = batch[batch.length - 1].position;
        const done = !isBefore(last, until);
        if (!done) next = this.readAllAfter(last, batchSize);
        yield batch;
        if (done) return;
      }
    } finally {
      await next.catch(() => undefined);
    }
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
}

/** Whether `a` comes before `b` in the global order. */
export function isBefore(a: StorePosition, b: StorePosition): boolean {
  const [ta, tb] = [BigInt(a.transactionId), BigInt(b.transactionId)];
  return ta < tb || (ta === tb && BigInt(a.globalPosition) < BigInt(b.globalPosition));
}
