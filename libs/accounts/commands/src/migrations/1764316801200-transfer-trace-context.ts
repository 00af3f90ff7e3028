import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The W3C trace context of the request that asked for a transfer: the transfer worker runs the
 * steps later (on the leader), and continues that trace with them when there is one.
 */
export class TransferTraceContext1764316801200 implements MigrationInterface {
  name = 'TransferTraceContext1764316801200';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE transfers_in_flight ADD COLUMN traceparent text, ADD COLUMN tracestate text');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE transfers_in_flight DROP COLUMN traceparent, DROP COLUMN tracestate');
  }
}
