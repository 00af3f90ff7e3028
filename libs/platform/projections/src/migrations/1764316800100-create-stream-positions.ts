import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The dedupe record of the read side: per projector and stream, the last stream version applied.
 * It is updated in the same transaction as the read tables, which is what makes a redelivered event
 * a no-op and lets a read wait for a given write (consistency tokens).
 */
export class CreateStreamPositions1764316800100 implements MigrationInterface {
  name = 'CreateStreamPositions1764316800100';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE stream_positions (
        projector  text NOT NULL,
        stream_id  text NOT NULL,
        version    integer NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (projector, stream_id)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE stream_positions');
  }
}
