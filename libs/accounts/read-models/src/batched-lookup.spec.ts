import { BatchedLookup } from './batched-lookup';

/** A lookup over `table` that records the keys of every query it makes. */
const recording = (table: Record<string, string>, maxKeysPerQuery = 100) => {
  const queries: string[][] = [];
  const lookup = new BatchedLookup<string>(async (keys) => {
    queries.push(keys);
    return new Map(keys.filter((key) => key in table).map((key) => [key, table[key]]));
  }, maxKeysPerQuery);
  return { lookup, queries };
};

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('BatchedLookup', () => {
  it('answers the lookups of one turn with one query, each with its own value', async () => {
    const { lookup, queries } = recording({ a: 'A', b: 'B' });
    const answers = await Promise.all([lookup.load('a'), lookup.load('b'), lookup.load('missing')]);
    expect(answers).toEqual(['A', 'B', undefined]);
    expect(queries).toEqual([['a', 'b', 'missing']]);
  });

  it('asks for a key once however many lookups of the turn want it', async () => {
    const { lookup, queries } = recording({ a: 'A' });
    expect(await Promise.all([lookup.load('a'), lookup.load('a')])).toEqual(['A', 'A']);
    expect(queries).toEqual([['a']]);
  });

  it('queries again for lookups made in a later turn', async () => {
    const { lookup, queries } = recording({ a: 'A', b: 'B' });
    const first = lookup.load('a');
    await nextTurn();
    const second = lookup.load('b');
    expect(await Promise.all([first, second])).toEqual(['A', 'B']);
    expect(queries).toEqual([['a'], ['b']]);
  });

  it('splits a large turn into queries of at most maxKeysPerQuery keys', async () => {
    const { lookup, queries } = recording({ a: 'A', e: 'E' }, 2);
    const answers = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((key) => lookup.load(key)));
    expect(answers).toEqual(['A', undefined, undefined, undefined, 'E']);
    expect(queries).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('fails every lookup of a failed query with its error, and recovers for the next turn', async () => {
    let down = true;
    const lookup = new BatchedLookup<string>(async (keys) => {
      if (down) throw new Error('connection refused');
      return new Map(keys.map((key) => [key, key.toUpperCase()]));
    }, 100);
    const failed = await Promise.allSettled([lookup.load('a'), lookup.load('b')]);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect((failed[0] as PromiseRejectedResult).reason).toEqual(new Error('connection refused'));
    down = false;
    expect(await lookup.load('a')).toBe('A');
  });
});
