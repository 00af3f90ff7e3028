import { AccountEventType, accountIdOfStream, type EventEnvelope } from '@tally/contracts';
import type { BulkLoad, BulkLoadable, BulkTarget } from '@tally/projections';
import type { EntityManager } from 'typeorm';
import { portfolioDeltas, type AccountOwnership, type PortfolioDelta } from './owner-portfolio.evolve';

type AccountEnvelopes = Parameters<typeof portfolioDeltas>[0];

/**
 * Adds each batch's deltas to the owner totals with one atomic upsert (`balance = balance + Δ`).
 * Exactly-once comes from the runtime (only fresh events get here); concurrency safety from never
 * reading a total to write it back. Owners of accounts opened in earlier batches are looked up in
 * the committed `accounts` table, which never changes an account's owner or currency.
 */
export class OwnerPortfolioProjection implements BulkLoadable {
  readonly name = 'owner-portfolio';

  /**
   * Rebuild: owners of the accounts and the totals in memory, written once at the end. Each batch
   * gets exactly the ownership `apply` would read from the accounts table.
   */
  bulkLoad(target: BulkTarget): BulkLoad {
    // Keyed by stream id, not account id: the event's own string, whose hash every map shares.
    const owners = new Map<string, AccountOwnership>();
    const totals = new Map<string, PortfolioDelta>();
    return {
      add: (events) => {
        const accountEvents: AccountEnvelopes = [];
        const openedHere = new Set<string>();
        for (const event of events as AccountEnvelopes) {
          if (accountIdOfStream(event.streamId) === undefined) continue;
          accountEvents.push(event);
          if (event.type === AccountEventType.Opened) openedHere.add(event.streamId);
        }
        const known = new Map<string, AccountOwnership>();
        const looked = new Set<string>(openedHere);
        for (const { streamId } of accountEvents) {
          if (looked.has(streamId)) continue;
          looked.add(streamId);
          const owner = owners.get(streamId);
          if (owner) known.set(accountIdOfStream(streamId) as string, owner);
        }
        for (const delta of portfolioDeltas(accountEvents, known)) {
          const key = `${delta.ownerId}\u0000${delta.currency}`;
          const total = totals.get(key);
          if (!total) totals.set(key, { ...delta });
          else {
            total.balance += delta.balance;
            total.accounts += delta.accounts;
            total.openAccounts += delta.openAccounts;
          }
        }
        for (const event of accountEvents)
          if (event.type === AccountEventType.Opened)
            owners.set(event.streamId, { ownerId: event.data.ownerId, currency: event.data.currency });
      },
      finish: () => {
        const sink = target.table('owner_balances', [
          'owner_id',
          'currency',
          'balance',
          'accounts',
          'open_accounts',
        ]);
        for (const t of totals.values())
          sink.write([t.ownerId, t.currency, t.balance.toString(), t.accounts, t.openAccounts]);
      },
    };
  }

  async apply(events: EventEnvelope[], tx: EntityManager): Promise<void> {
    const accountEvents = events.filter(
      (event) => accountIdOfStream(event.streamId) !== undefined,
    ) as Parameters<typeof portfolioDeltas>[0];
    if (accountEvents.length === 0) return;
    const openedHere = new Set(
      accountEvents.filter((e) => e.type === AccountEventType.Opened).map((e) => e.streamId),
    );
    const lookup = [
      ...new Set(accountEvents.filter((e) => !openedHere.has(e.streamId)).map((e) => e.streamId)),
    ].map((streamId) => accountIdOfStream(streamId) as string);
    const known = new Map<string, AccountOwnership>();
    if (lookup.length > 0) {
      const rows: { account_id: string; owner_id: string; currency: string }[] = await tx.query(
        'SELECT account_id, owner_id, currency FROM accounts WHERE account_id = ANY($1::uuid[])',
        [lookup],
      );
      for (const row of rows) known.set(row.account_id, { ownerId: row.owner_id, currency: row.currency });
    }
    const deltas = portfolioDeltas(accountEvents, known);
    if (deltas.length === 0) return;
    await tx.query(
      `INSERT INTO owner_balances (owner_id, currency, balance, accounts, open_accounts)
       SELECT * FROM unnest($1::text[], $2::char(3)[], $3::bigint[], $4::int[], $5::int[])
         AS d(owner_id, currency, balance, accounts, open_accounts) ORDER BY owner_id, currency
       ON CONFLICT (owner_id, currency) DO UPDATE SET
         balance       = owner_balances.balance + EXCLUDED.balance,
         accounts      = owner_balances.accounts + EXCLUDED.accounts,
         open_accounts = owner_balances.open_accounts + EXCLUDED.open_accounts`,
      [
        deltas.map((d) => d.ownerId),
        deltas.map((d) => d.currency),
        deltas.map((d) => d.balance.toString()),
        deltas.map((d) => d.accounts),
        deltas.map((d) => d.openAccounts),
      ],
    );
  }
}
