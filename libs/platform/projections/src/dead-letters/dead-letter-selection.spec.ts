import type { DeadLetterRecord } from '@tally/messaging';
import type { StoredMark } from './dead-letter-marks';
import { pageOfDeadLetters, selectionProblems } from './dead-letter-selection';

const letter = (id: string, extra: Partial<DeadLetterRecord> = {}): DeadLetterRecord => {
  const [partition, offset] = id.split(':');
  return {
    id,
    partition: Number(partition),
    offset,
    originalTopic: 'events',
    originalPartition: Number(partition),
    originalOffset: String(100 + Number(offset)),
    error: 'amount must be a positive safe integer',
    failedAt: '2026-11-30T10:00:00.000Z',
    key: `account-${id}`,
    value: '{}',
    headers: {},
    ...extra,
  };
};

const marked = (
  l: DeadLetterRecord,
  state: StoredMark['state'] = 'handled',
  origin?: string,
): [string, StoredMark] => [
  l.id,
  {
    id: l.id,
    originalPartition: l.originalPartition,
    originalOffset: origin ?? l.originalOffset,
    state,
    by: 'ops',
    at: '2026-11-30T11:00:00.000Z',
    note: null,
  },
];

describe('choosing dead letters', () => {
  // Out of order on purpose: pages follow the ids, partition then offset (numerically).
  const letters = [letter('1:2'), letter('0:10'), letter('0:9'), letter('2:0'), letter('1:0')];

  it('pages by id: every letter once, in partition and offset order, the cursor stable when letters are added', () => {
    const first = pageOfDeadLetters(letters, new Map(), {}, { limit: 2 });
    expect(first.items.map((l) => l.id)).toEqual(['0:9', '0:10']);
    expect(first).toMatchObject({ next: '0:10', matched: 5, total: 5 });
    // A letter added before the cursor meanwhile does not shift the next page.
    const grown = [letter('0:11'), ...letters];
    const second = pageOfDeadLetters(grown, new Map(), {}, { limit: 2, after: first.next! });
    expect(second.items.map((l) => l.id)).toEqual(['0:11', '1:0']);
    const last = pageOfDeadLetters(grown, new Map(), {}, { limit: 2, after: '1:0' });
    expect(last.items.map((l) => l.id)).toEqual(['1:2', '2:0']);
    expect(last.next).toBeNull();
  });

  it('filters by origin partition, error text, key and failure time (from inclusive, to exclusive)', () => {
    const mixed = [
      letter('0:1', { error: 'Unexpected token } in JSON', failedAt: '2026-11-30T09:00:00.000Z' }),
      letter('0:2', { originalPartition: 4, key: 'account-ABC' }),
      letter('0:3', { failedAt: 'not a time' }),
    ];
    const ids = (filter: Parameters<typeof pageOfDeadLetters>[2]) =>
      pageOfDeadLetters(mixed, new Map(), filter, { limit: 50 }).items.map((l) => l.id);
    expect(ids({ originalPartition: 4 })).toEqual(['0:2']);
    expect(ids({ error: 'unexpected TOKEN' })).toEqual(['0:1']);
    expect(ids({ key: 'abc' })).toEqual(['0:2']);
    expect(ids({ failedFrom: new Date('2026-11-30T10:00:00Z') })).toEqual(['0:2']);
    expect(ids({ failedTo: new Date('2026-11-30T10:00:00Z') })).toEqual(['0:1']);
    expect(ids({})).toEqual(['0:1', '0:2', '0:3']);
  });

  it('tells handled from unhandled by the marks made for the very same letter', () => {
    const [a, b, c] = [letter('0:1'), letter('0:2'), letter('0:3')];
    // c's mark was made for another letter at the same place (the topic was created again).
    const marks = new Map([marked(a), marked(b, 'redriven'), marked(c, 'handled', '999')]);
    const page = (state: 'all' | 'handled' | 'unhandled') =>
      pageOfDeadLetters([a, b, c], marks, { state }, { limit: 50 }).items;
    expect(page('unhandled').map((l) => l.id)).toEqual(['0:3']);
    expect(page('handled').map((l) => [l.id, l.mark?.state])).toEqual([
      ['0:1', 'handled'],
      ['0:2', 'redriven'],
    ]);
    expect(page('all')).toHaveLength(3);
  });

  it('explains a bad page size, cursor, partition, time or state', () => {
    expect(selectionProblems({}, { limit: 50 })).toEqual([]);
    expect(
      selectionProblems(
        { originalPartition: -1, failedFrom: new Date('yesterday'), state: 'done' as 'all' },
        { limit: 0, after: '3' },
      ),
    ).toEqual([
      'limit must be a whole number from 1 to 500',
      'after must be a dead-letter id, <partition>:<offset>',
      'partition must be a whole number, 0 or more',
      'from must be an ISO 8601 instant',
      'state must be all, unhandled or handled',
    ]);
  });
});
