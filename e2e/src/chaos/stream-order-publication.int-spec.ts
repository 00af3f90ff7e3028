import { randomUUID } from 'node:crypto';
import { runMigrations } from '@tally/database';
import {
  CreateEventStore1764316800000,
  PostgresEventStore,
  START_OF_STORE,
  type NewEvent,
} from '@tally/event-store';
import { EventLog } from '@tally/event-log';
import { createTestDatabase, type TestDatabase } from '@tally/testing';
import { Pool } from 'pg';

jest.setTimeout(60_000);

const newEvent = (n: number): NewEvent => ({
  eventId: randomUUID(),
  type: 'tally.test.happened',
  schemaVersion: 1,
  data: { n },
  metadata: { correlationId: `corr-${n}`, causationId: `cause-${n}` },
  occurredAt: new Date(),
});

/**
 * Found by the chaos suite (events of one stream on the topic out of version order, e.g. v21 at
 * offset 207 and v20 at offset 208 of the same partition, with no fault near): the relay reads in
 * (transaction_id, global_position) order, but a transaction gets its xid at its FIRST write, and an
 * idempotent request writes its Idempotency-Key row before it appends. So request B can take an
 * older xid, wait on the stream while request A (younger xid) appends v20 and commits, then append
 * v21: publication order puts B's v21 before A's v20 on the partition. Projections park v21 until
 * v20 arrives, so read models stay right, but the topic breaks "each stream keeps its order".
 */
describe('publication order of one stream written by overlapping transactions', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase('chaos_order');
    await runMigrations(db.url, [CreateEventStore1764316800000], 'write');
    pool = new Pool({ connectionString: db.url, max: 4 });
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('publishes a stream in version order even when the later writer took its xid first', async () => {
    const stream = `account-${randomUUID()}`;
    const store = new PostgresEventStore(pool);
    await store.append(stream, 'account', 0, [newEvent(1)]);

    const b = await pool.connect();
    try {
      await b.query('BEGIN');
      await b.query('SELECT pg_current_xact_id()'); // e.g. the Idempotency-Key insert: B's xid is older
      const a = await pool.connect();
      try {
        await a.query('BEGIN');
        await new PostgresEventStore(a).append(stream, 'account', 1, [newEvent(2)]); // A appends v2
        await a.query('COMMIT');
      } finally {
        a.release();
      }
      await new PostgresEventStore(b).append(stream, 'account', 2, [newEvent(3)]); // B appends v3
      await b.query('COMMIT');
    } finally {
      b.release();
    }

    // In (transaction, position) order B's v3 comes before A's v2; the relay's batch must not.
    const log = new EventLog(pool);
    const raw = await store.readAllAfter(START_OF_STORE, 100);
    expect(raw.filter((e) => e.streamId === stream).map((e) => e.streamVersion)).toEqual([1, 3, 2]);
    const published = await log.readPublicationBatch(START_OF_STORE, 100);
    expect(published!.events.filter((e) => e.streamId === stream).map((e) => e.streamVersion)).toEqual([
      1, 2, 3,
    ]);
    // Even when the batch ends before the late predecessor, it is pulled in ahead of its successor.
    const firstTwo = await log.readPublicationBatch(START_OF_STORE, 2);
    expect(firstTwo!.events.filter((e) => e.streamId === stream).map((e) => e.streamVersion)).toEqual([
      1, 2, 3,
    ]);
    expect(firstTwo!.lastPosition).toEqual(raw[1].position);
  });
});
