import { randomBytes } from 'node:crypto';
import { writeSideMigrations } from '@tally/accounts-commands';
import { accountReadModels } from '@tally/accounts-read-models';
import { foldReadModels, readModelSnapshot } from '@tally/accounts-read-models/testing';
import { decodeEvent, encodeEvent, type EventEnvelope } from '@tally/contracts';
import { runMigrations } from '@tally/database';
import { OutboxRelay, PostgresEventStore, republishFromStore } from '@tally/event-store';
import { KafkaEventPublisher, createKafka, deadLetterTopicOf, ensureTopic } from '@tally/messaging';
import { ProjectionConsumer } from '@tally/projections';
import { EventStreams, createTestDatabase, eventually, type TestDatabase } from '@tally/testing';
import type { Admin, Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';

jest.setTimeout(120_000);

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const PARTITIONS = 3;

/** The sum of a metric's samples whose labels include `labels`. */
const metricSum = async (name: string, labels: Record<string, string> = {}): Promise<number> => {
  const metric = register.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l))
    .reduce((sum, v) => sum + v.value, 0);
};

/**
 * The topic loses events (truncated with deleteRecords, or deleted and recreated) while both sides
 * run: the services notice, `republish` refills the topic from the event store, and the read tables
 * end up equal to a fold of the store, each event applied exactly once.
 */
describe('a topic that lost events is noticed and refilled from the store', () => {
  let writeDb: TestDatabase;
  let readDb: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;
  let dataSource: DataSource;
  let kafka: Kafka;
  let admin: Admin;
  let topic: string;
  let group: string;
  let relay: OutboxRelay;
  const publishers: KafkaEventPublisher[] = [];
  const consumers: ProjectionConsumer[] = [];
  const streams = new EventStreams();
  const ids: string[] = [];
  let appended = 0;

  const publisher = () => {
    const instance = new KafkaEventPublisher(kafka, topic);
    publishers.push(instance);
    return instance;
  };

  /** Appends the events built since the last call to the event store, as the write side would. */
  const appendNew = async () => {
    for (const event of streams.events.slice(appended)) {
      await store.append(event.streamId, event.streamId.split('-')[0], event.streamVersion - 1, [
        {
          eventId: event.eventId,
          type: event.type,
          schemaVersion: event.schemaVersion,
          data: event.data,
          metadata: event.metadata,
          occurredAt: new Date(event.occurredAt),
        },
      ]);
    }
    appended = streams.events.length;
  };

  const depositEverywhere = (amount: number) => ids.forEach((id) => streams.deposit(id, amount));

  const consume = async () => {
    const consumer = new ProjectionConsumer({
      kafka,
      topic,
      groupId: group,
      projector: accountReadModels.projector,
      dataSource,
      projections: accountReadModels.projections(),
      logger: quiet,
      onFatal: (error) => {
        throw error;
      },
    });
    consumers.push(consumer);
    await consumer.start();
    return consumer;
  };

  const snapshot = () => readModelSnapshot((sql) => dataSource.query(sql));
  const foldOfAll = () =>
    foldReadModels(streams.events.map((event: EventEnvelope) => decodeEvent(encodeEvent(event))));
  const count = async (sql: string): Promise<number> => Number((await dataSource.query(sql))[0].n);
  const relayed = () => eventually(async () => expect(await relay.backlog()).toBe(0), 30_000);

  beforeAll(async () => {
    [writeDb, readDb] = await Promise.all([
      createTestDatabase('repair_write'),
      createTestDatabase('repair_read'),
    ]);
    await runMigrations(writeDb.url, writeSideMigrations, 'write');
    await runMigrations(readDb.url, accountReadModels.migrations, 'read');
    pool = new Pool({ connectionString: writeDb.url, max: 6 });
    store = new PostgresEventStore(pool);
    dataSource = await new DataSource({
      type: 'postgres',
      url: readDb.url,
      entities: accountReadModels.entities,
      extra: { max: 6 },
    }).initialize();
    kafka = createKafka(
      {
        brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
        clientId: 'topic-repair-test',
        topic: '',
        partitions: PARTITIONS,
      },
      quiet,
    );
    admin = kafka.admin();
    await admin.connect();
    topic = `tally.test.repair.${randomBytes(4).toString('hex')}`;
    group = `${topic}-group`;
    await ensureTopic(kafka, topic, PARTITIONS);
    await ensureTopic(kafka, deadLetterTopicOf(topic), PARTITIONS);
    relay = new OutboxRelay({
      connectionString: writeDb.url,
      pool,
      publisher: publisher(),
      logger: quiet,
      sweepIntervalMs: 100,
      retryIntervalMs: 100,
      topicCheckIntervalMs: 100,
    });
    relay.start();
    for (let i = 0; i < 6; i++)
      ids.push((streams.open(`owner${i % 2}`).data as { accountId: string }).accountId);
    depositEverywhere(100);
    await appendNew();
  });

  afterAll(async () => {
    await relay?.stop();
    await Promise.all(consumers.map((consumer) => consumer.stop().catch(() => undefined)));
    await Promise.all(publishers.map((p) => p.close()));
    await admin?.deleteTopics({ topics: [topic, deadLetterTopicOf(topic)] }).catch(() => undefined);
    await admin?.disconnect();
    await dataSource?.destroy();
    await pool?.end();
    await Promise.all([writeDb?.drop(), readDb?.drop()]);
  });

  it('truncated past what the read side had applied: noticed at assignment, republished, applied once', async () => {
    const first = await consume();
    await eventually(async () => expect(await snapshot()).toEqual(foldOfAll()), 30_000);
    await first.stop();

    // While the read side is down, more events are published, then the topic is truncated to its end.
    depositEverywhere(20);
    await appendNew();
    await relayed();
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.deleteTopicRecords({
      topic,
      partitions: ends.map(({ partition, high }) => ({ partition, offset: high })),
    });
    const lostBefore = await metricSum('tally_topic_history_lost_total', { topic });

    const second = await consume();
    await eventually(
      () => expect(second.status().topicHistoryLost?.losses.length).toBeGreaterThan(0),
      20_000,
    );
    // Found by comparing the committed offset with the partition's start, or, if the client reset the
    // position first, by the -2 it commits.
    expect(['truncated', 'reset']).toContain(second.status().topicHistoryLost?.losses[0].kind);
    expect(await metricSum('tally_topic_history_lost_total', { topic })).toBeGreaterThan(lostBefore);
    // New events of those accounts wait behind the gap: never applied early.
    depositEverywhere(3);
    await appendNew();
    await eventually(async () =>
      expect(await count('SELECT count(*) AS n FROM parked_events')).toBe(ids.length),
    );

    const result = await republishFromStore({ pool, publisher: publisher(), from: { start: true } });
    // Up to the relay's checkpoint, which the new deposits had passed.
    expect(result.published).toBe(streams.events.length);

    await eventually(async () => expect(await snapshot()).toEqual(foldOfAll()), 30_000);
    expect(await count('SELECT count(*) AS n FROM parked_events')).toBe(0);
    // Exactly once: the replica applied the events it had missed and the new ones, none of the
    // republished ones it already had; one ledger entry per deposit.
    expect(second.appliedCount).toBe(2 * ids.length);
    expect(await count('SELECT count(*) AS n FROM ledger_entries')).toBe(3 * ids.length);
    await second.stop();
  });

  it('deleted and recreated: the relay and the read side notice, a republish refills it, nothing applied twice', async () => {
    // A replica that has been applying events (so it knows where it has read to).
    const consumer = await consume();
    depositEverywhere(1);
    await appendNew();
    await eventually(async () => expect(await snapshot()).toEqual(foldOfAll()), 30_000);
    const ledgerBefore = await count('SELECT count(*) AS n FROM ledger_entries');
    expect(await relay.topicLoss()).toBeUndefined();

    await admin.deleteTopics({ topics: [topic] });
    await ensureTopic(kafka, topic, PARTITIONS);

    // The idle relay finds the new topic ending before what it had published.
    await eventually(
      async () => expect((await relay.topicLoss())?.partitions.length).toBeGreaterThan(0),
      20_000,
    );
    expect((await relay.topicLoss())?.topic).toBe(topic);

    // Writes go on into the new topic; the read side applies them.
    depositEverywhere(7);
    await appendNew();
    await eventually(
      async () =>
        expect(await count('SELECT count(*) AS n FROM ledger_entries')).toBe(ledgerBefore + ids.length),
      30_000,
    );
    // The read side finds its partitions ending before where it had read (`replaced`), or finds the
    // client's reset of its out-of-range position (`reset`), whichever it sees first.
    await eventually(async () => {
      await consumer.checkTopicHistory();
      expect(consumer.status().topicHistoryLost?.losses.length).toBeGreaterThan(0);
    }, 20_000);
    for (const loss of consumer.status().topicHistoryLost!.losses)
      expect(['replaced', 'reset']).toContain(loss.kind);

    const appliedBefore = consumer.appliedCount;
    const result = await republishFromStore({ pool, publisher: publisher(), from: { start: true } });
    expect(result.clearedTopicLoss).toBe(true);
    expect(await relay.topicLoss()).toBeUndefined();
    // The new topic holds the whole history again (every event at least once).
    await eventually(async () => {
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0)).toBeGreaterThanOrEqual(
        streams.events.length,
      );
    });

    // Read side unchanged apart from the new events: the history came back as duplicates only.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await eventually(async () => expect(await snapshot()).toEqual(foldOfAll()), 30_000);
    expect(consumer.appliedCount).toBe(appliedBefore);
    expect(await count('SELECT count(*) AS n FROM ledger_entries')).toBe(ledgerBefore + ids.length);
  });
});
