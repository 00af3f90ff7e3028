import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One snapshot per stream: the folded state at `version`. A snapshot is a cache, never the truth; it
 * can be deleted at any time and the next load folds the whole stream again. `kind` names the shape
 * of the state, so a snapshot written by an older decider is ignored rather than misread.
 */
export class CreateSnapshots1764316800300 implements MigrationInterface {
  name = 'CreateSnapshots1764316800300';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE snapshots (
        stream_id  text PRIMARY KEY REFERENCES streams (stream_id),
        kind       text NOT NULL,
        version    integer NOT NULL CHECK (version >= 1),
        state      jsonb NOT NULL,
        taken_at   timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE snapshots');
  }
}
