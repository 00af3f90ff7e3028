import { Client } from 'pg';
import { DataSource, type MigrationInterface } from 'typeorm';
import { CONNECT_TIMEOUT_MS } from './ensure-database';

type MigrationClass = new () => MigrationInterface;

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
    migrationsTableName: 'migrations',
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
