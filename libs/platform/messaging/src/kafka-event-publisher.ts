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
 * Publishes events keyed by stream id, so that each stream stays in order on one partition.
 * Idempotent producer with acks=all: a retried send is not duplicated by the broker, and `publish`
 * resolves only once every in-sync replica has the batch.
 */
export class KafkaEventPublisher {
  private readonly producer: Producer;
  private connected?: Promise<void>;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: RememberingPartitioner,
    });
  }

  async publish(events: EventEnvelope[]): Promise<void> {
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

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
