import type { MigrationInterface, QueryRunner } from 'typeorm';
import { doneBeforeTheSplit } from '../../migrations/split-1764316800210';

/** Keyset pagination of GET /accounts by (opened_at, account_id), with and without an owner filter. */
export class CreateAccountListingIndexes1764316800211 implements MigrationInterface {
  name = 'CreateAccountListingIndexes1764316800211';

  async up(db: QueryRunner): Promise<void> {
    if (await doneBeforeTheSplit(db)) return;
    await db.query('CREATE INDEX accounts_opened_keyset ON accounts (opened_at, account_id)');
    await db.query('CREATE INDEX accounts_owner_opened_keyset ON accounts (owner_id, opened_at, account_id)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX accounts_owner_opened_keyset');
    await db.query('DROP INDEX accounts_opened_keyset');
  }
}
