import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { AccountSummary } from './account-summary.entity';

/**
 * `GET /accounts/:id` is the hottest read, so it skips TypeORM's query builder (which rebuilds and
 * re-escapes the SQL on every call) for one named prepared statement: each pooled connection parses
 * and plans it once. PostgreSQL re-plans it by itself after DDL on `accounts`, such as the rebuild's
 * table swap, and the explicit column list keeps its result shape fixed across that swap.
 */
const byId = {
  name: 'account-summary-by-id',
  text: `SELECT account_id, owner_id, currency, balance, status, version, entry_count, opened_at, updated_at
         FROM accounts WHERE account_id = $1`,
};

interface AccountRow {
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

/** The connection pool TypeORM already manages for the read database (no second pool). */
export const poolOf = (dataSource: DataSource): Pool => (dataSource.driver as PostgresDriver).master as Pool;

export async function accountSummaryById(pool: Pool, accountId: string): Promise<AccountSummary | undefined> {
  const { rows } = await pool.query<AccountRow>({ ...byId, values: [accountId] });
  const row = rows[0];
  return (
    row && {
      accountId: row.account_id,
      ownerId: row.owner_id,
      currency: row.currency,
      balance: Number(row.balance),
      status: row.status,
      version: row.version,
      entryCount: row.entry_count,
      openedAt: row.opened_at,
      updatedAt: row.updated_at,
    }
  );
}
