import { accountIdOfStream, type EventEnvelope } from '@tally/contracts';
import type { BulkLoad, BulkLoadable, BulkTarget } from '@tally/projections';
import type { EntityManager } from 'typeorm';
import type { AccountSummary } from './account-summary.entity';
import { ACCOUNT_COLUMNS, type AccountRow, summaryOfRow } from './account-row';
import { evolveAccountSummary } from './account-summary.evolve';

/**
 * Folds a batch into the touched rows in memory, then writes them with one multi-row upsert:
 * one SELECT and one INSERT per batch, however many events it holds. Plain SQL with one array
 * parameter per column: the ORM's query builder cost more CPU than the database for large batches.
 */
export class AccountSummaryProjection implements BulkLoadable {
  readonly name = 'account-summary';

  /** Rebuild: every account's row folded in memory, written once at the end. */
  bulkLoad(target: BulkTarget): BulkLoad {
    // Keyed by stream id, not account id: the event's own string, whose hash every map shares.
    const rows = new Map<string, AccountSummary>();
    return {
      add: (events) => {
        for (const event of events) {
          if (accountIdOfStream(event.streamId) === undefined) continue;
          const row = rows.get(event.streamId);
          const next = evolveAccountSummary(row, event as Parameters<typeof evolveAccountSummary>[1]);
          if (next) rows.set(event.streamId, next);
        }
      },
      finish: () => {
        const sink = target.table('accounts', [...ACCOUNT_COLUMNS]);
        for (const r of rows.values())
          sink.write([
            r.accountId,
            r.ownerId,
            r.currency,
            r.balance,
            r.status,
            r.version,
            r.entryCount,
            r.openedAt,
            r.updatedAt,
          ]);
      },
    };
  }

  async apply(events: EventEnvelope[], tx: EntityManager): Promise<void> {
    const accountEvents = events.filter((event) => accountIdOfStream(event.streamId) !== undefined);
    if (accountEvents.length === 0) return;
    const ids = [...new Set(accountEvents.map((event) => accountIdOfStream(event.streamId) as string))];
    const found: AccountRow[] = await tx.query(
      `SELECT account_id, owner_id, currency, balance::text AS balance, status, version, entry_count,
              opened_at, updated_at
       FROM accounts WHERE account_id = ANY($1::uuid[])`,
      [ids],
    );
    const rows = new Map<string, AccountSummary>(found.map((row) => [row.account_id, summaryOfRow(row)]));
    for (const event of accountEvents) {
      const id = accountIdOfStream(event.streamId) as string;
      const next = evolveAccountSummary(rows.get(id), event as Parameters<typeof evolveAccountSummary>[1]);
      if (next) rows.set(id, next);
    }
    const changed = ids.map((id) => rows.get(id)).filter((row): row is AccountSummary => row !== undefined);
    if (changed.length === 0) return;
    await tx.query(
      `INSERT INTO accounts (account_id, owner_id, currency, balance, status, version, entry_count, opened_at, updated_at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::char(3)[], $4::bigint[], $5::text[], $6::int[], $7::int[],
                            $8::timestamptz[], $9::timestamptz[])
       ON CONFLICT (account_id) DO UPDATE SET owner_id = EXCLUDED.owner_id, currency = EXCLUDED.currency,
         balance = EXCLUDED.balance, status = EXCLUDED.status, version = EXCLUDED.version,
         entry_count = EXCLUDED.entry_count, opened_at = EXCLUDED.opened_at, updated_at = EXCLUDED.updated_at`,
      [
        changed.map((r) => r.accountId),
        changed.map((r) => r.ownerId),
        changed.map((r) => r.currency),
        changed.map((r) => r.balance),
        changed.map((r) => r.status),
        changed.map((r) => r.version),
        changed.map((r) => r.entryCount),
        changed.map((r) => r.openedAt.toISOString()),
        changed.map((r) => r.updatedAt.toISOString()),
      ],
    );
  }
}
