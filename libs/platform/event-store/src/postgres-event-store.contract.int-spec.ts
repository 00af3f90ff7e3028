import { runMigrations } from '@tally/database';
import { createTestDatabase } from '@tally/testing';
import { Pool } from 'pg';
import { defaultGroupCommitOptions } from './group-commit';
import { CreateEventStore1764316800000 } from './migrations/1764316800000-create-event-store';
import { CreateSnapshots1764316800300 } from './migrations/1764316800300-create-snapshots';
import { PostgresEventStore } from './postgres-event-store';
import { eventStoreContract } from './testing';

jest.setTimeout(60_000);

eventStoreContract('PostgreSQL, appends group-committed through the pool', async () => {
  const db = await createTestDatabase('event_store_contract');
  await runMigrations(db.url, [CreateEventStore1764316800000, CreateSnapshots1764316800300], 'write');
  const pool = new Pool({ connectionString: db.url, max: 8 });
  const store = new PostgresEventStore(pool, { groupCommit: defaultGroupCommitOptions });
  return {
    store,
    slowAppend: async (streamId, events) => {
      const client = await pool.connect();
      await client.query('BEGIN');
      await store.within(client).append(streamId, 'test', 0, events);
      return {
        commit: async () => {
          await client.query('COMMIT');
          client.release();
        },
      };
    },
    close: async () => {
      await pool.end();
      await db.drop();
    },
  };
});
