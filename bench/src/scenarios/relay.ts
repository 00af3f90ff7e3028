import { randomBytes, randomUUID } from 'node:crypto';
import { encodeEvent } from '@tally/contracts';
import { runMigrations } from '@tally/database';
import {
  CreateEventStore1764316800000,
  OutboxRelay,
  PostgresEventStore,
  RelayTopicEnds1764316801000,
  START_OF_STORE,
  type NewEvent,
  type RecordedEvent,
  defaultGroupCommitOptions,
} from '@tally/event-store';
import { KafkaEventPublisher, createKafka, ensureTopic } from '@tally/messaging';
import { createTestDatabase } from '@tally/testing';
import { Partitioners } from 'kafkajs';
import { Pool } from 'pg';
import type { ScenarioResult } from '../harness/result';
import type { BenchSettings } from '../settings';

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const BATCH = 1_000;

/**
 * Events per second from the event store to the topic through the relay, against kafkajs producing
 * the very same messages in batches of the same size with the same producer settings (idempotent,
 * acks=all): the relay's own cost is reading the store and writing its checkpoint.
 */
export async function relayScenario(settings: BenchSettings): Promise<ScenarioResult> {
  const total = settings.quick ? 20_000 : 100_000;
  const streams = 1_000;
  const db = await createTestDatabase('bench_relay');
  await runMigrations(db.url, [CreateEventStore1764316800000, RelayTopicEnds1764316801000], 'write');
  const pool = new Pool({ connectionString: db.url, max: 8 });
  const store = new PostgresEventStore(pool, { groupCommit: defaultGroupCommitOptions });
  const kafka = createKafka(
    { brokers: settings.kafkaBrokers.split(','), clientId: 'bench-relay', topic: '', partitions: 12 },
    quiet,
  );
  const suffix = randomBytes(3).toString('hex');
  const [rawTopic, relayTopic] = [`bench.raw.${suffix}`, `bench.relay.${suffix}`];
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const publisher = new KafkaEventPublisher(kafka, relayTopic);
  try {
    // Inside the try: a broker that fails to create them must not leave the database behind.
    await Promise.all([ensureTopic(kafka, rawTopic, 12), ensureTopic(kafka, relayTopic, 12)]);
    await fill(store, streams, total / streams);
    const events = await readAll(store);

    await producer.connect();
    const rawStart = process.hrtime.bigint();
    for (let i = 0; i < events.length; i += BATCH) {
      await producer.send({
        topic: rawTopic,
        acks: -1,
        messages: events.slice(i, i + BATCH).map((event) => ({
          key: event.streamId,
          value: encodeEvent(event),
          headers: {
            'event-id': event.eventId,
            'event-type': event.type,
            'schema-version': '1',
            'correlation-id': 'bench',
            'causation-id': 'bench',
          },
        })),
      });
    }
    const rawSeconds = Number(process.hrtime.bigint() - rawStart) / 1e9;

    const relay = new OutboxRelay({
      connectionString: db.url,
      pool,
      publisher,
      logger: quiet,
      batchSize: BATCH,
    });
    const relayStart = process.hrtime.bigint();
    relay.start();
    while (relay.publishedCount < total) await new Promise((resolve) => setTimeout(resolve, 5));
    const relaySeconds = Number(process.hrtime.bigint() - relayStart) / 1e9;
    await relay.stop();

    const rawRate = total / rawSeconds;
    const relayRate = total / relaySeconds;
    return {
      scenario: 'relay',
      parameters: { events: total, streams, batch: BATCH, partitions: 12, producer: 'idempotent, acks=-1' },
      measurements: [
        {
          subject: 'tally relay',
          baseline: false,
          figures: { 'events/s': relayRate, seconds: relaySeconds },
        },
        {
          subject: 'kafkajs batched produce',
          baseline: true,
          figures: { 'events/s': rawRate, seconds: rawSeconds },
        },
      ],
      headlines: [
        { label: 'relay / raw produce', value: relayRate / rawRate, unit: 'x', target: 0.8, kind: 'min' },
      ],
      notes: [
        'the baseline produces messages already in memory; the relay reads them from PostgreSQL and checkpoints',
      ],
    };
  } finally {
    await Promise.allSettled([producer.disconnect(), publisher.close()]);
    await pool.end();
    await db.drop();
  }
}

async function fill(store: PostgresEventStore, streams: number, perStream: number): Promise<void> {
  const event = (): NewEvent => ({
    eventId: randomUUID(),
    type: 'tally.account.money-deposited',
    schemaVersion: 1,
    data: { amount: 100 },
    metadata: { correlationId: 'bench', causationId: 'bench' },
    occurredAt: new Date(),
  });
  const ids = Array.from({ length: streams }, () => `account-${randomUUID()}`);
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(
      ids
        .slice(i, i + 50)
        .map((id) => store.append(id, 'account', 0, Array.from({ length: perStream }, event))),
    );
  }
}

async function readAll(store: PostgresEventStore): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for (let position = START_OF_STORE; ;) {
    const batch = await store.readAllAfter(position, 10_000);
    if (batch.length === 0) return all;
    all.push(...batch);
    position = batch[batch.length - 1].position;
  }
}
