import { encodeEvent, type EventEnvelope } from '@tally/contracts';
import {
  CompressionTypes,
  type Admin,
  type Kafka,
  type Message,
  type Producer,
  type RecordMetadata,
} from 'kafkajs';
import { PartitionsNotAcknowledgedError, unacknowledgedPartitions } from './acknowledgements';
import { RememberingPartitioner } from './remembering-partitioner';
import { SendSpans, recordingPartitions } from './send-spans';

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
 * resolves only once every in-sync replica has the batch, on every partition it wrote to (kafkajs'
 * own answer is checked: see unacknowledgedPartitions).
 *
 * A failed publish replaces the producer. After a failure, what the broker appended and what kafkajs
 * believes it appended may differ (kafkajs rolls back its sequence numbers for a request that timed
 * out or lost its connection, which the broker may have appended; a broker killed -9 may have lost
 * this producer's state): the caller's retry (the relay republishes from its checkpoint) must not be
 * refused (OUT_OF_ORDER_SEQUENCE_NUMBER) nor, worse, dropped as a duplicate of a different batch that
 * carried the same sequence numbers. A new producer id starts fresh; what the broker already had
 * arrives twice, in stream order, and consumers drop the copies.
 */
export class KafkaEventPublisher {
  private producer: Producer;
  private connected?: Promise<void>;
  private admin?: Promise<Admin>;
  /** The partition of each message sent (see recordingPartitions). */
  private readonly partitions = new WeakMap<Message, number>();

  constructor(
    private readonly kafka: Kafka,
    readonly topic: string,
  ) {
    this.producer = this.newProducer();
  }

  /**
   * Resolves once every message is acknowledged, with, per partition written to, a number of
   * messages the partition is now known to hold (the batch's base offset + 1).
   */
  async publish(events: EventEnvelope[]): Promise<Record<string, string>> {
    try {
      return knownEnds(await this.send(events));
    } catch (error) {
      await this.replaceProducer();
      throw error;
    }
  }

  /** Where each partition of the topic ends now (its high watermark). */
  async endOffsets(): Promise<Record<string, string>> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })().catch((error: unknown) => {
      this.admin = undefined;
      throw error;
    });
    const offsets = await (await this.admin).fetchTopicOffsets(this.topic);
    return Object.fromEntries(offsets.map((p) => [String(p.partition), p.high]));
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await Promise.all([
      this.producer.disconnect(),
      admin?.then((a) => a.disconnect()).catch(() => undefined),
    ]);
  }

  private newProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: recordingPartitions(RememberingPartitioner, this.partitions),
    });
  }

  private async replaceProducer(): Promise<void> {
    const stale = this.producer;
    this.producer = this.newProducer();
    this.connected = undefined;
    await stale.disconnect().catch(() => undefined);
  }

  private async send(events: EventEnvelope[]): Promise<RecordMetadata[]> {
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    await this.connected;
    const messages: Message[] = events.map((event) => ({
      key: event.streamId,
      value: encodeEvent(event),
      headers: {
        [EventHeaders.eventId]: event.eventId,
        [EventHeaders.eventType]: event.type,
        [EventHeaders.schemaVersion]: String(event.schemaVersion),
        [EventHeaders.correlationId]: event.metadata.correlationId,
        [EventHeaders.causationId]: event.metadata.causationId,
      },
    }));
    const spans = SendSpans.start(this.topic, events, messages, this.partitions);
    const sent = this.producer.send({
      topic: this.topic,
      acks: -1,
      compression: CompressionTypes.None,
      messages,
    });
    try {
      const acknowledged = await sent;
      const missing = unacknowledgedPartitions(this.topic, messages, this.partitions, acknowledged);
      if (missing.length > 0) throw new PartitionsNotAcknowledgedError(this.topic, missing);
      spans?.acknowledged(acknowledged);
      return acknowledged;
    } catch (error) {
      spans?.failed(error);
      throw error;
    }
  }
}

const knownEnds = (acknowledged: RecordMetadata[]): Record<string, string> =>
  Object.fromEntries(
    acknowledged
      .filter((record) => record.baseOffset !== undefined)
      .map((record) => [String(record.partition), (BigInt(record.baseOffset as string) + 1n).toString()]),
  );
