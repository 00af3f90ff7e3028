import { randomUUID } from 'node:crypto';
import { runMigrations } from '@tally/database';
import { createTestDatabase, eventually, type TestDatabase } from '@tally/testing';
import { Pool } from 'pg';
import { CreateEventStore1764316800000 } from './migrations/1764316800000-create-event-store';
import { PostgresEventStore } from './postgres-event-store';
import {
  DuplicateEventError,
  START_OF_STORE,
  WrongExpectedVersionError,
  type NewEvent,
  type RecordedEvent,
} from './recorded-event';
import { defaultGroupCommitOptions } from './group-commit';

const newEvent = (eventId: string = randomUUID()): NewEvent => ({
  eventId,
  type: 'tally.test.happened',
  schemaVersion: 1,
  data: {},
  metadata: { correlationId: 'corr', causationId: 'cause' },
  occurredAt: new Date('2026-11-28T08:00:00Z'),
});

describe('group commit: concurrent appends through the pool share a statement and a commit', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase('group_commit');
    await runMigrations(db.url, [CreateEventStore1764316800000], 'write');
    pool = new Pool({ connectionString: db.url, max: 4 });
    store = new PostgresEventStore(pool, { groupCommit: defaultGroupCommitOptions });
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const readAll = async (): Promise<RecordedEvent[]> => {
    const all: RecordedEvent[] = [];
    for (let position = START_OF_STORE; ;) {
      const batch = await store.readAllAfter(position, 3);
      if (batch.length === 0) return all;
      all.push(...batch);
      position = batch[batch.length - 1].position;
    }
  };

  it('gives each append of a batch its own outcome: success, or a conflict for its stream alone', async () => {
    const existing = `account-${randomUUID()}`;
    await store.append(existing, 'account', 0, [newEvent()]);
    const outcomes = await Promise.allSettled([
      store.append(`account-${randomUUID()}`, 'account', 0, [newEvent(), newEvent()]),
      store.append(existing, 'account', 5, [newEvent()]), // stale
      store.append(existing, 'account', 0, [newEvent()]), // exists already
      store.append(`account-${randomUUID()}`, 'account', 0, [newEvent()]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedVersionError);
    expect((outcomes[1] as PromiseRejectedResult).reason.actualVersion).toBe(1);
    expect(await store.readStream(existing)).toHaveLength(1);
  });

  it('lets exactly one of several same-version appends to one stream win', async () => {
    const stream = `account-${randomUUID()}`;
    await store.append(stream, 'account', 0, [newEvent()]);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, () => store.append(stream, 'account', 1, [newEvent()])),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect((await store.readStream(stream)).map((e) => e.streamVersion)).toEqual([1, 2]);
  });

  it('does not let one append with a duplicate event id fail the others of its batch', async () => {
    const taken = randomUUID();
    await store.append(`account-${randomUUID()}`, 'account', 0, [newEvent(taken)]);
    const streams = [`account-${randomUUID()}`, `account-${randomUUID()}`];
    const outcomes = await Promise.allSettled([
      store.append(streams[0], 'account', 0, [newEvent()]),
      store.append(`account-${randomUUID()}`, 'account', 0, [newEvent(taken)]),
      store.append(streams[1], 'account', 0, [newEvent()]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateEventError);
    for (const stream of streams) expect(await store.readStream(stream)).toHaveLength(1);
  });

  it('publishes a batch of many events in stream order (positions 9, 10, 11 compare as numbers)', async () => {
    const streams = Array.from({ length: 8 }, () => `account-${randomUUID()}`);
    await Promise.all(
      streams.map((stream) =>
        store.append(
          stream,
          'account',
          0,
          Array.from({ length: 4 }, () => newEvent()),
        ),
      ),
    );
    // Polled, and only this test's streams: the global order holds back everything behind any
    // transaction still open on the server (another test file's, say), never reordering it.
    const mine = await eventually(async () => {
      const own = (await readAll()).filter((e) => streams.includes(e.streamId));
      expect(own).toHaveLength(32);
      return own;
    }, 15_000);
    expect(new Set(mine.map((e) => e.eventId)).size).toBe(32);
    for (const stream of streams) {
      expect(mine.filter((e) => e.streamId === stream).map((e) => e.streamVersion)).toEqual([1, 2, 3, 4]);
    }
  });
});
