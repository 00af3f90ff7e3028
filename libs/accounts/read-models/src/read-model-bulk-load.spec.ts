import { decodeEvent, encodeEvent, type EventEnvelope } from '@tally/contracts';
import type { BulkTarget, CopyValue } from '@tally/projections';
import { EventStreams } from '@tally/testing';
import { accountReadModels } from './account-read-models';
import { foldReadModels, type ReadModelSnapshot } from './testing';

type Row = Record<string, CopyValue>;

/** What the bulk loads would COPY into each table, as rows keyed by column name. */
function capture(): { target: BulkTarget; rows: (table: string) => Row[] } {
  const tables = new Map<string, Row[]>();
  return {
    target: {
      table: (name, columns) => {
        const rows = tables.get(name) ?? [];
        tables.set(name, rows);
        return { write: (row) => rows.push(Object.fromEntries(columns.map((c, i) => [c, row[i]]))) };
      },
    },
    rows: (table) => tables.get(table) ?? [],
  };
}

const by = (key: (row: Row) => string) => (a: Row, b: Row) =>
  key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
const pad = (n: CopyValue) => String(n).padStart(10, '0');

function snapshotOf(rows: (table: string) => Row[]): ReadModelSnapshot {
  return {
    accounts: rows('accounts')
      .sort(by((r) => String(r.account_id)))
      .map((r) => ({
        accountId: r.account_id as string,
        ownerId: r.owner_id as string,
        currency: r.currency as string,
        balance: r.balance as number,
        status: r.status as string,
        version: r.version as number,
        entryCount: r.entry_count as number,
      })),
    ledger: rows('ledger_entries')
      .sort(by((r) => `${String(r.account_id)}@${pad(r.version)}`))
      .map((r) => ({
        accountId: r.account_id as string,
        version: r.version as number,
        kind: r.kind as string,
        amount: r.amount as number,
        balanceAfter: r.balance_after as number,
      })),
    transfers: rows('transfers')
      .sort(by((r) => String(r.transfer_id)))
      .map((r) => ({
        transferId: r.transfer_id as string,
        status: r.status as string,
        version: r.version as number,
        amount: r.amount as number,
        reason: r.reason as string | null,
      })),
    owners: rows('owner_balances')
      .filter((r) => (r.accounts as number) > 0)
      .sort(by((r) => `${String(r.owner_id)}\u0000${String(r.currency)}`))
      .map((r) => ({
        ownerId: r.owner_id as string,
        currency: r.currency as string,
        balance: r.balance as number,
        accounts: r.accounts as number,
        openAccounts: r.open_accounts as number,
      })),
  };
}

describe('the read models bulk loads (rebuild path)', () => {
  it('write exactly the rows a fold of the events says, whatever the batch boundaries', () => {
    const streams = new EventStreams();
    const open = (owner: string, currency = 'EUR') =>
      (streams.open(owner, currency).data as { accountId: string }).accountId;
    const [a, b, c, d] = [open('ann'), open('ann'), open('bob'), open('bob', 'USD')];
    for (let round = 1; round <= 5; round++) {
      for (const id of [a, b, c, d]) streams.deposit(id, round * 100);
      streams.withdraw(a, 30);
      streams.transfer(a, b, 25);
      streams.transfer(c, a, 40);
    }
    streams.withdraw(d, 1_500);
    const closed = streams.skip(`account-${d}`, 'tally.account.closed', {});
    const events: EventEnvelope[] = [...streams.events, closed].map((e) => decodeEvent(encodeEvent(e)));

    for (const batchSize of [1, 7, events.length]) {
      const { target, rows } = capture();
      const loads = accountReadModels.projections().map((projection) => projection.bulkLoad(target));
      for (let start = 0; start < events.length; start += batchSize)
        for (const load of loads) load.add(events.slice(start, start + batchSize));
      for (const load of loads) load.finish();
      expect(snapshotOf(rows)).toEqual(foldReadModels(events));
    }
  });
});
