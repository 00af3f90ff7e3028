import { CommandQueueFullError } from './pipeline-errors';
import { StreamQueues, type Waiting } from './stream-queues';

interface Item extends Waiting {
  name: string;
}

const item = (name: string, alone = false): Item => ({ name, alone, reject: jest.fn() });

describe('StreamQueues', () => {
  it('writes one turn per stream at a time, taking everything that waited as the next turn', async () => {
    const turns: string[][] = [];
    let release!: () => void;
    const queues = new StreamQueues<Item>(
      { perStream: 10, total: 100, batch: 10 },
      async (_stream, items) => {
        turns.push(items.map((i) => i.name));
        if (turns.length === 1) await new Promise<void>((resolve) => (release = resolve));
      },
    );
    queues.push('s', item('a'));
    queues.push('s', item('b'));
    queues.push('s', item('c', true));
    queues.push('s', item('d'));
    queues.push('t', item('x'));
    expect(turns).toEqual([['a'], ['x']]); // other streams do not wait
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(turns).toEqual([['a'], ['x'], ['b'], ['c'], ['d']]); // an item that must be alone is alone
    expect(queues.size).toBe(0);
  });

  it('refuses at once when a stream or all streams are full', () => {
    const queues = new StreamQueues<Item>(
      { perStream: 2, total: 3, batch: 10 },
      () => new Promise(() => undefined),
    );
    queues.push('s', item('a')); // being written
    queues.push('s', item('b'));
    queues.push('s', item('c'));
    expect(() => queues.push('s', item('d'))).toThrow(CommandQueueFullError);
    expect(() => queues.push('t', item('e'))).toThrow(CommandQueueFullError); // 3 in all
  });

  it('fails the items of a turn whose writer throws, and goes on with the next', async () => {
    const failing = item('a');
    const next = item('b');
    let calls = 0;
    const queues = new StreamQueues<Item>({ perStream: 10, total: 10, batch: 10 }, async () => {
      if (calls++ === 0) throw new Error('boom');
    });
    queues.push('s', failing);
    queues.push('s', next);
    await new Promise((resolve) => setImmediate(resolve));
    expect(failing.reject).toHaveBeenCalledWith(new Error('boom'));
    expect(next.reject).not.toHaveBeenCalled();
    expect(calls).toBe(2);
  });
});
