import { randomUUID } from 'node:crypto';
import { AccountEventType } from '@tally/contracts';
import { runMigrations } from '@tally/database';
import {
  PostgresEventStore,
  TransactionScope,
  type NewEvent,
  defaultGroupCommitOptions,
} from '@tally/event-store';
import { createTestDatabase, type TestDatabase } from '@tally/testing';
import { Pool } from 'pg';
import { accountStream } from './account-stream';
import { CommandPipeline } from './command-pipeline';
import { StreamStateCache } from './stream-state-cache';
import { defaultCommandsOptions } from '../commands-options';
import { writeSideMigrations } from '../write-side-migrations';

jest.setTimeout(60_000);

const context = { correlationId: 'c', causationId: 'c' };
const event = (type: string, data: unknown): NewEvent => ({
  eventId: randomUUID(),
  type,
  schemaVersion: 2,
  data,
  metadata: context,
  occurredAt: new Date(),
});

describe('snapshots', () => {
  let db: TestDatabase;
  let pool: Pool;
  let pipeline: CommandPipeline;
  const accountId = randomUUID();
  const stream = accountStream(accountId);

  beforeAll(async () => {
    db = await createTestDatabase('snapshots');
    await runMigrations(db.url, writeSideMigrations, 'write');
    pool = new Pool({ connectionString: db.url, max: 4 });
    // No state cache: every load here must read the store.
    pipeline = new CommandPipeline(
      new TransactionScope(pool),
      { snapshotEvery: 100, streams: defaultCommandsOptions.streams },
      new StreamStateCache({ stateCacheSize: 0 }),
      new PostgresEventStore(pool, { groupCommit: defaultGroupCommitOptions }),
    );
    // A stream of 10,000 events: opened, then 9,999 deposits of 1.
    const store = new PostgresEventStore(pool);
    await store.append(stream.streamId, 'account', 0, [
      event(AccountEventType.Opened, { accountId, ownerId: 'o', currency: 'EUR' }),
    ]);
    for (let version = 1; version < 10_000; version += 1_000) {
      const count = Math.min(1_000, 10_000 - version);
      const deposits = Array.from({ length: count }, () =>
        event(AccountEventType.MoneyDeposited, { amount: 1, source: 'api' }),
      );
      await store.append(stream.streamId, 'account', version, deposits);
    }
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('loads a 10,000-event stream by folding only the events after its snapshot', async () => {
    const cold = await pipeline.load(stream);
    expect(cold).toMatchObject({ version: 10_000, eventsRead: 10_000, state: { balance: 9_999 } });

    // The first write after a long tail takes the snapshot (once it has committed, just after its answer)...
    await pipeline.run(stream, { type: 'DepositMoney', amount: 1 }, context);
    const snapshotOf = async () =>
      (await pool.query('SELECT version, kind FROM snapshots WHERE stream_id = $1', [stream.streamId]))
        .rows[0];
    for (let wait = 0; wait < 50 && !(await snapshotOf()); wait++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await snapshotOf()).toEqual({ version: 10_001, kind: 'account-state@1' });

    // ...and from then on a load reads at most SNAPSHOT_EVERY events, whatever the history.
    const warm = await pipeline.load(stream);
    expect(warm).toMatchObject({ version: 10_001, eventsRead: 0, state: { balance: 10_000 } });
    for (let i = 0; i < 150; i++) await pipeline.run(stream, { type: 'WithdrawMoney', amount: 1 }, context);
    const later = await pipeline.load(stream);
    expect(later).toMatchObject({ version: 10_151, state: { balance: 9_850 } });
    expect(later.eventsRead).toBeLessThan(100);

    // The snapshot is only a cache: the same state by folding everything.
    const started = process.hrtime.bigint();
    await pipeline.load(stream);
    const warmMs = Number(process.hrtime.bigint() - started) / 1e6;
    await pool.query('DELETE FROM snapshots');
    const startedCold = process.hrtime.bigint();
    const refolded = await pipeline.load(stream);
    const coldMs = Number(process.hrtime.bigint() - startedCold) / 1e6;
    expect(refolded).toMatchObject({ version: 10_151, eventsRead: 10_151, state: later.state });
    expect(warmMs).toBeLessThan(coldMs);
  });

  it('ignores a snapshot of another state shape', async () => {
    await pool.query(
      `INSERT INTO snapshots (stream_id, kind, version, state) VALUES ($1, 'account-state@0', 10151, '{"bogus":true}')
       ON CONFLICT (stream_id) DO UPDATE SET kind = EXCLUDED.kind, state = EXCLUDED.state`,
      [stream.streamId],
    );
    expect(await pipeline.load(stream)).toMatchObject({ eventsRead: 10_151, state: { balance: 9_850 } });
  });
});
