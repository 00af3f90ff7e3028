import type { EntityManager } from 'typeorm';

/**
 * Per-stream high-water marks of one projector. Locking the rows (FOR UPDATE) serialises two
 * replicas that briefly both hold a partition during a rebalance.
 */
export async function lockStreamPositions(
  tx: EntityManager,
  projector: string,
  streamIds: string[],
): Promise<Map<string, number>> {
  const rows: { stream_id: string; version: number }[] = await tx.query(
    `SELECT stream_id, version FROM stream_positions WHERE projector = $1 AND stream_id = ANY($2)
     ORDER BY stream_id FOR UPDATE`,
    [projector, streamIds],
  );
  return new Map(rows.map((row) => [row.stream_id, row.version]));
}

export async function saveStreamPositions(
  tx: EntityManager,
  projector: string,
  positions: Map<string, number>,
): Promise<void> {
  if (positions.size === 0) return;
  await tx.query(
    `INSERT INTO stream_positions (projector, stream_id, version)
     SELECT $1, stream_id, version FROM unnest($2::text[], $3::int[]) AS p(stream_id, version)
     ON CONFLICT (projector, stream_id) DO UPDATE SET version = EXCLUDED.version, updated_at = now()`,
    [projector, [...positions.keys()], [...positions.values()]],
  );
}

/** The version of a stream this projector has applied; 0 if none. */
export async function appliedVersion(
  tx: EntityManager,
  projector: string,
  streamId: string,
): Promise<number> {
  const rows: { version: number }[] = await tx.query(
    'SELECT version FROM stream_positions WHERE projector = $1 AND stream_id = $2',
    [projector, streamId],
  );
  return rows[0]?.version ?? 0;
}
