import type { TransferStatus } from './pipeline-overview';
import type { Queryable } from './sql';

/** The transfer process manager's to-do list (`transfers_in_flight`): how many, and the oldest's age. */
export async function readTransferStatus(db: Queryable): Promise<TransferStatus> {
  const { rows } = await db.query<{ inFlight: number; oldestAgeSeconds: number | null }>(
    `SELECT count(*)::int AS "inFlight",
            extract(epoch FROM now() - min(requested_at))::float8 AS "oldestAgeSeconds"
     FROM transfers_in_flight`,
  );
  const { inFlight, oldestAgeSeconds } = rows[0];
  return { inFlight, oldestAgeSeconds: oldestAgeSeconds === null ? null : Math.max(0, oldestAgeSeconds) };
}
