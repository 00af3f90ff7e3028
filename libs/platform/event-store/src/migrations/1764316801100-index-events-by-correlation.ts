import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Finds the events one request caused (the admin console's Trace page) without reading the whole
 * store: an index on the correlation id in each event's metadata. Built CONCURRENTLY, outside a
 * transaction, so upgrading a large store does not block appends while it builds; an index left
 * invalid by an interrupted build is dropped and built again.
 */
export class IndexEventsByCorrelation1764316801100 implements MigrationInterface {
  name = 'IndexEventsByCorrelation1764316801100';
  transaction = false;

  async up(db: QueryRunner): Promise<void> {
    const invalid: unknown[] = await db.query(`
      SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE c.relname = 'events_correlation_id' AND NOT i.indisvalid`);
    if (invalid.length > 0) await db.query('DROP INDEX CONCURRENTLY events_correlation_id');
    await db.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS events_correlation_id ON events ((metadata->>'correlationId'))`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX CONCURRENTLY IF EXISTS events_correlation_id');
  }
}
