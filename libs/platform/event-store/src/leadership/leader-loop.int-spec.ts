import { createTestDatabase, eventually, type TestDatabase } from '@tally/testing';
import { Client } from 'pg';
import { LeaderLoop } from './leader-loop';

jest.setTimeout(30_000);

const quiet = { info: () => undefined, error: () => undefined };

describe('LeaderLoop', () => {
  let db: TestDatabase;
  const loops: LeaderLoop[] = [];

  beforeAll(async () => (db = await createTestDatabase('leader_loop')));
  afterAll(async () => {
    await Promise.all(loops.map((l) => l.stop()));
    await db?.drop();
  });

  it('runs work on one loop at a time, hands over when the leader stops, and wakes on NOTIFY', async () => {
    const rounds = [0, 0];
    const make = (i: number) => {
      const loop = new LeaderLoop({
        connectionString: db.url,
        lockName: 'test-work',
        channel: 'test_work_ready',
        idleMs: 60_000, // long: only a notification can wake the leader in time
        retryMs: 50,
        logger: quiet,
        work: async () => {
          rounds[i]++;
          return false;
        },
      });
      loops.push(loop);
      loop.start();
      return loop;
    };
    const [first, second] = [make(0), make(1)];
    await eventually(() => expect([first.isLeader, second.isLeader].filter(Boolean)).toHaveLength(1));
    const [leader, follower, leaderIndex] = first.isLeader ? [first, second, 0] : [second, first, 1];
    await eventually(() => expect(rounds[leaderIndex]).toBe(1));
    expect(rounds[1 - leaderIndex]).toBe(0);

    const notifier = new Client({ connectionString: db.url });
    await notifier.connect();
    await notifier.query("SELECT pg_notify('test_work_ready', '')");
    await eventually(() => expect(rounds[leaderIndex]).toBe(2), 5_000);

    await leader.stop();
    await eventually(() => expect(follower.isLeader).toBe(true));
    await eventually(() => expect(rounds[1 - leaderIndex]).toBeGreaterThan(0));
    await notifier.end();
  });
});
