import { partOfTheSplit } from '../../migrations/split-1764316800210';

/** Keyset pagination of GET /accounts by (opened_at, account_id), with and without an owner filter. */
export const CreateAccountListingIndexes1764316800211 = partOfTheSplit(
  'CreateAccountListingIndexes1764316800211',
  [
    'CREATE INDEX accounts_opened_keyset ON accounts (opened_at, account_id)',
    'CREATE INDEX accounts_owner_opened_keyset ON accounts (owner_id, opened_at, account_id)',
  ],
  ['DROP INDEX accounts_owner_opened_keyset', 'DROP INDEX accounts_opened_keyset'],
);
