import { runMigrations } from '@tally/database';
import { createTestDatabase, type TestDatabase } from '@tally/testing';
import { Client } from 'pg';
import { CreateEventStore1764316800000 } from './1764316800000-create-event-store';
import { IndexEventsByCorrelation1764316801100 } from './1764316801100-index-events-by-correlation';

describe('IndexEventsByCorrelation1764316801100', () => {
  let db: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await createTestDatabase('correlation_index');
    await runMigrations(
      db.url,
      [CreateEventStore1764316800000, IndexEventsByCorrelation1764316801100],
      'write',
    );
    client = new Client({ connectionString: db.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('builds a valid index that a look-up by correlation id uses', async () => {
    const { rows } = await client.query(`
      SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE c.relname = 'events_correlation_id'`);
    expect(rows).toEqual([{ indisvalid: true }]);
    // An empty table would be scanned anyway: forbid that, to see that the index matches the expression.
    await client.query('SET enable_seqscan = off');
    const plan = await client.query(
      `EXPLAIN SELECT * FROM events WHERE metadata->>'correlationId' = $1 ORDER BY events.global_position`,
      ['some-request'],
    );
    expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toContain('events_correlation_id');
  });

  it('is safe to run again', async () => {
    await expect(
      new IndexEventsByCorrelation1764316801100().up({
        query: (sql: string) => client.query(sql).then((r) => r.rows),
      } as never),
    ).resolves.toBeUndefined();
  });
});
