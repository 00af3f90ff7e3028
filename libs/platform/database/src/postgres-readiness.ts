import type { Pool } from 'pg';

/** A readiness check that the pool can reach its database right now. */
export const postgresReadiness = (name: string, pool: Pool) => ({
  name,
  check: async () => {
    await pool.query('SELECT 1');
    return { totalConnections: pool.totalCount, idleConnections: pool.idleCount };
  },
});
