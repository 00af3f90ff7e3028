import { randomBytes, randomUUID } from 'node:crypto';
import { runMigrations } from '@tally/database';
import { createKafka, ensureTopic, KafkaEventPublisher } from '@tally/messaging';
import { createTestDatabase, eventually, type TestDatabase } from '@tally/testing';
import { Pool } from 'pg';
import { register } from 'prom-client';
import { CreateEventStore1764316800000 } from '../migrations/1764316800000-create-event-store';
import { RelayTopicEnds1764316801000 } from '../migrations/1764316801000-relay-topic-ends';
import { PostgresEventStore } from '../postgres-event-store';
import { OutboxRelay } from './outbox-relay';
import { registerRelayMetrics } from './relay-metrics';
import { defaultGroupCommitOptions } from '../group-commit';

jest.setTimeout(60_000);

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

const metric = async (name: string): Promise<number> => {
  const text = await register.getSingleMetricAsString(name);
  const line = text.split('\n').find((l) => l.startsWith(name));
  return Number(line?.split(' ')[1]);
};

describe('relay metrics on /metrics', () => {
  let db: TestDatabase;
  let pool: Pool;
  let publisher: KafkaEventPublisher;
  let relay: OutboxRelay;

  beforeAll(async () => {
    db = await createTestDatabase('relay_metrics');
    await runMigrations(db.url, [CreateEventStore1764316800000, RelayTopicEnds1764316801000], 'write');
    pool = new Pool({ connectionString: db.url, max: 4 });
    const kafka = createKafka(
      {
        brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
        clientId: 'metrics-test',
        topic: '',
        partitions: 1,
      },
      quiet,
    );
    const topic = `tally.test.metrics.${randomBytes(4).toString('hex')}`;
    await ensureTopic(kafka, topic, 1);
    publisher = new KafkaEventPublisher(kafka, topic);
    relay = new OutboxRelay({
      connectionString: db.url,
      pool,
      publisher,
      logger: quiet,
      sweepIntervalMs: 100,
    });
    registerRelayMetrics(relay);
  });

  afterAll(async () => {
    await relay?.stop();
    await publisher?.close();
    await pool?.end();
    await db?.drop();
  });

  it('shows the backlog growing while the relay is down and draining once it runs', async () => {
    const store = new PostgresEventStore(pool, { groupCommit: defaultGroupCommitOptions });
    for (let i = 0; i < 5; i++)
      await store.append(`account-${randomUUID()}`, 'account', 0, [
        {
          eventId: randomUUID(),
          type: 'tally.account.opened',
          schemaVersion: 1,
          data: { accountId: 'a', ownerId: 'o', currency: 'EUR' },
          metadata: { correlationId: 'c', causationId: 'c' },
          occurredAt: new Date(),
        },
      ]);
    expect(await metric('tally_relay_backlog_events')).toBe(5);
    expect(await metric('tally_relay_published_total')).toBe(0);

    relay.start();
    await eventually(async () => expect(await metric('tally_relay_backlog_events')).toBe(0), 20_000);
    expect(await metric('tally_relay_published_total')).toBe(5);
  });
});
