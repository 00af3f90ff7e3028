import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Up to this size of `events` (some tens of thousands of events), a plain build takes well under a second. */
const PLAIN_BUILD_MAX_BYTES = 32 * 1024 * 1024;

/**
 * Finds the events one request caused (the admin console's Trace page) without reading the whole
 * store: an index on the correlation id in each event's metadata. Outside a transaction: a large
 * store builds it CONCURRENTLY, so upgrading does not block appends while it builds (an index left
 * invalid by an interrupted build is dropped and built again); a new or small store builds it plainly,
 * in a moment, because a concurrent build waits on other transactions and holds its own open while
 * it does, and an open transaction anywhere on the server holds every relay's publication back.
 */
export class IndexEventsByCorrelation1764316801100 implements MigrationInterface {
  name = 'IndexEventsByCorrelation1764316801100';
  transaction = false;

  async up(db: QueryRunner): Promise<void> {
    const [{ bytes }]: { bytes: string }[] = await db.query(`SELECT pg_relation_size('events') AS bytes`);
    const invalid: unknown[] = await db.query(`
      SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE c.relname = 'events_correlation_id' AND NOT i.indisvalid`);
    if (invalid.length > 0) await db.query('DROP INDEX CONCURRENTLY events_correlation_id');
    const concurrently = Number(bytes) > PLAIN_BUILD_MAX_BYTES ? 'CONCURRENTLY' : '';
    await db.query(
      `CREATE INDEX ${concurrently} IF NOT EXISTS events_correlation_id ON events ((metadata->>'correlationId'))`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX CONCURRENTLY IF EXISTS events_correlation_id');
  }
}
