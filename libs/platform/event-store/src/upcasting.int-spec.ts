import { randomUUID } from 'node:crypto';
import { AccountEventType } from '@tally/contracts';
import { runMigrations } from '@tally/database';
import { createTestDatabase, eventually, type TestDatabase } from '@tally/testing';
import { Pool } from 'pg';
import { CreateEventStore1764316800000 } from './migrations/1764316800000-create-event-store';
import { PostgresEventStore } from './postgres-event-store';
import { defaultGroupCommitOptions } from './group-commit';

describe('schema evolution in the store', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase('upcasting');
    await runMigrations(db.url, [CreateEventStore1764316800000], 'write');
    pool = new Pool({ connectionString: db.url, max: 2 });
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('reads a MoneyDeposited v1 row, as written before v2 existed, as v2 with source "unknown"', async () => {
    const stream = `account-${randomUUID()}`;
    await pool.query(`INSERT INTO streams (stream_id, stream_type, version) VALUES ($1, 'account', 1)`, [
      stream,
    ]);
    await pool.query(
      `INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, data, metadata, occurred_at)
       VALUES ($1, 1, $2, $3, 1, '{"amount": 500}', '{"correlationId":"c","causationId":"c"}', now())`,
      [stream, randomUUID(), AccountEventType.MoneyDeposited],
    );
    const store = new PostgresEventStore(pool, { groupCommit: defaultGroupCommitOptions });
    const [fromStream] = await store.readStream(stream);
    expect(fromStream).toMatchObject({ schemaVersion: 2, data: { amount: 500, source: 'unknown' } });
    // The relay reads through the same deserialisation, so the topic carries v2 too. The global read
    // waits for every older transaction on the server to end (tests in other files run beside this one).
    await eventually(async () => {
      const all = await store.readAllAfter({ transactionId: '0', globalPosition: '0' }, 10);
      expect(all.find((e) => e.streamId === stream)).toMatchObject({
        schemaVersion: 2,
        data: { source: 'unknown' },
      });
    });
    // The row itself is never rewritten: released events are immutable.
    const { rows } = await pool.query('SELECT schema_version, data FROM events WHERE stream_id = $1', [
      stream,
    ]);
    expect(rows[0]).toEqual({ schema_version: 1, data: { amount: 500 } });
  });
});
