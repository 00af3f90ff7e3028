import type { OnApplicationShutdown } from '@nestjs/common';
import { Pool, type QueryResultRow } from 'pg';
import type { AdminConsoleConfig } from './config';

/** One replica set's read database, named by its consumer group. */
export interface ReplicaSetDatabase {
  groupId: string;
  query<Row extends QueryResultRow>(sql: string, values?: unknown[]): Promise<Row[]>;
}

/**
 * The console's connections for looking things up: the write database and each replica set's read
 * database, small pools whose sessions are read only (`default_transaction_read_only`), so no page
 * that only looks can change anything, whatever its SQL. Each statement runs on its own, never
 * inside a transaction left open (an idle transaction on the write database's server would hold the
 * relay back).
 */
export class ConsoleDatabases implements OnApplicationShutdown {
  readonly write: ReplicaSetDatabase['query'];
  readonly replicaSets: ReplicaSetDatabase[];
  private readonly pools: Pool[] = [];

  constructor(config: Pick<AdminConsoleConfig, 'writeDatabaseUrl' | 'replicaSets'>) {
    const writePool = this.pool(config.writeDatabaseUrl);
    this.write = async (sql, values) => (await writePool.query(sql, values)).rows;
    this.replicaSets = config.replicaSets.map(({ groupId, databaseUrl }) => {
      const pool = this.pool(databaseUrl);
      return { groupId, query: async (sql, values) => (await pool.query(sql, values)).rows };
    });
  }

  private pool(connectionString: string): Pool {
    const pool = new Pool({
      connectionString,
      max: 3,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      statement_timeout: 10_000,
      options: '-c default_transaction_read_only=on',
      application_name: 'tally-admin-console',
    });
    // A dropped idle connection is replaced on next use; without a listener it would crash the process.
    pool.on('error', () => undefined);
    this.pools.push(pool);
    return pool;
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((pool) => pool.end().catch(() => undefined)));
  }
}
