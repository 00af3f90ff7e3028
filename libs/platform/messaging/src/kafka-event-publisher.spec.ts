import type { EventEnvelope } from '@tally/contracts';
import type { ICustomPartitioner, Kafka, Message, ProducerConfig, RecordMetadata } from 'kafkajs';
import { KafkaEventPublisher } from './kafka-event-publisher';

const event = (streamId: string): EventEnvelope =>
  ({
    eventId: `e-${streamId}`,
    streamId,
    streamVersion: 1,
    type: 'MoneyDeposited',
    schemaVersion: 2,
    occurredAt: '2026-01-01T00:00:00.000Z',
    data: { amount: 1 },
    metadata: { correlationId: 'c', causationId: 'c' },
  }) as unknown as EventEnvelope;

/** What one send of a fake producer does: fail with an error type, or acknowledge these partitions. */
type Outcome = { fail: string } | { acknowledge: number[] | 'all' };

/**
 * A Kafka whose producers partition each message by its key (account-N → partition N) through the
 * publisher's own partitioner, as kafkajs does, and answer each send with the next outcome (by
 * default: every partition written to acknowledged).
 */
const fakeKafka = (...outcomes: Outcome[]) => {
  const producers: { sends: number; disconnected: boolean }[] = [];
  const kafka = {
    producer: ({ createPartitioner }: ProducerConfig) => {
      const producer = { sends: 0, disconnected: false };
      producers.push(producer);
      const partitioner = (createPartitioner as ICustomPartitioner)();
      return {
        connect: async () => undefined,
        disconnect: async () => void (producer.disconnected = true),
        send: async ({
          topic,
          messages,
        }: {
          topic: string;
          messages: Message[];
        }): Promise<RecordMetadata[]> => {
          producer.sends++;
          const written = new Set<number>();
          for (const message of messages) written.add(partitioner({ topic, partitionMetadata: [], message }));
          const outcome = outcomes.shift() ?? { acknowledge: 'all' };
          if ('fail' in outcome) throw Object.assign(new Error(outcome.fail), { type: outcome.fail });
          const acknowledged = outcome.acknowledge === 'all' ? [...written] : outcome.acknowledge;
          return acknowledged.map((partition) => ({
            topicName: topic,
            partition,
            errorCode: 0,
            baseOffset: '7',
          }));
        },
      };
    },
  } as unknown as Kafka;
  return { kafka, producers };
};

jest.mock('./remembering-partitioner', () => ({
  // account-N → partition N, so that a test knows where each event goes.
  RememberingPartitioner: () => (args: { message: Message }) =>
    Number(String(args.message.key).split('-')[1]),
}));

describe('KafkaEventPublisher', () => {
  it('answers, per partition written to, how far it is now known to reach', async () => {
    const { kafka } = fakeKafka();
    const publisher = new KafkaEventPublisher(kafka, 'topic');
    await expect(publisher.publish([event('account-0'), event('account-2')])).resolves.toEqual({
      0: '8',
      2: '8',
    });
  });

  it('fails a send that kafkajs resolved without acknowledging every partition written to', async () => {
    // kafkajs 2.2.4 after a leader change: partition 2 moved to a broker that had already answered.
    const { kafka, producers } = fakeKafka({ acknowledge: [0, 1] });
    const publisher = new KafkaEventPublisher(kafka, 'topic');
    const batch = [event('account-0'), event('account-1'), event('account-2')];
    await expect(publisher.publish(batch)).rejects.toMatchObject({
      type: 'PARTITIONS_NOT_ACKNOWLEDGED',
      partitions: [2],
    });
    // The caller's retry goes through a new producer (fresh sequence numbers) and is acknowledged.
    await expect(publisher.publish(batch)).resolves.toEqual({ 0: '8', 1: '8', 2: '8' });
    expect(producers.map((p) => [p.sends, p.disconnected])).toEqual([
      [1, true],
      [1, false],
    ]);
  });

  it.each(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'REQUEST_TIMED_OUT', 'NOT_LEADER_OR_FOLLOWER'])(
    'replaces its producer after a send failed with %s, so that the retry starts fresh sequence numbers',
    async (type) => {
      const { kafka, producers } = fakeKafka({ fail: type });
      const publisher = new KafkaEventPublisher(kafka, 'topic');
      await expect(publisher.publish([event('account-0')])).rejects.toThrow(type);
      await publisher.publish([event('account-0')]);
      expect(producers.map((p) => [p.sends, p.disconnected])).toEqual([
        [1, true],
        [1, false],
      ]);
    },
  );

  it('keeps its producer while sends succeed', async () => {
    const { kafka, producers } = fakeKafka();
    const publisher = new KafkaEventPublisher(kafka, 'topic');
    await publisher.publish([event('account-0')]);
    await publisher.publish([event('account-1')]);
    expect(producers.map((p) => p.sends)).toEqual([2]);
  });
});
