import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per leader loop (relay, transfer process manager): the epoch of its current term, bumped by
 * each new leader. A leader's writes check their epoch in the writing transaction (`LeaderFence`), so
 * a leader that lost its lock (paused past its lease, cut off) cannot write afterwards.
 */
export class CreateLeaderTerms1764316801320 implements MigrationInterface {
  name = 'CreateLeaderTerms1764316801320';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE leader_terms (
        lock_name  text PRIMARY KEY,
        epoch      bigint NOT NULL,
        leader     text NOT NULL,
        began_at   timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE leader_terms');
  }
}
