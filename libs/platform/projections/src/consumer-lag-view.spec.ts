import type { Admin } from 'kafkajs';
import { ConsumerLagView } from './consumer-lag-view';

/** A broker whose partition ends and committed offsets the test moves. */
const fakeBroker = () => {
  const broker = {
    ends: new Map<number, number>(),
    committed: new Map<number, number>(),
    calls: 0,
    fail: false,
  };
  const admin = {
    fetchTopicOffsets: async () => {
      broker.calls++;
      if (broker.fail) throw new Error('broker down');
      return [...broker.ends].map(([partition, end]) => ({
        partition,
        offset: String(end),
        high: String(end),
        low: '0',
      }));
    },
    fetchOffsets: async () => [
      {
        topic: 't',
        partitions: [...broker.ends.keys()].map((partition) => ({
          partition,
          offset: String(broker.committed.get(partition) ?? -1),
          metadata: null,
        })),
      },
    ],
  } as unknown as Admin;
  return { broker, admin };
};

describe('ConsumerLagView: lag computed when read, not when a chunk was last applied', () => {
  const t0 = Date.parse('2026-11-30T12:00:00.000Z');

  it('shows the lag of a stalled consumer growing with the topic, and its freshness ageing', async () => {
    const { broker, admin } = fakeBroker();
    broker.ends.set(0, 10);
    const view = new ConsumerLagView({
      topic: 't',
      groupId: 'g',
      admin: async () => admin,
      recordedEventTimes: async () => new Map(),
      cacheMs: 0,
    });
    view.assigned([0]);
    view.chunkApplied(0, 10n, new Date(t0).toISOString());
    expect(await view.read(t0 + 1_000)).toEqual([
      { partition: 0, position: 10n, lag: 0, freshnessSeconds: 0 },
    ]);

    // Nothing applied any more while the topic grows: the figures must follow the topic, not the last chunk.
    broker.ends.set(0, 25);
    expect(await view.read(t0 + 5_000)).toEqual([
      { partition: 0, position: 10n, lag: 15, freshnessSeconds: 5 },
    ]);
    broker.ends.set(0, 40);
    expect(await view.read(t0 + 65_000)).toEqual([
      { partition: 0, position: 10n, lag: 30, freshnessSeconds: 65 },
    ]);
  });

  it('counts a partition assigned but not applied yet from the committed offset, its age from the record', async () => {
    const { broker, admin } = fakeBroker();
    broker.ends.set(0, 8).set(1, 5);
    broker.committed.set(0, 3);
    const view = new ConsumerLagView({
      topic: 't',
      groupId: 'g',
      admin: async () => admin,
      recordedEventTimes: async () => new Map([[0, new Date(t0)]]),
      cacheMs: 0,
    });
    view.assigned([0, 1]);
    expect(await view.read(t0 + 30_000)).toEqual([
      { partition: 0, position: 3n, lag: 5, freshnessSeconds: 30 },
      // Nothing committed or recorded: the whole partition is behind, and there is no time to measure from.
      { partition: 1, position: 0n, lag: 5, freshnessSeconds: null },
    ]);
  });

  it('reports only the partitions owned now', async () => {
    const { broker, admin } = fakeBroker();
    broker.ends.set(0, 1).set(1, 1).set(2, 1);
    const view = new ConsumerLagView({
      topic: 't',
      groupId: 'g',
      admin: async () => admin,
      recordedEventTimes: async () => new Map(),
      cacheMs: 0,
    });
    view.assigned([0, 1, 2]);
    view.chunkApplied(1, 1n, null);
    view.assigned([1]);
    expect((await view.read(t0)).map((r) => [r.partition, r.lag])).toEqual([[1, 0]]);
  });

  it('asks the broker at most once per cache period, and keeps the last ends while it is down', async () => {
    const { broker, admin } = fakeBroker();
    broker.ends.set(0, 4);
    const view = new ConsumerLagView({
      topic: 't',
      groupId: 'g',
      admin: async () => admin,
      recordedEventTimes: async () => new Map(),
      cacheMs: 60_000,
    });
    view.assigned([0]);
    view.chunkApplied(0, 1n, new Date(t0).toISOString());
    const now = Date.now();
    await Promise.all([view.read(now), view.read(now), view.read(now)]);
    expect(broker.calls).toBe(1);
    view.chunkApplied(0, 2n, new Date(t0).toISOString());
    // Cached ends, current position.
    expect((await view.read(now + 1_000))[0].lag).toBe(2);
    expect(broker.calls).toBe(1);

    broker.fail = true;
    expect((await view.read(now + 120_000))[0].lag).toBe(2);
    expect(broker.calls).toBe(2);
  });

  it('reports nothing before the broker has ever answered', async () => {
    const { broker, admin } = fakeBroker();
    broker.fail = true;
    const view = new ConsumerLagView({
      topic: 't',
      groupId: 'g',
      admin: async () => admin,
      recordedEventTimes: async () => new Map(),
    });
    view.assigned([0]);
    expect(await view.read()).toEqual([]);
  });
});
