import type { EventEnvelope } from '@tally/contracts';
import type { EntityManager } from 'typeorm';

/** Channel on which a committed batch announces that a projector's positions moved (payload: projector). */
export const POSITIONS_CHANNEL = 'tally_stream_positions';

/**
 * Per-stream high-water marks of one projector, locked for the rest of the transaction.
 * Existing rows are locked first (in stream id order: no deadlocks), which is one statement in the
 * common case. Missing rows are then inserted at version 0 and locked too (ON CONFLICT DO UPDATE
 * locks the row a concurrent transaction inserted, and returns its latest version): two replicas
 * that briefly both hold a partition during a rebalance then serialise even on a brand-new stream,
 * and the second one sees what the first one applied.
 */
export async function lockStreamPositions(
  tx: EntityManager,
  projector: string,
  streamIds: string[],
): Promise<Map<string, number>> {
  const sorted = [...streamIds].sort();
  const rows: PositionRow[] = await tx.query(
    `SELECT stream_id, version FROM stream_positions WHERE projector = $1 AND stream_id = ANY($2)
     ORDER BY stream_id FOR UPDATE`,
    [projector, sorted],
  );
  const positions = new Map(rows.map((row) => [row.stream_id, row.version]));
  const missing = sorted.filter((streamId) => !positions.has(streamId));
  if (missing.length === 0) return positions;
  const created: PositionRow[] = await tx.query(
    `INSERT INTO stream_positions AS p (projector, stream_id, version)
     SELECT $1, stream_id, 0 FROM unnest($2::text[]) AS s(stream_id) ORDER BY stream_id
     ON CONFLICT (projector, stream_id) DO UPDATE SET version = p.version
     RETURNING stream_id, version`,
    [projector, missing],
  );
  for (const row of created) positions.set(row.stream_id, row.version);
  return positions;
}

interface PositionRow {
  stream_id: string;
  version: number;
}

/**
 * Advances the positions and wakes readers waiting on a consistency token (NOTIFY fires at commit).
 * One statement, one round trip: the transaction holds the stream rows' locks until it commits.
 */
export async function saveStreamPositions(
  tx: EntityManager,
  projector: string,
  positions: Map<string, number>,
): Promise<void> {
  if (positions.size === 0) return;
  await tx.query(
    `WITH advanced AS (
       UPDATE stream_positions AS s SET version = p.version, updated_at = now()
       FROM unnest($2::text[], $3::int[]) AS p(stream_id, version)
       WHERE s.projector = $1 AND s.stream_id = p.stream_id
       RETURNING 1
     )
     SELECT pg_notify($4, $1) FROM (SELECT count(*) FROM advanced) AS done`,
    [projector, [...positions.keys()], [...positions.values()], POSITIONS_CHANNEL],
  );
}

/** The version of a stream this projector has applied; 0 if none. */
export async function appliedVersion(
  db: { query(sql: string, parameters: unknown[]): Promise<unknown> },
  projector: string,
  streamId: string,
): Promise<number> {
  const rows = (await db.query(
    'SELECT version FROM stream_positions WHERE projector = $1 AND stream_id = $2',
    [projector, streamId],
  )) as { version: number }[];
  return rows[0]?.version ?? 0;
}

/** Parked events taken out of the table, with when each was first parked. */
export interface TakenParkedEvents {
  events: EventEnvelope[];
  /** By `streamId@version`: kept when an event is parked again, so a stream's wait is measured whole. */
  parkedAt: Map<string, string>;
}

export const parkedKey = (event: Pick<EventEnvelope, 'streamId' | 'streamVersion'>): string =>
  `${event.streamId}@${event.streamVersion}`;

/**
 * Takes (deletes and returns) the parked events of these streams. The caller re-parks whatever is
 * still ahead in the same transaction, so a crash leaves them parked exactly as before.
 */
export async function takeParkedEvents(
  tx: EntityManager,
  projector: string,
  streamIds: string[],
): Promise<TakenParkedEvents> {
  // A CTE makes this a SELECT to the driver, which then returns plain rows (a bare DELETE ...
  // RETURNING comes back from TypeORM as [rows, count]).
  const rows: { event: EventEnvelope; parked_at: Date }[] = await tx.query(
    `WITH taken AS (DELETE FROM parked_events WHERE projector = $1 AND stream_id = ANY($2) RETURNING event, parked_at)
     SELECT event, parked_at FROM taken`,
    [projector, streamIds],
  );
  return {
    events: rows.map((row) => row.event),
    parkedAt: new Map(rows.map((row) => [parkedKey(row.event), row.parked_at.toISOString()])),
  };
}

/** Parks events; one taken out before keeps the time it was first parked (`parkedAt`). */
export async function parkEvents(
  tx: EntityManager,
  projector: string,
  events: EventEnvelope[],
  parkedAt: ReadonlyMap<string, string> = new Map(),
): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((event) => ({ event, parkedAt: parkedAt.get(parkedKey(event)) ?? null }));
  await tx.query(
    `INSERT INTO parked_events (projector, stream_id, version, event, parked_at)
     SELECT $1, r->'event'->>'streamId', (r->'event'->>'streamVersion')::int, r->'event',
            coalesce((r->>'parkedAt')::timestamptz, now())
     FROM jsonb_array_elements($2::jsonb) AS r
     ON CONFLICT (projector, stream_id, version) DO NOTHING`,
    [projector, JSON.stringify(rows)],
  );
}
