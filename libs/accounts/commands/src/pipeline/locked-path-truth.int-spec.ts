import { randomUUID } from 'node:crypto';
import { runMigrations } from '@tally/database';
import { PostgresEventStore, TransactionScope, defaultGroupCommitOptions } from '@tally/event-store';
import { createTestDatabase, type TestDatabase } from '@tally/testing';
import { Pool } from 'pg';
import { defaultCommandsOptions } from '../commands-options';
import { writeSideMigrations } from '../write-side-migrations';
import { accountStream } from './account-stream';
import { CommandPipeline, StreamContendedError } from './command-pipeline';
import { StreamStateCache } from './stream-state-cache';

jest.setTimeout(60_000);

/**
 * The locked path (a stream other instances write too) with every snapshot write failing: a failed
 * snapshot must cost nothing but the snapshot, never the commands of the turn that made it due.
 */
describe('a turn on the locked path whose snapshot cannot be saved', () => {
  let db: TestDatabase;
  let pool: Pool;
  const context = { correlationId: 'c', causationId: 'c' };
  const instance = (deadlineMs = defaultCommandsOptions.streams.deadlineMs) =>
    new CommandPipeline(
      new TransactionScope(pool),
      {
        snapshotEvery: 2,
        streams: { ...defaultCommandsOptions.streams, lockWhenContended: true, deadlineMs },
      },
      new StreamStateCache({ stateCacheSize: 100 }),
      new PostgresEventStore(pool, { groupCommit: defaultGroupCommitOptions }),
    );

  beforeAll(async () => {
    db = await createTestDatabase('locked_path_truth');
    await runMigrations(db.url, writeSideMigrations, 'write');
    pool = new Pool({ connectionString: db.url, max: 4 });
    await pool.query(`
      CREATE FUNCTION refuse_snapshot() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'snapshots are failing (test)'; END $$;
      CREATE TRIGGER refuse_snapshot BEFORE INSERT OR UPDATE ON snapshots
        FOR EACH ROW EXECUTE FUNCTION refuse_snapshot();`);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('answers each command with a version that is stored', async () => {
    const [mine, other] = [instance(), instance()];
    const stream = accountStream(randomUUID());
    const accountId = stream.streamId.replace('account-', '');
    await mine.run(stream, { type: 'OpenAccount', accountId, ownerId: 'o', currency: 'EUR' }, context);
    expect((await other.run(stream, { type: 'DepositMoney', amount: 5 }, context)).version).toBe(2);
    const locked = jest.spyOn(PostgresEventStore.prototype, 'exclusively');
    // Decided on the cached version 1, refused by the store, decided again under the lock as version 3,
    // which makes a snapshot due (every 2 events), and the snapshot fails.
    const answers = [];
    for (let i = 0; i < 4; i++)
      answers.push((await mine.run(stream, { type: 'DepositMoney', amount: 1 }, context)).version);
    expect(locked).toHaveBeenCalled();
    const stored = await new PostgresEventStore(pool).readStream(stream.streamId);
    expect(answers).toEqual([3, 4, 5, 6]);
    expect(stored.map((event) => event.streamVersion)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await pool.query('SELECT count(*)::int AS n FROM snapshots')).rows[0].n).toBe(0);
  });

  it('waits for the stream lock no longer than the deadline, and then stops waiting', async () => {
    const deadlineMs = 1_000;
    const [mine, other] = [instance(deadlineMs), instance(deadlineMs)];
    const stream = accountStream(randomUUID());
    const accountId = stream.streamId.replace('account-', '');
    await mine.run(stream, { type: 'OpenAccount', accountId, ownerId: 'o', currency: 'EUR' }, context);
    await other.run(stream, { type: 'DepositMoney', amount: 5 }, context);
    // Someone holds the stream's lock (say, another instance stuck in its turn).
    const holder = await pool.connect();
    await holder.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [stream.streamId]);
    try {
      const started = Date.now();
      // Loses the race on its cached version, then waits for the lock: not written, told so in time.
      await expect(mine.run(stream, { type: 'DepositMoney', amount: 1 }, context)).rejects.toBeInstanceOf(
        StreamContendedError,
      );
      expect(Date.now() - started).toBeLessThan(deadlineMs + 1_000);
      // ...and nobody is left waiting for the lock, holding a connection, after the answer.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const { rows } = await pool.query(
        "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
      );
      expect(rows[0].n).toBe(0);
    } finally {
      await holder.query('SELECT pg_advisory_unlock_all()');
      holder.release();
    }
    expect((await new PostgresEventStore(pool).readStream(stream.streamId)).length).toBe(2);
  });
});
