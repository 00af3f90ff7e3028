import { migrationRan } from '@tally/database';
import type { QueryRunner } from 'typeorm';

/**
 * Until each read model owned its migrations, one migration, `CreateLedgerTransfersPortfolio1764316800210`,
 * created the ledger, transfer and owner-balance tables and the account listing indexes. Databases
 * migrated then have it on record; its four parts, one per read model and with the same statements,
 * do nothing there. New databases run the parts.
 */
export const doneBeforeTheSplit = (db: QueryRunner): Promise<boolean> =>
  migrationRan(db, 'CreateLedgerTransfersPortfolio1764316800210');
