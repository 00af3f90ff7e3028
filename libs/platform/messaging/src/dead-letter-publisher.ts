import { Partitioners, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import { deadLetterTopicOf } from './topics';

export const DeadLetterHeaders = {
  topic: 'dlq-original-topic',
  partition: 'dlq-original-partition',
  offset: 'dlq-original-offset',
  error: 'dlq-error',
  failedAt: 'dlq-failed-at',
} as const;

export interface DeadLetter {
  topic: string;
  partition: number;
  message: KafkaMessage;
  error: Error;
}

/**
 * Moves messages that can never be applied (undecodable, invalid) aside, with where they came from
 * and why, so that their partition keeps flowing. The original key, value and headers are kept so a
 * message can be re-driven once the cause is fixed.
 */
export class DeadLetterPublisher {
  private readonly producer: Producer;
  private connected?: Promise<void>;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  async publish(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    await this.connected;
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: letters.map(({ topic, partition, message, error }) => ({
        topic: deadLetterTopicOf(topic),
        messages: [
          {
            key: message.key,
            value: message.value,
            headers: {
              ...message.headers,
              [DeadLetterHeaders.topic]: topic,
              [DeadLetterHeaders.partition]: String(partition),
              [DeadLetterHeaders.offset]: message.offset,
              [DeadLetterHeaders.error]: error.message.slice(0, 1_000),
              [DeadLetterHeaders.failedAt]: new Date().toISOString(),
            },
          },
        ],
      })),
    });
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
