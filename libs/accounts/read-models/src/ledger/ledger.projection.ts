import { accountIdOfStream, type EventEnvelope } from '@tally/contracts';
import type { Projection } from '@tally/projections';
import type { EntityManager } from 'typeorm';
import { LedgerEntry } from './ledger-entry.entity';
import { ledgerEntryOf } from './ledger.evolve';

const ROWS_PER_INSERT = 1_000; // keeps one INSERT well under PostgreSQL's 65535 bind parameters

/**
 * Per batch: one query for the last balance of every touched account, entries computed in memory,
 * then multi-row inserts. The entries' primary key (account, version) makes a replay a no-op even
 * without the stream positions, as a second line of defence.
 */
export class LedgerProjection implements Projection {
  readonly name = 'ledger';

  async apply(events: EventEnvelope[], tx: EntityManager): Promise<void> {
    const accountEvents = events.filter((event) => accountIdOfStream(event.streamId) !== undefined);
    if (accountEvents.length === 0) return;
    const ids = [...new Set(accountEvents.map((event) => accountIdOfStream(event.streamId) as string))];
    const last: { account_id: string; balance_after: string }[] = await tx.query(
      `SELECT a.account_id, l.balance_after FROM unnest($1::uuid[]) AS a(account_id)
       CROSS JOIN LATERAL (SELECT balance_after FROM ledger_entries e WHERE e.account_id = a.account_id
                           ORDER BY version DESC LIMIT 1) l`,
      [ids],
    );
    const balances = new Map(last.map((row) => [row.account_id, Number(row.balance_after)]));
    const entries: LedgerEntry[] = [];
    for (const event of accountEvents) {
      const id = accountIdOfStream(event.streamId) as string;
      const entry = ledgerEntryOf(balances.get(id) ?? 0, event as Parameters<typeof ledgerEntryOf>[1]);
      if (!entry) continue;
      balances.set(id, entry.balanceAfter);
      entries.push(entry);
    }
    for (let i = 0; i < entries.length; i += ROWS_PER_INSERT) {
      await tx
        .createQueryBuilder()
        .insert()
        .into(LedgerEntry)
        .values(entries.slice(i, i + ROWS_PER_INSERT))
        .orIgnore()
        .execute();
    }
  }
}
