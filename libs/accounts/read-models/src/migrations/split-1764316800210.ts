import { migrationRan, type MigrationClass } from '@tally/database';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Until each read model owned its migrations, one migration, `CreateLedgerTransfersPortfolio1764316800210`,
 * created the ledger, transfer and owner-balance tables and the account listing indexes. Databases
 * migrated then have it on record; its four parts, one per read model and with the same statements,
 * do nothing there. New databases run the parts.
 */
export const doneBeforeTheSplit = (db: QueryRunner): Promise<boolean> =>
  migrationRan(db, 'CreateLedgerTransfersPortfolio1764316800210');

/**
 * One part of the split: a migration named `name` that runs `up` where the original did not run,
 * and `down` to undo it. The statements are the original's, unchanged.
 */
export const partOfTheSplit = (name: string, up: string[], down: string[]): MigrationClass =>
  class implements MigrationInterface {
    name = name;

    async up(db: QueryRunner): Promise<void> {
      if (await doneBeforeTheSplit(db)) return;
      for (const statement of up) await db.query(statement);
    }

    async down(db: QueryRunner): Promise<void> {
      for (const statement of down) await db.query(statement);
    }
  };
