import type { MigrationInterface, QueryRunner } from 'typeorm';

const KINDS_BEFORE = `'deposit', 'withdrawal', 'transfer-debit', 'transfer-credit', 'transfer-refund'`;

/** Ledger entries of kind `adjustment`: an operator's correction of a balance (balance-adjusted events). */
export class LedgerAdjustmentEntries1764316801310 implements MigrationInterface {
  name = 'LedgerAdjustmentEntries1764316801310';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_check,
        ADD CONSTRAINT ledger_entries_kind_check CHECK (kind IN (${KINDS_BEFORE}, 'adjustment'))`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_check,
        ADD CONSTRAINT ledger_entries_kind_check CHECK (kind IN (${KINDS_BEFORE}))`);
  }
}
