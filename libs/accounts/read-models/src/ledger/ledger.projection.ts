import { accountIdOfStream, type EventEnvelope } from '@tally/contracts';
import type { BulkLoad, BulkLoadable, BulkTarget } from '@tally/projections';
import type { EntityManager } from 'typeorm';
import type { LedgerEntry } from './ledger-entry.entity';
import { ledgerEntryOf } from './ledger.evolve';

const COLUMNS = [
  'account_id',
  'version',
  'kind',
  'amount',
  'balance_after',
  'occurred_at',
  'transfer_id',
  'counterparty_account_id',
  'source',
];

/**
 * Per batch: one query for the last balance of every touched account, entries computed in memory,
 * then one multi-row insert (one array parameter per column, however many rows). The entries' primary key (account, version) makes a replay a no-op even
 * without the stream positions, as a second line of defence.
 */
export class LedgerProjection implements BulkLoadable {
  readonly name = 'ledger';

  /** Rebuild: each account's running balance in memory; entries streamed out as they are made. */
  bulkLoad(target: BulkTarget): BulkLoad {
    // Keyed by stream id, not account id: the event's own string, whose hash every map shares.
    const balances = new Map<string, number>();
    const sink = target.table('ledger_entries', COLUMNS);
    return {
      add: (events) => {
        for (const event of events) {
          const before = balances.get(event.streamId) ?? 0;
          // Undefined for other streams' events and for events that move no money.
          const entry = ledgerEntryOf(before, event as Parameters<typeof ledgerEntryOf>[1]);
          if (!entry) continue;
          balances.set(event.streamId, entry.balanceAfter);
          sink.write([
            entry.accountId,
            entry.version,
            entry.kind,
            entry.amount,
            entry.balanceAfter,
            entry.occurredAt,
            entry.transferId,
            entry.counterpartyAccountId,
            entry.source,
          ]);
        }
      },
      finish: () => undefined,
    };
  }

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
    if (entries.length === 0) return;
    await tx.query(
      `INSERT INTO ledger_entries (account_id, version, kind, amount, balance_after, occurred_at, transfer_id,
                                   counterparty_account_id, source)
       SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::bigint[], $5::bigint[], $6::timestamptz[],
                            $7::text[], $8::text[], $9::text[])
       ON CONFLICT DO NOTHING`,
      [
        entries.map((e) => e.accountId),
        entries.map((e) => e.version),
        entries.map((e) => e.kind),
        entries.map((e) => e.amount),
        entries.map((e) => e.balanceAfter),
        entries.map((e) => e.occurredAt.toISOString()),
        entries.map((e) => e.transferId),
        entries.map((e) => e.counterpartyAccountId),
        entries.map((e) => e.source),
      ],
    );
  }
}
