import type { MigrationInterface, QueryRunner } from 'typeorm';
import { doneBeforeTheSplit } from '../../migrations/split-1764316800210';

export class CreateLedgerEntries1764316800212 implements MigrationInterface {
  name = 'CreateLedgerEntries1764316800212';

  async up(db: QueryRunner): Promise<void> {
    if (await doneBeforeTheSplit(db)) return;
    await db.query(`
      CREATE TABLE ledger_entries (
        account_id              uuid NOT NULL,
        version                 integer NOT NULL,
        kind                    text NOT NULL CHECK (kind IN
                                  ('deposit', 'withdrawal', 'transfer-debit', 'transfer-credit', 'transfer-refund')),
        amount                  bigint NOT NULL,
        balance_after           bigint NOT NULL,
        occurred_at             timestamptz NOT NULL,
        transfer_id             text,
        counterparty_account_id text,
        source                  text,
        PRIMARY KEY (account_id, version)
      )`);
    await db.query('CREATE INDEX ledger_entries_as_of ON ledger_entries (account_id, occurred_at, version)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE ledger_entries');
  }
}
