import type { DomainEvent } from './event-envelope';

/**
 * Account events, schema version 1. Money is an integer amount of minor units (cents) of the
 * account's ISO 4217 currency; never a float.
 */
export const AccountEventType = {
  Opened: 'tally.account.opened',
  MoneyDeposited: 'tally.account.money-deposited',
  MoneyWithdrawn: 'tally.account.money-withdrawn',
  Closed: 'tally.account.closed',
} as const;

export type AccountOpened = DomainEvent<
  typeof AccountEventType.Opened,
  { accountId: string; ownerId: string; currency: string }
>;
export type MoneyDeposited = DomainEvent<typeof AccountEventType.MoneyDeposited, { amount: number }>;
export type MoneyWithdrawn = DomainEvent<typeof AccountEventType.MoneyWithdrawn, { amount: number }>;
export type AccountClosed = DomainEvent<typeof AccountEventType.Closed, Record<string, never>>;

export type AccountEvent = AccountOpened | MoneyDeposited | MoneyWithdrawn | AccountClosed;

/** The schema version each account event type is written with today. */
export const currentAccountSchemaVersion: Record<AccountEvent['type'], number> = {
  [AccountEventType.Opened]: 1,
  [AccountEventType.MoneyDeposited]: 1,
  [AccountEventType.MoneyWithdrawn]: 1,
  [AccountEventType.Closed]: 1,
};

/** The stream an account's events live in. */
export const accountStreamId = (accountId: string): string => `account-${accountId}`;

/** The account id inside an account stream id; undefined for any other stream. */
export const accountIdOfStream = (streamId: string): string | undefined =>
  streamId.startsWith('account-') ? streamId.slice('account-'.length) : undefined;
