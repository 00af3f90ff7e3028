import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What operators did about a dead letter: re-driven or marked handled, by whom, when, with a note.
 * Kept in the read database, beside the read tables the letters failed to reach; a rebuild does not
 * swap it. One row per letter: the latest action. A letter is named by its dead-letter topic and its
 * place in it; `original_*` is where it came from, so that a mark never applies to another letter
 * at the same place in a topic that was deleted and created again.
 */
export class CreateDeadLetterMarks1764316800140 implements MigrationInterface {
  name = 'CreateDeadLetterMarks1764316800140';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE dead_letter_marks (
        dead_letter_topic  text NOT NULL,
        partition          integer NOT NULL CHECK (partition >= 0),
        "offset"           bigint NOT NULL CHECK ("offset" >= 0),
        original_partition integer NOT NULL,
        original_offset    text NOT NULL,
        state              text NOT NULL CHECK (state IN ('handled', 'redriven')),
        marked_by          text NOT NULL,
        marked_at          timestamptz NOT NULL DEFAULT now(),
        note               text,
        PRIMARY KEY (dead_letter_topic, partition, "offset")
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE dead_letter_marks');
  }
}
