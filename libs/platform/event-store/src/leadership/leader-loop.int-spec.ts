import { createTestDatabase, eventually, type TestDatabase } from '@tally/testing';
import { Client } from 'pg';
import { LeaderLoop } from './leader-loop';

jest.setTimeout(30_000);

const quiet = { info: () => undefined, error: () => undefined };

describe('LeaderLoop', () => {
  let db: TestDatabase;
  const loops: { stop(): Promise<void> }[] = [];

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

  it('gives the work the lock-holding session and a state kept across the rounds of a term', async () => {
    const terms: { rounds: number; lockHeld: boolean[]; ended: boolean }[] = [];
    const loop = new LeaderLoop<{ rounds: number; lockHeld: boolean[]; ended: boolean }>({
      connectionString: db.url,
      lockName: 'test-state',
      idleMs: 10,
      retryMs: 50,
      logger: quiet,
      workWritesOnSession: true,
      beginTerm: async () => {
        const state = { rounds: 0, lockHeld: [], ended: false };
        terms.push(state);
        return state;
      },
      work: async ({ session, state }) => {
        state.rounds++;
        const { rows } = await session.query(
          `SELECT count(*)::int AS held FROM pg_locks
           WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()`,
        );
        state.lockHeld.push(rows[0].held === 1);
        return state.rounds < 3;
      },
      endTerm: async ({ state }) => void (state.ended = true),
    });
    loops.push(loop);
    loop.start();
    await eventually(() => expect(terms[0]?.rounds).toBeGreaterThanOrEqual(4));
    await loop.stop();
    expect(terms).toHaveLength(1);
    expect(terms[0].lockHeld.every(Boolean)).toBe(true);
    expect(terms[0].ended).toBe(true);
  });
});
