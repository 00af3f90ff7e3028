import type { BulkTarget, CopyValue } from '@tally/projections';
import { EventStreams, asDelivered } from '@tally/testing';
import { accountReadModels } from './account-read-models';
import { foldReadModels, snapshotOfRows } from './testing';

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
    const events = asDelivered([...streams.events, closed]);

    for (const batchSize of [1, 7, events.length]) {
      const { target, rows } = capture();
      const loads = accountReadModels.projections().map((projection) => projection.bulkLoad(target));
      for (let start = 0; start < events.length; start += batchSize)
        for (const load of loads) load.add(events.slice(start, start + batchSize));
      for (const load of loads) load.finish();
      expect(snapshotOfRows(rows)).toEqual(foldReadModels(events));
    }
  });
});
