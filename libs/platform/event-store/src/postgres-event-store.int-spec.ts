import { randomUUID } from 'node:crypto';
import { runMigrations } from '@tally/database';
import { createTestDatabase, eventually, type TestDatabase } from '@tally/testing';
import { Pool } from 'pg';
import { CreateEventStore1764316800000 } from './migrations/1764316800000-create-event-store';
import { CreateSnapshots1764316800300 } from './migrations/1764316800300-create-snapshots';
import { PostgresEventStore } from './postgres-event-store';
import {
  START_OF_STORE,
  WrongExpectedVersionError,
  type NewEvent,
  type RecordedEvent,
} from './recorded-event';
import { defaultGroupCommitOptions } from './group-commit';

const newEvent = (type: string, data: unknown = {}): NewEvent => ({
  eventId: randomUUID(),
  type,
  schemaVersion: 1,
  data,
  metadata: { correlationId: 'corr-1', causationId: 'cause-1' },
  occurredAt: new Date('2026-11-28T08:00:00Z'),
});

async function readEverything(store: PostgresEventStore): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  let position = START_OF_STORE;
  for (;;) {
    const batch = await store.readAllAfter(position, 2);
    if (batch.length === 0) return all;
    all.push(...batch);
    position = batch[batch.length - 1].position;
  }
}

describe('PostgresEventStore', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase('event_store');
    await runMigrations(db.url, [CreateEventStore1764316800000, CreateSnapshots1764316800300], 'write');
    pool = new Pool({ connectionString: db.url, max: 8 });
    store = new PostgresEventStore(pool, { groupCommit: defaultGroupCommitOptions });
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('appends to a new stream and reads it back in order with its metadata', async () => {
    const stream = `account-${randomUUID()}`;
    const first = newEvent('tally.test.first', { n: 1 });
    await expect(store.append(stream, 'account', 0, [first, newEvent('tally.test.second')])).resolves.toBe(2);
    await expect(store.append(stream, 'account', 2, [newEvent('tally.test.third')])).resolves.toBe(3);

    const events = await store.readStream(stream);
    expect(events.map((e) => [e.type, e.streamVersion])).toEqual([
      ['tally.test.first', 1],
      ['tally.test.second', 2],
      ['tally.test.third', 3],
    ]);
    expect(events[0]).toMatchObject({
      eventId: first.eventId,
      data: { n: 1 },
      metadata: { correlationId: 'corr-1', causationId: 'cause-1' },
      occurredAt: '2026-11-28T08:00:00.000Z',
    });
    await expect(store.streamVersion(stream)).resolves.toBe(3);
  });

  it('reads a snapshot of the asked kind and the events after it in one statement', async () => {
    const stream = `account-${randomUUID()}`;
    const versionsOf = (events: RecordedEvent[]) => events.map((e) => e.streamVersion);
    await expect(store.readStreamFromSnapshot(stream, 'kind@1')).resolves.toEqual({ events: [] });

    await store.append(
      stream,
      'account',
      0,
      [1, 2, 3, 4].map((n) => newEvent('tally.test.n', { n })),
    );
    const whole = await store.readStreamFromSnapshot(stream, 'kind@1');
    expect(whole.snapshot).toBeUndefined();
    expect(whole.events).toEqual(await store.readStream(stream));

    const snapshot = (version: number, kind = 'kind@1') =>
      pool.query(
        `INSERT INTO snapshots (stream_id, kind, version, state) VALUES ($1, $2, $3, $4)
         ON CONFLICT (stream_id) DO UPDATE SET kind = EXCLUDED.kind, version = EXCLUDED.version, state = EXCLUDED.state`,
        [stream, kind, version, JSON.stringify({ upTo: version })],
      );
    await snapshot(2);
    const tail = await store.readStreamFromSnapshot(stream, 'kind@1');
    expect(tail.snapshot).toEqual({ version: 2, state: { upTo: 2 } });
    expect(versionsOf(tail.events)).toEqual([3, 4]);
    expect(tail.events[0]).toMatchObject({ data: { n: 3 }, occurredAt: '2026-11-28T08:00:00.000Z' });
    expect(versionsOf((await store.readStreamFromSnapshot(stream, 'kind@1', 1)).events)).toEqual([3]);

    await snapshot(4);
    await expect(store.readStreamFromSnapshot(stream, 'kind@1')).resolves.toEqual({
      snapshot: { version: 4, state: { upTo: 4 } },
      events: [],
    });
    // A snapshot of another state shape is not this one's: fold from the start.
    await snapshot(4, 'kind@0');
    const other = await store.readStreamFromSnapshot(stream, 'kind@1');
    expect(other.snapshot).toBeUndefined();
    expect(versionsOf(other.events)).toEqual([1, 2, 3, 4]);
  });

  it('refuses a stale expected version and appends nothing', async () => {
    const stream = `account-${randomUUID()}`;
    await store.append(stream, 'account', 0, [newEvent('tally.test.a')]);
    await expect(store.append(stream, 'account', 0, [newEvent('tally.test.b')])).rejects.toMatchObject({
      name: 'WrongExpectedVersionError',
      actualVersion: 1,
    });
    await expect(store.append(stream, 'account', 5, [newEvent('tally.test.b')])).rejects.toBeInstanceOf(
      WrongExpectedVersionError,
    );
    await expect(
      store.append(`account-${randomUUID()}`, 'account', 1, [newEvent('x')]),
    ).rejects.toMatchObject({
      actualVersion: 0,
    });
    expect(await store.readStream(stream)).toHaveLength(1);
  });

  it('lets exactly one of many concurrent appends at the same version win', async () => {
    const stream = `account-${randomUUID()}`;
    await store.append(stream, 'account', 0, [newEvent('tally.test.opened')]);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => store.append(stream, 'account', 1, [newEvent('tally.test.race')])),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(
      results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.name),
    ).toEqual(Array(7).fill('WrongExpectedVersionError'));
    expect(await store.readStream(stream)).toHaveLength(2);
  });

  it('never lets a reader skip an event committed late by a concurrent transaction', async () => {
    const before = await readEverything(store);
    const position = before.length > 0 ? before[before.length - 1].position : START_OF_STORE;

    // A transaction takes its identity and position first, then stays open...
    const mine = ['tally.test.slow', 'tally.test.fast-1', 'tally.test.fast-2'];
    const slow = await pool.connect();
    let committed = false;
    try {
      const slowStream = `account-${randomUUID()}`;
      await slow.query('BEGIN');
      await slow.query(`INSERT INTO streams (stream_id, stream_type, version) VALUES ($1, 'account', 1)`, [
        slowStream,
      ]);
      await slow.query(
        `INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, data, metadata, occurred_at)
         VALUES ($1, 1, $2, 'tally.test.slow', 1, '{}', '{"correlationId":"c","causationId":"c"}', now())`,
        [slowStream, randomUUID()],
      );

      // ...while later transactions commit around it.
      const fastStream = `account-${randomUUID()}`;
      await store.append(fastStream, 'account', 0, [newEvent('tally.test.fast-1')]);
      await store.append(fastStream, 'account', 1, [newEvent('tally.test.fast-2')]);

      // A reader must not pass the open transaction: it sees nothing from it or after it yet. (Events of
      // older transactions may still come: other test files share the server.)
      const seen = await store.readAllAfter(position, 100);
      expect(seen.filter((e) => mine.includes(e.type))).toEqual([]);

      await slow.query('COMMIT');
      committed = true;
    } finally {
      // A failed test must not leave its transaction open: it would hold back every reader on the server.
      slow.release(!committed);
    }

    // Transactions of other test files on the same server may hold the reader back a little longer.
    await eventually(async () => {
      const after = await store.readAllAfter(position, 100);
      expect(after.map((e) => e.type).filter((type) => mine.includes(type))).toEqual(mine);
    });
  });

  it('reads the whole store exactly once, in per-stream order, under concurrent appends', async () => {
    const streams = Array.from({ length: 20 }, () => `account-${randomUUID()}`);
    await Promise.all(
      streams.map(async (stream) => {
        for (let version = 0; version < 5; version++) {
          await store.append(stream, 'account', version, [newEvent('tally.test.step', { version })]);
        }
      }),
    );
    // Transaction ids are cluster-wide: a transaction still open in another database (a parallel test
    // creating its database, say) holds the reader back until it ends. Late, never lost.
    const ours = await eventually(async () => {
      const all = await readEverything(store);
      const mine = all.filter((e) => streams.includes(e.streamId));
      expect(mine).toHaveLength(100);
      return mine;
    });
    expect(new Set(ours.map((e) => e.eventId)).size).toBe(100);
    for (const stream of streams) {
      expect(ours.filter((e) => e.streamId === stream).map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5]);
    }
  });
});
