import { randomBytes, randomUUID } from 'node:crypto';
import { decodeEvent, type EventEnvelope } from '@tally/contracts';
import { runMigrations } from '@tally/database';
import {
  KafkaEventPublisher,
  PartitionsNotAcknowledgedError,
  createKafka,
  ensureTopic,
  EventHeaders,
} from '@tally/messaging';
import { createTestDatabase, eventually, type TestDatabase } from '@tally/testing';
import type { Consumer, Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { CreateEventStore1764316800000 } from '../migrations/1764316800000-create-event-store';
import { RelayTopicEnds1764316801000 } from '../migrations/1764316801000-relay-topic-ends';
import { PostgresEventStore } from '../postgres-event-store';
import type { NewEvent, RecordedEvent } from '../recorded-event';
import { OutboxRelay, type EventPublisher } from './outbox-relay';
import { defaultGroupCommitOptions } from '../group-commit';

jest.setTimeout(60_000);

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

const newEvent = (n: number): NewEvent => ({
  eventId: randomUUID(),
  type: 'tally.account.money-deposited',
  schemaVersion: 1,
  data: { amount: n },
  metadata: { correlationId: `corr-${n}`, causationId: `cause-${n}` },
  occurredAt: new Date(),
});

interface Received {
  key: string;
  partition: number;
  event: EventEnvelope;
  headers: Record<string, string>;
}

describe('OutboxRelay → Kafka', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;
  let kafka: Kafka;
  let topic: string;
  let consumer: Consumer;
  const received: Received[] = [];
  const relays: OutboxRelay[] = [];
  const publishers: KafkaEventPublisher[] = [];

  const relay = (publisher?: EventPublisher) => {
    const kafkaPublisher = new KafkaEventPublisher(kafka, topic);
    publishers.push(kafkaPublisher);
    const instance = new OutboxRelay({
      connectionString: db.url,
      pool,
      publisher: publisher ?? kafkaPublisher,
      logger: quiet,
      batchSize: 7,
      sweepIntervalMs: 200,
      retryIntervalMs: 100,
    });
    relays.push(instance);
    return instance;
  };

  const appendToStreams = async (streams: string[], perStream: number) => {
    await Promise.all(
      streams.map(async (stream) => {
        const version = await store.streamVersion(stream);
        for (let i = 1; i <= perStream; i++)
          await store.append(stream, 'account', version + i - 1, [newEvent(i)]);
      }),
    );
  };

  const firstSeenOrder = (stream: string) => {
    const seen = new Set<number>();
    return received
      .filter((r) => r.event.streamId === stream)
      .map((r) => r.event.streamVersion)
      .filter((v) => !seen.has(v) && seen.add(v));
  };

  beforeAll(async () => {
    db = await createTestDatabase('relay');
    await runMigrations(db.url, [CreateEventStore1764316800000, RelayTopicEnds1764316801000], 'write');
    pool = new Pool({ connectionString: db.url, max: 10 });
    store = new PostgresEventStore(pool, { groupCommit: defaultGroupCommitOptions });
    kafka = createKafka(
      {
        brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
        clientId: 'relay-test',
        topic: '',
        partitions: 3,
      },
      quiet,
    );
    topic = `tally.test.relay.${randomBytes(4).toString('hex')}`;
    await ensureTopic(kafka, topic, 3);
    consumer = kafka.consumer({ groupId: `relay-test-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        received.push({
          key: message.key!.toString(),
          partition,
          event: decodeEvent(message.value),
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
        });
      },
    });
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await Promise.all(publishers.map((p) => p.close()));
    await pool?.end();
    await db?.drop();
  });

  it('publishes every committed event, keyed by stream, in stream order, with headers', async () => {
    const streams = Array.from({ length: 6 }, () => `account-${randomUUID()}`);
    relay().start();
    await appendToStreams(streams, 10);

    await eventually(
      () => expect(received.filter((r) => streams.includes(r.event.streamId))).toHaveLength(60),
      20_000,
    );
    for (const stream of streams) {
      const mine = received.filter((r) => r.event.streamId === stream);
      expect(mine.map((r) => r.event.streamVersion)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(new Set(mine.map((r) => r.key))).toEqual(new Set([stream]));
      expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
    }
    const sample = received.find((r) => r.event.streamId === streams[0])!;
    expect(sample.headers).toMatchObject({
      [EventHeaders.eventId]: sample.event.eventId,
      [EventHeaders.eventType]: 'tally.account.money-deposited',
      // Stored as v1, published upcast: the store deserialises every event to its latest version.
      [EventHeaders.schemaVersion]: '2',
      [EventHeaders.correlationId]: 'corr-1',
    });
  });

  it('loses nothing when killed before the Kafka ack or between the ack and its checkpoint', async () => {
    const streams = Array.from({ length: 3 }, () => `account-${randomUUID()}`);
    await appendToStreams(streams, 5);
    const kafkaPublisher = new KafkaEventPublisher(kafka, topic);
    publishers.push(kafkaPublisher);
    let attempts = 0;
    // Dies on every attempt: alternately before anything reached Kafka, and after Kafka acknowledged
    // the batch but before the relay could record its checkpoint.
    const dying = relay({
      publish: async (events: RecordedEvent[]) => {
        attempts++;
        if (attempts % 2 === 0) await kafkaPublisher.publish(events);
        throw new Error('killed');
      },
    });
    dying.start();
    await eventually(() => expect(attempts).toBeGreaterThanOrEqual(4));
    await dying.stop();

    relay().start();
    await eventually(() => {
      for (const stream of streams) expect(firstSeenOrder(stream)).toEqual([1, 2, 3, 4, 5]);
    }, 20_000);
  });

  it('publishes a batch again, in stream order, after a send that reached only some partitions', async () => {
    const streams = Array.from({ length: 6 }, () => `account-${randomUUID()}`);
    await appendToStreams(streams, 4);
    const kafkaPublisher = new KafkaEventPublisher(kafka, topic);
    publishers.push(kafkaPublisher);
    let partial = 0;
    // The first two sends write only half of their streams (as kafkajs did when a partition's leader
    // moved: issue #23) and then fail as the publisher now does; the relay must publish them again.
    const flaky = relay({
      publish: async (events: RecordedEvent[]) => {
        if (partial >= 2) return kafkaPublisher.publish(events);
        partial++;
        const half = new Set(streams.slice(0, 3));
        await kafkaPublisher.publish(events.filter((e) => half.has(e.streamId)));
        throw new PartitionsNotAcknowledgedError(topic, [1]);
      },
    });
    flaky.start();
    await eventually(() => {
      for (const stream of streams) expect(firstSeenOrder(stream)).toEqual([1, 2, 3, 4]);
    }, 20_000);
    expect(partial).toBe(2);
  });

  it('lets one relay lead at a time and hands over when the leader stops', async () => {
    const first = relay();
    const second = relay();
    first.start();
    second.start();
    await eventually(() => expect([first.isLeader, second.isLeader].filter(Boolean)).toHaveLength(1));
    const [leader, follower] = first.isLeader ? [first, second] : [second, first];

    await leader.stop();
    await eventually(() => expect(follower.isLeader).toBe(true));

    const stream = `account-${randomUUID()}`;
    await appendToStreams([stream], 3);
    await eventually(() => expect(firstSeenOrder(stream)).toEqual([1, 2, 3]), 20_000);
  });
});
