import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the relay knows of its topic, kept with its checkpoint: the topic's name, how far each
 * partition is known to reach (from the broker's acknowledgements), and a topic found holding less
 * than that (deleted or recreated) until a republish from the store repairs it.
 */
export class RelayTopicEnds1764316801000 implements MigrationInterface {
  name = 'RelayTopicEnds1764316801000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE relay_checkpoints
        ADD COLUMN topic text,
        ADD COLUMN topic_ends jsonb NOT NULL DEFAULT '{}',
        ADD COLUMN topic_loss jsonb`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      'ALTER TABLE relay_checkpoints DROP COLUMN topic, DROP COLUMN topic_ends, DROP COLUMN topic_loss',
    );
  }
}
