import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The read side's second wave: ledger entries, transfers, owner totals, and account listing indexes. */
export class CreateLedgerTransfersPortfolio1764316800210 implements MigrationInterface {
  name = 'CreateLedgerTransfersPortfolio1764316800210';

  async up(db: QueryRunner): Promise<void> {
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
    await db.query(`
      CREATE TABLE transfers (
        transfer_id     text PRIMARY KEY,
        from_account_id text NOT NULL,
        to_account_id   text NOT NULL,
        amount          bigint NOT NULL,
        currency        char(3) NOT NULL,
        status          text NOT NULL CHECK (status IN ('requested', 'debited', 'completed', 'failed')),
        reason          text,
        refunded        boolean,
        version         integer NOT NULL,
        requested_at    timestamptz NOT NULL,
        debited_at      timestamptz,
        completed_at    timestamptz,
        failed_at       timestamptz,
        updated_at      timestamptz NOT NULL
      )`);
    await db.query(`
      CREATE TABLE owner_balances (
        owner_id      text NOT NULL,
        currency      char(3) NOT NULL,
        balance       bigint NOT NULL,
        accounts      integer NOT NULL,
        open_accounts integer NOT NULL,
        PRIMARY KEY (owner_id, currency)
      )`);
    // Keyset pagination of GET /accounts by (opened_at, account_id), with and without an owner filter.
    await db.query('CREATE INDEX accounts_opened_keyset ON accounts (opened_at, account_id)');
    await db.query('CREATE INDEX accounts_owner_opened_keyset ON accounts (owner_id, opened_at, account_id)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX accounts_owner_opened_keyset');
    await db.query('DROP INDEX accounts_opened_keyset');
    await db.query('DROP TABLE owner_balances');
    await db.query('DROP TABLE transfers');
    await db.query('DROP TABLE ledger_entries');
  }
}
