import { partOfTheSplit } from '../../migrations/split-1764316800210';

export const CreateOwnerBalances1764316800214 = partOfTheSplit(
  'CreateOwnerBalances1764316800214',
  [
    `
      CREATE TABLE owner_balances (
        owner_id      text NOT NULL,
        currency      char(3) NOT NULL,
        balance       bigint NOT NULL,
        accounts      integer NOT NULL,
        open_accounts integer NOT NULL,
        PRIMARY KEY (owner_id, currency)
      )`,
  ],
  ['DROP TABLE owner_balances'],
);
