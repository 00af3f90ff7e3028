import { AccountEventType } from '../account-events';
import { TransferEventType } from '../transfer-events';
import type { KnownEvent } from '../known-events';
import {
  currencyCode,
  flag,
  minorUnits,
  record,
  signedMinorUnits,
  text,
  type JsonSchema,
} from './json-schema';

/** One published schema version of an event type's `data`, with an example of it. */
export interface EventDataVersion {
  schema: JsonSchema;
  example: Record<string, unknown>;
}

/**
 * The single source of truth for what each event type's `data` looks like, at every schema version
 * ever published: `decodeEvent` validates every message against it (before upcasting, at the version
 * it was written with), and `npm run asyncapi` publishes it as the topic's contract. A published
 * version is never edited but to add an optional field: the compatibility check (event-schema
 * compatibility, against asyncapi/released-event-schemas.json) fails on anything else. Changing a
 * shape means adding version N+1 here and an upcaster from N (account-event-upcasters.ts).
 */
export const eventDataSchemas: Record<KnownEvent['type'], Readonly<Record<number, EventDataVersion>>> = {
  [AccountEventType.Opened]: {
    1: {
      schema: record('A new account, at a zero balance.', {
        accountId: text('The account (also the stream id: `account-<accountId>`).'),
        ownerId: text('Who owns it (the subject of the token that opened it, or named by an admin).'),
        currency: currencyCode('The one currency the account holds, ISO 4217.'),
      }),
      example: {
        accountId: '3f2c9a4e-0b7d-4c1e-9a55-2d8e6f1b7c10',
        ownerId: 'alice',
        currency: 'EUR',
      },
    },
  },
  [AccountEventType.MoneyDeposited]: {
    1: {
      schema: record('Money paid into the account (v1: read as v2 with `source: "unknown"`).', {
        amount: minorUnits('How much was deposited.'),
      }),
      example: { amount: 2500 },
    },
    2: {
      schema: record('Money paid into the account.', {
        amount: minorUnits('How much was deposited.'),
        source: text('Where the money came from: `api` for a client deposit (lower-case, at most 32).', {
          maxLength: 32,
        }),
      }),
      example: { amount: 2500, source: 'api' },
    },
  },
  [AccountEventType.MoneyWithdrawn]: {
    1: {
      schema: record('Money paid out of the account.', { amount: minorUnits('How much was withdrawn.') }),
      example: { amount: 1200 },
    },
  },
  [AccountEventType.Closed]: {
    1: { schema: record('The account closed at a zero balance; it accepts nothing more.', {}), example: {} },
  },
  [AccountEventType.TransferDebited]: {
    1: {
      schema: record('Money left the account for a transfer; in flight until credited or refunded.', {
        transferId: text('The transfer (stream `transfer-<transferId>`).'),
        amount: minorUnits('How much left the account.'),
        toAccountId: text('The account it is going to.'),
      }),
      example: {
        transferId: '9b1d6a52-5d0e-4f7a-8f0c-2a6c1e4d3b21',
        amount: 700,
        toAccountId: 'b7e0c4d2-1a3f-4e5b-8c6d-7e8f9a0b1c2d',
      },
    },
  },
  [AccountEventType.TransferCredited]: {
    1: {
      schema: record('Money of a transfer arrived in the account.', {
        transferId: text('The transfer (stream `transfer-<transferId>`).'),
        amount: minorUnits('How much arrived.'),
        fromAccountId: text('The account it came from.'),
      }),
      example: {
        transferId: '9b1d6a52-5d0e-4f7a-8f0c-2a6c1e4d3b21',
        amount: 700,
        fromAccountId: '3f2c9a4e-0b7d-4c1e-9a55-2d8e6f1b7c10',
      },
    },
  },
  [AccountEventType.TransferRefunded]: {
    1: {
      schema: record('A debited transfer whose credit was refused came back to the account.', {
        transferId: text('The transfer (stream `transfer-<transferId>`).'),
        amount: minorUnits('How much came back.'),
      }),
      example: { transferId: '9b1d6a52-5d0e-4f7a-8f0c-2a6c1e4d3b21', amount: 700 },
    },
  },
  [AccountEventType.BalanceAdjusted]: {
    1: {
      schema: record(
        "An operator's correction of the balance (tally:admin); who made it is `metadata.actor`.",
        {
          amount: signedMinorUnits('Positive adds money to the account, negative takes it out.'),
          reason: text('Why, in the operator’s words (e.g. a ticket reference).'),
        },
      ),
      example: { amount: -250, reason: 'OPS-1432: duplicate card settlement' },
    },
  },
  [TransferEventType.Requested]: {
    1: {
      schema: record('A transfer between two accounts of the same currency was requested.', {
        transferId: text('The transfer (also its stream id: `transfer-<transferId>`).'),
        fromAccountId: text('The account to debit.'),
        toAccountId: text('The account to credit.'),
        amount: minorUnits('How much to move.'),
        currency: currencyCode("Both accounts' currency, ISO 4217."),
      }),
      example: {
        transferId: '9b1d6a52-5d0e-4f7a-8f0c-2a6c1e4d3b21',
        fromAccountId: '3f2c9a4e-0b7d-4c1e-9a55-2d8e6f1b7c10',
        toAccountId: 'b7e0c4d2-1a3f-4e5b-8c6d-7e8f9a0b1c2d',
        amount: 700,
        currency: 'EUR',
      },
    },
  },
  [TransferEventType.SourceDebited]: {
    1: { schema: record('The source account was debited; the credit comes next.', {}), example: {} },
  },
  [TransferEventType.Completed]: {
    1: { schema: record('The target account was credited: the transfer is done.', {}), example: {} },
  },
  [TransferEventType.Failed]: {
    1: {
      schema: record('The transfer failed; the source was refunded if it had been debited.', {
        reason: text('A public problem code, e.g. `insufficient-funds`, `account-closed`.'),
        refunded: flag('Whether the source account was debited and has been refunded.'),
      }),
      example: { reason: 'insufficient-funds', refunded: false },
    },
  },
};

/** The schema versions published for a type, oldest first; empty for a type this system does not know. */
export const schemaVersionsOf = (type: string): number[] =>
  Object.keys((eventDataSchemas as Record<string, object>)[type] ?? {})
    .map(Number)
    .sort((a, b) => a - b);
