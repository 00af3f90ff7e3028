import { encodeEvent } from '@tally/contracts';
import { DeadLetterHeaders, listDeadLetters } from '@tally/messaging';
import { ProjectionConsumer } from '@tally/projections';
import {
  EventStreams,
  asDelivered as decoded,
  asMessages,
  createTestTopic,
  eventually,
  produce,
  quietLogger as quiet,
} from '@tally/testing';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { accountReadModels } from './account-read-models';
import { createReadDatabase, foldReadModels, readModelSnapshot, type ReadDatabase } from './testing';

jest.setTimeout(90_000);

describe('account read models over a real topic', () => {
  let db: ReadDatabase;
  let dataSource: DataSource;
  const consumers: ProjectionConsumer[] = [];

  beforeAll(async () => {
    db = await createReadDatabase('read_models', 8);
    dataSource = db.dataSource;
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((consumer) => consumer.stop()));
    await dataSource.query(
      'TRUNCATE accounts, ledger_entries, transfers, owner_balances, stream_positions, parked_events',
    );
  });

  afterAll(async () => {
    await db?.drop();
  });

  const consume = async (kafka: Kafka, topic: string, maxMessagesPerTransaction?: number) => {
    const consumer = new ProjectionConsumer({
      kafka,
      topic,
      groupId: `${topic}-group`,
      projector: accountReadModels.projector,
      dataSource,
      projections: accountReadModels.projections(),
      logger: quiet,
      maxMessagesPerTransaction,
      onFatal: (error) => {
        throw error;
      },
    });
    consumers.push(consumer);
    await consumer.start();
    return consumer;
  };

  const snapshot = () => readModelSnapshot((sql) => dataSource.query(sql));

  /** Accounts, deposits, withdrawals and transfers across several owners and currencies. */
  const history = () => {
    const streams = new EventStreams();
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const opened = streams.open(`owner${i % 4}`, i % 3 === 0 ? 'USD' : 'EUR');
      ids.push((opened.data as { accountId: string }).accountId);
    }
    for (let round = 0; round < 5; round++)
      for (const [i, id] of ids.entries()) streams.deposit(id, 100 * (i + 1) + round);
    streams.withdraw(ids[1], 50);
    streams.adjust(ids[3], -20, 'reverses a duplicate deposit');
    streams.adjust(ids[6], 7);
    streams.transfer(ids[1], ids[2], 75);
    streams.transfer(ids[4], ids[5], 30);
    return { streams, ids };
  };

  it('equals a fold of the events when every event is delivered twice', async () => {
    const { kafka, topic } = await createTestTopic('twice');
    const { streams } = history();
    const messages = asMessages(streams.events);
    // Each message twice in a row, then the whole history again: in-batch and cross-batch duplicates.
    await produce(
      kafka,
      topic,
      messages.flatMap((message) => [message, message]),
    );
    await produce(kafka, topic, messages);
    const consumer = await consume(kafka, topic, 7);

    const expected = foldReadModels(decoded(streams.events));
    await eventually(async () => expect(await snapshot()).toEqual(expected), 30_000);
    expect(consumer.appliedCount).toBe(streams.events.length);
    // Independent of the fold: money is conserved across the three views of it.
    const [{ sum }] = await dataSource.query('SELECT sum(balance)::bigint AS sum FROM accounts');
    const [{ owners }] = await dataSource.query('SELECT sum(balance)::bigint AS owners FROM owner_balances');
    const deposited = streams.events
      .filter((e) => e.type === 'tally.account.money-deposited')
      .reduce((total, e) => total + (e.data as { amount: number }).amount, 0);
    expect(Number(sum)).toBe(deposited - 50 - 20 + 7);
    expect(Number(owners)).toBe(deposited - 50 - 20 + 7);
    const [{ adjustments }] = await dataSource.query(
      "SELECT count(*)::int AS adjustments FROM ledger_entries WHERE kind = 'adjustment'",
    );
    expect(adjustments).toBe(2);
  });

  it('dead-letters a poison message while later events of its partition are applied', async () => {
    const { kafka, topic } = await createTestTopic('poison', 1);
    const { streams, ids } = history();
    await produce(kafka, topic, [
      ...asMessages(streams.events.slice(0, 20)),
      { key: 'garbage', value: '{"this is": not json' },
      ...asMessages(streams.events.slice(20)),
    ]);
    await consume(kafka, topic);

    await eventually(
      async () => expect(await snapshot()).toEqual(foldReadModels(decoded(streams.events))),
      30_000,
    );
    const letters = await eventually(async () => {
      const found = await listDeadLetters(kafka, topic);
      expect(found).toHaveLength(1);
      return found;
    });
    expect(letters[0]).toMatchObject({
      originalTopic: topic,
      originalPartition: 0,
      originalOffset: '20',
      key: 'garbage',
      value: '{"this is": not json',
      error: expect.stringContaining('not JSON'),
    });
    expect(Date.parse(letters[0].failedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(letters[0].headers[DeadLetterHeaders.offset]).toBe('20');
    expect(ids).toHaveLength(12);
  });

  it('parks the successors of a dead-lettered event and applies them once it is re-driven fixed', async () => {
    const { kafka, topic } = await createTestTopic('redrive', 2);
    const streams = new EventStreams();
    const accountId = (streams.open('carol').data as { accountId: string }).accountId;
    streams.deposit(accountId, 100);
    const broken = streams.skip(`account-${accountId}`, 'tally.account.money-deposited', { amount: 40 });
    streams.deposit(accountId, 2); // version 4, arrives before its predecessor is fixed
    const [first, second, fourth] = asMessages(streams.events);
    await produce(kafka, topic, [
      first,
      second,
      { key: broken.streamId, value: encodeEvent({ ...broken, data: { amount: '40' } }) },
      fourth,
    ]);
    await consume(kafka, topic);

    const [letter] = await eventually(async () => {
      const found = await listDeadLetters(kafka, topic);
      expect(found).toHaveLength(1);
      return found;
    });
    expect(letter.error).toContain('amount must be a positive safe integer');
    await eventually(async () => {
      const [parked] = await dataSource.query('SELECT stream_id, version FROM parked_events');
      expect(parked).toEqual({ stream_id: broken.streamId, version: 4 });
    });
    const [before] = await dataSource.query('SELECT balance, version FROM accounts');
    expect(before).toEqual({ balance: '100', version: 2 });

    // What a re-drive publishes: the stored event (the desk's own tests cover finding it in the store).
    await produce(kafka, topic, asMessages([broken]));
    await eventually(async () => {
      const [after] = await dataSource.query('SELECT balance, version FROM accounts');
      expect(after).toEqual({ balance: '142', version: 4 });
    });
    expect(await dataSource.query('SELECT * FROM parked_events')).toEqual([]);
    const ledger = await dataSource.query(
      'SELECT version, balance_after FROM ledger_entries ORDER BY version',
    );
    expect(ledger).toEqual([
      { version: 2, balance_after: '100' },
      { version: 3, balance_after: '140' },
      { version: 4, balance_after: '142' },
    ]);
  });
});
