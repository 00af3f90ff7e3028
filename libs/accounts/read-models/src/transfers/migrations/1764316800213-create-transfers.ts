import { partOfTheSplit } from '../../migrations/split-1764316800210';

export const CreateTransfers1764316800213 = partOfTheSplit(
  'CreateTransfers1764316800213',
  [
    `
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
      )`,
  ],
  ['DROP TABLE transfers'],
);
