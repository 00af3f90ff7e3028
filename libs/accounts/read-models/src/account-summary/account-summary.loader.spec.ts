import type { Pool } from 'pg';
import { AccountSummaryLoader } from './account-summary.loader';

const row = (id: string) => ({
  account_id: id,
  owner_id: 'alice',
  currency: 'EUR',
  balance: '5',
  status: 'open',
  version: 1,
  entry_count: 1,
  opened_at: new Date(0),
  updated_at: new Date(0),
});

/** A pool over the stored ids that records the ids of every query it is sent. */
const recordingPool = (stored: string[], failing = () => false) => {
  const queries: string[][] = [];
  const pool = {
    query: async ({ values: [ids] }: { values: [string[]] }) => {
      queries.push(ids);
      if (failing()) throw new Error('connection refused');
      return { rows: ids.filter((id) => stored.includes(id)).map(row) };
    },
  };
  return { loader: new AccountSummaryLoader(pool as unknown as Pool), queries };
};

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('AccountSummaryLoader batching', () => {
  it('answers the lookups of one turn with one query, each with its own summary', async () => {
    const { loader, queries } = recordingPool(['a', 'b']);
    const answers = await Promise.all([loader.byId('a'), loader.byId('B'), loader.byId('missing')]);
    expect(answers.map((summary) => summary?.accountId)).toEqual(['a', 'b', undefined]);
    expect(queries).toEqual([['a', 'b', 'missing']]);
  });

  it('queries again in a later turn instead of answering from a cache', async () => {
    const { loader, queries } = recordingPool(['a']);
    await loader.byId('a');
    await nextTurn();
    await loader.byId('a');
    expect(queries).toEqual([['a'], ['a']]);
  });

  it('splits a large turn into queries of at most 200 ids', async () => {
    const { loader, queries } = recordingPool([]);
    await Promise.all(Array.from({ length: 450 }, (_, i) => loader.byId(`id-${i}`)));
    expect(queries.map((ids) => ids.length)).toEqual([200, 200, 50]);
  });

  it('fails every lookup of a failed query with its error, and recovers for the next turn', async () => {
    let down = true;
    const { loader } = recordingPool(['a'], () => down);
    const failed = await Promise.allSettled([loader.byId('a'), loader.byId('b')]);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect((failed[0] as PromiseRejectedResult).reason).toEqual(new Error('connection refused'));
    down = false;
    expect(await loader.byId('a')).toMatchObject({ accountId: 'a' });
  });
});
