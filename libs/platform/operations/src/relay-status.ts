import type { RelayStatus } from './pipeline-overview';
import type { Queryable } from './sql';

/**
 * The relay as the write database sees it: its checkpoint (the `relay_checkpoints` row of the relay's
 * name), the events committed after it, and the session holding its advisory lock — the lock
 * `LeaderLoop` takes with `pg_try_advisory_lock(hashtext('relay:<name>'))`, which pg_locks shows as
 * the key's two 32-bit halves.
 */
export async function readRelayStatus(db: Queryable, relayName = 'kafka'): Promise<RelayStatus> {
  const lockName = `relay:${relayName}`;
  const [checkpoint, leader] = await Promise.all([
    db.query<{ transactionId: string | null; globalPosition: string | null; updatedAt: Date | null }>(
      `SELECT transaction_id::text AS "transactionId", global_position::text AS "globalPosition",
              updated_at AS "updatedAt"
       FROM relay_checkpoints WHERE relay = $1`,
      [relayName],
    ),
    db.query<{ pid: number; address: string | null }>(
      `SELECT l.pid, host(a.client_addr) AS address
       FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtext($1)::bigint`,
      [lockName],
    ),
  ]);
  const stored = checkpoint.rows[0];
  // Without a checkpoint nothing was published yet: the whole store is the backlog.
  const { rows } = await db.query<{ backlog: string }>(
    `SELECT count(*)::text AS backlog FROM events
     WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)`,
    [stored?.transactionId ?? '0', stored?.globalPosition ?? '0'],
  );
  const holder = leader.rows[0];
  return {
    leader: holder ? `pid ${holder.pid} on ${holder.address ?? 'a local socket'}` : null,
    backlog: Number(rows[0].backlog),
    lastPublishedAt: stored?.updatedAt ? new Date(stored.updatedAt).toISOString() : null,
  };
}
