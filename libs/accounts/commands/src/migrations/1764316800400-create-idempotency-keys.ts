import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outcome of each idempotent request, written in the same transaction as the events it caused,
 * so a key is never stored without its events nor events without their key. `scope` is the method
 * and path (e.g. `POST /accounts/<id>/deposits`): the same key on another route or account is
 * another request.
 */
export class CreateIdempotencyKeys1764316800400 implements MigrationInterface {
  name = 'CreateIdempotencyKeys1764316800400';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE idempotency_keys (
        scope         text NOT NULL,
        key           text NOT NULL,
        request_hash  text NOT NULL,
        status        integer,
        headers       jsonb,
        body          json, -- json, not jsonb: a replay returns the very bytes first sent
        created_at    timestamptz NOT NULL DEFAULT now(),
        expires_at    timestamptz NOT NULL,
        PRIMARY KEY (scope, key)
      )`);
    await db.query('CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE idempotency_keys');
  }
}
