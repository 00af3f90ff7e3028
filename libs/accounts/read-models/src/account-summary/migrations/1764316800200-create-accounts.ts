import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAccounts1764316800200 implements MigrationInterface {
  name = 'CreateAccounts1764316800200';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE accounts (
        account_id  uuid PRIMARY KEY,
        owner_id    text NOT NULL,
        currency    char(3) NOT NULL,
        balance     bigint NOT NULL CHECK (balance >= 0),
        status      text NOT NULL CHECK (status IN ('open', 'closed')),
        version     integer NOT NULL,
        entry_count integer NOT NULL,
        opened_at   timestamptz NOT NULL,
        updated_at  timestamptz NOT NULL
      )`);
    await db.query('CREATE INDEX accounts_owner_keyset ON accounts (owner_id, account_id)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE accounts');
  }
}
