import { AppliedOffsets, type TopicPartitionOffset } from './applied-offsets';

describe('AppliedOffsets', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const setup = (commit: (offsets: TopicPartitionOffset[]) => Promise<void>) => {
    const errors: unknown[] = [];
    const offsets = new AppliedOffsets('t', 500, commit, (error) => errors.push(error));
    return { offsets, errors };
  };

  it('commits the latest applied offset of each partition once per interval, in the background', async () => {
    const commits: TopicPartitionOffset[][] = [];
    const { offsets } = setup(async (o) => void commits.push(o));
    offsets.applied(0, 5n);
    await jest.advanceTimersByTimeAsync(0);
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '5' }]]);
    offsets.applied(0, 7n);
    offsets.applied(1, 3n);
    offsets.applied(0, 9n);
    await jest.advanceTimersByTimeAsync(499);
    expect(commits).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(commits[1]).toEqual([
      { topic: 't', partition: 0, offset: '9' },
      { topic: 't', partition: 1, offset: '3' },
    ]);
  });

  it('retries a failed commit unless a newer offset of the partition is pending', async () => {
    const commits: TopicPartitionOffset[][] = [];
    let fail = true;
    const { offsets, errors } = setup(async (o) => {
      commits.push(o);
      if (fail) throw new Error('rebalancing');
    });
    offsets.applied(0, 5n);
    offsets.applied(1, 2n);
    await jest.advanceTimersByTimeAsync(0);
    expect(errors).toHaveLength(1);
    fail = false;
    offsets.applied(0, 6n);
    await jest.advanceTimersByTimeAsync(500);
    expect(commits[1]).toEqual([
      { topic: 't', partition: 0, offset: '6' },
      { topic: 't', partition: 1, offset: '2' },
    ]);
  });

  it('flushes at once on shutdown and forgets partitions that moved away', async () => {
    const commits: TopicPartitionOffset[][] = [];
    const { offsets } = setup(async (o) => void commits.push(o));
    offsets.applied(0, 1n);
    await jest.advanceTimersByTimeAsync(0);
    offsets.applied(0, 4n);
    offsets.applied(2, 8n);
    offsets.forget(2);
    await offsets.flush();
    expect(commits[1]).toEqual([{ topic: 't', partition: 0, offset: '4' }]);
  });
});
