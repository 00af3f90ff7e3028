import { randomUUID } from 'node:crypto';
import { runMigrations } from '@tally/database';
import { EventLog, START_OF_STORE, isBefore, type RecordedEvent, type StorePosition } from '@tally/event-log';
import {
  CreateEventStore1764316800000,
  PostgresEventStore,
  defaultGroupCommitOptions,
  type NewEvent,
} from '@tally/event-store';
import { createTestDatabase, testServerUrl, type TestDatabase } from '@tally/testing';
import { Client, Pool } from 'pg';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const newEvent = (n: number): NewEvent => ({
  eventId: randomUUID(),
  type: 'tally.test.happened',
  schemaVersion: 1,
  data: { n },
  metadata: { correlationId: `corr-${n}`, causationId: `cause-${n}` },
  occurredAt: new Date(),
});

/** A session that holds a transaction id (as a writing transaction does) until `end()`. */
async function holdTransactionId(url: string): Promise<{ xid: string; end(): Promise<void> }> {
  const session = new Client({ connectionString: url });
  await session.connect();
  await session.query('BEGIN');
  const { rows } = await session.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
  return {
    xid: rows[0].xid,
    end: async () => {
      await session.query('ROLLBACK').catch(() => undefined);
      await session.end();
    },
  };
}

/**
 * The relay and replays read the store only below the oldest transaction that may still append to
 * it (EventLog). A transaction id is the server's, but a transaction only writes to its own
 * database: a writing transaction held open in another database of the same server (a report, the
 * read side's rebuild or backfill, a forgotten psql session) must not hold publication back, while
 * one in the store's own database must, until it ends.
 */
describe('the readable bound of the event log', () => {
  let storeDb: TestDatabase;
  let readDb: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;

  beforeAll(async () => {
    [storeDb, readDb] = await Promise.all([
      createTestDatabase('bound_store'),
      createTestDatabase('bound_read'),
    ]);
    await runMigrations(storeDb.url, [CreateEventStore1764316800000], 'write');
    pool = new Pool({ connectionString: storeDb.url, max: 12 });
    store = new PostgresEventStore(pool);
  });

  afterAll(async () => {
    await pool?.end();
    await Promise.all([storeDb?.drop(), readDb?.drop()]);
  });

  /** Everything readable after `from`, following the log to its readable end. */
  async function readToEnd(from: StorePosition): Promise<RecordedEvent[]> {
    const log = new EventLog(pool);
    const events: RecordedEvent[] = [];
    for (let position = from; ;) {
      const batch = await log.readAllAfter(position, 500);
      if (batch.length === 0) return events;
      events.push(...batch);
      position = batch[batch.length - 1].position;
    }
  }

  it.each([
    ['the server’s postgres database', () => testServerUrl()],
    ['a read database on the same server', () => readDb.url],
  ])('does not wait for a writing transaction open in %s', async (_, url) => {
    const elsewhere = await holdTransactionId(url());
    try {
      const stream = `account-${randomUUID()}`;
      await store.append(stream, 'account', 0, [newEvent(1), newEvent(2)]);
      // Read at once: no waiting for the other transaction, whose id is older than the appended events'.
      const log = new EventLog(pool);
      const readable = await readToEnd(START_OF_STORE);
      expect(BigInt(elsewhere.xid)).toBeLessThan(
        BigInt(readable[readable.length - 1].position.transactionId),
      );
      expect(readable.filter((e) => e.streamId === stream).map((e) => e.streamVersion)).toEqual([1, 2]);
      const batch = await log.readPublicationBatch(START_OF_STORE, 1_000);
      expect(batch!.events.filter((e) => e.streamId === stream)).toHaveLength(2);
      const head = await log.readableHead();
      expect(head.position).toEqual(readable[readable.length - 1].position);
      expect(head.events).toBe(readable.length);
    } finally {
      await elsewhere.end();
    }
  });

  it('waits for a writing transaction of the store’s own database, then reads what it appended', async () => {
    const before = (await new EventLog(pool).readableHead()).position ?? START_OF_STORE;
    const stream = `account-${randomUUID()}`;
    // The late writer takes its transaction id first (as an Idempotency-Key row does), appends later.
    const late = await pool.connect();
    try {
      await late.query('BEGIN');
      await late.query('SELECT pg_current_xact_id()');
      await store.append(`account-${randomUUID()}`, 'account', 0, [newEvent(1)]); // younger, committed
      expect(await readToEnd(before)).toEqual([]); // the older transaction is still running here
      await new PostgresEventStore(late).append(stream, 'account', 0, [newEvent(2)]);
      expect(await readToEnd(before)).toEqual([]);
      await late.query('COMMIT');
    } finally {
      late.release();
    }
    const after = await readToEnd(before);
    expect(after).toHaveLength(2);
    expect(after[0].streamId).toBe(stream); // the older transaction first: nothing was passed
  });

  /**
   * A reader following the log as the relay does (checkpoint = last position read) while appenders
   * write through group commit and in transactions that took their id long before they append and
   * commit, and while a writing transaction stays open in another database: every committed event is
   * read, each stream in version order, and the reader keeps up instead of waiting for the other
   * database's transaction.
   */
  it('never passes a late-committing append under concurrent writers, and keeps up', async () => {
    const elsewhere = await holdTransactionId(readDb.url);
    const grouped = new PostgresEventStore(pool, { groupCommit: defaultGroupCommitOptions });
    const streams = Array.from({ length: 24 }, () => `account-${randomUUID()}`);
    const start = (await new EventLog(pool).readableHead()).position ?? START_OF_STORE;
    const versions = new Map<string, number>();
    const written: string[] = [];
    let writing = true;
    let writersDone = false; // appends still in flight when `writing` turns false push after it
    /** Writes the streams it owns (no other writer: expected versions never conflict). */
    const writer = async (worker: number) => {
      const mine = streams.filter((_, index) => index % 4 === worker);
      for (let i = 0; writing; i++) {
        const stream = mine[i % mine.length];
        const expected = versions.get(stream) ?? 0;
        versions.set(stream, expected + 1);
        const event = newEvent(i);
        if ((i + worker) % 3 === 0) {
          // Takes its transaction id early and commits late, as an idempotent request does.
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            await client.query('SELECT pg_current_xact_id()');
            await sleep(1 + ((i + worker) % 5) * 3);
            await new PostgresEventStore(client).append(stream, 'account', expected, [event]);
            await sleep(i % 4);
            await client.query('COMMIT');
          } finally {
            client.release();
          }
        } else await grouped.append(stream, 'account', expected, [event]);
        written.push(event.eventId);
      }
    };
    const read: RecordedEvent[] = [];
    const readIds = new Set<string>();
    const reader = async () => {
      const log = new EventLog(pool);
      let position = start;
      while (!writersDone || readIds.size < written.length) {
        const batch = await log.readPublicationBatch(position, 50);
        if (!batch) {
          await sleep(2);
          continue;
        }
        for (const event of batch.events) {
          if (!streams.includes(event.streamId)) continue;
          read.push(event);
          readIds.add(event.eventId);
        }
        expect(isBefore(position, batch.lastPosition)).toBe(true);
        position = batch.lastPosition;
      }
    };
    try {
      const reading = reader();
      await Promise.all([...[0, 1, 2, 3].map(writer), sleep(3_000).then(() => (writing = false))]);
      writersDone = true;
      // The reader must read every committed event while the other database's transaction is still
      // open (it ends only in \`finally\`): held back by it, or an event skipped, it never gets there.
      let timer: NodeJS.Timeout | undefined;
      const behind = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('the reader did not read every committed event')), 30_000);
      });
      await Promise.race([reading, behind]).finally(() => clearTimeout(timer));
    } finally {
      writing = false;
      await elsewhere.end();
    }
    expect(written.length).toBeGreaterThan(100);
    // Every committed event read, none invented.
    expect(readIds).toEqual(new Set(written));
    // Each stream in version order: a version is first seen only after every lower one.
    const seen = new Map<string, number>();
    for (const event of read) {
      const last = seen.get(event.streamId) ?? 0;
      if (event.streamVersion <= last) continue; // a predecessor published again: allowed (at least once)
      expect(event.streamVersion).toBe(last + 1);
      seen.set(event.streamId, event.streamVersion);
    }
    expect([...seen.values()].reduce((a, b) => a + b, 0)).toBe(written.length);
  });
});
