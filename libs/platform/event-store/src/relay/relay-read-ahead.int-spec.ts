import { randomUUID } from 'node:crypto';
import { runMigrations } from '@tally/database';
import { createTestDatabase, eventually, type TestDatabase } from '@tally/testing';
import { Pool } from 'pg';
import { AppendSignal, defaultGroupCommitOptions } from '../group-commit';
import { CreateEventStore1764316800000 } from '../migrations/1764316800000-create-event-store';
import { RelayTopicEnds1764316801000 } from '../migrations/1764316801000-relay-topic-ends';
import { PostgresEventStore } from '../postgres-event-store';
import type { NewEvent } from '../recorded-event';
import { OutboxRelay } from './outbox-relay';

jest.setTimeout(60_000);

const quiet = { info: () => undefined, error: () => undefined };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const newEvent = (): NewEvent => ({
  eventId: randomUUID(),
  type: 'tally.account.money-deposited',
  schemaVersion: 1,
  data: { amount: 1 },
  metadata: { correlationId: 'corr', causationId: 'cause' },
  occurredAt: new Date(),
});

/**
 * The relay reads the next batch while the broker acknowledges the current one. A read-ahead that came
 * back short is stale once something is appended during the publish: the events appended meanwhile
 * must go out in the very next batch, not wait for one more publish round.
 */
describe('the relay’s read-ahead', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase('relay_read_ahead');
    await runMigrations(db.url, [CreateEventStore1764316800000, RelayTopicEnds1764316801000], 'write');
    pool = new Pool({ connectionString: db.url, max: 6 });
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('is read again when appends arrived while the batch before it was being published', async () => {
    const appended = new AppendSignal(pool);
    const store = new PostgresEventStore(pool, { groupCommit: defaultGroupCommitOptions, appended });
    const append = async () => {
      const event = newEvent();
      await store.append(`account-${randomUUID()}`, 'account', 0, [event]);
      return event.eventId;
    };
    const batches: string[][] = [];
    let releaseFirst!: () => void;
    const firstAcknowledged = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstStarted!: () => void;
    const publishing = new Promise<void>((resolve) => (firstStarted = resolve));
    const relay = new OutboxRelay({
      connectionString: db.url,
      pool,
      logger: quiet,
      appended,
      batchSize: 2,
      sweepIntervalMs: 5_000,
      publisher: {
        publish: async (events) => {
          batches.push(events.map((event) => event.eventId));
          if (batches.length === 1) {
            firstStarted();
            await firstAcknowledged; // the broker is slow to acknowledge the first batch
          }
        },
      },
    });
    const [e1, e2, e3] = [await append(), await append(), await append()];
    relay.start();
    try {
      await publishing; // [e1, e2] is being published; the read-ahead found [e3] only
      await sleep(500);
      const e4 = await append();
      releaseFirst();
      await eventually(() => expect(batches.flat()).toContain(e4), 10_000);
      expect(batches[0]).toEqual([e1, e2]);
      expect(batches[1]).toEqual([e3, e4]);
    } finally {
      releaseFirst();
      await relay.stop();
    }
  });
});
