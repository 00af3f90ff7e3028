import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import { parse } from 'yaml';
import { eventually } from '@tally/testing';
import { TestSystem, get, post } from './system';

jest.setTimeout(180_000);

interface MessageDoc {
  name: string;
  headers: object;
  payload: object;
}

/**
 * A consumer from another team, knowing nothing of Tally but the committed AsyncAPI document: it
 * reads the whole topic while the system is used, and checks every message against the document
 * (its headers, key and payload, by the schema of the message its `event-type` and `schema-version`
 * name), with a validator of its own rather than Tally's decoder.
 */
describe('the event topic, against its AsyncAPI document', () => {
  const document = parse(readFileSync(resolve(__dirname, '../../asyncapi/tally-events.yaml'), 'utf8')) as {
    channels: { events: { messages: Record<string, { $ref: string }> } };
    components: { messages: Record<string, MessageDoc> };
  };
  const messageIds = Object.values(document.channels.events.messages).map(({ $ref }) =>
    $ref.split('/').pop()!,
  );
  const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
  const system = new TestSystem('contract', { TRANSFERS_SWEEP_INTERVAL_MS: '200' });
  let consumer: Consumer;
  const seen: KafkaMessage[] = [];
  const subject = `contract-${randomUUID()}`;
  let owner: string;

  beforeAll(async () => {
    await system.start();
    owner = await system.token(subject);
    const kafka = new Kafka({
      clientId: 'another-team',
      brokers: system.env.KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
    });
    consumer = kafka.consumer({ groupId: `another-team-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: system.env.KAFKA_TOPIC, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message) });
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await system.stop();
  });

  const write = async (path: string, body: unknown, expected = [200, 201, 202]) => {
    const answer = await post(system.command.url, path, body, owner, { 'idempotency-key': randomUUID() });
    if (!expected.includes(answer.status))
      throw new Error(`${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body as { accountId?: string; transferId?: string };
  };
  const open = async () => (await write('/accounts', { ownerId: subject, currency: 'EUR' })).accountId!;
  const transferStatus = async (transferId: string) =>
    (await get(system.query.url, `/transfers/${transferId}`, owner)).body?.status as string | undefined;

  /**
   * Every event type: deposits, a withdrawal, an adjustment, a completed transfer, a refunded one, a
   * closed account.
   */
  async function useEveryEventType(): Promise<void> {
    const [a, b] = [await open(), await open()];
    await write(`/accounts/${a}/deposits`, { amount: 10_000 });
    await write(`/accounts/${a}/withdrawals`, { amount: 1_000 });
    const adjusted = await post(
      system.command.url,
      `/accounts/${a}/adjustments`,
      { amount: -100, reason: 'contract test' },
      await system.admin(),
      { 'idempotency-key': randomUUID() },
    );
    expect(adjusted.status).toBe(200);
    const done = (await write('/transfers', { fromAccountId: a, toAccountId: b, amount: 500 })).transferId!;
    await eventually(async () => expect(await transferStatus(done)).toBe('completed'), 30_000, 200);
    // A refund needs the credit refused: the target closes (at a zero balance) after the request and
    // before the transfer worker's credit. The worker is usually slower than our close, not always.
    for (let attempt = 0; attempt < 10; attempt++) {
      const target = await open();
      const refunded = (await write('/transfers', { fromAccountId: a, toAccountId: target, amount: 100 }))
        .transferId!;
      const closed = await post(system.command.url, `/accounts/${target}/close`, {}, owner, {
        'idempotency-key': randomUUID(),
      });
      const status = await eventually(
        async () => {
          const now = await transferStatus(refunded);
          expect(['completed', 'failed']).toContain(now);
          return now;
        },
        30_000,
        200,
      );
      if (status === 'failed' && closed.status === 200) return;
    }
    throw new Error('no transfer was refunded in 10 attempts');
  }

  it('carries only messages its schemas accept, of every event type', async () => {
    await useEveryEventType();
    const eventCount = async () => {
      // What the store holds, by the audit API of every account the test touched, would need their
      // ids; the topic's own end is simpler: wait until the consumer has read it all.
      const admin = kafkaAdmin();
      await admin.connect();
      try {
        const offsets = await admin.fetchTopicOffsets(system.env.KAFKA_TOPIC);
        return offsets.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
      } finally {
        await admin.disconnect();
      }
    };
    await eventually(async () => expect(seen.length).toBe(await eventCount()), 30_000, 250);

    const problems: string[] = [];
    const types = new Set<string>();
    for (const message of seen) {
      const headers = Object.fromEntries(
        Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
      );
      const id = `${headers['event-type']}.v${headers['schema-version']}`;
      const described = document.components.messages[id];
      if (!messageIds.includes(id) || !described) {
        problems.push(`offset ${message.offset}: no message ${id} in the document`);
        continue;
      }
      const payload = JSON.parse(message.value!.toString());
      for (const [part, schema, value] of [
        ['headers', described.headers, headers],
        ['payload', described.payload, payload],
      ] as const) {
        const validate = ajv.compile(schema);
        if (!validate(value)) problems.push(`${id} ${part}: ${ajv.errorsText(validate.errors)}`);
      }
      if (message.key?.toString() !== payload.streamId) problems.push(`${id}: key is not the stream id`);
      types.add(described.name);
    }
    expect(problems).toEqual([]);
    const documentedTypes = new Set(messageIds.map((id) => document.components.messages[id].name));
    expect([...types].sort()).toEqual([...documentedTypes].sort());
  });

  const kafkaAdmin = () =>
    new Kafka({
      clientId: 'another-team-admin',
      brokers: system.env.KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
    }).admin();
});
