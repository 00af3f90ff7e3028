import { emptied, furthestEnds, partitionsBehind } from './topic-loss';

describe('topic loss', () => {
  it('finds the partitions whose end went backwards, comparing only the partitions found', () => {
    expect(partitionsBehind({ '0': '10', '1': '5', '2': '7' }, { '0': '10', '1': '2' })).toEqual([
      { partition: 1, published: '5', found: '2' },
    ]);
  });

  it('finds every partition behind when the topic is gone', () => {
    const published = { '0': '10', '1': '5' };
    expect(partitionsBehind(published, emptied(published))).toEqual([
      { partition: 0, published: '10', found: '0' },
      { partition: 1, published: '5', found: '0' },
    ]);
  });

  it('finds nothing while every partition is at or past what was published (a grown topic)', () => {
    expect(partitionsBehind({ '0': '10', '1': '5' }, { '0': '12', '1': '5', '2': '3' })).toEqual([]);
  });

  it('keeps the larger end of each partition, comparing as numbers', () => {
    expect(furthestEnds({ '0': '9', '1': '100' }, { '0': '10', '2': '1' })).toEqual({
      '0': '10',
      '1': '100',
      '2': '1',
    });
  });
});
