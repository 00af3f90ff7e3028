import type { AccountSummary } from './account-summary.entity';

/** The `accounts` table's columns, in table order (COPY and SELECT lists use this order). */
export const ACCOUNT_COLUMNS = [
  'account_id',
  'owner_id',
  'currency',
  'balance',
  'status',
  'version',
  'entry_count',
  'opened_at',
  'updated_at',
] as const;

/** A row of `accounts` as pg returns it. */
export interface AccountRow {
  account_id: string;
  owner_id: string;
  currency: string;
  /** bigint arrives as a string; amounts stay below Number.MAX_SAFE_INTEGER (see bigint-column.ts). */
  balance: string;
  status: AccountSummary['status'];
  version: number;
  entry_count: number;
  opened_at: Date;
  updated_at: Date;
}

export const summaryOfRow = (row: AccountRow): AccountSummary => ({
  accountId: row.account_id,
  ownerId: row.owner_id,
  currency: row.currency,
  balance: Number(row.balance),
  status: row.status,
  version: row.version,
  entryCount: row.entry_count,
  openedAt: row.opened_at,
  updatedAt: row.updated_at,
});
