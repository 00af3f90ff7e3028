import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The transfer process manager's to-do list: a row is inserted in the transaction that records a
 * transfer as requested and deleted in the one that records it completed or failed, so "unfinished"
 * is always exactly this table. The transfer streams stay the truth about each transfer's progress.
 */
export class CreateTransfersInFlight1764316800500 implements MigrationInterface {
  name = 'CreateTransfersInFlight1764316800500';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE transfers_in_flight (
        transfer_id      uuid PRIMARY KEY,
        correlation_id   text NOT NULL,
        requested_at     timestamptz NOT NULL DEFAULT now(),
        attempts         integer NOT NULL DEFAULT 0,
        next_attempt_at  timestamptz NOT NULL DEFAULT now(),
        last_error       text,
        -- Set before a refund starts: once a credit was refused, it is never retried (it could
        -- succeed later, after the refund, and create money).
        credit_refused   text
      )`);
    await db.query('CREATE INDEX transfers_in_flight_due ON transfers_in_flight (next_attempt_at)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE transfers_in_flight');
  }
}
