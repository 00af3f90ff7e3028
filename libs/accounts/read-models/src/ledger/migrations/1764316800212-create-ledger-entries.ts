import { partOfTheSplit } from '../../migrations/split-1764316800210';

export const CreateLedgerEntries1764316800212 = partOfTheSplit(
  'CreateLedgerEntries1764316800212',
  [
    `
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
      )`,
    'CREATE INDEX ledger_entries_as_of ON ledger_entries (account_id, occurred_at, version)',
  ],
  ['DROP TABLE ledger_entries'],
);
