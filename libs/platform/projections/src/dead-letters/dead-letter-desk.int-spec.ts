import { runMigrations } from '@tally/database';
import { DeadLetterPublisher, UnknownDeadLetterError, deadLetterTopicOf } from '@tally/messaging';
import { createTestDatabase, createTestTopic, type TestDatabase } from '@tally/testing';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { Pool } from 'pg';
import { CreateDeadLetterMarks1764316800140 } from '../migrations/1764316800140-create-dead-letter-marks';
import { DeadLetterDesk } from './dead-letter-desk';

jest.setTimeout(120_000);

const message = (key: string, offset: string, value: string): KafkaMessage =>
  ({
    key: Buffer.from(key),
    value: Buffer.from(value),
    offset,
    headers: { 'tally-correlation-id': Buffer.from(`c-${key}`) },
    timestamp: String(Date.now()),
    attributes: 0,
  }) as KafkaMessage;

/** Every message the topic holds now, with key, value and headers as text. */
async function readTopic(kafka: Kafka, topic: string, expected: number) {
  const consumer = kafka.consumer({ groupId: `${topic}-reader-${Date.now()}`, maxWaitTimeInMs: 100 });
  const seen: { partition: number; key: string; value: string; headers: Record<string, string> }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ partition, message: m }) => {
        seen.push({
          partition,
          key: String(m.key),
          value: String(m.value),
          headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])),
        });
        if (seen.length >= expected) resolve();
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

describe('the dead-letter desk', () => {
  let db: TestDatabase;
  let pool: Pool;
  let kafka: Kafka;
  let topic: string;
  let desk: DeadLetterDesk;

  beforeAll(async () => {
    db = await createTestDatabase('dead_letter_desk');
    await runMigrations(db.url, [CreateDeadLetterMarks1764316800140], 'read');
    pool = new Pool({ connectionString: db.url, max: 2 });
    ({ kafka, topic } = await createTestTopic('desk', 3));
    desk = new DeadLetterDesk({ kafka, topic, db: pool });
    const publisher = new DeadLetterPublisher(kafka);
    // Keyed as the relay keys events: the letters spread over the dead-letter topic's partitions.
    await publisher.publish(
      Array.from({ length: 9 }, (_, i) => ({
        topic,
        partition: i % 3,
        message: message(`account-${i}`, String(10 + i), `{"n":${i}}`),
        error: new Error(i < 3 ? 'Unexpected token in JSON' : 'amount must be a positive safe integer'),
      })),
    );
    await publisher.close();
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('pages through every letter once, filtered by origin, error and key', async () => {
    const ids: string[] = [];
    let after: string | undefined;
    do {
      const page = await desk.list({}, { limit: 4, after });
      expect(page.total).toBe(9);
      ids.push(...page.items.map((l) => l.id));
      after = page.next ?? undefined;
    } while (after);
    expect(ids).toHaveLength(9);
    expect(new Set(ids).size).toBe(9);

    const json = await desk.list({ error: 'json' }, { limit: 50 });
    expect(json.items.map((l) => l.key).sort()).toEqual(['account-0', 'account-1', 'account-2']);
    const fromOne = await desk.list({ originalPartition: 1 }, { limit: 50 });
    expect(fromOne.items.map((l) => l.originalOffset).sort()).toEqual(['11', '14', '17']);
    expect((await desk.list({ key: 'ACCOUNT-7' }, { limit: 50 })).items.map((l) => l.value)).toEqual([
      '{"n":7}',
    ]);
  });

  it('shows one letter read by its id, and refuses an id the topic does not hold', async () => {
    const [any] = (await desk.list({ key: 'account-4' }, { limit: 1 })).items;
    const letter = await desk.show(any.id);
    expect(letter).toMatchObject({
      id: any.id,
      originalTopic: topic,
      originalPartition: 1,
      originalOffset: '14',
      error: 'amount must be a positive safe integer',
      value: '{"n":4}',
      mark: null,
    });
    expect(letter.headers['tally-correlation-id']).toBe('c-account-4');
    await expect(desk.show(`${any.partition}:999999`)).rejects.toBeInstanceOf(UnknownDeadLetterError);
    await expect(desk.show('7:0')).rejects.toBeInstanceOf(UnknownDeadLetterError);
  });

  it('marks handled and re-drives (one corrected, then every unhandled match), counting what is left', async () => {
    expect(await desk.counts()).toEqual({ total: 9, unhandled: 9 });
    const [first] = (await desk.list({ key: 'account-0' }, { limit: 1 })).items;
    const handled = await desk.markHandled(first.id, { by: 'ops', note: 'duplicate of a fixed one' });
    expect(handled.mark).toMatchObject({ state: 'handled', by: 'ops', note: 'duplicate of a fixed one' });
    expect(await desk.counts()).toEqual({ total: 9, unhandled: 8 });

    const [second] = (await desk.list({ key: 'account-1' }, { limit: 1 })).items;
    const redriven = await desk.redrive(second.id, { by: 'ops' }, '{"n":"fixed"}');
    expect(redriven.mark).toMatchObject({ state: 'redriven', by: 'ops' });

    // Every unhandled JSON letter: only account-2 is left of those three.
    expect(await desk.redriveAll({ error: 'JSON' }, { by: 'ops', note: 'parser fixed' })).toEqual([
      (await desk.list({ key: 'account-2' }, { limit: 1 })).items[0].id,
    ]);
    expect(await desk.counts()).toEqual({ total: 9, unhandled: 6 });
    expect((await desk.list({ state: 'unhandled' }, { limit: 50 })).matched).toBe(6);
    expect(
      (await desk.list({ state: 'handled' }, { limit: 50 })).items.map((l) => l.mark?.state).sort(),
    ).toEqual(['handled', 'redriven', 'redriven']);

    // Back on the event topic, keyed as before (so on the stream's partition), without the dlq-* headers.
    const back = await readTopic(kafka, topic, 2);
    expect(back.map(({ key, value }) => [key, value]).sort()).toEqual([
      ['account-1', '{"n":"fixed"}'],
      ['account-2', '{"n":2}'],
    ]);
    for (const m of back) {
      expect(m.headers['tally-correlation-id']).toBe(`c-${m.key}`);
      expect(m.headers['dlq-error']).toBeUndefined();
      expect(m.headers['dlq-redriven-from']).toMatch(
        new RegExp(`^${deadLetterTopicOf(topic).replace(/\./g, '\\.')}/\\d+:\\d+$`),
      );
    }
  });

  it('lists nothing, without error, when the topic has no letters', async () => {
    const empty = await createTestTopic('desk_empty', 2);
    const emptyDesk = new DeadLetterDesk({ kafka: empty.kafka, topic: empty.topic, db: pool });
    expect(await emptyDesk.list({}, { limit: 10 })).toEqual({ items: [], next: null, matched: 0, total: 0 });
    expect(await emptyDesk.counts()).toEqual({ total: 0, unhandled: 0 });
  });
});
