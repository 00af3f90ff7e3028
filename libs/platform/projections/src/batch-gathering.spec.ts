import { BatchGathering } from './batch-gathering';

describe('BatchGathering', () => {
  it('hands the calls made in the same turn to one handler call, and settles them all after it', async () => {
    const handled: number[][] = [];
    let finish!: () => void;
    const gathering = new BatchGathering<number>(async (items) => {
      handled.push(items);
      await new Promise<void>((resolve) => (finish = resolve));
    });
    let settled = 0;
    const calls = [1, 2, 3].map((n) => gathering.add(n).then(() => settled++));
    await new Promise((resolve) => setImmediate(resolve));
    expect(handled).toEqual([[1, 2, 3]]);
    expect(settled).toBe(0);
    finish();
    await Promise.all(calls);
    expect(settled).toBe(3);
  });

  it('starts a new gathering for calls made later, and rejects every call of a failed one', async () => {
    const handled: string[][] = [];
    const gathering = new BatchGathering<string>(async (items) => {
      handled.push(items);
      if (items.includes('bad')) throw new Error('boom');
    });
    await gathering.add('a');
    const failed = [gathering.add('b'), gathering.add('bad')];
    await expect(failed[0]).rejects.toThrow('boom');
    await expect(failed[1]).rejects.toThrow('boom');
    expect(handled).toEqual([['a'], ['b', 'bad']]);
  });
});
