import { inTransaction, runMigrations } from '@tally/database';
import { createTestDatabase, type TestDatabase } from '@tally/testing';
import { Pool } from 'pg';
import { CreateLeaderTerms1764316801320 } from '../migrations/1764316801320-create-leader-terms';
import { FencedOutError, claimTerm } from './leader-fence';

jest.setTimeout(30_000);

/**
 * The fencing token of leader terms: a write that checked its term in its transaction either commits
 * before the next leader's claim, or fails its check after it; never both leaders.
 */
describe('LeaderFence', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase('leader_fence');
    await runMigrations(db.url, [CreateLeaderTerms1764316801320], 'write');
    pool = new Pool({ connectionString: db.url, max: 6 });
    await pool.query('CREATE TABLE effects (term bigint NOT NULL)');
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  /** A write of `fence`'s leader: the check and the write in one transaction. */
  const fencedWrite = (fence: Awaited<ReturnType<typeof claimTerm>>) =>
    inTransaction(pool, async (client) => {
      await fence.check(client);
      await client.query('INSERT INTO effects VALUES ($1)', [fence.epoch]);
    });

  it('refuses the writes of a term once a successor claimed the next one', async () => {
    const first = await claimTerm(pool, 'fence-a', 'one', 10_000);
    await fencedWrite(first);
    const second = await claimTerm(pool, 'fence-a', 'two', 10_000);
    expect(second.epoch).toBe(first.epoch + 1);
    await expect(fencedWrite(first)).rejects.toBeInstanceOf(FencedOutError);
    expect(first.isOver).toBe(true);
    await fencedWrite(second);
    const { rows } = await pool.query('SELECT term FROM effects ORDER BY 1');
    expect(rows.map((r) => Number(r.term))).toEqual([first.epoch, second.epoch]);
  });

  it("makes a successor's claim wait for a write that already checked its term", async () => {
    const first = await claimTerm(pool, 'fence-b', 'one', 10_000);
    const writer = await pool.connect();
    let claimed = false;
    let claim: ReturnType<typeof claimTerm>;
    try {
      await writer.query('BEGIN');
      await first.check(writer); // passed: this transaction may still write...
      claim = claimTerm(pool, 'fence-b', 'two', 10_000).then((fence) => ((claimed = true), fence));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(claimed).toBe(false); // ...and the successor waits for it
      await writer.query('INSERT INTO effects VALUES (-1)');
      await writer.query('COMMIT');
    } finally {
      writer.release(true);
    }
    const second = await claim;
    expect(second.epoch).toBe(first.epoch + 1);
    await expect(fencedWrite(first)).rejects.toBeInstanceOf(FencedOutError);
  });

  it('ends a fenced transaction left idle longer than the lease (its process paused)', async () => {
    const fence = await claimTerm(pool, 'fence-c', 'one', 500);
    const paused = await pool.connect();
    paused.on('error', () => undefined);
    try {
      await paused.query('BEGIN');
      await fence.check(paused);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await expect(paused.query('SELECT 1')).rejects.toThrow();
    } finally {
      paused.release(true);
    }
    // The share lock went with it: a successor claims at once.
    const successor = await claimTerm(pool, 'fence-c', 'two', 500);
    expect(successor.epoch).toBe(fence.epoch + 1);
  });
});
