import type { EventEnvelope } from '@tally/contracts';
import type { Kafka } from 'kafkajs';
import { KafkaEventPublisher } from './kafka-event-publisher';

const event = {
  eventId: 'e1',
  streamId: 'account-1',
  streamVersion: 1,
  type: 'MoneyDeposited',
  schemaVersion: 2,
  occurredAt: '2026-01-01T00:00:00.000Z',
  data: { amount: 1 },
  metadata: { correlationId: 'c', causationId: 'c' },
} as unknown as EventEnvelope;

/** A Kafka whose producers fail their sends with the given error types, one per send, then succeed. */
const kafkaFailingWith = (...failures: string[]) => {
  const producers: { sends: number; disconnected: boolean }[] = [];
  const kafka = {
    producer: () => {
      const producer = { sends: 0, disconnected: false };
      producers.push(producer);
      return {
        connect: async () => undefined,
        disconnect: async () => void (producer.disconnected = true),
        send: async () => {
          producer.sends++;
          const type = failures.shift();
          if (type) throw Object.assign(new Error(type), { type });
          return [];
        },
      };
    },
  } as unknown as Kafka;
  return { kafka, producers };
};

describe('KafkaEventPublisher', () => {
  it('replaces its producer once the broker has lost its idempotence state, so a retry goes through', async () => {
    const { kafka, producers } = kafkaFailingWith('OUT_OF_ORDER_SEQUENCE_NUMBER');
    const publisher = new KafkaEventPublisher(kafka, 'topic');
    await expect(publisher.publish([event])).rejects.toThrow('OUT_OF_ORDER_SEQUENCE_NUMBER');
    await publisher.publish([event]);
    expect(producers.map((p) => [p.sends, p.disconnected])).toEqual([
      [1, true],
      [1, false],
    ]);
  });

  it('keeps its producer through other failures (the broker down, a timeout)', async () => {
    const { kafka, producers } = kafkaFailingWith('REQUEST_TIMED_OUT');
    const publisher = new KafkaEventPublisher(kafka, 'topic');
    await expect(publisher.publish([event])).rejects.toThrow('REQUEST_TIMED_OUT');
    await publisher.publish([event]);
    expect(producers).toHaveLength(1);
    expect(producers[0].sends).toBe(2);
  });
});
