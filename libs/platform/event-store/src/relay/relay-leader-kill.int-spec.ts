import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { decodeEvent } from '@tally/contracts';
import { runMigrations } from '@tally/database';
import { KafkaEventPublisher, createKafka, ensureTopic } from '@tally/messaging';
import { createTestDatabase, eventually, quietLogger, type TestDatabase } from '@tally/testing';
import type { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { CreateEventStore1764316800000 } from '../migrations/1764316800000-create-event-store';
import { RelayTopicEnds1764316801000 } from '../migrations/1764316801000-relay-topic-ends';
import { PostgresEventStore } from '../postgres-event-store';
import type { NewEvent } from '../recorded-event';
import { OutboxRelay } from './outbox-relay';

interface ClusterNode {
  id: number;
}
interface KafkaCluster {
  brokers: string;
  nodes: ClusterNode[];
  kill(id: number): Promise<void>;
  restart(id: number): Promise<void>;
  stop(): Promise<void>;
}
// Plain CommonJS (it runs before anything is built), so it is required, not imported.
const { startCluster } = require(path.resolve(__dirname, '../../../../../infra/kafka/local-broker.js')) as {
  startCluster(options: { log: (line: string) => void }): Promise<KafkaCluster>;
};

jest.setTimeout(300_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const PARTITIONS = 6;
const STREAMS = 24;
const KILLS = 3;

const newEvent = (n: number): NewEvent => ({
  eventId: randomUUID(),
  type: 'tally.account.money-deposited',
  schemaVersion: 1,
  data: { amount: n },
  metadata: { correlationId: `corr-${n}`, causationId: `cause-${n}` },
  occurredAt: new Date(),
});

/**
 * Issue #23, reproduced on the three-node cluster (replication 3, min.insync.replicas 2, acks=all):
 * the relay publishes batches that span every partition while the leader of a partition is killed -9
 * (and restarted), three times. Before the fix, kafkajs 2.2.4 resolved a multi-partition send that
 * had never written the moved partition (its retry skips a broker that already answered, even when
 * that broker has since become the moved partition's leader), the relay moved its checkpoint past
 * those events, and a stream's later events followed on the topic without them.
 */
describe('OutboxRelay → a three-node Kafka cluster whose partition leaders are killed', () => {
  let cluster: KafkaCluster;
  let db: TestDatabase;
  let pool: Pool;
  let kafka: Kafka;
  let publisher: KafkaEventPublisher;
  let relay: OutboxRelay;
  const topic = `tally.test.leader-kill.${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    cluster = await startCluster({ log: () => undefined });
    db = await createTestDatabase('relay_leader_kill');
    await runMigrations(db.url, [CreateEventStore1764316800000, RelayTopicEnds1764316801000], 'write');
    pool = new Pool({ connectionString: db.url, max: 8 });
    kafka = createKafka(
      { brokers: cluster.brokers.split(','), clientId: 'leader-kill-test', topic, partitions: PARTITIONS },
      quietLogger,
    );
    await ensureTopic(kafka, topic, PARTITIONS, {
      replicationFactor: 3,
      config: { 'min.insync.replicas': '2', 'unclean.leader.election.enable': 'false' },
    });
  });

  afterAll(async () => {
    await relay?.stop();
    await publisher?.close();
    await pool?.end();
    await db?.drop();
    await cluster?.stop();
  });

  it('puts every event on the topic, each stream in order, through repeated leader kills', async () => {
    publisher = new KafkaEventPublisher(kafka, topic);
    relay = new OutboxRelay({
      connectionString: db.url,
      pool,
      publisher,
      logger: quietLogger,
      batchSize: 40,
      sweepIntervalMs: 100,
      retryIntervalMs: 200,
    });
    relay.start();
    const store = new PostgresEventStore(pool);
    const streams = Array.from({ length: STREAMS }, () => `account-${randomUUID()}`);
    const versions = new Map(streams.map((s) => [s, 0]));
    let writing = true;
    const writers = streams.map(async (stream) => {
      while (writing) {
        const version = versions.get(stream) ?? 0;
        await store.append(stream, 'account', version, [newEvent(version + 1)]);
        versions.set(stream, version + 1);
        await sleep(20);
      }
    });

    const admin = kafka.admin();
    await admin.connect();
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        await sleep(3_000);
        const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
        const { leader } = metadata.partitions[kill % PARTITIONS];
        await cluster.kill(leader);
        // Longer than broker.session.timeout.ms (6 s): the partitions move to the other nodes.
        await sleep(9_000);
        await cluster.restart(leader);
      }
    } finally {
      await admin.disconnect();
    }
    writing = false;
    await Promise.all(writers);
    const total = [...versions.values()].reduce((a, b) => a + b, 0);
    await eventually(async () => expect(await relay.backlog()).toBe(0), 120_000, 500);

    // Everything on the topic, read from the beginning up to the ends found now.
    const ends = await publisher.endOffsets();
    const onTopic = new Map<string, number[]>();
    let pending = Object.values(ends).reduce((a, b) => a + Number(b), 0);
    const consumer = kafka.consumer({ groupId: `leader-kill-check-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const event = decodeEvent(message.value);
        const seen = onTopic.get(event.streamId) ?? [];
        seen.push(event.streamVersion);
        onTopic.set(event.streamId, seen);
        pending--;
      },
    });
    await eventually(() => expect(pending).toBeLessThanOrEqual(0), 60_000, 200);
    await consumer.disconnect();

    const missing: string[] = [];
    const outOfOrder: string[] = [];
    for (const stream of streams) {
      const seen = onTopic.get(stream) ?? [];
      const present = new Set(seen);
      for (let v = 1; v <= (versions.get(stream) ?? 0); v++)
        if (!present.has(v)) missing.push(`${stream}@${v}`);
      // Each version first appears after every earlier one (duplicates of earlier ones may follow).
      const first: number[] = [];
      for (const v of seen) if (!first.includes(v)) first.push(v);
      first.forEach((v, i) => {
        if (v !== i + 1) outOfOrder.push(`${stream}@${v} at ${i + 1}`);
      });
    }
    expect({ total: total > 0, missing, outOfOrder: outOfOrder.slice(0, 10) }).toEqual({
      total: true,
      missing: [],
      outOfOrder: [],
    });
  });
});
