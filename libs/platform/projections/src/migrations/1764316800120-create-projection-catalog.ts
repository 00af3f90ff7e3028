import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which projections the read tables hold, per projector. A projection missing here (added by a
 * release) while the event store has history is backfilled from the store at start-up (see
 * StoreBackfill), as is a read database that has applied nothing yet (a new replica set).
 */
export class CreateProjectionCatalog1764316800120 implements MigrationInterface {
  name = 'CreateProjectionCatalog1764316800120';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE projection_catalog (
        projector  text NOT NULL,
        projection text NOT NULL,
        built_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (projector, projection)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE projection_catalog');
  }
}
