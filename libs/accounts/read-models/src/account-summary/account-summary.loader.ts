import DataLoader from 'dataloader';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { ACCOUNT_COLUMNS, type AccountRow, summaryOfRow } from './account-row';
import type { AccountSummary } from './account-summary.entity';

/**
 * `GET /accounts/:id` is the hottest read, so it skips TypeORM's query builder (which rebuilds and
 * re-escapes the SQL on every call) for one named prepared statement: each pooled connection parses
 * and plans it once. PostgreSQL re-plans it by itself after DDL on `accounts`, such as the rebuild's
 * table swap, and the explicit column list keeps its result shape fixed across that swap.
 */
const byIds = {
  name: 'account-summaries-by-ids',
  text: `SELECT ${ACCOUNT_COLUMNS.join(', ')} FROM accounts WHERE account_id = ANY($1::uuid[])`,
};

/** Bounds one statement's parameter and result size; a larger turn is split into several. */
const MAX_IDS_PER_QUERY = 200;

/**
 * Account summaries by id, the lookups of one event-loop turn in one query. Under load many requests
 * reach their lookup in the same turn (Node reads every ready socket before it runs immediates), and
 * one round trip for all of them costs this process and PostgreSQL far less than one each; a lone
 * request waits only for the rest of its turn.
 *
 * No caching across turns: every query starts after its lookups were asked for, so it sees every
 * write committed before (a read that waited on a consistency token included). A failed query fails
 * each lookup of its batch with the same error.
 */
export class AccountSummaryLoader {
  private readonly lookup: DataLoader<string, AccountSummary | undefined>;

  constructor(pool: Pool) {
    this.lookup = new DataLoader(
      async (ids) => {
        const { rows } = await pool.query<AccountRow>({ ...byIds, values: [ids] });
        const found = new Map(rows.map((row) => [row.account_id, summaryOfRow(row)]));
        return ids.map((id) => found.get(id));
      },
      { cache: false, maxBatchSize: MAX_IDS_PER_QUERY, batchScheduleFn: (run) => setImmediate(run) },
    );
  }

  /** Uses TypeORM's pool for the read database: no second pool, no extra connections. */
  static over(dataSource: DataSource): AccountSummaryLoader {
    return new AccountSummaryLoader((dataSource.driver as PostgresDriver).master as Pool);
  }

  /**
   * `accountId` must already be a valid UUID (ParseUUIDPipe): a value PostgreSQL cannot cast would fail
   * the query of every lookup in its turn. Any letter case: PostgreSQL returns ids in lower case.
   */
  byId(accountId: string): Promise<AccountSummary | undefined> {
    return this.lookup.load(accountId.toLowerCase());
  }
}
