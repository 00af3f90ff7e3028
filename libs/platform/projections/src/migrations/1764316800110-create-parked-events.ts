import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events that arrived ahead of their stream (the previous version was dead-lettered, or the topic's
 * partitioning changed). They wait here, in the read database, until the missing version arrives,
 * instead of blocking their whole partition.
 */
export class CreateParkedEvents1764316800110 implements MigrationInterface {
  name = 'CreateParkedEvents1764316800110';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE parked_events (
        projector text NOT NULL,
        stream_id text NOT NULL,
        version   integer NOT NULL,
        event     jsonb NOT NULL,
        parked_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (projector, stream_id, version)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE parked_events');
  }
}
