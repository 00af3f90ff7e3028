import { Client } from 'pg';
import type { CommandInstance } from './chaos-system';

/** The advisory locks that elect the command services' leaders (see LeaderLoop). */
export const LEADER_LOCKS = { relay: 'relay:kafka', transfers: 'transfer-process-manager' } as const;

/**
 * The command instance that holds `lockName` now: the lock's backend, its client port, and the instance
 * whose fault proxy has a connection from that port. Undefined while no instance leads (a handover).
 */
export async function leaderOf(
  databaseUrl: string,
  lockName: string,
  instances: CommandInstance[],
): Promise<CommandInstance | undefined> {
  const client = new Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: 5_000,
    query_timeout: 5_000,
  });
  await client.connect();
  try {
    // A one-key advisory lock on a bigint shows its high half in classid and its low half in objid.
    const { rows } = await client.query<{ port: number }>(
      `SELECT a.client_port AS port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
         AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtext($1)::bigint`,
      [lockName],
    );
    const port = rows[0]?.port;
    return port === undefined ? undefined : instances.find((i) => i.proxy.upstreamPorts().includes(port));
  } finally {
    await client.end().catch(() => undefined);
  }
}
