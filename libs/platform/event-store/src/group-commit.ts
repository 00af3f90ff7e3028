import { EventEmitter } from 'node:events';
import { autocommit } from '@tally/database';
import type { Pool } from 'pg';
import type { NewEvent } from './recorded-event';

/** Channel the store notifies on appends, so that relays in other processes wake at once. */
export const EVENTS_APPENDED_CHANNEL = 'tally_events_appended';

/** One caller's append waiting for its batch. */
interface PendingAppend {
  streamId: string;
  streamType: string;
  expectedVersion: number;
  events: NewEvent[];
  resolve(claimed: boolean): void;
  reject(error: unknown): void;
}

/**
 * Many appends, one statement and one commit: every stream's version is claimed with its own expected
 * version as the guard (new streams by INSERT ... ON CONFLICT DO NOTHING, existing ones by a guarded
 * UPDATE), and only the events of the streams whose claim held are inserted. The claimed stream ids
 * come back, so each append learns its own outcome: success, or a version conflict for that stream
 * alone. A stream appears at most once per batch (the batcher guarantees it).
 */
const APPEND_BATCH = `
  WITH a AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[]) AS a(stream_id, stream_type, expected, n)
  ),
  created AS (
    INSERT INTO streams (stream_id, stream_type, version)
    SELECT stream_id, stream_type, n FROM a WHERE expected = 0 ORDER BY stream_id
    ON CONFLICT (stream_id) DO NOTHING RETURNING stream_id
  ),
  moved AS (
    UPDATE streams s SET version = a.expected + a.n FROM a
    WHERE a.expected > 0 AND s.stream_id = a.stream_id AND s.version = a.expected
    RETURNING s.stream_id
  ),
  claimed AS (SELECT stream_id FROM created UNION ALL SELECT stream_id FROM moved),
  appended AS (
    INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, data, metadata, occurred_at)
    SELECT e.stream_id, e.version, e.event_id, e.event_type, e.schema_version, e.data, e.metadata, e.occurred_at
    FROM unnest($5::text[], $6::int[], $7::uuid[], $8::text[], $9::int[], $10::jsonb[], $11::jsonb[],
                $12::timestamptz[]) WITH ORDINALITY
         AS e(stream_id, version, event_id, event_type, schema_version, data, metadata, occurred_at, ord)
    WHERE e.stream_id IN (SELECT stream_id FROM claimed)
    ORDER BY e.ord
    RETURNING 1
  )
  SELECT array(SELECT stream_id FROM claimed) AS claimed, (SELECT count(*) FROM appended)::int AS appended`;

const UNIQUE_VIOLATION = '23505';
const DEADLOCK = '40P01';

export interface GroupCommitOptions {
  /** Batches in flight at once (each on its own connection): the next batch fills while one commits. */
  maxBatches: number;
  /** Events per batch, at most (a single larger append still goes alone). */
  maxEvents: number;
  /** Minimum gap between two NOTIFYs for other processes' relays. */
  notifyIntervalMs: number;
}

/** The defaults of the command service (EVENT_STORE_MAX_BATCHES, _BATCH_EVENTS, _NOTIFY_INTERVAL_MS). */
export const defaultGroupCommitOptions: GroupCommitOptions = {
  maxBatches: 2,
  maxEvents: 1_000,
  notifyIntervalMs: 5,
};

/**
 * Wakes relays after appends commit, without a NOTIFY inside the appending transaction: PostgreSQL
 * serialises the commits of all notifying transactions on one global lock (held through the WAL
 * flush), which capped the store at one commit at a time. Instead:
 * - relays in this process (same pool) are woken directly, at once;
 * - relays elsewhere get a NOTIFY sent in its own tiny transaction, at most every few ms, always
 *   after the commit it announces (trailing edge). It is only a wake-up hint (relays also sweep), so
 *   that transaction does not wait for its WAL flush; the appends themselves stay fully durable.
 */
export class AppendSignal extends EventEmitter {
  private timer?: NodeJS.Timeout;
  private last = 0;

  /** One per pool, shared by its event store and the relays in this process (EventStoreModule). */
  constructor(private readonly pool: Pool) {
    super();
    this.setMaxListeners(0);
  }

  committed(notifyIntervalMs: number): void {
    this.emit('appended');
    if (this.timer) return;
    const wait = Math.max(0, this.last + notifyIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.last = Date.now();
      this.pool
        .query(
          `SELECT set_config('synchronous_commit', 'off', true), pg_notify('${EVENTS_APPENDED_CHANNEL}', '')`,
        )
        .catch(() => undefined); // a lost hint costs at most one sweep interval
    }, wait);
    this.timer.unref();
  }
}

/**
 * Group commit for appends that are not part of a caller's transaction: appends arriving while
 * earlier batches are committing are queued, then written together in one statement and one
 * transaction, so concurrent writers share a commit (and its WAL flush) instead of queueing for
 * their own. Each append keeps its own expected-version check and outcome. Streams are never in two
 * batches in flight at once, so batches neither deadlock nor race on a stream; a second append to a
 * stream already queued or in flight waits for the next batch (and then, typically, conflicts).
 */
export class GroupCommitter {
  private queue: PendingAppend[] = [];
  private readonly busy = new Set<string>();
  private inflight = 0;
  private scheduled = false;

  /** One per pool (its PostgresEventStore's): batches assume no other committer writes through it. */
  constructor(
    private readonly pool: Pool,
    private readonly options: GroupCommitOptions,
    private readonly signal: AppendSignal,
  ) {}

  /** Resolves true once committed, false if the stream was not at the expected version. */
  append(
    streamId: string,
    streamType: string,
    expectedVersion: number,
    events: NewEvent[],
  ): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ streamId, streamType, expectedVersion, events, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inflight >= this.options.maxBatches) return;
    this.scheduled = true;
    // One macrotask later: every append started in the same tick (and I/O round) joins the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inflight < this.options.maxBatches && this.queue.length > 0) {
      const batch: PendingAppend[] = [];
      const later: PendingAppend[] = [];
      const streams = new Set<string>();
      let events = 0;
      for (const pending of this.queue) {
        const fits = batch.length === 0 || events + pending.events.length <= this.options.maxEvents;
        if (fits && !streams.has(pending.streamId) && !this.busy.has(pending.streamId)) {
          batch.push(pending);
          streams.add(pending.streamId);
          events += pending.events.length;
        } else later.push(pending);
      }
      this.queue = later;
      if (batch.length === 0) return;
      this.inflight++;
      for (const stream of streams) this.busy.add(stream);
      void this.write(batch).finally(() => {
        this.inflight--;
        for (const stream of streams) this.busy.delete(stream);
        if (this.queue.length > 0) this.schedule();
      });
    }
  }

  private async write(batch: PendingAppend[]): Promise<void> {
    let claimed: Set<string>;
    try {
      claimed = await this.writeTogether(batch);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (batch.length > 1 && (code === UNIQUE_VIOLATION || code === DEADLOCK)) {
        // One append's duplicate event id (or a deadlock with a caller's transaction) must not fail
        // the others: nothing of the batch committed, so each is retried on its own.
        await Promise.all(batch.map((pending) => this.write([pending])));
        return;
      }
      for (const pending of batch) pending.reject(error);
      return;
    }
    this.signal.committed(this.options.notifyIntervalMs);
    for (const pending of batch) pending.resolve(claimed.has(pending.streamId));
  }

  private async writeTogether(batch: PendingAppend[]): Promise<Set<string>> {
    const events = batch.flatMap((pending) =>
      pending.events.map((event, index) => ({
        pending,
        event,
        version: pending.expectedVersion + index + 1,
      })),
    );
    // A statement that commits by itself: a connection lost before its answer is an unknown outcome.
    const { rows } = await autocommit<{ claimed: string[]; appended: number }>(this.pool, APPEND_BATCH, [
      batch.map((p) => p.streamId),
      batch.map((p) => p.streamType),
      batch.map((p) => p.expectedVersion),
      batch.map((p) => p.events.length),
      events.map((e) => e.pending.streamId),
      events.map((e) => e.version),
      events.map((e) => e.event.eventId),
      events.map((e) => e.event.type),
      events.map((e) => e.event.schemaVersion),
      events.map((e) => JSON.stringify(e.event.data)),
      events.map((e) => JSON.stringify(e.event.metadata)),
      events.map((e) => e.event.occurredAt.toISOString()),
    ]);
    return new Set(rows[0].claimed);
  }
}
