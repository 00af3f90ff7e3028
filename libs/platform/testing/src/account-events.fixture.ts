import { randomBytes, randomUUID } from 'node:crypto';
import { decodeEvent, encodeEvent, type EventEnvelope } from '@tally/contracts';
import { createKafka, deadLetterTopicOf, ensureTopic } from '@tally/messaging';
import { Partitioners, type Kafka } from 'kafkajs';
import { quietLogger } from './quiet-logger';

/**
 * Builds account and transfer streams as the write side would publish them, for tests of the read
 * side that need no write side: versions are consecutive per stream, timestamps increase.
 */
export class EventStreams {
  private readonly versions = new Map<string, number>();
  private clock = Date.parse('2026-11-28T08:00:00Z');
  readonly events: EventEnvelope[] = [];

  private next(streamId: string, type: string, data: unknown, schemaVersion = 1): EventEnvelope {
    const streamVersion = (this.versions.get(streamId) ?? 0) + 1;
    this.versions.set(streamId, streamVersion);
    this.clock += 1_000;
    const event: EventEnvelope = {
      eventId: randomUUID(),
      type,
      schemaVersion,
      streamId,
      streamVersion,
      occurredAt: new Date(this.clock).toISOString(),
      data,
      metadata: { correlationId: 'test', causationId: 'test' },
    };
    this.events.push(event);
    return event;
  }

  open(ownerId: string, currency = 'EUR', accountId: string = randomUUID()): EventEnvelope {
    return this.next(`account-${accountId}`, 'tally.account.opened', { accountId, ownerId, currency });
  }

  deposit(accountId: string, amount: number): EventEnvelope {
    return this.next(`account-${accountId}`, 'tally.account.money-deposited', { amount });
  }

  withdraw(accountId: string, amount: number): EventEnvelope {
    return this.next(`account-${accountId}`, 'tally.account.money-withdrawn', { amount });
  }

  /** An operator's correction: signed amount, with its reason. */
  adjust(accountId: string, amount: number, reason = 'correction'): EventEnvelope {
    return this.next(`account-${accountId}`, 'tally.account.balance-adjusted', { amount, reason });
  }

  /** A completed transfer: its own stream plus the debit and credit on the two accounts. */
  transfer(from: string, to: string, amount: number, currency = 'EUR'): EventEnvelope[] {
    const transferId = randomUUID();
    const stream = `transfer-${transferId}`;
    return [
      this.next(stream, 'tally.transfer.requested', {
        transferId,
        fromAccountId: from,
        toAccountId: to,
        amount,
        currency,
      }),
      this.next(`account-${from}`, 'tally.account.transfer-debited', { transferId, amount, toAccountId: to }),
      this.next(stream, 'tally.transfer.source-debited', {}),
      this.next(`account-${to}`, 'tally.account.transfer-credited', {
        transferId,
        amount,
        fromAccountId: from,
      }),
      this.next(stream, 'tally.transfer.completed', {}),
    ];
  }

  /** Reserves the next version of a stream without recording an event (to build a poison message). */
  skip(streamId: string, type: string, data: unknown): EventEnvelope {
    const event = this.next(streamId, type, data);
    this.events.pop();
    return event;
  }
}

/** A fresh topic (and its dead-letter topic) on the test broker. */
export async function createTestTopic(
  label: string,
  partitions = 3,
): Promise<{ kafka: Kafka; topic: string; brokers: string }> {
  const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
  const kafka = createKafka(
    { brokers: brokers.split(','), clientId: `test-${label}`, topic: '', partitions },
    quietLogger,
  );
  const topic = `tally.test.${label}.${randomBytes(4).toString('hex')}`;
  await ensureTopic(kafka, topic, partitions);
  await ensureTopic(kafka, deadLetterTopicOf(topic), partitions);
  return { kafka, topic, brokers };
}

/** Raw messages, keyed by stream like the relay's; `value` may be anything (poison messages). */
export async function produce(
  kafka: Kafka,
  topic: string,
  messages: { key: string; value: string; partition?: number }[],
): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

export const asMessages = (events: EventEnvelope[]) =>
  events.map((event) => ({ key: event.streamId, value: encodeEvent(event) }));

/** The events as a consumer of the topic receives them: encoded, then decoded and upcast. */
export const asDelivered = (events: EventEnvelope[]): EventEnvelope[] =>
  events.map((event) => decodeEvent(encodeEvent(event)));
