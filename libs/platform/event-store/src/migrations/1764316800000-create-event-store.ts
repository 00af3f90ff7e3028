import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event store is also the outbox: an event row and its publication record are the same row,
 * committed in the appending transaction. `transaction_id` (the writer's xid8) is what lets the relay
 * read in commit-safe order without skipping rows committed late by concurrent transactions.
 */
export class CreateEventStore1764316800000 implements MigrationInterface {
  name = 'CreateEventStore1764316800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE streams (
        stream_id   text PRIMARY KEY,
        stream_type text NOT NULL,
        version     integer NOT NULL CHECK (version >= 1)
      )`);
    await db.query(`
      CREATE TABLE events (
        global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
        stream_id       text NOT NULL REFERENCES streams (stream_id),
        stream_version  integer NOT NULL CHECK (stream_version >= 1),
        event_id        uuid NOT NULL UNIQUE,
        event_type      text NOT NULL,
        schema_version  integer NOT NULL CHECK (schema_version >= 1),
        data            jsonb NOT NULL,
        metadata        jsonb NOT NULL,
        occurred_at     timestamptz NOT NULL,
        recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
        UNIQUE (stream_id, stream_version)
      )`);
    await db.query(`CREATE INDEX events_publication_order ON events (transaction_id, global_position)`);
    await db.query(`
      CREATE TABLE relay_checkpoints (
        relay           text PRIMARY KEY,
        transaction_id  xid8 NOT NULL,
        global_position bigint NOT NULL,
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE relay_checkpoints');
    await db.query('DROP TABLE events');
    await db.query('DROP TABLE streams');
  }
}
