import { Client } from 'pg';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { CONNECT_TIMEOUT_MS } from './ensure-database';

export type MigrationClass = new () => MigrationInterface;

/** Where TypeORM records the migrations that ran in a database, by name. */
export const MIGRATIONS_TABLE = 'migrations';

/**
 * Whether the migration `name` ran in this database. A migration that ran in existing databases is
 * never rewritten; when one is split into parts (say, one per read model), each part asks this and
 * does nothing where the original already did its work, so old and new databases end up alike.
 */
export async function migrationRan(db: QueryRunner, name: string): Promise<boolean> {
  const rows: unknown[] = await db.query(`SELECT 1 FROM ${MIGRATIONS_TABLE} WHERE name = $1`, [name]);
  return rows.length > 0;
}

/**
 * Runs TypeORM migrations (never `synchronize`). Several instances may start at once, so a
 * session advisory lock makes one of them migrate while the others wait and then find nothing to do.
 */
export async function runMigrations(
  url: string,
  migrations: MigrationClass[],
  lockName: string,
): Promise<void> {
  const lock = new Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  await lock.connect();
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    migrations,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each',
    logging: ['error'],
    extra: { max: 1, connectionTimeoutMillis: CONNECT_TIMEOUT_MS },
  });
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`migrate:${lockName}`]);
    await dataSource.initialize();
    await dataSource.runMigrations();
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await lock.end(); // releases the advisory lock with the session
  }
}
