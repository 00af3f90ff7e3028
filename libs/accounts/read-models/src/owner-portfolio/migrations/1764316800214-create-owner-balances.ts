import type { MigrationInterface, QueryRunner } from 'typeorm';
import { doneBeforeTheSplit } from '../../migrations/split-1764316800210';

export class CreateOwnerBalances1764316800214 implements MigrationInterface {
  name = 'CreateOwnerBalances1764316800214';

  async up(db: QueryRunner): Promise<void> {
    if (await doneBeforeTheSplit(db)) return;
    await db.query(`
      CREATE TABLE owner_balances (
        owner_id      text NOT NULL,
        currency      char(3) NOT NULL,
        balance       bigint NOT NULL,
        accounts      integer NOT NULL,
        open_accounts integer NOT NULL,
        PRIMARY KEY (owner_id, currency)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE owner_balances');
  }
}
