import { CreateOperatorActions1764316801330, OperatorAudit, runMigrations } from '@tally/database';
import { DeadLetterPublisher, UnknownDeadLetterError, deadLetterTopicOf } from '@tally/messaging';
import { createTestDatabase, createTestTopic, type TestDatabase } from '@tally/testing';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { Pool } from 'pg';
import { CreateDeadLetterMarks1764316800140 } from '../migrations/1764316800140-create-dead-letter-marks';
import { DeadLetterDesk } from './dead-letter-desk';
import { NotAStoredEventError } from './stored-event-of';

/** The event store's `events` as the relay reads them (the write side's migration is not ours to run). */
const EVENTS_TABLE = `
  CREATE TABLE events (
    global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
    stream_id       text NOT NULL,
    stream_version  integer NOT NULL,
    event_id        uuid NOT NULL UNIQUE,
    event_type      text NOT NULL,
    schema_version  integer NOT NULL,
    data            jsonb NOT NULL,
    metadata        jsonb NOT NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (stream_id, stream_version))`;

/** Stored events of account-1 and account-2 (version 1 each), whose letters are damaged copies. */
const storedId = (i: number) => `6f1c2a0e-6a43-4a8e-9d43-3b1f3c1d2e1${i}`;
const storedDeposit = (i: number) => ({
  eventId: storedId(i),
  type: 'tally.account.money-deposited',
  schemaVersion: 2,
  streamId: `account-${i}`,
  streamVersion: 1,
  occurredAt: '2026-12-07T10:00:00.000Z',
  data: { amount: 100 * i, source: 'api' },
  metadata: { correlationId: `c-account-${i}`, causationId: `c-account-${i}` },
});
/** Letter i's value: a copy of the stored event of account-1 (by event id) and account-2 (by stream and version), the rest not events at all. */
const letterValue = (i: number) =>
  i === 1
    ? JSON.stringify({ ...storedDeposit(1), data: { amount: 1_000_000, source: 'api' } })
    : i === 2
      ? JSON.stringify({ streamId: 'account-2', streamVersion: 1, n: 2 })
      : `{"n":${i}}`;

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
    await runMigrations(
      db.url,
      [CreateDeadLetterMarks1764316800140, CreateOperatorActions1764316801330],
      'read',
    );
    pool = new Pool({ connectionString: db.url, max: 2 });
    await pool.query(EVENTS_TABLE);
    for (const i of [1, 2]) {
      const e = storedDeposit(i);
      await pool.query(
        `INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, data, metadata, occurred_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [e.streamId, e.streamVersion, e.eventId, e.type, e.schemaVersion, e.data, e.metadata, e.occurredAt],
      );
    }
    ({ kafka, topic } = await createTestTopic('desk', 3));
    desk = new DeadLetterDesk({ kafka, topic, db: pool, store: pool, audit: new OperatorAudit(pool) });
    const publisher = new DeadLetterPublisher(kafka);
    // Keyed as the relay keys events: the letters spread over the dead-letter topic's partitions.
    await publisher.publish(
      Array.from({ length: 9 }, (_, i) => ({
        topic,
        partition: i % 3,
        message: message(`account-${i}`, String(10 + i), letterValue(i)),
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

  it('marks handled and re-drives stored events only (one, then every unhandled match), auditing each action', async () => {
    const audit = new OperatorAudit(pool);
    expect(await desk.counts()).toEqual({ total: 9, unhandled: 9 });
    const [first] = (await desk.list({ key: 'account-0' }, { limit: 1 })).items;
    const handled = await desk.markHandled(first.id, { by: 'ops', note: 'not an event' });
    expect(handled.mark).toMatchObject({ state: 'handled', by: 'ops', note: 'not an event' });
    expect(await desk.counts()).toEqual({ total: 9, unhandled: 8 });
    expect((await audit.latest(1))[0]).toMatchObject({
      actor: 'ops',
      action: 'dead-letter.handled',
      target: first.id,
      reason: 'not an event',
      outcome: 'done',
      before: { mark: null, letter: { id: first.id, key: 'account-0', value: '{"n":0}' } },
      after: { mark: { state: 'handled', by: 'ops' } },
    });

    // A letter that is no stored event is not re-driven (and the refusal is audited).
    const [third] = (await desk.list({ key: 'account-3' }, { limit: 1 })).items;
    await expect(desk.redrive(third.id, { by: 'ops' })).rejects.toBeInstanceOf(NotAStoredEventError);
    expect((await audit.latest(1))[0]).toMatchObject({
      action: 'dead-letter.redrive',
      target: third.id,
      outcome: expect.stringMatching(/^refused: /),
    });

    // account-1's letter claims 1,000,000: what is published is the stored event (100).
    const [second] = (await desk.list({ key: 'account-1' }, { limit: 1 })).items;
    const redriven = await desk.redrive(second.id, { by: 'ops' });
    expect(redriven.letter.mark).toMatchObject({ state: 'redriven', by: 'ops' });
    expect(redriven.event).toMatchObject({ eventId: storedId(1), data: { amount: 100 } });
    expect((await audit.latest(1))[0]).toMatchObject({
      action: 'dead-letter.redrive',
      outcome: 'done',
      after: { published: { topic, eventId: storedId(1), streamId: 'account-1', streamVersion: 1 } },
    });

    // Every unhandled JSON letter: account-2 (found by stream and version) is re-driven, account-0 is
    // handled already, and none of the others is a stored event.
    expect(await desk.redriveAll({ error: 'JSON' }, { by: 'ops', note: 'parser fixed' })).toEqual({
      redriven: [(await desk.list({ key: 'account-2' }, { limit: 1 })).items[0].id],
      notStored: [],
    });
    const rest = await desk.redriveAll({}, { by: 'ops' });
    expect(rest.redriven).toEqual([]);
    expect(rest.notStored).toHaveLength(6);
    expect(await desk.counts()).toEqual({ total: 9, unhandled: 6 });
    expect((await desk.list({ state: 'unhandled' }, { limit: 50 })).matched).toBe(6);
    expect(
      (await desk.list({ state: 'handled' }, { limit: 50 })).items.map((l) => l.mark?.state).sort(),
    ).toEqual(['handled', 'redriven', 'redriven']);
    expect((await audit.latest(10)).map((a) => a.action)).toEqual([
      'dead-letter.redrive-all',
      'dead-letter.redrive-all',
      'dead-letter.redrive',
      'dead-letter.redrive',
      'dead-letter.handled',
    ]);

    // Back on the event topic as stored, keyed by the stream (so on its partition), without the dlq-* headers.
    const back = await readTopic(kafka, topic, 2);
    expect(
      back.map(({ key, value }) => [key, JSON.parse(value).eventId, JSON.parse(value).data]).sort(),
    ).toEqual([
      ['account-1', storedId(1), { amount: 100, source: 'api' }],
      ['account-2', storedId(2), { amount: 200, source: 'api' }],
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
    const emptyDesk = new DeadLetterDesk({
      kafka: empty.kafka,
      topic: empty.topic,
      db: pool,
      store: pool,
      audit: new OperatorAudit(pool),
    });
    expect(await emptyDesk.list({}, { limit: 10 })).toEqual({ items: [], next: null, matched: 0, total: 0 });
    expect(await emptyDesk.counts()).toEqual({ total: 0, unhandled: 0 });
  });
});
