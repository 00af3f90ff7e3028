import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How far each consumer group has applied each partition, written in the transaction that applies
 * the chunk (one upsert per chunk): the next offset to apply and the time of the newest event applied.
 * Operators read it (the pipeline overview, `npm run admin -- status`) to compute lag and freshness
 * from the topic's ends even while every replica of the group is down, when Kafka's committed offsets
 * (written in the background, up to half a second late) and the replicas' own metrics say nothing.
 */
export class CreateProjectionProgress1764316800130 implements MigrationInterface {
  name = 'CreateProjectionProgress1764316800130';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE projection_progress (
        group_id        text NOT NULL,
        topic           text NOT NULL,
        partition       integer NOT NULL,
        next_offset     bigint NOT NULL,
        newest_event_at timestamptz,
        updated_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (group_id, topic, partition)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE projection_progress');
  }
}
