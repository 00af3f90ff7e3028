import type { DomainEvent } from './event-envelope';

/**
 * Account events. Every type is at schema version 1 except MoneyDeposited, which is at version 2
 * (v2 added `source`; v1 events are upcast on read, see account-event-upcasters.ts). Money is an integer amount of minor units (cents) of the
 * account's ISO 4217 currency; never a float.
 */
export const AccountEventType = {
  Opened: 'tally.account.opened',
  MoneyDeposited: 'tally.account.money-deposited',
  MoneyWithdrawn: 'tally.account.money-withdrawn',
  Closed: 'tally.account.closed',
  TransferDebited: 'tally.account.transfer-debited',
  TransferCredited: 'tally.account.transfer-credited',
  TransferRefunded: 'tally.account.transfer-refunded',
  BalanceAdjusted: 'tally.account.balance-adjusted',
} as const;

export type AccountOpened = DomainEvent<
  typeof AccountEventType.Opened,
  { accountId: string; ownerId: string; currency: string }
>;
/**
 * v2: `source` says where the money came from (`api` for a client deposit; free text up to 32
 * characters, lower-case). Deposits written as v1 read as `source: 'unknown'`.
 */
export type MoneyDeposited = DomainEvent<
  typeof AccountEventType.MoneyDeposited,
  { amount: number; source: string }
>;
export type MoneyWithdrawn = DomainEvent<typeof AccountEventType.MoneyWithdrawn, { amount: number }>;
export type AccountClosed = DomainEvent<typeof AccountEventType.Closed, Record<string, never>>;

/** Money leaving the account for a transfer; it is in flight until credited to the target or refunded. */
export type TransferDebited = DomainEvent<
  typeof AccountEventType.TransferDebited,
  { transferId: string; amount: number; toAccountId: string }
>;
export type TransferCredited = DomainEvent<
  typeof AccountEventType.TransferCredited,
  { transferId: string; amount: number; fromAccountId: string }
>;
/** A debited transfer whose credit was refused comes back to its source. */
export type TransferRefunded = DomainEvent<
  typeof AccountEventType.TransferRefunded,
  { transferId: string; amount: number }
>;

/**
 * An operator's correction of the balance (`POST /accounts/:id/adjustments`, tally:admin): `amount` is
 * signed (positive adds money, negative removes it, never zero) and `reason` says why. Money that
 * enters or leaves the system this way is counted by the conservation check beside deposits and
 * withdrawals; who made it is the event's `metadata.actor`.
 */
export type BalanceAdjusted = DomainEvent<
  typeof AccountEventType.BalanceAdjusted,
  { amount: number; reason: string }
>;

export type AccountEvent =
  | AccountOpened
  | MoneyDeposited
  | MoneyWithdrawn
  | AccountClosed
  | TransferDebited
  | TransferCredited
  | TransferRefunded
  | BalanceAdjusted;

/** The schema version each account event type is written with today. */
export const currentAccountSchemaVersion: Record<AccountEvent['type'], number> = {
  [AccountEventType.Opened]: 1,
  [AccountEventType.MoneyDeposited]: 2,
  [AccountEventType.MoneyWithdrawn]: 1,
  [AccountEventType.Closed]: 1,
  [AccountEventType.TransferDebited]: 1,
  [AccountEventType.TransferCredited]: 1,
  [AccountEventType.TransferRefunded]: 1,
  [AccountEventType.BalanceAdjusted]: 1,
};

/** The stream an account's events live in. */
export const accountStreamId = (accountId: string): string => `account-${accountId}`;

/** The account id inside an account stream id; undefined for any other stream. */
export const accountIdOfStream = (streamId: string): string | undefined =>
  streamId.startsWith('account-') ? streamId.slice('account-'.length) : undefined;
