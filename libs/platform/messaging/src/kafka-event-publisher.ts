import { encodeEvent, type EventEnvelope } from '@tally/contracts';
import { CompressionTypes, type Kafka, type Producer } from 'kafkajs';
import { RememberingPartitioner } from './remembering-partitioner';

export const EventHeaders = {
  eventId: 'event-id',
  eventType: 'event-type',
  schemaVersion: 'schema-version',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
} as const;

/**
 * Errors after which the broker will never again accept this producer's sequence numbers: a broker
 * killed -9 comes back with producer state that no longer matches ours, and every later send fails
 * the same way. Only a new producer (a new producer id) gets past them.
 */
const LOST_PRODUCER_STATE = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
]);

const errorType = (error: unknown): string | undefined => {
  const { type, originalError } = (error ?? {}) as { type?: string; originalError?: { type?: string } };
  return originalError?.type ?? type;
};

/**
 * Publishes events keyed by stream id, so that each stream stays in order on one partition.
 * Idempotent producer with acks=all: a retried send is not duplicated by the broker, and `publish`
 * resolves only once every in-sync replica has the batch. When the broker has lost this producer's
 * state, the failed publish also replaces the producer, so the caller's retry (the relay republishes
 * from its checkpoint) goes through; what the broker already had arrives twice, which consumers drop.
 */
export class KafkaEventPublisher {
  private producer: Producer;
  private connected?: Promise<void>;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
  ) {
    this.producer = this.newProducer();
  }

  async publish(events: EventEnvelope[]): Promise<void> {
    try {
      await this.send(events);
    } catch (error) {
      if (LOST_PRODUCER_STATE.has(errorType(error) ?? '')) await this.replaceProducer();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }

  private newProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: RememberingPartitioner,
    });
  }

  private async replaceProducer(): Promise<void> {
    const stale = this.producer;
    this.producer = this.newProducer();
    this.connected = undefined;
    await stale.disconnect().catch(() => undefined);
  }

  private async send(events: EventEnvelope[]): Promise<void> {
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    await this.connected;
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      compression: CompressionTypes.None,
      messages: events.map((event) => ({
        key: event.streamId,
        value: encodeEvent(event),
        headers: {
          [EventHeaders.eventId]: event.eventId,
          [EventHeaders.eventType]: event.type,
          [EventHeaders.schemaVersion]: String(event.schemaVersion),
          [EventHeaders.correlationId]: event.metadata.correlationId,
          [EventHeaders.causationId]: event.metadata.causationId,
        },
      })),
    });
  }
}
