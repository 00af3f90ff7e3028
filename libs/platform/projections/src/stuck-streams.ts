import type { EventEnvelope } from '@tally/contracts';
import { eventColumns, toRecordedEvent, type EventRow } from '@tally/event-log';
import { REPUBLISH_FIX } from '@tally/messaging';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { applyInOneTransaction } from './apply-events';
import type { Projection } from './projection';

/** A stream whose later events have waited in `parked_events` longer than the bound. */
export interface StuckStream {
  streamId: string;
  /** The version applied to the read tables. */
  applied: number;
  /** The first parked version: the versions between are missing. */
  firstParked: number;
  /** The last parked version: every version below it that is not parked is missing too. */
  lastParked: number;
  /** Since when its oldest parked event has waited. */
  parkedSeconds: number;
}

export interface StuckStreamsLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface StuckStreamsOptions {
  dataSource: DataSource;
  projector: string;
  projections: Projection[];
  /** How long a stream's events may stay parked before the stream counts as stuck. */
  stuckAfterMs: number;
  /** The event store, read only: where the missing events are fetched from to heal. Without it, only detection. */
  eventStoreDatabaseUrl?: string;
  logger: StuckStreamsLogger;
}

/** What fixes a stuck stream when this replica cannot heal it (named in readiness and logs). */
export const STUCK_STREAM_FIX =
  `run \`${REPUBLISH_FIX}\` to put the missing events back on the topic, or give the query service ` +
  'EVENT_STORE_DATABASE_URL so that it fetches them from the event store itself';

/** The most streams read per look (readiness, a heal pass): a figure and examples, not a full list. */
const LOOK_LIMIT = 100;

const STUCK = `
  SELECT p.stream_id AS "streamId", coalesce(s.version, 0) AS applied, min(p.version) AS "firstParked",
         max(p.version) AS "lastParked",
         extract(epoch FROM now() - min(p.parked_at))::float8 AS "parkedSeconds"
  FROM parked_events p
  LEFT JOIN stream_positions s ON s.projector = p.projector AND s.stream_id = p.stream_id
  WHERE p.projector = $1
  GROUP BY p.stream_id, s.version
  HAVING min(p.parked_at) < now() - make_interval(secs => $2::float8 / 1000)
  ORDER BY min(p.parked_at)
  LIMIT ${LOOK_LIMIT}`;

/** The store's events that fill each stream's gaps (after what is applied, before the last parked). */
const MISSING = `
  SELECT ${eventColumns} FROM events
  JOIN unnest($1::text[], $2::int[], $3::int[]) AS gap(gap_stream, applied, last_parked)
    ON events.stream_id = gap.gap_stream
   AND events.stream_version > gap.applied AND events.stream_version < gap.last_parked
  ORDER BY events.stream_id, events.stream_version`;

const envelopeOf = ({
  position: _position,
  recordedAt: _recordedAt,
  ...envelope
}: ReturnType<typeof toRecordedEvent>) => envelope as EventEnvelope;

/**
 * The read side's own check that no stream waits for ever: an event ahead of its stream is parked
 * until its predecessor arrives, and when the topic never gets the predecessor (events lost on the way,
 * issue #23) the stream is stuck, whatever the partitions' ends say. Past `stuckAfterMs` it counts as
 * stuck (readiness, `tally_projection_stuck_streams`); with the event store at hand the replica
 * fetches the missing events from the store and applies them, exactly once like any other (the
 * stream's applied version is locked in the same transaction), which releases the parked ones.
 */
export class StuckStreams {
  private store?: Pool;

  constructor(private readonly options: StuckStreamsOptions) {}

  get canHeal(): boolean {
    return this.options.eventStoreDatabaseUrl !== undefined;
  }

  /** Streams stuck now, the longest waiting first (at most LOOK_LIMIT). */
  async find(): Promise<StuckStream[]> {
    const rows: StuckStream[] = await this.options.dataSource.query(STUCK, [
      this.options.projector,
      this.options.stuckAfterMs,
    ]);
    return rows.map((row) => ({
      ...row,
      applied: Number(row.applied),
      firstParked: Number(row.firstParked),
    }));
  }

  /**
   * Heals what it can of the stuck streams: the missing events from the store, applied with the
   * parked ones. Answers the streams still stuck afterwards (all of them without a store).
   */
  async heal(): Promise<StuckStream[]> {
    const stuck = await this.find();
    if (stuck.length === 0) return [];
    if (!this.options.eventStoreDatabaseUrl) {
      this.options.logger.error(
        { projector: this.options.projector, stuck: stuck.slice(0, 5), fix: STUCK_STREAM_FIX },
        `${stuck.length} stream(s) stuck behind events that never arrived: ${STUCK_STREAM_FIX}`,
      );
      return stuck;
    }
    this.store ??= new Pool({ connectionString: this.options.eventStoreDatabaseUrl, max: 1 });
    const { rows } = await this.store.query<EventRow>(MISSING, [
      stuck.map((s) => s.streamId),
      stuck.map((s) => s.applied),
      stuck.map((s) => s.lastParked),
    ]);
    const byStream = new Map<string, EventEnvelope[]>();
    for (const row of rows) {
      const event = envelopeOf(toRecordedEvent(row));
      byStream.set(event.streamId, [...(byStream.get(event.streamId) ?? []), event]);
    }
    // One transaction per stream: an event that cannot be applied (a poison one, dead-lettered for
    // that reason) keeps only its own stream stuck.
    let applied = 0;
    for (const [streamId, events] of byStream)
      try {
        const selected = await applyInOneTransaction(
          this.options.dataSource,
          this.options.projector,
          this.options.projections,
          events,
        );
        applied += selected.fresh.length;
      } catch (error) {
        this.options.logger.error(
          { err: error, streamId },
          'could not apply the events fetched from the event store',
        );
      }
    const left = (await this.find()).filter((s) => stuck.some((was) => was.streamId === s.streamId));
    this.options.logger.warn(
      {
        projector: this.options.projector,
        healed: stuck.length - left.length,
        fetched: rows.length,
        applied,
        examples: stuck.slice(0, 5),
      },
      `fetched events missing from the topic from the event store for ${stuck.length} stuck stream(s)` +
        (left.length > 0 ? `; ${left.length} still stuck: ${STUCK_STREAM_FIX}` : ''),
    );
    return left;
  }

  async close(): Promise<void> {
    const store = this.store;
    this.store = undefined;
    await store?.end();
  }
}

/**
 * Readiness' words for stuck streams: how many, an example, and the fix. A replica that can heal says
 * that it tries (its log has why it could not yet); one that cannot names what an operator does.
 */
export function describeStuck(stuck: StuckStream[], stuckAfterMs: number, canHeal = false): string {
  const [first] = stuck;
  return (
    `${stuck.length === LOOK_LIMIT ? `${LOOK_LIMIT}+` : stuck.length} stream(s) stuck for more than ` +
    `${Math.round(stuckAfterMs / 1000)} s behind events that never arrived (e.g. ${first.streamId}: ` +
    `version ${first.applied} applied, ${first.firstParked} parked for ${Math.round(first.parkedSeconds)} s): ` +
    (canHeal
      ? 'this replica fetches the missing events from the event store every few seconds (see its log if this ' +
        `stays); ${STUCK_STREAM_FIX}`
      : STUCK_STREAM_FIX)
  );
}
